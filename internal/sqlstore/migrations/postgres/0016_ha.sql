-- +goose Up
-- Issue 18 (several servers on one database): the change feed. A committed
-- change that feeds the in-memory engines of the servers (indicators,
-- coverage, token caches) is published as a row here, in sequence, and
-- announced with NOTIFY shequ_changes; every server applies the rows after
-- the last one it applied (sqlstore/changefeed.go). Keep in step with
-- migrations/sqlite.
CREATE TABLE change_feed (
    seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin text NOT NULL,
    kind   text NOT NULL,
    keys   text NOT NULL DEFAULT '',
    at     timestamptz NOT NULL
);

CREATE INDEX change_feed_at_idx ON change_feed (at);

-- The highest sequence number deleted by pruning: a server that had not
-- read up to it reloads its engines in full.
CREATE TABLE change_feed_pruned (
    id    integer PRIMARY KEY CHECK (id = 1),
    up_to bigint NOT NULL
);

INSERT INTO change_feed_pruned (id, up_to) VALUES (1, 0);

-- +goose Down
DROP TABLE change_feed_pruned;
DROP TABLE change_feed;
