-- +goose Up
-- 三留守 care and social-work case management (issue 16). Keep in step with
-- migrations/postgres. ids are UUIDv7 text generated in Go; times RFC 3339 UTC;
-- dates 'YYYY-MM-DD' in Asia/Shanghai. Every row carries its community (or
-- township) code. Columns ending in _enc hold personal data sealed with
-- AES-GCM (internal/pii) bound to the row; everything about a child is
-- sensitive personal information (PIPL art. 28, 31).

-- Care duties held by accounts: 儿童主任 of a community (12 digits),
-- 儿童督导员 of a township (9 digits). ended_at NULL while held.
CREATE TABLE care_duties (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind = 'child_director' OR kind = 'child_supervisor'),
    division    TEXT NOT NULL REFERENCES divisions (code),
    since       TEXT NOT NULL,
    ended_at    TEXT NULL,
    assigned_by TEXT NOT NULL,
    CHECK ((kind = 'child_director' AND length(division) = 12) OR (kind = 'child_supervisor' AND length(division) = 9))
);
CREATE INDEX care_duties_user_idx ON care_duties (user_id, ended_at);
CREATE INDEX care_duties_division_idx ON care_duties (division, kind, ended_at);

-- A county's visit frequency by risk level and its grace period.
CREATE TABLE care_policies (
    county      TEXT PRIMARY KEY REFERENCES divisions (code) CHECK (length(county) = 6),
    low_days    INTEGER NOT NULL CHECK (low_days BETWEEN 1 AND 366),
    medium_days INTEGER NOT NULL CHECK (medium_days BETWEEN 1 AND 366),
    high_days   INTEGER NOT NULL CHECK (high_days BETWEEN 1 AND 366),
    grace_days  INTEGER NOT NULL CHECK (grace_days BETWEEN 0 AND 60),
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

-- The care register: one open record per resident (a partial unique index).
CREATE TABLE care_persons (
    id                      TEXT PRIMARY KEY,
    resident_id             TEXT NOT NULL REFERENCES residents (id),
    community               TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    kind                    TEXT NOT NULL CHECK (kind = 'child' OR kind = 'woman' OR kind = 'elderly'),
    reason                  TEXT NOT NULL,
    guardian_resident_id    TEXT NULL REFERENCES residents (id),
    guardian_name_enc       TEXT NULL,
    guardian_relation       TEXT NOT NULL,
    guardian_phone_enc      TEXT NULL,
    guardian_capacity       TEXT NOT NULL,
    guardian_assessed_on    TEXT NULL,
    guardian_assessed_by    TEXT NOT NULL,
    parents_enc             TEXT NULL,
    school_enc              TEXT NULL,
    risk                    INTEGER NOT NULL CHECK (risk BETWEEN 1 AND 3),
    risk_reason_enc         TEXT NULL,
    status                  TEXT NOT NULL CHECK (status = 'active' OR status = 'exit_proposed' OR status = 'exited'),
    exit_proposed_at        TEXT NULL,
    exit_cause              TEXT NOT NULL,
    exit_note_enc           TEXT NULL,
    exited_on               TEXT NULL,
    visit_every_days        INTEGER NOT NULL CHECK (visit_every_days BETWEEN 1 AND 366),
    next_visit_due          TEXT NOT NULL CHECK (length(next_visit_due) = 10),
    last_visit_on           TEXT NULL,
    overdue_escalated_at    TEXT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE UNIQUE INDEX care_persons_open_idx ON care_persons (resident_id) WHERE status <> 'exited';
-- Lists in a scope, and the sweeps: overdue visits, children turning 16.
CREATE INDEX care_persons_community_idx ON care_persons (community, status, kind, risk);
CREATE INDEX care_persons_due_idx ON care_persons (status, next_visit_due);

CREATE TABLE care_visits (
    id               TEXT PRIMARY KEY,
    person_id        TEXT NOT NULL REFERENCES care_persons (id),
    community        TEXT NOT NULL REFERENCES divisions (code),
    day              TEXT NOT NULL CHECK (length(day) = 10),
    mode             TEXT NOT NULL CHECK (mode = 'home' OR mode = 'phone' OR mode = 'school'),
    by_id            TEXT NOT NULL,
    by_name          TEXT NOT NULL,
    living_alone     BOOLEAN NOT NULL,
    guardian_present BOOLEAN NOT NULL,
    guardian_able    BOOLEAN NOT NULL,
    attending_school BOOLEAN NOT NULL,
    health_concern   BOOLEAN NOT NULL,
    safety_concern   BOOLEAN NOT NULL,
    -- Comma-separated need kinds found (no names: these feed the needs pool).
    needs            TEXT NOT NULL,
    notes_enc        TEXT NULL,
    alert_id         TEXT NULL,
    on_time          BOOLEAN NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX care_visits_person_idx ON care_visits (person_id, day);
CREATE INDEX care_visits_community_idx ON care_visits (community, day);

-- Mandatory reports. token_hash is the keyed hash of the tracking token.
CREATE TABLE care_reports (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    community          TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    reporter_kind      TEXT NOT NULL,
    reporter_name_enc  TEXT NULL,
    reporter_org_enc   TEXT NULL,
    phone_enc          TEXT NULL,
    child_name_enc     TEXT NULL,
    child_age          INTEGER NOT NULL,
    where_enc          TEXT NOT NULL,
    concern            TEXT NOT NULL,
    details_enc        TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    token_hash         TEXT NOT NULL UNIQUE,
    alert_id           TEXT NULL,
    reported_at        TEXT NOT NULL
);

CREATE TABLE care_alerts (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    community       TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    source          TEXT NOT NULL CHECK (source = 'report' OR source = 'visit'),
    report_id       TEXT NULL REFERENCES care_reports (id),
    visit_id        TEXT NULL REFERENCES care_visits (id),
    person_id       TEXT NULL REFERENCES care_persons (id),
    concern         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status = 'open' OR status = 'acknowledged' OR status = 'closed'),
    raised_at       TEXT NOT NULL,
    ack_due         TEXT NOT NULL,
    acknowledged_at TEXT NULL,
    acknowledged_by TEXT NOT NULL,
    escalated_at    TEXT NULL,
    closed_at       TEXT NULL,
    outcome_enc     TEXT NULL,
    case_id         TEXT NULL
);
CREATE INDEX care_alerts_community_idx ON care_alerts (community, status, raised_at);
CREATE INDEX care_alerts_due_idx ON care_alerts (status, ack_due);

CREATE TABLE care_alert_steps (
    id       TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES care_alerts (id),
    kind     TEXT NOT NULL,
    at       TEXT NOT NULL,
    by_id    TEXT NOT NULL,
    by_name  TEXT NOT NULL,
    note_enc TEXT NULL
);
CREATE INDEX care_alert_steps_alert_idx ON care_alert_steps (alert_id, at);

CREATE TABLE care_cases (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    community          TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    resident_id        TEXT NOT NULL REFERENCES residents (id),
    person_id          TEXT NULL REFERENCES care_persons (id),
    alert_id           TEXT NULL REFERENCES care_alerts (id),
    area               TEXT NOT NULL,
    origin             TEXT NOT NULL,
    status             TEXT NOT NULL,
    worker_id          TEXT NOT NULL REFERENCES users (id),
    summary_enc        TEXT NOT NULL,
    next_assessment_on TEXT NULL,
    opened_at          TEXT NOT NULL,
    closed_at          TEXT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX care_cases_community_idx ON care_cases (community, status);
CREATE INDEX care_cases_worker_idx ON care_cases (worker_id, status);

CREATE TABLE care_case_notes (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES care_cases (id),
    kind          TEXT NOT NULL,
    function      TEXT NOT NULL,
    minutes       INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    attendees_enc TEXT NULL,
    body_enc      TEXT NOT NULL,
    by_id         TEXT NOT NULL,
    by_name       TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX care_case_notes_case_idx ON care_case_notes (case_id, at);

-- At most one approval waits per case (a partial unique index).
CREATE TABLE care_approvals (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES care_cases (id),
    stage        TEXT NOT NULL CHECK (stage = 'assessment' OR stage = 'plan' OR stage = 'closure'),
    status       TEXT NOT NULL CHECK (status = 'requested' OR status = 'approved' OR status = 'returned'),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    note_enc     TEXT NULL,
    decided_by   TEXT NOT NULL,
    decided_at   TEXT NULL,
    reason_enc   TEXT NULL
);
CREATE UNIQUE INDEX care_approvals_pending_idx ON care_approvals (case_id) WHERE status = 'requested';

CREATE TABLE care_referrals (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES care_cases (id),
    community       TEXT NOT NULL REFERENCES divisions (code),
    target          TEXT NOT NULL CHECK (target = 'org' OR target = 'service_item' OR target = 'worker'),
    org_id          TEXT NULL REFERENCES social_orgs (id),
    service_item_id TEXT NULL,
    worker_user_id  TEXT NULL REFERENCES users (id),
    request_id      TEXT NULL,
    note_enc        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status = 'pending' OR status = 'accepted' OR status = 'refused'),
    reason          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    answered_at     TEXT NULL,
    answered_by     TEXT NOT NULL
);
CREATE INDEX care_referrals_case_idx ON care_referrals (case_id);
CREATE INDEX care_referrals_org_idx ON care_referrals (org_id, status);
CREATE INDEX care_referrals_worker_idx ON care_referrals (worker_user_id, status);

-- Reads of a case by an official with a recorded reason (break-the-glass).
CREATE TABLE care_break_glass (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES care_cases (id),
    division   TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX care_break_glass_division_idx ON care_break_glass (division, at);

-- Social-work service records and supervision.
CREATE TABLE sw_work_logs (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    community     TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    day           TEXT NOT NULL CHECK (length(day) = 10),
    method        TEXT NOT NULL,
    area          TEXT NOT NULL,
    function      TEXT NOT NULL,
    minutes       INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 720),
    beneficiary   TEXT NOT NULL,
    resident_id   TEXT NULL REFERENCES residents (id),
    beneficiaries INTEGER NOT NULL CHECK (beneficiaries >= 1),
    case_id       TEXT NULL REFERENCES care_cases (id),
    project_id    TEXT NULL,
    notes_enc     TEXT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX sw_work_logs_community_idx ON sw_work_logs (community, day);
CREATE INDEX sw_work_logs_user_idx ON sw_work_logs (user_id, day);

CREATE TABLE sw_supervisions (
    id             TEXT PRIMARY KEY,
    supervisor_id  TEXT NOT NULL REFERENCES users (id),
    worker_user_id TEXT NOT NULL REFERENCES users (id),
    community      TEXT NOT NULL REFERENCES divisions (code),
    day            TEXT NOT NULL CHECK (length(day) = 10),
    minutes        INTEGER NOT NULL CHECK (minutes BETWEEN 10 AND 480),
    topic          TEXT NOT NULL,
    notes_enc      TEXT NULL,
    created_at     TEXT NOT NULL
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
