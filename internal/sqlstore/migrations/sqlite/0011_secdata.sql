-- +goose Up
-- Issue 14 (items 1, 5, 6): personal values of request forms sealed,
-- two-factor sign-in (TOTP) with recovery codes, and verified
-- self-registration. Keep in step with migrations/postgres.

-- The values of a request's personal form fields (phone, ID number,
-- addresses), sealed as one JSON document (AES-GCM, bound to the request);
-- '' when the form has none. attrs keeps the other values.
ALTER TABLE service_requests ADD COLUMN attrs_sealed TEXT NOT NULL DEFAULT '';

-- TOTP (RFC 6238): the secret sealed with the personal-data key, '' when
-- none; totp_enabled_at is set once the owner confirmed a code (a secret
-- without it is an enrolment in progress); totp_last_step is the last
-- time step accepted (a code is never accepted twice); totp_failures the
-- wrong codes in a row (locks like wrong passwords).
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT NULL;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0 CHECK (totp_last_step >= 0);
ALTER TABLE users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0 CHECK (totp_failures >= 0);

-- Self-registration: 'none' for accounts made by staff or the console;
-- 'pending' for a self-registered account not yet verified (it may read
-- only the service guides and its own registration); 'window' or 'sms'
-- once verified, and how. claim_*_idx are the blind indexes of the ID and
-- phone numbers typed at registration: the account is linked to the
-- resident they match only when it is verified.
ALTER TABLE users ADD COLUMN verify_state TEXT NOT NULL DEFAULT 'none'
    CHECK (verify_state = 'none' OR verify_state = 'pending' OR verify_state = 'window' OR verify_state = 'sms');
ALTER TABLE users ADD COLUMN verified_at TEXT NULL;
ALTER TABLE users ADD COLUMN claim_id_idx TEXT NULL;
ALTER TABLE users ADD COLUMN claim_phone_idx TEXT NULL;

-- The window finds the accounts waiting for a resident by the ID number.
CREATE INDEX users_claim_id_idx ON users (claim_id_idx) WHERE claim_id_idx IS NOT NULL;

-- Recovery codes of two-factor sign-in: their keyed hash (HMAC with the
-- index key, outside the database), each usable once.
CREATE TABLE user_recovery_codes (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_idx TEXT NOT NULL,
    used_at  TEXT NULL,
    PRIMARY KEY (user_id, code_idx)
);

-- A session's stage: '' signed in; 'totp' the password was right and a
-- code is due; 'enrol' the password was right and the account must set up
-- two-factor sign-in first. Only '' sessions act for their user.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT '' CHECK (stage = '' OR stage = 'totp' OR stage = 'enrol');

-- One verification code per pending account at a time: its keyed hash,
-- expiry, wrong tries, and the sends of the current day (throttling).
CREATE TABLE verify_codes (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code_idx   TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL CHECK (attempts >= 0),
    sent_at    TEXT NOT NULL,
    sends      INTEGER NOT NULL CHECK (sends >= 0),
    sends_day  TEXT NOT NULL
);

-- +goose Down
DROP TABLE verify_codes;
ALTER TABLE sessions DROP COLUMN stage;
DROP TABLE user_recovery_codes;
DROP INDEX users_claim_id_idx;
ALTER TABLE users DROP COLUMN claim_phone_idx;
ALTER TABLE users DROP COLUMN claim_id_idx;
ALTER TABLE users DROP COLUMN verified_at;
ALTER TABLE users DROP COLUMN verify_state;
ALTER TABLE users DROP COLUMN totp_failures;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enabled_at;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE service_requests DROP COLUMN attrs_sealed;
