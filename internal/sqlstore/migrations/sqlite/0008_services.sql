-- +goose Up
-- Public service items (服务事项), requests (办件) with their timelines, the
-- holiday table for working-day time limits, attachments, delegations
-- (委托代理) and their custody logs. Keep in step with migrations/postgres.
-- Lists (materials, channels, divisions, form, values) are JSON text: they
-- are read and written whole with their row, never queried into.

CREATE TABLE service_items (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL CHECK (name <> ''),
    department      TEXT NOT NULL,
    category        TEXT NOT NULL,
    audience        TEXT NOT NULL,
    conditions      TEXT NOT NULL,
    materials       TEXT NOT NULL,
    process         TEXT NOT NULL,
    legal_days      INTEGER NOT NULL CHECK (legal_days >= 0),
    time_limit_days INTEGER NOT NULL CHECK (time_limit_days >= 1),
    fee_fen         INTEGER NOT NULL CHECK (fee_fen >= 0),
    legal_basis     TEXT NOT NULL,
    place           TEXT NOT NULL,
    phone           TEXT NOT NULL,
    complaint       TEXT NOT NULL,
    channels        TEXT NOT NULL,
    divisions       TEXT NOT NULL,
    form            TEXT NOT NULL,
    active          INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- The holiday table (节假日安排): days that differ from the Monday–Friday week.
CREATE TABLE holidays (
    day  TEXT PRIMARY KEY CHECK (length(day) = 10),
    kind TEXT NOT NULL CHECK (kind = 'holiday' OR kind = 'workday'),
    name TEXT NOT NULL
);

-- The readable numbers' counter. SQLite has one writer, so a counter row
-- advanced inside the submitting transaction costs nothing more; PostgreSQL
-- uses a sequence instead (no row lock held to commit).
CREATE TABLE request_seq (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO request_seq (id, n) VALUES (1, 0);

CREATE TABLE service_requests (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    token         TEXT NOT NULL UNIQUE,
    item_code     TEXT NOT NULL REFERENCES service_items (code),
    community     TEXT NOT NULL CHECK (length(community) = 12),
    resident_id   TEXT NULL,
    owner_user_id TEXT NULL,
    channel       TEXT NOT NULL CHECK (channel = 'online' OR channel = 'window' OR channel = 'agency' OR channel = 'phone'),
    description   TEXT NOT NULL,
    attrs         TEXT NOT NULL,
    lat           REAL NULL,
    lng           REAL NULL,
    address       TEXT NOT NULL,
    state         TEXT NOT NULL,
    department    TEXT NOT NULL,
    delegation_id TEXT NULL,
    agent_id      TEXT NULL,
    submitted_by  TEXT NOT NULL,
    identity_note TEXT NOT NULL,
    materials     TEXT NOT NULL,
    missing       TEXT NOT NULL,
    result        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    rating        INTEGER NOT NULL CHECK (rating >= 0 AND rating <= 5),
    rating_note   TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    paused_at     TEXT NULL,
    completed_at  TEXT NULL,
    -- Working days from filing to completion, set on completion (indicators).
    handling_days INTEGER NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- The worker queue: one state of a community (or a prefix range of
-- communities) in due-date order, paged by (due_at, id).
CREATE INDEX service_requests_queue_idx ON service_requests (community, state, due_at, id);
-- The same across communities, for county-wide queues.
CREATE INDEX service_requests_state_due_idx ON service_requests (state, due_at, id);
-- A resident's own requests (partial: Open311 reports have none, and an
-- index entry per NULL would only slow submissions); Open311 lists by
-- creation time.
CREATE INDEX service_requests_resident_idx ON service_requests (resident_id, created_at) WHERE resident_id IS NOT NULL;
CREATE INDEX service_requests_created_idx ON service_requests (created_at);
CREATE INDEX service_requests_delegation_idx ON service_requests (delegation_id) WHERE delegation_id IS NOT NULL;

-- Requests per community and state, kept in the transaction of every
-- change, so that the queue's counts per state read a few rows instead of
-- counting millions.
CREATE TABLE request_state_counts (
    community TEXT NOT NULL,
    state     TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (community, state)
);

-- Requests per community, item, channel, outcome (completed, on time, working
-- days to completion) and rating, kept in the transaction of every change:
-- the indicator module "services" reads these few rows instead of
-- grouping millions of requests.
CREATE TABLE request_indicator_counts (
    community TEXT NOT NULL,
    item_code TEXT NOT NULL,
    channel   TEXT NOT NULL,
    done      INTEGER NOT NULL,
    on_time   INTEGER NOT NULL,
    days      INTEGER NOT NULL,
    rating    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (community, item_code, channel, done, on_time, days, rating)
);

-- The timeline of a request.
CREATE TABLE request_events (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES service_requests (id),
    at         TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    kind       TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    note       TEXT NOT NULL,
    on_behalf  TEXT NOT NULL
);
CREATE INDEX request_events_request_idx ON request_events (request_id, at);

-- Files attached to a request or a delegation (its signed form).
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    object_type  TEXT NOT NULL CHECK (object_type = 'request' OR object_type = 'delegation'),
    object_id    TEXT NOT NULL,
    community    TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size > 0),
    data         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX attachments_object_idx ON attachments (object_type, object_id);

CREATE TABLE delegations (
    id             TEXT PRIMARY KEY,
    resident_id    TEXT NOT NULL REFERENCES residents (id),
    community      TEXT NOT NULL CHECK (length(community) = 12),
    agent_id       TEXT NOT NULL REFERENCES users (id),
    items          TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state = 'requested' OR state = 'active' OR state = 'completed' OR state = 'revoked'),
    consent_method TEXT NOT NULL,
    consent_at     TEXT NULL,
    consent_file   TEXT NOT NULL,
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX delegations_resident_idx ON delegations (resident_id);
CREATE INDEX delegations_agent_idx ON delegations (agent_id);

-- What an agent did with a resident's materials (who, when).
CREATE TABLE delegation_custody (
    id            TEXT PRIMARY KEY,
    delegation_id TEXT NOT NULL REFERENCES delegations (id),
    request_id    TEXT NOT NULL,
    material      TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action = 'received' OR action = 'forwarded' OR action = 'returned'),
    party         TEXT NOT NULL,
    by_id         TEXT NOT NULL,
    by_name       TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX delegation_custody_idx ON delegation_custody (delegation_id, at);

-- +goose Down
DROP TABLE delegation_custody;
DROP TABLE delegations;
DROP TABLE attachments;
DROP TABLE request_events;
DROP TABLE request_indicator_counts;
DROP TABLE request_state_counts;
DROP TABLE service_requests;
DROP TABLE request_seq;
DROP TABLE holidays;
DROP TABLE service_items;
