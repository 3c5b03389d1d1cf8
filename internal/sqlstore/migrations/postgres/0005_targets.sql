-- +goose Up
-- Plan targets (规划目标) and monthly indicator snapshots. Keep in step with
-- migrations/sqlite.
--
-- A target applies to its scope and everything below it for one plan
-- period; scope '' is the national level. The most specific scope wins, and
-- the store refuses a value below the one that applies above (the plan is a
-- floor). Rows with no local target fall back to the plan's defaults, which
-- live in code (shequ.PlanTargets), not here.
CREATE TABLE targets (
    scope   text COLLATE "C" NOT NULL CHECK (length(scope) IN (0, 2, 4, 6, 9, 12)),
    period  text NOT NULL CHECK (period <> ''),
    key     text NOT NULL CHECK (key <> ''),
    value   double precision NOT NULL CHECK (value >= 0),
    -- The user id of who set it, or 'cli'.
    set_by  text NOT NULL,
    set_at  timestamptz NOT NULL,
    PRIMARY KEY (scope, period, key)
);

-- The figures of one node ('' the whole country) at the end of a month
-- (YYYY-MM), as the JSON of shequ.IndicatorStats: trends read them back
-- whole and never query inside them, so text rather than jsonb.
CREATE TABLE indicator_snapshots (
    division text COLLATE "C" NOT NULL,
    month    text NOT NULL CHECK (length(month) = 7),
    stats    text NOT NULL,
    PRIMARY KEY (division, month)
);

-- +goose Down
DROP TABLE indicator_snapshots;
DROP TABLE targets;
