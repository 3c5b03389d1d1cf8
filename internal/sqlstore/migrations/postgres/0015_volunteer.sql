-- +goose Up
-- Volunteer service, the time bank, the community workforce register and
-- training (issue 17). Keep in step with migrations/sqlite. ids are UUIDv7
-- text generated in Go; times RFC 3339 UTC; days 'YYYY-MM-DD' in
-- Asia/Shanghai. Every row carries its community. Lists of codes (skills,
-- availability, service areas, categories) are comma-separated. Columns
-- ending in _enc are sealed with AES-GCM bound to the row; _idx columns are
-- keyed hashes for lookups.

CREATE TABLE volunteers (
    id                  uuid PRIMARY KEY,
    resident_id         uuid NOT NULL UNIQUE REFERENCES residents (id),
    community           text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    skills              text NOT NULL,
    availability        text NOT NULL,
    serves              text NOT NULL,
    emergency_name_enc  text NULL,
    emergency_phone_enc text NULL,
    status              text NOT NULL CHECK (status = 'active' OR status = 'left'),
    registered_on       text NOT NULL CHECK (length(registered_on) = 10),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX volunteers_community_idx ON volunteers (community, status);

CREATE TABLE volunteer_teams (
    id             uuid PRIMARY KEY,
    name           text NOT NULL CHECK (name <> ''),
    community      text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    organizer_kind text NOT NULL CHECK (organizer_kind = 'community' OR organizer_kind = 'org'),
    org_id         uuid NULL REFERENCES social_orgs (id),
    focus          text NOT NULL,
    leader         text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX volunteer_teams_community_idx ON volunteer_teams (community);

CREATE TABLE volunteer_team_members (
    team_id      uuid NOT NULL REFERENCES volunteer_teams (id),
    volunteer_id uuid NOT NULL REFERENCES volunteers (id),
    joined_at    timestamptz NOT NULL,
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX volunteer_team_members_volunteer_idx ON volunteer_team_members (volunteer_id);

-- The scan token is the secret of the opportunity's QR code: its keyed hash
-- finds the opportunity, its sealed form lets the organizer show it again.
CREATE TABLE volunteer_opportunities (
    id             uuid PRIMARY KEY,
    title          text NOT NULL,
    community      text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    organizer_kind text NOT NULL CHECK (organizer_kind = 'community' OR organizer_kind = 'org'),
    org_id         uuid NULL REFERENCES social_orgs (id),
    team_id        uuid NULL REFERENCES volunteer_teams (id),
    category       text NOT NULL,
    link           text NOT NULL CHECK (link = 'none' OR link = 'project' OR link = 'need' OR link = 'care'),
    project_id     uuid NULL REFERENCES projects (id),
    need_id        uuid NULL REFERENCES needs (id),
    day            text NOT NULL CHECK (length(day) = 10),
    start_time     text NOT NULL CHECK (length(start_time) = 5),
    end_time       text NOT NULL CHECK (length(end_time) = 5),
    place          text NOT NULL,
    slots          integer NOT NULL CHECK (slots BETWEEN 1 AND 1000),
    skills         text NOT NULL,
    description    text NOT NULL,
    status         text NOT NULL CHECK (status = 'open' OR status = 'closed' OR status = 'cancelled'),
    scan_idx       text NOT NULL UNIQUE,
    scan_enc       text NOT NULL,
    reminded_at    timestamptz NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX volunteer_opportunities_community_idx ON volunteer_opportunities (community, day);
CREATE INDEX volunteer_opportunities_project_idx ON volunteer_opportunities (project_id, day);
CREATE INDEX volunteer_opportunities_day_idx ON volunteer_opportunities (status, day);

CREATE TABLE volunteer_signups (
    id             uuid PRIMARY KEY,
    opportunity_id uuid NOT NULL REFERENCES volunteer_opportunities (id),
    volunteer_id   uuid NOT NULL REFERENCES volunteers (id),
    community      text COLLATE "C" NOT NULL,
    state          text NOT NULL CHECK (state = 'signed' OR state = 'checked_in' OR state = 'checked_out'
                                        OR state = 'confirmed' OR state = 'no_show' OR state = 'cancelled'),
    checked_in_at  timestamptz NULL,
    checked_out_at timestamptz NULL,
    by_organizer   boolean NOT NULL,
    minutes        integer NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    record_id      uuid NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    UNIQUE (opportunity_id, volunteer_id)
);
CREATE INDEX volunteer_signups_volunteer_idx ON volunteer_signups (volunteer_id, state);

-- Service records are never updated but for superseded_by, set when a
-- correction (a new record naming the old one in corrects) replaces it.
CREATE TABLE volunteer_records (
    id             uuid PRIMARY KEY,
    volunteer_id   uuid NOT NULL REFERENCES volunteers (id),
    community      text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    opportunity_id uuid NULL REFERENCES volunteer_opportunities (id),
    title          text NOT NULL,
    category       text NOT NULL,
    organizer_kind text NOT NULL,
    org_id         uuid NULL REFERENCES social_orgs (id),
    organizer      text NOT NULL,
    project_id     uuid NULL REFERENCES projects (id),
    day            text NOT NULL CHECK (length(day) = 10),
    minutes        integer NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    recorded_by    text NOT NULL,
    recorder_name  text NOT NULL,
    corrects       uuid NULL UNIQUE REFERENCES volunteer_records (id),
    reason         text NOT NULL,
    superseded_by  uuid NULL,
    deposited      integer NOT NULL CHECK (deposited >= 0),
    created_at     timestamptz NOT NULL
);
CREATE INDEX volunteer_records_volunteer_idx ON volunteer_records (volunteer_id, day);
CREATE INDEX volunteer_records_community_idx ON volunteer_records (community, day);
CREATE INDEX volunteer_records_project_idx ON volunteer_records (project_id, day);

-- Certificates: the code is kept as a keyed hash (lookups) and sealed (the
-- holder downloads the PDF again); what it shows is frozen at issue.
CREATE TABLE volunteer_certificates (
    id           uuid PRIMARY KEY,
    number       text NOT NULL UNIQUE,
    volunteer_id uuid NOT NULL REFERENCES volunteers (id),
    community    text COLLATE "C" NOT NULL REFERENCES divisions (code),
    name         text NOT NULL,
    id_masked    text NOT NULL,
    from_day     text NOT NULL,
    to_day       text NOT NULL,
    minutes      integer NOT NULL,
    records      integer NOT NULL,
    categories   text NOT NULL,
    organizers   text NOT NULL,
    issued_by    text NOT NULL,
    issued_at    timestamptz NOT NULL,
    code_idx     text NOT NULL UNIQUE,
    code_enc     text NOT NULL,
    revoked      boolean NOT NULL
);
CREATE INDEX volunteer_certificates_volunteer_idx ON volunteer_certificates (volunteer_id);

CREATE TABLE volunteer_certificate_records (
    certificate_id uuid NOT NULL REFERENCES volunteer_certificates (id),
    record_id      uuid NOT NULL REFERENCES volunteer_records (id),
    PRIMARY KEY (certificate_id, record_id)
);

CREATE TABLE timebank_policies (
    county     text COLLATE "C" PRIMARY KEY REFERENCES divisions (code) CHECK (length(county) = 6),
    eligible   text NOT NULL,
    yearly_cap integer NOT NULL CHECK (yearly_cap >= 0),
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);

-- An account's balance is the sum of its entries and never below zero (the
-- CHECK backs the conditional UPDATE that moves it).
CREATE TABLE timebank_accounts (
    id          uuid PRIMARY KEY,
    resident_id uuid NOT NULL UNIQUE REFERENCES residents (id),
    community   text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    balance     integer NOT NULL CHECK (balance >= 0),
    deposited   integer NOT NULL CHECK (deposited >= 0),
    withdrawn   integer NOT NULL CHECK (withdrawn >= 0),
    created_at  timestamptz NOT NULL
);
CREATE INDEX timebank_accounts_community_idx ON timebank_accounts (community);

CREATE TABLE timebank_family (
    account_id  uuid NOT NULL REFERENCES timebank_accounts (id),
    resident_id uuid NOT NULL REFERENCES residents (id),
    relation    text NOT NULL,
    added_at    timestamptz NOT NULL,
    PRIMARY KEY (account_id, resident_id)
);
CREATE INDEX timebank_family_resident_idx ON timebank_family (resident_id);

CREATE TABLE timebank_entries (
    id             uuid PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES timebank_accounts (id),
    kind           text NOT NULL CHECK (kind = 'deposit' OR kind = 'withdrawal' OR kind = 'transfer_in'
                                        OR kind = 'transfer_out' OR kind = 'correction'),
    minutes        integer NOT NULL,
    balance        integer NOT NULL CHECK (balance >= 0),
    community      text COLLATE "C" NOT NULL,
    record_id      uuid NULL REFERENCES volunteer_records (id),
    beneficiary_id uuid NULL REFERENCES residents (id),
    counterpart_id uuid NULL REFERENCES timebank_accounts (id),
    service        text NOT NULL,
    note           text NOT NULL,
    by_name        text NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX timebank_entries_account_idx ON timebank_entries (account_id, created_at);
CREATE INDEX timebank_entries_community_idx ON timebank_entries (community, kind);

CREATE TABLE workforce_members (
    id               uuid PRIMARY KEY,
    name             text NOT NULL CHECK (name <> ''),
    community        text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    post             text NOT NULL,
    education        text NOT NULL,
    age_band         text NOT NULL,
    qualification    text NOT NULL,
    registered_on    text NULL CHECK (length(registered_on) = 10),
    hired_on         text NOT NULL CHECK (length(hired_on) = 10),
    left_on          text NULL CHECK (length(left_on) = 10),
    leave_reason     text NOT NULL,
    user_id          uuid NULL REFERENCES users (id),
    social_worker_id uuid NULL REFERENCES social_workers (id),
    ce_notified      text NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX workforce_members_community_idx ON workforce_members (community, post);

CREATE TABLE courses (
    id         uuid PRIMARY KEY,
    title      text NOT NULL,
    organizer  text NOT NULL,
    community  text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    topic      text NOT NULL,
    day        text NOT NULL CHECK (length(day) = 10),
    minutes    integer NOT NULL CHECK (minutes BETWEEN 30 AND 12000),
    place      text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX courses_community_idx ON courses (community, day);

CREATE TABLE course_attendance (
    course_id   uuid NOT NULL REFERENCES courses (id),
    member_id   uuid NOT NULL REFERENCES workforce_members (id),
    community   text COLLATE "C" NOT NULL,
    minutes     integer NOT NULL CHECK (minutes BETWEEN 1 AND 12000),
    recorded_by text NOT NULL,
    created_at  timestamptz NOT NULL,
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
