-- +goose Up
-- The national division tree. Keep in step with migrations/sqlite.
CREATE TABLE divisions (
    -- COLLATE "C": codes are ASCII digits, so byte order is the order, and
    -- PostgreSQL 15 compares C-collated text with memcmp instead of going
    -- through the locale (C.UTF-8 included); this made the import faster.
    code        text COLLATE "C" PRIMARY KEY
                CHECK (length(code) IN (2, 4, 6, 9, 12)),
    name        text NOT NULL CHECK (name <> ''),
    level       text NOT NULL
                CHECK (level IN ('province', 'city', 'county', 'township', 'community')),
    parent_code text COLLATE "C" NULL REFERENCES divisions (code),
    kind        text NULL
                CHECK (kind IN ('subdistrict', 'town', 'township', 'urban', 'rural', 'other')),
    region      text NULL CHECK (region IN ('east', 'central', 'west', 'northeast')),
    urban_rural text NULL
                CHECK (urban_rural IN ('111', '112', '121', '122', '123', '210', '220')),
    terrain     text NULL CHECK (terrain IN ('plain', 'hill', 'mountain', 'plateau')),
    population  bigint NULL CHECK (population >= 0),
    households  bigint NULL CHECK (households >= 0),
    lat         double precision NULL CHECK (lat BETWEEN -90 AND 90),
    lng         double precision NULL CHECK (lng BETWEEN -180 AND 180),
    updated_at  timestamptz NOT NULL,
    -- Provinces, and only provinces, have no parent.
    CHECK ((level = 'province') = (parent_code IS NULL)),
    CHECK ((lat IS NULL) = (lng IS NULL))
);

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

-- History of importer runs. id is a UUIDv7 generated in Go.
CREATE TABLE import_runs (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind <> ''),
    source      text NOT NULL,
    atomic      boolean NOT NULL,
    status      text NOT NULL
                CHECK (status IN ('completed', 'partial', 'rejected', 'failed')),
    total       bigint NOT NULL CHECK (total >= 0),
    written     bigint NOT NULL CHECK (written >= 0),
    rejected    bigint NOT NULL CHECK (rejected >= 0),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL
);

-- Latest runs of one kind.
CREATE INDEX import_runs_kind_started_idx ON import_runs (kind, started_at);

-- +goose Down
DROP TABLE import_runs;
DROP TABLE divisions;
