-- +goose Up
-- Residents (居民) and households (户). Keep in step with migrations/sqlite.
-- ids are UUIDv7 generated in Go.
--
-- ID and phone numbers are never stored in clear: *_enc hold AES-256-GCM
-- ciphertexts bound to the row and field ("v1:<key id>:<base64url>", see
-- internal/pii), *_idx hold the keyed HMAC-SHA256 blind index used for exact
-- lookup and uniqueness. birth_date and sex are derived from the ID number
-- and kept in clear on purpose: they serve age queries (minors, 60岁以上)
-- and are far from identifying a person the way the number does.
--
-- COLLATE "C" on codes, names and dates: byte order on both engines, so that
-- prefix ranges on codes use the index and lists sort alike.

CREATE TABLE households (
    id         uuid PRIMARY KEY,
    community  text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    address    text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX households_community_idx ON households (community);

CREATE TABLE residents (
    id            uuid PRIMARY KEY,
    name          text COLLATE "C" NOT NULL CHECK (name <> ''),
    id_number_enc text NOT NULL,
    id_number_idx text NOT NULL UNIQUE,
    phone_enc     text NULL,
    phone_idx     text NULL,
    -- 'YYYY-MM-DD' text on both engines: text order is date order.
    birth_date    text COLLATE "C" NOT NULL CHECK (length(birth_date) = 10),
    sex           text NOT NULL CHECK (sex IN ('male', 'female')),
    community     text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    household_id  uuid NULL REFERENCES households (id),
    relation      text NULL
                  CHECK (relation IN ('head', 'spouse', 'child', 'parent', 'grandchild', 'grandparent',
                                      'sibling', 'other')),
    -- The resident's own account, once they registered and linked it.
    user_id       uuid NULL UNIQUE REFERENCES users (id),
    verified      boolean NOT NULL,
    verified_at   timestamptz NULL,
    -- The user id of the worker who checked the identity, or 'cli'.
    verified_by   text NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CHECK ((phone_enc IS NULL) = (phone_idx IS NULL)),
    CHECK ((household_id IS NULL) = (relation IS NULL))
);

-- Lists per community and at or below a division (prefix range on code).
CREATE INDEX residents_community_name_idx ON residents (community, name);
-- Search by name across a scope.
CREATE INDEX residents_name_idx ON residents (name);
-- Self-registration matches the ID number index and this one.
CREATE INDEX residents_phone_idx_idx ON residents (phone_idx);
-- Members of a household.
CREATE INDEX residents_household_idx ON residents (household_id);
-- Age queries: minors, 60岁以上.
CREATE INDEX residents_birth_date_idx ON residents (birth_date);
-- One head per household.
CREATE UNIQUE INDEX residents_household_head_idx ON residents (household_id) WHERE relation = 'head';

-- Stored tags; the derived tag elderly_60 is computed from birth_date.
CREATE TABLE resident_tags (
    resident_id uuid NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    tag         text NOT NULL CHECK (tag <> ''),
    PRIMARY KEY (resident_id, tag)
);

CREATE INDEX resident_tags_tag_idx ON resident_tags (tag);

-- +goose Down
DROP TABLE resident_tags;
DROP TABLE residents;
DROP TABLE households;
