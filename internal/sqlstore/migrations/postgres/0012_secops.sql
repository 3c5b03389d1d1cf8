-- +goose Up
-- Issue 14 (operations): the readiness probe's row, the registry of the
-- personal-data keys and of the servers that hold them (key rotation while
-- servers run), and the keyed audit chain. Keep in step with
-- migrations/sqlite.

-- /readyz proves that a write can be made by updating this row.
CREATE TABLE readiness_probe (
    id integer PRIMARY KEY CHECK (id = 1),
    at timestamptz NOT NULL
);

INSERT INTO readiness_probe (id, at) VALUES (1, '1970-01-01T00:00:00Z');

-- The data keys of the key file, by id, with a fingerprint (an HMAC of a
-- fixed label under the key, never the key) so that a key file that does
-- not belong to this database is refused. state: new (in the key files,
-- not sealing yet), current (seals), old (opens what it sealed, seals
-- nothing), retired (removed from the key files; nothing may use it).
CREATE TABLE data_keys (
    id          integer PRIMARY KEY CHECK (id >= 1),
    fingerprint text NOT NULL CHECK (fingerprint <> ''),
    state       text NOT NULL CHECK (state IN ('new', 'current', 'old', 'retired')),
    added_at    timestamptz NOT NULL,
    changed_at  timestamptz NOT NULL
);

CREATE UNIQUE INDEX data_keys_one_current ON data_keys (state) WHERE state = 'current';

-- Running servers and the keys they hold, renewed every few seconds (a
-- heartbeat); a row whose expires_at has passed is a server that stopped
-- without saying so. key_ids lists the ids of the ring, comma-separated.
CREATE TABLE key_holders (
    instance    text PRIMARY KEY,
    host        text NOT NULL,
    pid         integer NOT NULL,
    addr        text NOT NULL,
    started_at  timestamptz NOT NULL,
    seen_at     timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    current_key integer NOT NULL,
    key_ids     text NOT NULL
);

-- The audit chain is keyed (HMAC-SHA256 under a key outside the database)
-- from the record keyed_from on; the records before it keep their plain
-- SHA-256 hashes. key_id is the fingerprint of the HMAC key. Both are set
-- once, by the first append with a key, and never change.
ALTER TABLE audit_head ADD COLUMN keyed_from bigint NOT NULL DEFAULT 0 CHECK (keyed_from >= 0);
ALTER TABLE audit_head ADD COLUMN key_id text NOT NULL DEFAULT '';

CREATE TRIGGER audit_head_keyed_once BEFORE UPDATE ON audit_head
    FOR EACH ROW WHEN (OLD.keyed_from <> 0 AND (NEW.keyed_from <> OLD.keyed_from OR NEW.key_id <> OLD.key_id))
    EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TRIGGER audit_head_keyed_once ON audit_head;
ALTER TABLE audit_head DROP COLUMN key_id;
ALTER TABLE audit_head DROP COLUMN keyed_from;
DROP TABLE key_holders;
DROP TABLE data_keys;
DROP TABLE readiness_probe;
