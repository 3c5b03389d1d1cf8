-- +goose Up
-- Accounts, sessions, API tokens and the hash-chained audit trail. Keep in
-- step with migrations/sqlite.

-- Accounts. username is kept as typed for display; username_key is its lower
-- case, unique, so that "Zhang" and "zhang" cannot both exist and login is
-- case-insensitive. scope is a division code, '' for the whole country (not
-- a reference: the national tree may be imported after the first sysadmin
-- is created). COLLATE "C" on codes: byte order is code order, and prefix
-- ranges (scope >= '3305' AND scope < '3305:') use the index.
CREATE TABLE users (
    id                   uuid PRIMARY KEY,
    username             text NOT NULL,
    username_key         text NOT NULL UNIQUE,
    name                 text NOT NULL,
    role                 text NOT NULL
                         CHECK (role IN ('resident', 'community_worker', 'org_member', 'social_worker',
                                         'property_staff', 'official', 'auditor', 'sysadmin', 'secadmin')),
    scope                text COLLATE "C" NOT NULL,
    disabled             boolean NOT NULL,
    must_change_password boolean NOT NULL,
    failed_logins        integer NOT NULL CHECK (failed_logins >= 0),
    locked_until         timestamptz NULL,
    password_hash        text NOT NULL,
    password_changed_at  timestamptz NOT NULL,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

-- Lists of the accounts at and below a division (prefix range on scope).
CREATE INDEX users_scope_idx ON users (scope);
-- CountUsers by role (the first-start check for a sysadmin).
CREATE INDEX users_role_idx ON users (role);

-- Browser sessions. id is the hex SHA-256 of the cookie token: a stolen
-- database does not yield usable cookies.
CREATE TABLE sessions (
    id           text PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    client_addr  text NOT NULL
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- API tokens; hash is the hex SHA-256 of the secret.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    hash         text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NULL,
    revoked_at   timestamptz NULL,
    last_used_at timestamptz NULL
);

CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- The audit trail: append-only, hash-chained (shequ.AuditRecord.ComputeHash).
-- seq is given by Go from audit_head, 1, 2, 3… without gaps. Text columns
-- are NOT NULL with '' for "none": the hash covers them as strings. id is
-- text, not uuid, so that it reads back exactly as hashed.
CREATE TABLE audit_log (
    seq         bigint PRIMARY KEY CHECK (seq >= 1),
    id          text NOT NULL UNIQUE,
    time        timestamptz NOT NULL,
    actor_id    text NOT NULL,
    actor_name  text NOT NULL,
    role        text NOT NULL,
    action      text NOT NULL CHECK (action <> ''),
    object_type text NOT NULL,
    object_id   text NOT NULL,
    division    text COLLATE "C" NOT NULL,
    result      text NOT NULL CHECK (result IN ('allowed', 'denied', 'failed')),
    client_addr text NOT NULL,
    request_id  text NOT NULL,
    detail      text NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL
);

-- The auditor's filters: time range, division prefix, actor, object.
CREATE INDEX audit_log_time_idx ON audit_log (time);
CREATE INDEX audit_log_division_idx ON audit_log (division);
CREATE INDEX audit_log_actor_name_idx ON audit_log (actor_name);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id);

-- The head of the chain: one row holding the last seq and hash. Writers take
-- its row lock (UPDATE … RETURNING) so that concurrent appends are
-- serialized. It also lets verification tell a deleted tail apart from a
-- short chain.
CREATE TABLE audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL CHECK (seq >= 0),
    hash text NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Append-only: changing or deleting a record is refused by the database
-- itself, whatever the application does. TRUNCATE skips row triggers, so it
-- gets a statement trigger of its own. (Someone who can drop the triggers
-- can still edit rows; the hash chain then shows it.)
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'raise_exception';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The head only moves forward and is never removed.
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
    FOR EACH ROW WHEN (NEW.seq < OLD.seq OR NEW.id <> OLD.id)
    EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
