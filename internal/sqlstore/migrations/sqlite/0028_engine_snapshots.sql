-- +goose Up
-- compat: expand
-- Issue 18 (ready in under 5 s): the persisted state of the in-memory
-- engines, one row per engine ('indicators', 'coverage'), with the change
-- feed's sequence number it reflects. A server starts from it and applies
-- the changes published after that number instead of reading every
-- division (sqlstore/engine_snapshot.go). A new table only: servers of the
-- previous release run on it unchanged. Keep in step with
-- migrations/postgres.
CREATE TABLE engine_snapshots (
    engine   TEXT PRIMARY KEY,
    version  INTEGER NOT NULL,  -- the engine's snapshot format
    schema_version INTEGER NOT NULL,  -- the schema version it was taken on
    seq      INTEGER NOT NULL,  -- the change feed's sequence it reflects
    base_at  TEXT NOT NULL,     -- the full load it descends from
    taken_at TEXT NOT NULL,
    checksum INTEGER NOT NULL,  -- CRC-32C of data
    data     BLOB NOT NULL
);

-- +goose Down
DROP TABLE engine_snapshots;
