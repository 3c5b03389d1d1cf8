-- +goose Up
-- The national division tree. WITHOUT ROWID clusters rows by code, so the
-- primary key is the table itself: one B-tree less to maintain during the
-- 665k-row import, and range scans by code prefix read neighbouring pages.
--
-- The CHECKs spell value lists as OR chains, not IN (…): SQLite codes a
-- constant IN list inside a CHECK as an ephemeral index built again for every
-- row written, which made the full import several times slower.
CREATE TABLE divisions (
    code        TEXT PRIMARY KEY
                CHECK (length(code) = 2 OR length(code) = 4 OR length(code) = 6
                       OR length(code) = 9 OR length(code) = 12),
    name        TEXT NOT NULL CHECK (name <> ''),
    level       TEXT NOT NULL
                CHECK (level = 'province' OR level = 'city' OR level = 'county'
                       OR level = 'township' OR level = 'community'),
    parent_code TEXT NULL REFERENCES divisions (code),
    kind        TEXT NULL
                CHECK (kind = 'subdistrict' OR kind = 'town' OR kind = 'township'
                       OR kind = 'urban' OR kind = 'rural' OR kind = 'other'),
    region      TEXT NULL CHECK (region = 'east' OR region = 'central'
                                OR region = 'west' OR region = 'northeast'),
    urban_rural TEXT NULL
                CHECK (urban_rural = '111' OR urban_rural = '112' OR urban_rural = '121'
                       OR urban_rural = '122' OR urban_rural = '123' OR urban_rural = '210'
                       OR urban_rural = '220'),
    terrain     TEXT NULL CHECK (terrain = 'plain' OR terrain = 'hill'
                                OR terrain = 'mountain' OR terrain = 'plateau'),
    population  BIGINT NULL CHECK (population >= 0),
    households  BIGINT NULL CHECK (households >= 0),
    lat         REAL NULL CHECK (lat BETWEEN -90 AND 90),
    lng         REAL NULL CHECK (lng BETWEEN -180 AND 180),
    -- RFC 3339 UTC text with a fixed-width fraction (see dialect.go).
    updated_at  TEXT NOT NULL,
    -- Provinces, and only provinces, have no parent.
    CHECK ((level = 'province') = (parent_code IS NULL)),
    CHECK ((lat IS NULL) = (lng IS NULL))
) WITHOUT ROWID;

-- Children listings and children counts.
CREATE INDEX divisions_parent_code_idx ON divisions (parent_code);
-- Lists by level above the communities (the provinces, for a start). The
-- communities are left out: they are 93% of the rows, so an index would not
-- help a query for them, and maintaining it cost a third of the full import
-- on SQLite (its inserts land in the middle of the B-tree, where every page
-- split rebalances). The predicate is an OR chain because SQLite uses a
-- partial index only when the query's WHERE matches one of its terms
-- (level = 'province' does); PostgreSQL proves the same implication.
CREATE INDEX divisions_level_idx ON divisions (level)
    WHERE level = 'province' OR level = 'city' OR level = 'county' OR level = 'township';

-- History of importer runs. id is a UUIDv7 in text form, generated in Go.
CREATE TABLE import_runs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind <> ''),
    source      TEXT NOT NULL,
    atomic      BOOLEAN NOT NULL CHECK (atomic = 0 OR atomic = 1),
    status      TEXT NOT NULL
                CHECK (status = 'completed' OR status = 'partial'
                       OR status = 'rejected' OR status = 'failed'),
    total       BIGINT NOT NULL CHECK (total >= 0),
    written     BIGINT NOT NULL CHECK (written >= 0),
    rejected    BIGINT NOT NULL CHECK (rejected >= 0),
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL
);

-- Latest runs of one kind.
CREATE INDEX import_runs_kind_started_idx ON import_runs (kind, started_at);

-- +goose Down
DROP TABLE import_runs;
DROP TABLE divisions;
