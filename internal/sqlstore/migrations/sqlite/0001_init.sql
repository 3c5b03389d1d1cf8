-- +goose Up
-- The national division tree. WITHOUT ROWID clusters rows by code, so the
-- primary key is the table itself: one B-tree less to maintain during the
-- 665k-row import, and range scans by code prefix read neighbouring pages.
CREATE TABLE divisions (
    code        TEXT PRIMARY KEY
                CHECK (length(code) IN (2, 4, 6, 9, 12)),
    name        TEXT NOT NULL CHECK (name <> ''),
    level       TEXT NOT NULL
                CHECK (level IN ('province', 'city', 'county', 'township', 'community')),
    parent_code TEXT NULL REFERENCES divisions (code),
    kind        TEXT NULL
                CHECK (kind IN ('subdistrict', 'town', 'township', 'urban', 'rural', 'other')),
    region      TEXT NULL CHECK (region IN ('east', 'central', 'west', 'northeast')),
    urban_rural TEXT NULL
                CHECK (urban_rural IN ('111', '112', '121', '122', '123', '210', '220')),
    terrain     TEXT NULL CHECK (terrain IN ('plain', 'hill', 'mountain', 'plateau')),
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
-- Provinces listing and per-level counts.
CREATE INDEX divisions_level_idx ON divisions (level);

-- History of importer runs. id is a UUIDv7 in text form, generated in Go.
CREATE TABLE import_runs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind <> ''),
    source      TEXT NOT NULL,
    atomic      BOOLEAN NOT NULL CHECK (atomic IN (0, 1)),
    status      TEXT NOT NULL
                CHECK (status IN ('completed', 'partial', 'rejected', 'failed')),
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
