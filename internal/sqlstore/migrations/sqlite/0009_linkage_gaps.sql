-- +goose Up
-- Issue 5 gaps: readable project numbers (项目编号) such as
-- XM330523-2026-0001, unique per county and year of creation (in
-- Asia/Shanghai), drawn from keyed counters advanced in the inserting
-- transaction. Keep in step with migrations/postgres.

-- number_counters holds one counter per scope, e.g. "project:330523:2026".
-- An upsert advances it inside the transaction that uses the number: on
-- SQLite the one writer holds the lock anyway, on PostgreSQL the row lock
-- of the upsert orders concurrent creations in the same scope.
CREATE TABLE number_counters (
    scope TEXT PRIMARY KEY,
    n     INTEGER NOT NULL CHECK (n > 0)
);

ALTER TABLE projects ADD COLUMN number TEXT NOT NULL DEFAULT '';

-- Backfill: existing projects are numbered per county and year in the
-- order they were created.
UPDATE projects SET number = (
    SELECT 'XM' || substr(o.community, 1, 6) || '-' || o.y || '-' || printf('%04d', o.seq)
    FROM (SELECT id, community, strftime('%Y', created_at, '+8 hours') AS y,
                 ROW_NUMBER() OVER (PARTITION BY substr(community, 1, 6), strftime('%Y', created_at, '+8 hours')
                                    ORDER BY created_at, id) AS seq
          FROM projects) o
    WHERE o.id = projects.id);

INSERT INTO number_counters (scope, n)
SELECT 'project:' || substr(community, 1, 6) || ':' || strftime('%Y', created_at, '+8 hours'), COUNT(*)
FROM projects
GROUP BY substr(community, 1, 6), strftime('%Y', created_at, '+8 hours');

CREATE UNIQUE INDEX projects_number_idx ON projects (number);

-- +goose Down
DROP INDEX projects_number_idx;
ALTER TABLE projects DROP COLUMN number;
DROP TABLE number_counters;
