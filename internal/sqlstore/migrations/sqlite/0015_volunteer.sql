-- +goose Up
-- Volunteer service, the time bank, the community workforce register and
-- training (issue 17). Keep in step with migrations/postgres. ids are UUIDv7
-- text generated in Go; times RFC 3339 UTC; days 'YYYY-MM-DD' in
-- Asia/Shanghai. Every row carries its community. Lists of codes (skills,
-- availability, service areas, categories) are comma-separated. Columns
-- ending in _enc are sealed with AES-GCM bound to the row; _idx columns are
-- keyed hashes for lookups.

CREATE TABLE volunteers (
    id                  TEXT PRIMARY KEY,
    resident_id         TEXT NOT NULL UNIQUE REFERENCES residents (id),
    community           TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    skills              TEXT NOT NULL,
    availability        TEXT NOT NULL,
    serves              TEXT NOT NULL,
    emergency_name_enc  TEXT NULL,
    emergency_phone_enc TEXT NULL,
    status              TEXT NOT NULL CHECK (status = 'active' OR status = 'left'),
    registered_on       TEXT NOT NULL CHECK (length(registered_on) = 10),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX volunteers_community_idx ON volunteers (community, status);

CREATE TABLE volunteer_teams (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL CHECK (name <> ''),
    community      TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    organizer_kind TEXT NOT NULL CHECK (organizer_kind = 'community' OR organizer_kind = 'org'),
    org_id         TEXT NULL REFERENCES social_orgs (id),
    focus          TEXT NOT NULL,
    leader         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX volunteer_teams_community_idx ON volunteer_teams (community);

CREATE TABLE volunteer_team_members (
    team_id      TEXT NOT NULL REFERENCES volunteer_teams (id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    joined_at    TEXT NOT NULL,
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX volunteer_team_members_volunteer_idx ON volunteer_team_members (volunteer_id);

-- The scan token is the secret of the opportunity's QR code: its keyed hash
-- finds the opportunity, its sealed form lets the organizer show it again.
CREATE TABLE volunteer_opportunities (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    community      TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    organizer_kind TEXT NOT NULL CHECK (organizer_kind = 'community' OR organizer_kind = 'org'),
    org_id         TEXT NULL REFERENCES social_orgs (id),
    team_id        TEXT NULL REFERENCES volunteer_teams (id),
    category       TEXT NOT NULL,
    link           TEXT NOT NULL CHECK (link = 'none' OR link = 'project' OR link = 'need' OR link = 'care'),
    project_id     TEXT NULL REFERENCES projects (id),
    need_id        TEXT NULL REFERENCES needs (id),
    day            TEXT NOT NULL CHECK (length(day) = 10),
    start_time     TEXT NOT NULL CHECK (length(start_time) = 5),
    end_time       TEXT NOT NULL CHECK (length(end_time) = 5),
    place          TEXT NOT NULL,
    slots          INTEGER NOT NULL CHECK (slots BETWEEN 1 AND 1000),
    skills         TEXT NOT NULL,
    description    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status = 'open' OR status = 'closed' OR status = 'cancelled'),
    scan_idx       TEXT NOT NULL UNIQUE,
    scan_enc       TEXT NOT NULL,
    reminded_at    TEXT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX volunteer_opportunities_community_idx ON volunteer_opportunities (community, day);
CREATE INDEX volunteer_opportunities_project_idx ON volunteer_opportunities (project_id, day);
CREATE INDEX volunteer_opportunities_day_idx ON volunteer_opportunities (status, day);

CREATE TABLE volunteer_signups (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES volunteer_opportunities (id),
    volunteer_id   TEXT NOT NULL REFERENCES volunteers (id),
    community      TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state = 'signed' OR state = 'checked_in' OR state = 'checked_out'
                                        OR state = 'confirmed' OR state = 'no_show' OR state = 'cancelled'),
    checked_in_at  TEXT NULL,
    checked_out_at TEXT NULL,
    by_organizer   BOOLEAN NOT NULL,
    minutes        INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    record_id      TEXT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (opportunity_id, volunteer_id)
);
CREATE INDEX volunteer_signups_volunteer_idx ON volunteer_signups (volunteer_id, state);

-- Service records are never updated but for superseded_by, set when a
-- correction (a new record naming the old one in corrects) replaces it.
CREATE TABLE volunteer_records (
    id             TEXT PRIMARY KEY,
    volunteer_id   TEXT NOT NULL REFERENCES volunteers (id),
    community      TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    opportunity_id TEXT NULL REFERENCES volunteer_opportunities (id),
    title          TEXT NOT NULL,
    category       TEXT NOT NULL,
    organizer_kind TEXT NOT NULL,
    org_id         TEXT NULL REFERENCES social_orgs (id),
    organizer      TEXT NOT NULL,
    project_id     TEXT NULL REFERENCES projects (id),
    day            TEXT NOT NULL CHECK (length(day) = 10),
    minutes        INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    recorded_by    TEXT NOT NULL,
    recorder_name  TEXT NOT NULL,
    corrects       TEXT NULL UNIQUE REFERENCES volunteer_records (id),
    reason         TEXT NOT NULL,
    superseded_by  TEXT NULL,
    deposited      INTEGER NOT NULL CHECK (deposited >= 0),
    created_at     TEXT NOT NULL
);
CREATE INDEX volunteer_records_volunteer_idx ON volunteer_records (volunteer_id, day);
CREATE INDEX volunteer_records_community_idx ON volunteer_records (community, day);
CREATE INDEX volunteer_records_project_idx ON volunteer_records (project_id, day);

-- Certificates: the code is kept as a keyed hash (lookups) and sealed (the
-- holder downloads the PDF again); what it shows is frozen at issue.
CREATE TABLE volunteer_certificates (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    community    TEXT NOT NULL REFERENCES divisions (code),
    name         TEXT NOT NULL,
    id_masked    TEXT NOT NULL,
    from_day     TEXT NOT NULL,
    to_day       TEXT NOT NULL,
    minutes      INTEGER NOT NULL,
    records      INTEGER NOT NULL,
    categories   TEXT NOT NULL,
    organizers   TEXT NOT NULL,
    issued_by    TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    code_idx     TEXT NOT NULL UNIQUE,
    code_enc     TEXT NOT NULL,
    revoked      BOOLEAN NOT NULL
);
CREATE INDEX volunteer_certificates_volunteer_idx ON volunteer_certificates (volunteer_id);

CREATE TABLE volunteer_certificate_records (
    certificate_id TEXT NOT NULL REFERENCES volunteer_certificates (id),
    record_id      TEXT NOT NULL REFERENCES volunteer_records (id),
    PRIMARY KEY (certificate_id, record_id)
);

CREATE TABLE timebank_policies (
    county     TEXT PRIMARY KEY REFERENCES divisions (code) CHECK (length(county) = 6),
    eligible   TEXT NOT NULL,
    yearly_cap INTEGER NOT NULL CHECK (yearly_cap >= 0),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- An account's balance is the sum of its entries and never below zero (the
-- CHECK backs the conditional UPDATE that moves it).
CREATE TABLE timebank_accounts (
    id          TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL UNIQUE REFERENCES residents (id),
    community   TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    balance     INTEGER NOT NULL CHECK (balance >= 0),
    deposited   INTEGER NOT NULL CHECK (deposited >= 0),
    withdrawn   INTEGER NOT NULL CHECK (withdrawn >= 0),
    created_at  TEXT NOT NULL
);
CREATE INDEX timebank_accounts_community_idx ON timebank_accounts (community);

CREATE TABLE timebank_family (
    account_id  TEXT NOT NULL REFERENCES timebank_accounts (id),
    resident_id TEXT NOT NULL REFERENCES residents (id),
    relation    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, resident_id)
);
CREATE INDEX timebank_family_resident_idx ON timebank_family (resident_id);

CREATE TABLE timebank_entries (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES timebank_accounts (id),
    kind           TEXT NOT NULL CHECK (kind = 'deposit' OR kind = 'withdrawal' OR kind = 'transfer_in'
                                        OR kind = 'transfer_out' OR kind = 'correction'),
    minutes        INTEGER NOT NULL,
    balance        INTEGER NOT NULL CHECK (balance >= 0),
    community      TEXT NOT NULL,
    record_id      TEXT NULL REFERENCES volunteer_records (id),
    beneficiary_id TEXT NULL REFERENCES residents (id),
    counterpart_id TEXT NULL REFERENCES timebank_accounts (id),
    service        TEXT NOT NULL,
    note           TEXT NOT NULL,
    by_name        TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX timebank_entries_account_idx ON timebank_entries (account_id, created_at);
CREATE INDEX timebank_entries_community_idx ON timebank_entries (community, kind);

CREATE TABLE workforce_members (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL CHECK (name <> ''),
    community        TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    post             TEXT NOT NULL,
    education        TEXT NOT NULL,
    age_band         TEXT NOT NULL,
    qualification    TEXT NOT NULL,
    registered_on    TEXT NULL CHECK (length(registered_on) = 10),
    hired_on         TEXT NOT NULL CHECK (length(hired_on) = 10),
    left_on          TEXT NULL CHECK (length(left_on) = 10),
    leave_reason     TEXT NOT NULL,
    user_id          TEXT NULL REFERENCES users (id),
    social_worker_id TEXT NULL REFERENCES social_workers (id),
    ce_notified      TEXT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX workforce_members_community_idx ON workforce_members (community, post);

CREATE TABLE courses (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    organizer  TEXT NOT NULL,
    community  TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    topic      TEXT NOT NULL,
    day        TEXT NOT NULL CHECK (length(day) = 10),
    minutes    INTEGER NOT NULL CHECK (minutes BETWEEN 30 AND 12000),
    place      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX courses_community_idx ON courses (community, day);

CREATE TABLE course_attendance (
    course_id   TEXT NOT NULL REFERENCES courses (id),
    member_id   TEXT NOT NULL REFERENCES workforce_members (id),
    community   TEXT NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 12000),
    recorded_by TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (course_id, member_id)
);
CREATE INDEX course_attendance_member_idx ON course_attendance (member_id);

-- +goose Down
DROP TABLE course_attendance;
DROP TABLE courses;
DROP TABLE workforce_members;
DROP TABLE timebank_entries;
DROP TABLE timebank_family;
DROP TABLE timebank_accounts;
DROP TABLE timebank_policies;
DROP TABLE volunteer_certificate_records;
DROP TABLE volunteer_certificates;
DROP TABLE volunteer_records;
DROP TABLE volunteer_signups;
DROP TABLE volunteer_opportunities;
DROP TABLE volunteer_team_members;
DROP TABLE volunteer_teams;
DROP TABLE volunteers;
