-- +goose Up
-- compat: expand
-- Issue 18: idempotency keys of submissions (sqlstore/idempotency.go). A
-- key is claimed in the transaction that creates, so the submission and its
-- key commit together; the first answer is saved beside it once written
-- (status 0 until then). Kept a day (idempotency_prune). This migration
-- only adds a table: servers of the previous release run on it unchanged.
-- Keep in step with migrations/postgres.
CREATE TABLE idempotency_keys (
    account      TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    route        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    body         BLOB,
    PRIMARY KEY (account, idem_key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Rolling upgrades (sqlstore/migrate_compat.go): the oldest schema version a
-- program may know and still run on this database — the version of the last
-- migration that was not marked "compat: expand" (a contraction, or a
-- migration from before the marks). Written by the program that migrates.
CREATE TABLE schema_compat (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    floor INTEGER NOT NULL
);

INSERT INTO schema_compat (id, floor) VALUES (1, 0);

-- +goose Down
DROP TABLE schema_compat;
DROP TABLE idempotency_keys;
