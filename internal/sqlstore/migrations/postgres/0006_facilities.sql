-- +goose Up
-- Community service facilities (服务设施) and what coverage needs of the
-- communities (issue 7). Keep in step with migrations/sqlite. ids are UUIDv7
-- generated in Go; opened_on a 'YYYY-MM-DD' date in Asia/Shanghai as text on
-- both engines. Locations are WGS-84 degrees (GCJ-02 input is converted
-- before it is stored). The coverage computation is in Go (internal/geo) and
-- does not depend on PostGIS.
--
-- COLLATE "C" on codes, names and dates, as in the registers.

CREATE TABLE facilities (
    id          uuid PRIMARY KEY,
    community   text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    name        text COLLATE "C" NOT NULL CHECK (name <> ''),
    kind        text NOT NULL
                CHECK (kind IN ('service_center', 'service_station', 'elderly_care', 'day_care', 'health',
                                'culture_sports', 'convenience', 'other')),
    floor_area  double precision NOT NULL CHECK (floor_area >= 0),
    lat         double precision NULL CHECK (lat BETWEEN 3 AND 54),
    lng         double precision NULL CHECK (lng BETWEEN 73 AND 136),
    radius      integer NOT NULL CHECK (radius BETWEEN 50 AND 50000),
    source      text NULL CHECK (source IN ('new_build', 'renovation', 'transfer', 'lease')),
    opened_on   text COLLATE "C" NULL CHECK (length(opened_on) = 10),
    status      text NOT NULL CHECK (status IN ('planned', 'in_use', 'closed')),
    hours       text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CHECK ((lat IS NULL) = (lng IS NULL))
);

CREATE INDEX facilities_community_idx ON facilities (community, status, kind);
CREATE INDEX facilities_name_idx ON facilities (name);
-- One name per community: a second import of the same file is refused
-- instead of doubling the register.
CREATE UNIQUE INDEX facilities_community_name_idx ON facilities (community, name);

CREATE TABLE facility_photos (
    id           uuid PRIMARY KEY,
    facility_id  uuid NOT NULL REFERENCES facilities (id) ON DELETE CASCADE,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX facility_photos_facility_idx ON facility_photos (facility_id, created_at);

-- 易地扶贫搬迁安置区: a tag of a community that siting may favour.
ALTER TABLE divisions ADD COLUMN relocation boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE divisions DROP COLUMN relocation;
DROP TABLE facility_photos;
DROP TABLE facilities;
