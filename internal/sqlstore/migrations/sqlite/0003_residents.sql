-- +goose Up
-- Residents (居民) and households (户). Keep in step with migrations/postgres.
-- ids are UUIDv7 text generated in Go; times are RFC 3339 UTC text with a
-- fixed-width fraction (see dialect.go).
--
-- ID and phone numbers are never stored in clear: *_enc hold AES-256-GCM
-- ciphertexts bound to the row and field ("v1:<key id>:<base64url>", see
-- internal/pii), *_idx hold the keyed HMAC-SHA256 blind index used for exact
-- lookup and uniqueness. birth_date and sex are derived from the ID number
-- and kept in clear on purpose: they serve age queries (minors, 60岁以上)
-- and are far from identifying a person the way the number does.

CREATE TABLE households (
    id         TEXT PRIMARY KEY,
    community  TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    address    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX households_community_idx ON households (community);

CREATE TABLE residents (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> ''),
    id_number_enc TEXT NOT NULL,
    id_number_idx TEXT NOT NULL UNIQUE,
    phone_enc     TEXT NULL,
    phone_idx     TEXT NULL,
    -- 'YYYY-MM-DD' text on both engines: text order is date order.
    birth_date    TEXT NOT NULL CHECK (length(birth_date) = 10),
    sex           TEXT NOT NULL CHECK (sex = 'male' OR sex = 'female'),
    community     TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    household_id  TEXT NULL REFERENCES households (id),
    relation      TEXT NULL
                  CHECK (relation = 'head' OR relation = 'spouse' OR relation = 'child'
                         OR relation = 'parent' OR relation = 'grandchild' OR relation = 'grandparent'
                         OR relation = 'sibling' OR relation = 'other'),
    -- The resident's own account, once they registered and linked it.
    user_id       TEXT NULL UNIQUE REFERENCES users (id),
    verified      BOOLEAN NOT NULL CHECK (verified = 0 OR verified = 1),
    verified_at   TEXT NULL,
    -- The user id of the worker who checked the identity, or 'cli'.
    verified_by   TEXT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
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
    resident_id TEXT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL CHECK (tag <> ''),
    PRIMARY KEY (resident_id, tag)
) WITHOUT ROWID;

CREATE INDEX resident_tags_tag_idx ON resident_tags (tag);

-- +goose Down
DROP TABLE resident_tags;
DROP TABLE residents;
DROP TABLE households;
