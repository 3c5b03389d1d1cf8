-- +goose Up
-- 三社联动 (issue 5): needs, supports, projects, bids, reviews, objections,
-- activities, evaluations, the generic timeline and in-app notifications
-- with their outbox. Keep in step with migrations/postgres. ids are UUIDv7
-- text generated in Go; times RFC 3339 UTC text; dates 'YYYY-MM-DD' in
-- Asia/Shanghai; money integer 分. Every row carries its community code.

CREATE TABLE needs (
    id          TEXT PRIMARY KEY,
    community   TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    category    TEXT NOT NULL CHECK (category <> ''),
    title       TEXT NOT NULL CHECK (title <> ''),
    description TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel = 'online' OR channel = 'front_desk' OR channel = 'visit'),
    author_id   TEXT NOT NULL,
    resident_id TEXT NULL REFERENCES residents (id),
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    merged_into TEXT NULL REFERENCES needs (id),
    project_id  TEXT NULL,
    supports    INTEGER NOT NULL CHECK (supports >= 0),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Ranked lists in a scope (prefix range on community); indicators group by
-- community, status and category.
CREATE INDEX needs_community_status_idx ON needs (community, status, category);
CREATE INDEX needs_project_idx ON needs (project_id);

-- One support (附议) per account and need.
CREATE TABLE need_supports (
    need_id    TEXT NOT NULL REFERENCES needs (id),
    user_id    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (need_id, user_id)
) WITHOUT ROWID;

CREATE TABLE projects (
    id                TEXT PRIMARY KEY,
    community         TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    title             TEXT NOT NULL CHECK (title <> ''),
    target_group      TEXT NOT NULL,
    objectives        TEXT NOT NULL,
    -- JSON arrays: [{"measure":…,"target":…}], [{"key":…,"weight":…}].
    indicators        TEXT NOT NULL,
    criteria          TEXT NOT NULL,
    -- [{"name":…,"due":"YYYY-MM-DD","measure":…,"target":…}]
    milestones        TEXT NOT NULL,
    budget_fen        INTEGER NOT NULL CHECK (budget_fen > 0),
    period_start      TEXT NOT NULL CHECK (length(period_start) = 10),
    period_end        TEXT NOT NULL CHECK (length(period_end) = 10),
    -- Comma-separated organization kinds that may bid; '' any.
    org_kinds         TEXT NOT NULL,
    bid_deadline      TEXT NOT NULL,
    require_certified BOOLEAN NOT NULL CHECK (require_certified = 0 OR require_certified = 1),
    weight_residents  INTEGER NOT NULL,
    weight_community  INTEGER NOT NULL,
    weight_third      INTEGER NOT NULL CHECK (weight_residents + weight_community + weight_third = 100),
    objection_days    INTEGER NOT NULL CHECK (objection_days > 0),
    status            TEXT NOT NULL,
    comment           TEXT NOT NULL,
    winner_bid_id     TEXT NULL,
    awarded_at        TEXT NULL,
    objection_ends    TEXT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE INDEX projects_community_status_idx ON projects (community, status);

CREATE TABLE project_reviewers (
    project_id TEXT NOT NULL REFERENCES projects (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;

-- One bid per organization and project.
CREATE TABLE bids (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id),
    org_id       TEXT NOT NULL REFERENCES social_orgs (id),
    plan         TEXT NOT NULL,
    price_fen    INTEGER NOT NULL CHECK (price_fen > 0),
    experience   TEXT NOT NULL,
    status       TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (project_id, org_id)
);

CREATE TABLE bid_team (
    bid_id    TEXT NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
    worker_id TEXT NOT NULL REFERENCES social_workers (id),
    PRIMARY KEY (bid_id, worker_id)
) WITHOUT ROWID;

-- One review per reviewer and bid; scores as JSON {"plan": 35, …}.
CREATE TABLE reviews (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id),
    bid_id      TEXT NOT NULL REFERENCES bids (id),
    reviewer_id TEXT NOT NULL,
    scores      TEXT NOT NULL,
    total       INTEGER NOT NULL CHECK (total >= 0),
    created_at  TEXT NOT NULL,
    UNIQUE (bid_id, reviewer_id)
);

CREATE INDEX reviews_project_idx ON reviews (project_id);

CREATE TABLE objections (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id),
    author_id   TEXT NOT NULL,
    text        TEXT NOT NULL CHECK (text <> ''),
    answer      TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    answered_at TEXT NULL
);

CREATE INDEX objections_project_idx ON objections (project_id);

CREATE TABLE activities (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id),
    community       TEXT NOT NULL,
    day             TEXT NOT NULL CHECK (length(day) = 10),
    place           TEXT NOT NULL,
    content         TEXT NOT NULL,
    -- Comma-separated service functions.
    functions       TEXT NOT NULL,
    participants    INTEGER NOT NULL CHECK (participants >= 0),
    volunteers      INTEGER NOT NULL CHECK (volunteers >= 0),
    volunteer_hours INTEGER NOT NULL CHECK (volunteer_hours >= 0),
    recorded_by     TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE INDEX activities_project_idx ON activities (project_id, day);

CREATE TABLE activity_residents (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    resident_id TEXT NOT NULL REFERENCES residents (id),
    PRIMARY KEY (activity_id, resident_id)
) WITHOUT ROWID;

CREATE TABLE evaluations (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id),
    community    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind = 'resident' OR kind = 'community' OR kind = 'third_party'),
    score        INTEGER NOT NULL CHECK (score >= 0 AND score <= 100),
    comment      TEXT NOT NULL,
    assessor     TEXT NOT NULL,
    evaluator_id TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE INDEX evaluations_project_idx ON evaluations (project_id);
-- A resident rates a project once.
CREATE UNIQUE INDEX evaluations_resident_once_idx ON evaluations (project_id, evaluator_id) WHERE kind = 'resident';

-- The history of every object of the chain.
CREATE TABLE timeline_events (
    id          TEXT PRIMARY KEY,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    division    TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    note        TEXT NOT NULL,
    time        TEXT NOT NULL
);

CREATE INDEX timeline_events_object_idx ON timeline_events (object_type, object_id, time);

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    read_at     TEXT NULL
);

CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);

-- One row per notification and channel; senders of other channels (SMS,
-- WeChat) take 'pending' rows and mark them 'sent' or 'failed'.
CREATE TABLE notification_outbox (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications (id),
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'),
    created_at      TEXT NOT NULL,
    sent_at         TEXT NULL
);

CREATE INDEX notification_outbox_pending_idx ON notification_outbox (channel, status);

-- Photos of needs and activities, kept in the database with the record they
-- show (object_type 'need' or 'activity').
CREATE TABLE linkage_photos (
    id           TEXT PRIMARY KEY,
    object_type  TEXT NOT NULL CHECK (object_type = 'need' OR object_type = 'activity'),
    object_id    TEXT NOT NULL,
    content_type TEXT NOT NULL
                 CHECK (content_type = 'image/jpeg' OR content_type = 'image/png' OR content_type = 'image/webp'),
    data         BLOB NOT NULL,
    created_at   TEXT NOT NULL
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
