-- +goose Up
-- Public service items (服务事项), requests (办件) with their timelines, the
-- holiday table for working-day time limits, attachments, delegations
-- (委托代理) and their custody logs. Keep in step with migrations/sqlite.
-- Lists (materials, channels, divisions, form, values) are JSON text: they
-- are read and written whole with their row, never queried into.

CREATE TABLE service_items (
    code            text COLLATE "C" PRIMARY KEY,
    name            text NOT NULL CHECK (name <> ''),
    department      text NOT NULL,
    category        text NOT NULL,
    audience        text NOT NULL,
    conditions      text NOT NULL,
    materials       text NOT NULL,
    process         text NOT NULL,
    legal_days      integer NOT NULL CHECK (legal_days >= 0),
    time_limit_days integer NOT NULL CHECK (time_limit_days >= 1),
    fee_fen         bigint NOT NULL CHECK (fee_fen >= 0),
    legal_basis     text NOT NULL,
    place           text NOT NULL,
    phone           text NOT NULL,
    complaint       text NOT NULL,
    channels        text NOT NULL,
    divisions       text NOT NULL,
    form            text NOT NULL,
    active          boolean NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- The holiday table (节假日安排): days that differ from the Monday–Friday week.
CREATE TABLE holidays (
    day  text COLLATE "C" PRIMARY KEY CHECK (length(day) = 10),
    kind text NOT NULL CHECK (kind = 'holiday' OR kind = 'workday'),
    name text NOT NULL
);

-- The readable numbers' counter. SQLite has one writer, so a counter row
-- advanced inside the submitting transaction costs nothing more; PostgreSQL
-- uses a sequence instead (no row lock held to commit).
CREATE SEQUENCE request_seq;

CREATE TABLE service_requests (
    id            uuid PRIMARY KEY,
    number        text COLLATE "C" NOT NULL UNIQUE,
    token         text NOT NULL UNIQUE,
    item_code     text COLLATE "C" NOT NULL REFERENCES service_items (code),
    community     text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    resident_id   uuid NULL,
    owner_user_id uuid NULL,
    channel       text NOT NULL CHECK (channel = 'online' OR channel = 'window' OR channel = 'agency' OR channel = 'phone'),
    description   text NOT NULL,
    attrs         text NOT NULL,
    lat           double precision NULL,
    lng           double precision NULL,
    address       text NOT NULL,
    state         text NOT NULL,
    department    text NOT NULL,
    delegation_id uuid NULL,
    agent_id      uuid NULL,
    submitted_by  text NOT NULL,
    identity_note text NOT NULL,
    materials     text NOT NULL,
    missing       text NOT NULL,
    result        text NOT NULL,
    reason        text NOT NULL,
    rating        integer NOT NULL CHECK (rating >= 0 AND rating <= 5),
    rating_note   text NOT NULL,
    due_at        timestamptz NOT NULL,
    paused_at     timestamptz NULL,
    completed_at  timestamptz NULL,
    -- Working days from filing to completion, set on completion (indicators).
    handling_days integer NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
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
    community text COLLATE "C" NOT NULL,
    state     text NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (community, state)
);

-- Requests per community, item, channel, outcome (completed, on time, working
-- days to completion) and rating, kept in the transaction of every change:
-- the indicator module "services" reads these few rows instead of
-- grouping millions of requests.
CREATE TABLE request_indicator_counts (
    community text COLLATE "C" NOT NULL,
    item_code text COLLATE "C" NOT NULL,
    channel   text NOT NULL,
    done      integer NOT NULL,
    on_time   integer NOT NULL,
    days      integer NOT NULL,
    rating    integer NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (community, item_code, channel, done, on_time, days, rating)
);

-- The timeline of a request.
CREATE TABLE request_events (
    id         uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES service_requests (id),
    at         timestamptz NOT NULL,
    actor_id   text NOT NULL,
    actor_name text NOT NULL,
    kind       text NOT NULL,
    from_state text NOT NULL,
    to_state   text NOT NULL,
    note       text NOT NULL,
    on_behalf  text NOT NULL
);
CREATE INDEX request_events_request_idx ON request_events (request_id, at);

-- Files attached to a request or a delegation (its signed form).
CREATE TABLE attachments (
    id           uuid PRIMARY KEY,
    object_type  text NOT NULL CHECK (object_type = 'request' OR object_type = 'delegation'),
    object_id    text NOT NULL,
    community    text COLLATE "C" NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    data         bytea NOT NULL,
    uploaded_by  text NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX attachments_object_idx ON attachments (object_type, object_id);

CREATE TABLE delegations (
    id             uuid PRIMARY KEY,
    resident_id    uuid NOT NULL REFERENCES residents (id),
    community      text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    agent_id       uuid NOT NULL REFERENCES users (id),
    items          text NOT NULL,
    valid_from     timestamptz NOT NULL,
    valid_until    timestamptz NOT NULL,
    state          text NOT NULL CHECK (state = 'requested' OR state = 'active' OR state = 'completed' OR state = 'revoked'),
    consent_method text NOT NULL,
    consent_at     timestamptz NULL,
    consent_file   text NOT NULL,
    note           text NOT NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX delegations_resident_idx ON delegations (resident_id);
CREATE INDEX delegations_agent_idx ON delegations (agent_id);

-- What an agent did with a resident's materials (who, when).
CREATE TABLE delegation_custody (
    id            uuid PRIMARY KEY,
    delegation_id uuid NOT NULL REFERENCES delegations (id),
    request_id    text NOT NULL,
    material      text NOT NULL,
    action        text NOT NULL CHECK (action = 'received' OR action = 'forwarded' OR action = 'returned'),
    party         text NOT NULL,
    by_id         text NOT NULL,
    by_name       text NOT NULL,
    at            timestamptz NOT NULL
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
DROP SEQUENCE request_seq;
DROP TABLE holidays;
DROP TABLE service_items;
