-- +goose Up
-- Community service facilities (服务设施) and what coverage needs of the
-- communities (issue 7). Keep in step with migrations/postgres. ids are
-- UUIDv7 text generated in Go; times RFC 3339 UTC text; opened_on a
-- 'YYYY-MM-DD' date in Asia/Shanghai. Locations are WGS-84 degrees (GCJ-02
-- input is converted before it is stored).

CREATE TABLE facilities (
    id          TEXT PRIMARY KEY,
    community   TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    name        TEXT NOT NULL CHECK (name <> ''),
    kind        TEXT NOT NULL
                CHECK (kind = 'service_center' OR kind = 'service_station' OR kind = 'elderly_care'
                       OR kind = 'day_care' OR kind = 'health' OR kind = 'culture_sports'
                       OR kind = 'convenience' OR kind = 'other'),
    floor_area  REAL NOT NULL CHECK (floor_area >= 0),
    lat         REAL NULL CHECK (lat BETWEEN 3 AND 54),
    lng         REAL NULL CHECK (lng BETWEEN 73 AND 136),
    radius      INTEGER NOT NULL CHECK (radius BETWEEN 50 AND 50000),
    source      TEXT NULL
                CHECK (source = 'new_build' OR source = 'renovation' OR source = 'transfer' OR source = 'lease'),
    opened_on   TEXT NULL CHECK (length(opened_on) = 10),
    status      TEXT NOT NULL CHECK (status = 'planned' OR status = 'in_use' OR status = 'closed'),
    hours       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK ((lat IS NULL) = (lng IS NULL))
);

-- Lists in a scope (prefix range on community) and per-community counts.
CREATE INDEX facilities_community_idx ON facilities (community, status, kind);
CREATE INDEX facilities_name_idx ON facilities (name);
-- One name per community: a second import of the same file is refused
-- instead of doubling the register.
CREATE UNIQUE INDEX facilities_community_name_idx ON facilities (community, name);

-- Photos of a facility, kept in the database with the record they show.
CREATE TABLE facility_photos (
    id           TEXT PRIMARY KEY,
    facility_id  TEXT NOT NULL REFERENCES facilities (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL
                 CHECK (content_type = 'image/jpeg' OR content_type = 'image/png' OR content_type = 'image/webp'),
    data         BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX facility_photos_facility_idx ON facility_photos (facility_id, created_at);

-- 易地扶贫搬迁安置区: a tag of a community that siting may favour.
ALTER TABLE divisions ADD COLUMN relocation BOOLEAN NOT NULL DEFAULT 0 CHECK (relocation = 0 OR relocation = 1);

-- +goose Down
ALTER TABLE divisions DROP COLUMN relocation;
DROP TABLE facility_photos;
DROP TABLE facilities;
