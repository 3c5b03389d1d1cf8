-- +goose Up
-- 三社联动 (issue 5): needs, supports, projects, bids, reviews, objections,
-- activities, evaluations, the generic timeline and in-app notifications
-- with their outbox. Keep in step with migrations/sqlite. ids are UUIDv7
-- text generated in Go; times RFC 3339 UTC text; dates 'YYYY-MM-DD' in
-- Asia/Shanghai; money integer 分. Every row carries its community code.

CREATE TABLE needs (
    id          uuid PRIMARY KEY,
    community   text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    category    text NOT NULL CHECK (category <> ''),
    title       text NOT NULL CHECK (title <> ''),
    description text NOT NULL,
    channel     text NOT NULL CHECK (channel = 'online' OR channel = 'front_desk' OR channel = 'visit'),
    author_id   text NOT NULL,
    resident_id uuid NULL REFERENCES residents (id),
    status      text NOT NULL,
    reason      text NOT NULL,
    merged_into uuid NULL REFERENCES needs (id),
    project_id  uuid NULL,
    supports    integer NOT NULL CHECK (supports >= 0),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Ranked lists in a scope (prefix range on community); indicators group by
-- community, status and category.
CREATE INDEX needs_community_status_idx ON needs (community, status, category);
CREATE INDEX needs_project_idx ON needs (project_id);

-- One support (附议) per account and need.
CREATE TABLE need_supports (
    need_id    uuid NOT NULL REFERENCES needs (id),
    user_id    text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (need_id, user_id)
);

CREATE TABLE projects (
    id                uuid PRIMARY KEY,
    community         text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    title             text NOT NULL CHECK (title <> ''),
    target_group      text NOT NULL,
    objectives        text NOT NULL,
    -- JSON arrays: [{"measure":…,"target":…}], [{"key":…,"weight":…}].
    indicators        text NOT NULL,
    criteria          text NOT NULL,
    -- [{"name":…,"due":"YYYY-MM-DD","measure":…,"target":…}]
    milestones        text NOT NULL,
    budget_fen        bigint NOT NULL CHECK (budget_fen > 0),
    period_start      text NOT NULL CHECK (length(period_start) = 10),
    period_end        text NOT NULL CHECK (length(period_end) = 10),
    -- Comma-separated organization kinds that may bid; '' any.
    org_kinds         text NOT NULL,
    bid_deadline      timestamptz NOT NULL,
    require_certified boolean NOT NULL,
    weight_residents  integer NOT NULL,
    weight_community  integer NOT NULL,
    weight_third      integer NOT NULL CHECK (weight_residents + weight_community + weight_third = 100),
    objection_days    integer NOT NULL CHECK (objection_days > 0),
    status            text NOT NULL,
    comment           text NOT NULL,
    winner_bid_id     uuid NULL,
    awarded_at        timestamptz NULL,
    objection_ends    timestamptz NULL,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX projects_community_status_idx ON projects (community, status);

CREATE TABLE project_reviewers (
    project_id uuid NOT NULL REFERENCES projects (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (project_id, user_id)
);

-- One bid per organization and project.
CREATE TABLE bids (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id),
    org_id       uuid NOT NULL REFERENCES social_orgs (id),
    plan         text NOT NULL,
    price_fen    bigint NOT NULL CHECK (price_fen > 0),
    experience   text NOT NULL,
    status       text NOT NULL,
    submitted_by text NOT NULL,
    submitted_at timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    UNIQUE (project_id, org_id)
);

CREATE TABLE bid_team (
    bid_id    uuid NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
    worker_id uuid NOT NULL REFERENCES social_workers (id),
    PRIMARY KEY (bid_id, worker_id)
);

-- One review per reviewer and bid; scores as JSON {"plan": 35, …}.
CREATE TABLE reviews (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    bid_id      uuid NOT NULL REFERENCES bids (id),
    reviewer_id text NOT NULL,
    scores      text NOT NULL,
    total       integer NOT NULL CHECK (total >= 0),
    created_at  timestamptz NOT NULL,
    UNIQUE (bid_id, reviewer_id)
);

CREATE INDEX reviews_project_idx ON reviews (project_id);

CREATE TABLE objections (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    author_id   text NOT NULL,
    text        text NOT NULL CHECK (text <> ''),
    answer      text NOT NULL,
    answered_by text NOT NULL,
    created_at  timestamptz NOT NULL,
    answered_at timestamptz NULL
);

CREATE INDEX objections_project_idx ON objections (project_id);

CREATE TABLE activities (
    id              uuid PRIMARY KEY,
    project_id      uuid NOT NULL REFERENCES projects (id),
    community       text COLLATE "C" NOT NULL,
    day             text NOT NULL CHECK (length(day) = 10),
    place           text NOT NULL,
    content         text NOT NULL,
    -- Comma-separated service functions.
    functions       text NOT NULL,
    participants    integer NOT NULL CHECK (participants >= 0),
    volunteers      integer NOT NULL CHECK (volunteers >= 0),
    volunteer_hours integer NOT NULL CHECK (volunteer_hours >= 0),
    recorded_by     text NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE INDEX activities_project_idx ON activities (project_id, day);

CREATE TABLE activity_residents (
    activity_id uuid NOT NULL REFERENCES activities (id),
    resident_id uuid NOT NULL REFERENCES residents (id),
    PRIMARY KEY (activity_id, resident_id)
);

CREATE TABLE evaluations (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id),
    community    text COLLATE "C" NOT NULL,
    kind         text NOT NULL CHECK (kind = 'resident' OR kind = 'community' OR kind = 'third_party'),
    score        integer NOT NULL CHECK (score >= 0 AND score <= 100),
    comment      text NOT NULL,
    assessor     text NOT NULL,
    evaluator_id text NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE INDEX evaluations_project_idx ON evaluations (project_id);
-- A resident rates a project once.
CREATE UNIQUE INDEX evaluations_resident_once_idx ON evaluations (project_id, evaluator_id) WHERE kind = 'resident';

-- The history of every object of the chain.
CREATE TABLE timeline_events (
    id          uuid PRIMARY KEY,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    division    text COLLATE "C" NOT NULL,
    actor_id    text NOT NULL,
    actor_name  text NOT NULL,
    action      text NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    note        text NOT NULL,
    time        timestamptz NOT NULL
);

CREATE INDEX timeline_events_object_idx ON timeline_events (object_type, object_id, time);

CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    user_id     text NOT NULL,
    kind        text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    subject     text NOT NULL,
    created_at  timestamptz NOT NULL,
    read_at     timestamptz NULL
);

CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);

-- One row per notification and channel; senders of other channels (SMS,
-- WeChat) take 'pending' rows and mark them 'sent' or 'failed'.
CREATE TABLE notification_outbox (
    id              uuid PRIMARY KEY,
    notification_id uuid NOT NULL REFERENCES notifications (id),
    channel         text NOT NULL,
    status          text NOT NULL CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'),
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz NULL
);

CREATE INDEX notification_outbox_pending_idx ON notification_outbox (channel, status);

-- Photos of needs and activities, kept in the database with the record they
-- show (object_type 'need' or 'activity').
CREATE TABLE linkage_photos (
    id           uuid PRIMARY KEY,
    object_type  text NOT NULL CHECK (object_type = 'need' OR object_type = 'activity'),
    object_id    uuid NOT NULL,
    content_type text NOT NULL
                 CHECK (content_type = 'image/jpeg' OR content_type = 'image/png' OR content_type = 'image/webp'),
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE INDEX linkage_photos_object_idx ON linkage_photos (object_type, object_id, created_at);

-- +goose Down
DROP TABLE linkage_photos;
DROP TABLE notification_outbox;
DROP TABLE notifications;
DROP TABLE timeline_events;
DROP TABLE evaluations;
DROP TABLE activity_residents;
DROP TABLE activities;
DROP TABLE objections;
DROP TABLE reviews;
DROP TABLE bid_team;
DROP TABLE bids;
DROP TABLE project_reviewers;
DROP TABLE projects;
DROP TABLE need_supports;
DROP TABLE needs;
