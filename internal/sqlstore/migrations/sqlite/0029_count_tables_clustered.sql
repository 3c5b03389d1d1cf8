-- +goose Up
-- compat: expand
-- The per-community count tables stored in their primary key's order
-- (WITHOUT ROWID): a community's rows then sit together on a few pages
-- instead of one page per row. The queue page sums a community's rows
-- (243 rows of request_indicator_counts per community in the benchmark)
-- and the indicator engine's refresh reads them; under submissions every
-- such read starts with an empty page cache (WAL mode discards it after
-- another connection's commit), so each row was a page read: 212 pages for
-- one community's indicator counts before, 6 after. Every submission's
-- count upserts find their row in one B-tree instead of two. Same names,
-- columns and key: programs of the previous schema run on it unchanged.
-- Keep in step with migrations/postgres.
CREATE TABLE request_state_counts_new (
    community TEXT NOT NULL,
    state     TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (community, state)
) WITHOUT ROWID;
INSERT INTO request_state_counts_new (community, state, n)
    SELECT community, state, n FROM request_state_counts;
DROP TABLE request_state_counts;
ALTER TABLE request_state_counts_new RENAME TO request_state_counts;

CREATE TABLE request_indicator_counts_new (
    community TEXT NOT NULL,
    item_code TEXT NOT NULL,
    channel   TEXT NOT NULL,
    done      INTEGER NOT NULL,
    on_time   INTEGER NOT NULL,
    days      INTEGER NOT NULL,
    rating    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (community, item_code, channel, done, on_time, days, rating)
) WITHOUT ROWID;
INSERT INTO request_indicator_counts_new (community, item_code, channel, done, on_time, days, rating, n)
    SELECT community, item_code, channel, done, on_time, days, rating, n FROM request_indicator_counts;
DROP TABLE request_indicator_counts;
ALTER TABLE request_indicator_counts_new RENAME TO request_indicator_counts;

-- +goose Down
CREATE TABLE request_state_counts_old (
    community TEXT NOT NULL,
    state     TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (community, state)
);
INSERT INTO request_state_counts_old (community, state, n)
    SELECT community, state, n FROM request_state_counts;
DROP TABLE request_state_counts;
ALTER TABLE request_state_counts_old RENAME TO request_state_counts;

CREATE TABLE request_indicator_counts_old (
    community TEXT NOT NULL,
    item_code TEXT NOT NULL,
    channel   TEXT NOT NULL,
    done      INTEGER NOT NULL,
    on_time   INTEGER NOT NULL,
    days      INTEGER NOT NULL,
    rating    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (community, item_code, channel, done, on_time, days, rating)
);
INSERT INTO request_indicator_counts_old (community, item_code, channel, done, on_time, days, rating, n)
    SELECT community, item_code, channel, done, on_time, days, rating, n FROM request_indicator_counts;
DROP TABLE request_indicator_counts;
ALTER TABLE request_indicator_counts_old RENAME TO request_indicator_counts;
