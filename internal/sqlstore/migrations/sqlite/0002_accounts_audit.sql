-- +goose Up
-- Accounts, sessions, API tokens and the hash-chained audit trail. Keep in
-- step with migrations/postgres. Times are RFC 3339 UTC text with a
-- fixed-width fraction (see dialect.go); ids are UUIDv7 text generated in Go.

-- Accounts. username is kept as typed for display; username_key is its lower
-- case, unique, so that "Zhang" and "zhang" cannot both exist and login is
-- case-insensitive. scope is a division code, '' for the whole country (not
-- a reference: the national tree may be imported after the first sysadmin
-- is created).
CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT NOT NULL,
    username_key         TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL
                         CHECK (role = 'resident' OR role = 'community_worker' OR role = 'org_member'
                                OR role = 'social_worker' OR role = 'property_staff' OR role = 'official'
                                OR role = 'auditor' OR role = 'sysadmin' OR role = 'secadmin'),
    scope                TEXT NOT NULL,
    disabled             BOOLEAN NOT NULL CHECK (disabled = 0 OR disabled = 1),
    must_change_password BOOLEAN NOT NULL CHECK (must_change_password = 0 OR must_change_password = 1),
    failed_logins        INTEGER NOT NULL CHECK (failed_logins >= 0),
    locked_until         TEXT NULL,
    password_hash        TEXT NOT NULL,
    password_changed_at  TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- Lists of the accounts at and below a division (prefix range on scope).
CREATE INDEX users_scope_idx ON users (scope);
-- CountUsers by role (the first-start check for a sysadmin).
CREATE INDEX users_role_idx ON users (role);

-- Browser sessions. id is the hex SHA-256 of the cookie token: a stolen
-- database does not yield usable cookies.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    client_addr  TEXT NOT NULL
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- API tokens; hash is the hex SHA-256 of the secret.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NULL,
    revoked_at   TEXT NULL,
    last_used_at TEXT NULL
);

CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- The audit trail: append-only, hash-chained (shequ.AuditRecord.ComputeHash).
-- seq is given by Go from audit_head, 1, 2, 3… without gaps; INTEGER PRIMARY
-- KEY makes it the rowid, so rows are stored in chain order. Text columns
-- are NOT NULL with '' for "none": the hash covers them as strings, and NULL
-- would read back differently on the two engines.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
    id          TEXT NOT NULL UNIQUE,
    time        TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action <> ''),
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    division    TEXT NOT NULL,
    result      TEXT NOT NULL CHECK (result = 'allowed' OR result = 'denied' OR result = 'failed'),
    client_addr TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

-- The auditor's filters: time range, division prefix, actor, object.
CREATE INDEX audit_log_time_idx ON audit_log (time);
CREATE INDEX audit_log_division_idx ON audit_log (division);
CREATE INDEX audit_log_actor_name_idx ON audit_log (actor_name);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id);

-- The head of the chain: one row holding the last seq and hash. Writers lock
-- it (SQLite: BEGIN IMMEDIATE holds the write lock; PostgreSQL: the row lock
-- of UPDATE) so that appends are serialized. It also lets verification tell
-- a deleted tail apart from a short chain.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Append-only: changing or deleting a record is refused by the database
-- itself, whatever the application does. (Someone who can drop the triggers
-- can still edit rows; the hash chain then shows it.)
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- The head only moves forward and is never removed.
-- +goose StatementBegin
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_head_no_delete;
DROP TRIGGER audit_head_forward;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
