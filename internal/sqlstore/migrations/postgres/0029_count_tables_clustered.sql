-- +goose Up
-- compat: expand
-- The per-community count tables rewritten in their primary key's order
-- (CLUSTER), so that a community's rows sit together on a few heap pages
-- instead of one page per row, as the SQLite side now stores them
-- (WITHOUT ROWID). The queue page and the indicator engine's refresh read a
-- community's rows by the key; the submissions' upserts are HOT updates that
-- stay on their page, so the order holds for the rows there (new rows are
-- appended). Nothing a program sees changes. Keep in step with
-- migrations/sqlite.
CLUSTER request_state_counts USING request_state_counts_pkey;
CLUSTER request_indicator_counts USING request_indicator_counts_pkey;
ALTER TABLE request_state_counts SET WITHOUT CLUSTER;
ALTER TABLE request_indicator_counts SET WITHOUT CLUSTER;

-- +goose Down
-- The order is not undone: rows in any order are the same table.
SELECT 1;
