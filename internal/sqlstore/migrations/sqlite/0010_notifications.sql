-- +goose Up
-- Notifications for every module (issue 13): the detail of a notification
-- (the missing materials, the department, the result, the reason), the
-- delivery state of the outbox's e-mail and webhook rows, each account's
-- choice of channels, and the notices already given of overdue requests and
-- expiring delegations. Keep in step with migrations/postgres. Times are
-- RFC 3339 UTC text.

ALTER TABLE notifications ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- The notification centre's unread filter.
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, read_at, created_at);

-- Delivery attempts of an external channel (a background job per row) and
-- where it went (sealed, bound to the row; masked for the dead-letter list).
ALTER TABLE notification_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notification_outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE notification_outbox ADD COLUMN updated_at TEXT NULL;

-- The dead-letter list: failed rows, newest first.
CREATE INDEX notification_outbox_status_idx ON notification_outbox (status, updated_at);

-- An account's choice of an external channel. address_enc is the address
-- sealed with the personal-data key (AES-GCM bound to user and channel);
-- address_mask is what the pages show.
CREATE TABLE notification_channels (
    user_id      TEXT NOT NULL REFERENCES users (id),
    channel      TEXT NOT NULL CHECK (channel = 'email' OR channel = 'webhook'),
    enabled      BOOLEAN NOT NULL CHECK (enabled = 0 OR enabled = 1),
    address_enc  TEXT NOT NULL,
    address_mask TEXT NOT NULL,
    lang         TEXT NOT NULL CHECK (lang = 'zh-CN' OR lang = 'en'),
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, channel)
) WITHOUT ROWID;

-- The overdue notice given for a request at its due date: once per due
-- date (a request resumed after 补正 has a later one).
CREATE TABLE request_overdue_notices (
    request_id TEXT PRIMARY KEY REFERENCES service_requests (id),
    due_at     TEXT NOT NULL,
    noticed_at TEXT NOT NULL
) WITHOUT ROWID;

-- The expiry notice given for a delegation at its end date.
CREATE TABLE delegation_expiry_notices (
    delegation_id TEXT PRIMARY KEY REFERENCES delegations (id),
    valid_until   TEXT NOT NULL,
    noticed_at    TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE delegation_expiry_notices;
DROP TABLE request_overdue_notices;
DROP TABLE notification_channels;
DROP INDEX notification_outbox_status_idx;
ALTER TABLE notification_outbox DROP COLUMN updated_at;
ALTER TABLE notification_outbox DROP COLUMN last_error;
ALTER TABLE notification_outbox DROP COLUMN attempts;
DROP INDEX notifications_user_unread_idx;
ALTER TABLE notifications DROP COLUMN detail;
