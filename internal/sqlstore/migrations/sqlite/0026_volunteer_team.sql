-- +goose Up
-- compat: expand
-- Issue 17: a volunteer team has a description (where it serves, when it
-- meets), and a team's page lists the opportunities it serves. A defaulted
-- column and an index only: servers of the previous release run on it
-- unchanged. Keep in step with the other engine's migration.
ALTER TABLE volunteer_teams ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE INDEX volunteer_opportunities_team_idx ON volunteer_opportunities (team_id, day);

-- +goose Down
DROP INDEX volunteer_opportunities_team_idx;
ALTER TABLE volunteer_teams DROP COLUMN note;
