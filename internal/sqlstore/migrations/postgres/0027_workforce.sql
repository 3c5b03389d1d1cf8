-- +goose Up
-- compat: expand
-- Issue 17: a social worker of the register has a status and, once left,
-- the leaving day ('YYYY-MM-DD'); the indicator counts active ones only.
-- Only defaulted and nullable columns: servers of the previous release run
-- on it unchanged (their new workers are active). Keep in step with
-- migrations/sqlite.
ALTER TABLE social_workers ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR status = 'left');
ALTER TABLE social_workers ADD COLUMN left_on TEXT NULL;

-- +goose Down
ALTER TABLE social_workers DROP COLUMN left_on;
ALTER TABLE social_workers DROP COLUMN status;
