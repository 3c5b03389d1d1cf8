-- +goose Up
-- 三留守 care and social-work case management (issue 16). Keep in step with
-- migrations/sqlite. ids are UUIDv7 text generated in Go; times RFC 3339 UTC;
-- dates 'YYYY-MM-DD' in Asia/Shanghai. Every row carries its community (or
-- township) code. Columns ending in _enc hold personal data sealed with
-- AES-GCM (internal/pii) bound to the row; everything about a child is
-- sensitive personal information (PIPL art. 28, 31).

-- Care duties held by accounts: 儿童主任 of a community (12 digits),
-- 儿童督导员 of a township (9 digits). ended_at NULL while held.
CREATE TABLE care_duties (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    kind        text NOT NULL CHECK (kind = 'child_director' OR kind = 'child_supervisor'),
    division    text COLLATE "C" NOT NULL REFERENCES divisions (code),
    since       timestamptz NOT NULL,
    ended_at    timestamptz NULL,
    assigned_by text NOT NULL,
    CHECK ((kind = 'child_director' AND length(division) = 12) OR (kind = 'child_supervisor' AND length(division) = 9))
);
CREATE INDEX care_duties_user_idx ON care_duties (user_id, ended_at);
CREATE INDEX care_duties_division_idx ON care_duties (division, kind, ended_at);

-- A county's visit frequency by risk level and its grace period.
CREATE TABLE care_policies (
    county      text COLLATE "C" PRIMARY KEY REFERENCES divisions (code) CHECK (length(county) = 6),
    low_days    integer NOT NULL CHECK (low_days BETWEEN 1 AND 366),
    medium_days integer NOT NULL CHECK (medium_days BETWEEN 1 AND 366),
    high_days   integer NOT NULL CHECK (high_days BETWEEN 1 AND 366),
    grace_days  integer NOT NULL CHECK (grace_days BETWEEN 0 AND 60),
    updated_at  timestamptz NOT NULL,
    updated_by  text NOT NULL
);

-- The care register: one open record per resident (a partial unique index).
CREATE TABLE care_persons (
    id                      uuid PRIMARY KEY,
    resident_id             uuid NOT NULL REFERENCES residents (id),
    community               text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    kind                    text NOT NULL CHECK (kind = 'child' OR kind = 'woman' OR kind = 'elderly'),
    reason                  text NOT NULL,
    guardian_resident_id    uuid NULL REFERENCES residents (id),
    guardian_name_enc       text NULL,
    guardian_relation       text NOT NULL,
    guardian_phone_enc      text NULL,
    guardian_capacity       text NOT NULL,
    guardian_assessed_on    text NULL,
    guardian_assessed_by    text NOT NULL,
    parents_enc             text NULL,
    school_enc              text NULL,
    risk                    integer NOT NULL CHECK (risk BETWEEN 1 AND 3),
    risk_reason_enc         text NULL,
    status                  text NOT NULL CHECK (status = 'active' OR status = 'exit_proposed' OR status = 'exited'),
    exit_proposed_at        timestamptz NULL,
    exit_cause              text NOT NULL,
    exit_note_enc           text NULL,
    exited_on               text NULL,
    visit_every_days        integer NOT NULL CHECK (visit_every_days BETWEEN 1 AND 366),
    next_visit_due          text NOT NULL CHECK (length(next_visit_due) = 10),
    last_visit_on           text NULL,
    overdue_escalated_at    timestamptz NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);
CREATE UNIQUE INDEX care_persons_open_idx ON care_persons (resident_id) WHERE status <> 'exited';
-- Lists in a scope, and the sweeps: overdue visits, children turning 16.
CREATE INDEX care_persons_community_idx ON care_persons (community, status, kind, risk);
CREATE INDEX care_persons_due_idx ON care_persons (status, next_visit_due);

CREATE TABLE care_visits (
    id               uuid PRIMARY KEY,
    person_id        uuid NOT NULL REFERENCES care_persons (id),
    community        text COLLATE "C" NOT NULL REFERENCES divisions (code),
    day              text NOT NULL CHECK (length(day) = 10),
    mode             text NOT NULL CHECK (mode = 'home' OR mode = 'phone' OR mode = 'school'),
    by_id            text NOT NULL,
    by_name          text NOT NULL,
    living_alone     boolean NOT NULL,
    guardian_present boolean NOT NULL,
    guardian_able    boolean NOT NULL,
    attending_school boolean NOT NULL,
    health_concern   boolean NOT NULL,
    safety_concern   boolean NOT NULL,
    -- Comma-separated need kinds found (no names: these feed the needs pool).
    needs            text NOT NULL,
    notes_enc        text NULL,
    alert_id         uuid NULL,
    on_time          boolean NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX care_visits_person_idx ON care_visits (person_id, day);
CREATE INDEX care_visits_community_idx ON care_visits (community, day);

-- Mandatory reports. token_hash is the keyed hash of the tracking token.
CREATE TABLE care_reports (
    id                 uuid PRIMARY KEY,
    number             text NOT NULL UNIQUE,
    community          text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    reporter_kind      text NOT NULL,
    reporter_name_enc  text NULL,
    reporter_org_enc   text NULL,
    phone_enc          text NULL,
    child_name_enc     text NULL,
    child_age          integer NOT NULL,
    where_enc          text NOT NULL,
    concern            text NOT NULL,
    details_enc        text NOT NULL,
    user_id            text NOT NULL,
    token_hash         text NOT NULL UNIQUE,
    alert_id           uuid NULL,
    reported_at        timestamptz NOT NULL
);

CREATE TABLE care_alerts (
    id              uuid PRIMARY KEY,
    number          text NOT NULL UNIQUE,
    community       text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    source          text NOT NULL CHECK (source = 'report' OR source = 'visit'),
    report_id       uuid NULL REFERENCES care_reports (id),
    visit_id        uuid NULL REFERENCES care_visits (id),
    person_id       uuid NULL REFERENCES care_persons (id),
    concern         text NOT NULL,
    status          text NOT NULL CHECK (status = 'open' OR status = 'acknowledged' OR status = 'closed'),
    raised_at       timestamptz NOT NULL,
    ack_due         timestamptz NOT NULL,
    acknowledged_at timestamptz NULL,
    acknowledged_by text NOT NULL,
    escalated_at    timestamptz NULL,
    closed_at       timestamptz NULL,
    outcome_enc     text NULL,
    case_id         uuid NULL
);
CREATE INDEX care_alerts_community_idx ON care_alerts (community, status, raised_at);
CREATE INDEX care_alerts_due_idx ON care_alerts (status, ack_due);

CREATE TABLE care_alert_steps (
    id       uuid PRIMARY KEY,
    alert_id uuid NOT NULL REFERENCES care_alerts (id),
    kind     text NOT NULL,
    at       timestamptz NOT NULL,
    by_id    text NOT NULL,
    by_name  text NOT NULL,
    note_enc text NULL
);
CREATE INDEX care_alert_steps_alert_idx ON care_alert_steps (alert_id, at);

CREATE TABLE care_cases (
    id                 uuid PRIMARY KEY,
    number             text NOT NULL UNIQUE,
    community          text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    resident_id        uuid NOT NULL REFERENCES residents (id),
    person_id          uuid NULL REFERENCES care_persons (id),
    alert_id           uuid NULL REFERENCES care_alerts (id),
    area               text NOT NULL,
    origin             text NOT NULL,
    status             text NOT NULL,
    worker_id          uuid NOT NULL REFERENCES users (id),
    summary_enc        text NOT NULL,
    next_assessment_on text NULL,
    opened_at          timestamptz NOT NULL,
    closed_at          timestamptz NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX care_cases_community_idx ON care_cases (community, status);
CREATE INDEX care_cases_worker_idx ON care_cases (worker_id, status);

CREATE TABLE care_case_notes (
    id            uuid PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES care_cases (id),
    kind          text NOT NULL,
    function      text NOT NULL,
    minutes       integer NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    attendees_enc text NULL,
    body_enc      text NOT NULL,
    by_id         text NOT NULL,
    by_name       text NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX care_case_notes_case_idx ON care_case_notes (case_id, at);

-- At most one approval waits per case (a partial unique index).
CREATE TABLE care_approvals (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES care_cases (id),
    stage        text NOT NULL CHECK (stage = 'assessment' OR stage = 'plan' OR stage = 'closure'),
    status       text NOT NULL CHECK (status = 'requested' OR status = 'approved' OR status = 'returned'),
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL,
    note_enc     text NULL,
    decided_by   text NOT NULL,
    decided_at   timestamptz NULL,
    reason_enc   text NULL
);
CREATE UNIQUE INDEX care_approvals_pending_idx ON care_approvals (case_id) WHERE status = 'requested';

CREATE TABLE care_referrals (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES care_cases (id),
    community       text COLLATE "C" NOT NULL REFERENCES divisions (code),
    target          text NOT NULL CHECK (target = 'org' OR target = 'service_item' OR target = 'worker'),
    org_id          uuid NULL REFERENCES social_orgs (id),
    service_item_id text NULL,
    worker_user_id  uuid NULL REFERENCES users (id),
    request_id      text NULL,
    note_enc        text NOT NULL,
    status          text NOT NULL CHECK (status = 'pending' OR status = 'accepted' OR status = 'refused'),
    reason          text NOT NULL,
    created_at      timestamptz NOT NULL,
    answered_at     timestamptz NULL,
    answered_by     text NOT NULL
);
CREATE INDEX care_referrals_case_idx ON care_referrals (case_id);
CREATE INDEX care_referrals_org_idx ON care_referrals (org_id, status);
CREATE INDEX care_referrals_worker_idx ON care_referrals (worker_user_id, status);

-- Reads of a case by an official with a recorded reason (break-the-glass).
CREATE TABLE care_break_glass (
    id         uuid PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES care_cases (id),
    division   text COLLATE "C" NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    reason     text NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX care_break_glass_division_idx ON care_break_glass (division, at);

-- Social-work service records and supervision.
CREATE TABLE sw_work_logs (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    community     text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    day           text NOT NULL CHECK (length(day) = 10),
    method        text NOT NULL,
    area          text NOT NULL,
    function      text NOT NULL,
    minutes       integer NOT NULL CHECK (minutes BETWEEN 5 AND 720),
    beneficiary   text NOT NULL,
    resident_id   uuid NULL REFERENCES residents (id),
    beneficiaries integer NOT NULL CHECK (beneficiaries >= 1),
    case_id       uuid NULL REFERENCES care_cases (id),
    project_id    uuid NULL,
    notes_enc     text NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX sw_work_logs_community_idx ON sw_work_logs (community, day);
CREATE INDEX sw_work_logs_user_idx ON sw_work_logs (user_id, day);

CREATE TABLE sw_supervisions (
    id             uuid PRIMARY KEY,
    supervisor_id  uuid NOT NULL REFERENCES users (id),
    worker_user_id uuid NOT NULL REFERENCES users (id),
    community      text COLLATE "C" NOT NULL REFERENCES divisions (code),
    day            text NOT NULL CHECK (length(day) = 10),
    minutes        integer NOT NULL CHECK (minutes BETWEEN 10 AND 480),
    topic          text NOT NULL,
    notes_enc      text NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX sw_supervisions_worker_idx ON sw_supervisions (worker_user_id, day);

-- +goose Down
DROP TABLE sw_supervisions;
DROP TABLE sw_work_logs;
DROP TABLE care_break_glass;
DROP TABLE care_referrals;
DROP TABLE care_approvals;
DROP TABLE care_case_notes;
DROP TABLE care_cases;
DROP TABLE care_alert_steps;
DROP TABLE care_alerts;
DROP TABLE care_reports;
DROP TABLE care_visits;
DROP TABLE care_persons;
DROP TABLE care_policies;
DROP TABLE care_duties;
