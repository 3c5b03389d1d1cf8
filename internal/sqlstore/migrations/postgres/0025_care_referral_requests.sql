-- +goose Up
-- compat: expand
-- Issue 16: a care referral to a catalogue service item files a request for
-- the person; every move of a request looks up the referral that filed it
-- (one at most: a request is filed by one referral). This migration only
-- adds an index: servers of the previous release run on it unchanged.
-- Keep in step with migrations/sqlite.
CREATE UNIQUE INDEX care_referrals_request_idx ON care_referrals (request_id) WHERE request_id IS NOT NULL;

-- +goose Down
DROP INDEX care_referrals_request_idx;
