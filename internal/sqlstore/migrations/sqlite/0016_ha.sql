-- +goose Up
-- Issue 18 (several servers on one database): the change feed. A committed
-- change that feeds the in-memory engines of the servers (indicators,
-- coverage, token caches) is published as a row here, in sequence; every
-- server applies the rows after the last one it applied
-- (sqlstore/changefeed.go). AUTOINCREMENT: a sequence number is never
-- reused after pruning. Keep in step with migrations/postgres.
CREATE TABLE change_feed (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    kind   TEXT NOT NULL,
    keys   TEXT NOT NULL DEFAULT '',
    at     TEXT NOT NULL
);

CREATE INDEX change_feed_at_idx ON change_feed (at);

-- The highest sequence number deleted by pruning: a server that had not
-- read up to it reloads its engines in full.
CREATE TABLE change_feed_pruned (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    up_to INTEGER NOT NULL
);

INSERT INTO change_feed_pruned (id, up_to) VALUES (1, 0);

-- +goose Down
DROP TABLE change_feed_pruned;
DROP TABLE change_feed;
