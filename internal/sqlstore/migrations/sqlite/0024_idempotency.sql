-- +goose Up
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

-- +goose Down
DROP TABLE idempotency_keys;
