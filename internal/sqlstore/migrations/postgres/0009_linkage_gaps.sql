-- +goose Up
-- Issue 5 gaps: readable project numbers (项目编号) such as
-- XM330523-2026-0001, unique per county and year of creation (in
-- Asia/Shanghai), drawn from keyed counters advanced in the inserting
-- transaction. Keep in step with migrations/sqlite.

-- number_counters holds one counter per scope, e.g. "project:330523:2026".
-- An upsert advances it inside the transaction that uses the number: on
-- SQLite the one writer holds the lock anyway, on PostgreSQL the row lock
-- of the upsert orders concurrent creations in the same scope.
CREATE TABLE number_counters (
    scope text COLLATE "C" PRIMARY KEY,
    n     bigint NOT NULL CHECK (n > 0)
);

ALTER TABLE projects ADD COLUMN number text COLLATE "C" NOT NULL DEFAULT '';

-- Backfill: existing projects are numbered per county and year in the
-- order they were created.
UPDATE projects p SET number = 'XM' || substr(o.community, 1, 6) || '-' || o.y || '-' ||
    CASE WHEN o.seq < 10000 THEN lpad(o.seq::text, 4, '0') ELSE o.seq::text END
FROM (SELECT id, community, to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY') AS y,
             ROW_NUMBER() OVER (PARTITION BY substr(community, 1, 6), to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY')
                                ORDER BY created_at, id) AS seq
      FROM projects) o
WHERE o.id = p.id;

INSERT INTO number_counters (scope, n)
SELECT 'project:' || substr(community, 1, 6) || ':' || to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY'), COUNT(*)
FROM projects
GROUP BY substr(community, 1, 6), to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY');

CREATE UNIQUE INDEX projects_number_idx ON projects (number);

-- +goose Down
DROP INDEX projects_number_idx;
ALTER TABLE projects DROP COLUMN number;
DROP TABLE number_counters;
