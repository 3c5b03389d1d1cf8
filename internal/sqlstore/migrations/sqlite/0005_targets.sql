-- +goose Up
-- Plan targets (规划目标) and monthly indicator snapshots. Keep in step with
-- migrations/postgres.
--
-- A target applies to its scope and everything below it for one plan
-- period; scope '' is the national level. The most specific scope wins, and
-- the store refuses a value below the one that applies above (the plan is a
-- floor). Rows with no local target fall back to the plan's defaults, which
-- live in code (shequ.PlanTargets), not here.
CREATE TABLE targets (
    scope   TEXT NOT NULL
            CHECK (length(scope) = 0 OR length(scope) = 2 OR length(scope) = 4
                   OR length(scope) = 6 OR length(scope) = 9 OR length(scope) = 12),
    period  TEXT NOT NULL CHECK (period <> ''),
    key     TEXT NOT NULL CHECK (key <> ''),
    value   REAL NOT NULL CHECK (value >= 0),
    -- The user id of who set it, or 'cli'.
    set_by  TEXT NOT NULL,
    set_at  TEXT NOT NULL,
    PRIMARY KEY (scope, period, key)
) WITHOUT ROWID;

-- The figures of one node ('' the whole country) at the end of a month
-- (YYYY-MM), as the JSON of shequ.IndicatorStats: trends read them back
-- whole and never query inside them.
CREATE TABLE indicator_snapshots (
    division TEXT NOT NULL,
    month    TEXT NOT NULL CHECK (length(month) = 7),
    stats    TEXT NOT NULL,
    PRIMARY KEY (division, month)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE indicator_snapshots;
DROP TABLE targets;
