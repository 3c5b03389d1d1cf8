-- +goose Up
-- 物业服务监管 (issue 15): estates, property companies and their staff and
-- contracts, owners' committees, the communities' environment and property
-- management committees, inspections and rectification orders, joint
-- meetings and resolutions, complaints, residents' ratings, credit records
-- and appeals, per-county settings and the alerts already sent. Keep in
-- step with migrations/sqlite. ids are UUIDv7 text generated in Go; times
-- RFC 3339 UTC text; dates 'YYYY-MM-DD' in Asia/Shanghai; money integer 分.
-- Every row carries the division code it belongs to.

-- Settings of a county (checklist, points, limits) as JSON.
CREATE TABLE property_settings (
    county     text COLLATE "C" PRIMARY KEY CHECK (length(county) = 6),
    data       text NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE estates (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (name <> ''),
    community  text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    address    text NOT NULL,
    lat        double precision NULL,
    lng        double precision NULL,
    households integer NOT NULL CHECK (households > 0),
    buildings  integer NOT NULL CHECK (buildings >= 0),
    year_built integer NOT NULL,
    old        boolean NOT NULL,
    mode       text NOT NULL CHECK (mode = 'company' OR mode = 'rc_self' OR mode = 'owner_self' OR mode = 'none'),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (community, name)
);

CREATE INDEX estates_community_idx ON estates (community, mode);

-- The other communities an estate spans (the primary one is estates.community).
CREATE TABLE estate_communities (
    estate_id uuid NOT NULL REFERENCES estates (id),
    community text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    PRIMARY KEY (estate_id, community)
);

CREATE INDEX estate_communities_community_idx ON estate_communities (community);

-- The estate a household of the register lives in: one per household.
CREATE TABLE estate_households (
    household_id uuid PRIMARY KEY REFERENCES households (id),
    estate_id    uuid NOT NULL REFERENCES estates (id),
    set_by       text NOT NULL,
    set_at       timestamptz NOT NULL
);

CREATE INDEX estate_households_estate_idx ON estate_households (estate_id);

CREATE TABLE property_companies (
    id                uuid PRIMARY KEY,
    name              text NOT NULL CHECK (name <> ''),
    credit_code       text COLLATE "C" NOT NULL UNIQUE CHECK (length(credit_code) = 18),
    division          text COLLATE "C" NOT NULL REFERENCES divisions (code),
    address           text NOT NULL,
    contact           text NOT NULL,
    contact_phone_enc text NULL,
    blacklisted       boolean NOT NULL,
    blacklist_reason  text NOT NULL,
    blacklisted_at    timestamptz NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX property_companies_division_idx ON property_companies (division);

-- Property staff accounts of a company: an account belongs to one company.
CREATE TABLE property_company_staff (
    company_id uuid NOT NULL REFERENCES property_companies (id),
    user_id    uuid NOT NULL UNIQUE REFERENCES users (id),
    PRIMARY KEY (company_id, user_id)
);

CREATE TABLE property_contracts (
    id         uuid PRIMARY KEY,
    estate_id  uuid NOT NULL REFERENCES estates (id),
    company_id uuid NOT NULL REFERENCES property_companies (id),
    community  text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    start_on   text COLLATE "C" NOT NULL CHECK (length(start_on) = 10),
    end_on     text COLLATE "C" NOT NULL CHECK (length(end_on) = 10 AND end_on > start_on),
    fee_fen    bigint NOT NULL CHECK (fee_fen > 0),
    scope      text NOT NULL,
    selection  text NOT NULL CHECK (selection = 'owners_assembly' OR selection = 'preliminary'),
    ended_on   text COLLATE "C" NULL CHECK (length(ended_on) = 10),
    end_reason text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX property_contracts_estate_idx ON property_contracts (estate_id, start_on);
CREATE INDEX property_contracts_company_idx ON property_contracts (company_id, end_on);

CREATE TABLE owners_committees (
    id            uuid PRIMARY KEY,
    estate_id     uuid NOT NULL REFERENCES estates (id),
    community     text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    term          integer NOT NULL CHECK (term > 0),
    elected_on    text COLLATE "C" NOT NULL CHECK (length(elected_on) = 10),
    term_end      text COLLATE "C" NOT NULL CHECK (length(term_end) = 10),
    status        text NOT NULL CHECK (status = 'submitted' OR status = 'filed' OR status = 'returned'),
    return_reason text NOT NULL,
    filed_on      text COLLATE "C" NULL,
    submitted_by  text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (estate_id, term)
);

CREATE INDEX owners_committees_community_idx ON owners_committees (community, status);

CREATE TABLE owners_committee_members (
    committee_id uuid NOT NULL REFERENCES owners_committees (id),
    resident_id  uuid NOT NULL REFERENCES residents (id),
    post         text NOT NULL CHECK (post = 'director' OR post = 'deputy' OR post = 'member'),
    concurrent   boolean NOT NULL,
    position     integer NOT NULL,
    PRIMARY KEY (committee_id, resident_id)
);

-- Members of a community's environment and property management committee.
CREATE TABLE epmc_members (
    id         uuid PRIMARY KEY,
    community  text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    name       text NOT NULL,
    unit       text NOT NULL,
    post       text NOT NULL,
    position   integer NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX epmc_members_community_idx ON epmc_members (community, position);

-- items: JSON [{"key","name","max","pass","score","note"}].
CREATE TABLE property_inspections (
    id          uuid PRIMARY KEY,
    estate_id   uuid NOT NULL REFERENCES estates (id),
    community   text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    company_id  uuid NULL REFERENCES property_companies (id),
    day         text COLLATE "C" NOT NULL CHECK (length(day) = 10),
    inspectors  text NOT NULL,
    items       text NOT NULL,
    total       integer NOT NULL CHECK (total >= 0),
    max_total   integer NOT NULL CHECK (max_total > 0),
    passed      boolean NOT NULL,
    note        text NOT NULL,
    recorded_by text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX property_inspections_estate_idx ON property_inspections (estate_id, day);
CREATE INDEX property_inspections_community_idx ON property_inspections (community, day);

CREATE TABLE property_inspection_photos (
    id            uuid PRIMARY KEY,
    inspection_id uuid NOT NULL REFERENCES property_inspections (id),
    content_type  text NOT NULL
                  CHECK (content_type = 'image/jpeg' OR content_type = 'image/png' OR content_type = 'image/webp'),
    data          bytea NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE INDEX property_inspection_photos_idx ON property_inspection_photos (inspection_id, created_at);

CREATE TABLE rectifications (
    id            uuid PRIMARY KEY,
    inspection_id uuid NOT NULL REFERENCES property_inspections (id),
    estate_id     uuid NOT NULL REFERENCES estates (id),
    community     text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    company_id    uuid NULL REFERENCES property_companies (id),
    item_key      text NOT NULL,
    item_name     text NOT NULL,
    finding       text NOT NULL,
    due_on        text COLLATE "C" NOT NULL CHECK (length(due_on) = 10),
    status        text NOT NULL CHECK (status = 'open' OR status = 'reported' OR status = 'verified' OR status = 'overdue'),
    report        text NOT NULL,
    reported_at   timestamptz NULL,
    follow_up     text NOT NULL,
    verified_at   timestamptz NULL,
    overdue_at    timestamptz NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX rectifications_inspection_idx ON rectifications (inspection_id);
CREATE INDEX rectifications_community_idx ON rectifications (community, status);
CREATE INDEX rectifications_company_idx ON rectifications (company_id, status);
CREATE INDEX rectifications_due_idx ON rectifications (status, due_on);

-- parties: JSON [{"kind","name","company_id"}].
CREATE TABLE joint_meetings (
    id         uuid PRIMARY KEY,
    community  text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    estate_id  uuid NULL REFERENCES estates (id),
    day        text COLLATE "C" NOT NULL CHECK (length(day) = 10),
    place      text NOT NULL,
    parties    text NOT NULL,
    agenda     text NOT NULL,
    minutes    text NOT NULL,
    called_by  text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX joint_meetings_community_idx ON joint_meetings (community, day);

CREATE TABLE resolutions (
    id           uuid PRIMARY KEY,
    meeting_id   uuid NOT NULL REFERENCES joint_meetings (id),
    community    text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    estate_id    uuid NULL REFERENCES estates (id),
    text         text NOT NULL,
    owner        text NOT NULL,
    company_id   uuid NULL REFERENCES property_companies (id),
    due_on       text COLLATE "C" NOT NULL CHECK (length(due_on) = 10),
    status       text NOT NULL CHECK (status = 'open' OR status = 'done' OR status = 'overdue'),
    done_on      text COLLATE "C" NULL,
    done_note    text NOT NULL,
    escalated_at timestamptz NULL,
    position     integer NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE INDEX resolutions_meeting_idx ON resolutions (meeting_id, position);
CREATE INDEX resolutions_community_idx ON resolutions (community, status);
CREATE INDEX resolutions_due_idx ON resolutions (status, due_on);

-- Notes of a later meeting on an earlier resolution.
CREATE TABLE resolution_followups (
    resolution_id uuid NOT NULL REFERENCES resolutions (id),
    meeting_id    uuid NOT NULL REFERENCES joint_meetings (id),
    note          text NOT NULL,
    PRIMARY KEY (resolution_id, meeting_id)
);

CREATE INDEX resolution_followups_meeting_idx ON resolution_followups (meeting_id);

CREATE TABLE complaints (
    id            uuid PRIMARY KEY,
    number        text COLLATE "C" NOT NULL UNIQUE,
    estate_id     uuid NOT NULL REFERENCES estates (id),
    community     text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    company_id    uuid NULL REFERENCES property_companies (id),
    resident_id   uuid NULL REFERENCES residents (id),
    owner_user_id text NOT NULL,
    channel       text NOT NULL CHECK (channel = 'online' OR channel = 'window' OR channel = 'phone'),
    category      text NOT NULL,
    description   text NOT NULL,
    state         text NOT NULL,
    missing       text NOT NULL,
    answer        text NOT NULL,
    answered_at   timestamptz NULL,
    answer_late   boolean NOT NULL,
    -- A step of the community, the company or the street ran past its limit.
    was_late      boolean NOT NULL,
    dispute       text NOT NULL,
    verdict       text NOT NULL CHECK (verdict = '' OR verdict = 'upheld' OR verdict = 'dismissed'),
    result        text NOT NULL,
    due_at        timestamptz NOT NULL,
    paused_at     timestamptz NULL,
    closed_at     timestamptz NULL,
    filed_by      text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX complaints_community_idx ON complaints (community, state);
CREATE INDEX complaints_company_idx ON complaints (company_id, state);
CREATE INDEX complaints_owner_idx ON complaints (owner_user_id);
CREATE INDEX complaints_due_idx ON complaints (state, due_at);

-- One rating per household, estate and period (the uniqueness is the rule).
CREATE TABLE property_ratings (
    id           uuid PRIMARY KEY,
    estate_id    uuid NOT NULL REFERENCES estates (id),
    community    text COLLATE "C" NOT NULL CHECK (length(community) = 12),
    household_id uuid NOT NULL REFERENCES households (id),
    company_id   uuid NULL REFERENCES property_companies (id),
    period       text COLLATE "C" NOT NULL,
    s_attitude   integer NOT NULL CHECK (s_attitude BETWEEN 1 AND 5),
    s_cleaning   integer NOT NULL CHECK (s_cleaning BETWEEN 1 AND 5),
    s_greening   integer NOT NULL CHECK (s_greening BETWEEN 1 AND 5),
    s_security   integer NOT NULL CHECK (s_security BETWEEN 1 AND 5),
    s_repairs    integer NOT NULL CHECK (s_repairs BETWEEN 1 AND 5),
    s_fees       integer NOT NULL CHECK (s_fees BETWEEN 1 AND 5),
    comment      text NOT NULL,
    rated_by     text NOT NULL,
    created_at   timestamptz NOT NULL,
    UNIQUE (estate_id, household_id, period)
);

CREATE INDEX property_ratings_community_idx ON property_ratings (community, period);

CREATE TABLE credit_records (
    id              uuid PRIMARY KEY,
    company_id      uuid NOT NULL REFERENCES property_companies (id),
    kind            text COLLATE "C" NOT NULL,
    points          integer NOT NULL CHECK (points >= 0),
    note            text NOT NULL,
    object_type     text NOT NULL,
    object_id       text NOT NULL,
    estate_id       uuid NULL REFERENCES estates (id),
    community       text COLLATE "C" NOT NULL,
    recorded_on     text COLLATE "C" NOT NULL CHECK (length(recorded_on) = 10),
    valid_until     text COLLATE "C" NOT NULL CHECK (length(valid_until) = 10),
    withdrawn       boolean NOT NULL,
    withdraw_reason text NOT NULL,
    recorded_by     text NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE INDEX credit_records_company_idx ON credit_records (company_id, recorded_on);
-- A rule writes its record once per source object.
CREATE UNIQUE INDEX credit_records_source_idx ON credit_records (kind, object_type, object_id) WHERE object_id <> '';

CREATE TABLE credit_appeals (
    id          uuid PRIMARY KEY,
    record_id   uuid NOT NULL REFERENCES credit_records (id),
    company_id  uuid NOT NULL REFERENCES property_companies (id),
    reason      text NOT NULL,
    state       text NOT NULL CHECK (state = 'submitted' OR state = 'upheld' OR state = 'rejected'),
    answer      text NOT NULL,
    answered_by text NOT NULL,
    answered_at timestamptz NULL,
    filed_by    text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX credit_appeals_record_idx ON credit_appeals (record_id, created_at);
CREATE INDEX credit_appeals_company_idx ON credit_appeals (company_id, state);
-- One open appeal per record.
CREATE UNIQUE INDEX credit_appeals_open_idx ON credit_appeals (record_id) WHERE state = 'submitted';

-- Alerts already sent, so that each goes out once per object and kind.
CREATE TABLE property_alerts_sent (
    kind      text COLLATE "C" NOT NULL,
    object_id text NOT NULL,
    sent_at   timestamptz NOT NULL,
    PRIMARY KEY (kind, object_id)
);

-- +goose Down
DROP TABLE property_alerts_sent;
DROP TABLE credit_appeals;
DROP TABLE credit_records;
DROP TABLE property_ratings;
DROP TABLE complaints;
DROP TABLE resolution_followups;
DROP TABLE resolutions;
DROP TABLE joint_meetings;
DROP TABLE rectifications;
DROP TABLE property_inspection_photos;
DROP TABLE property_inspections;
DROP TABLE epmc_members;
DROP TABLE owners_committee_members;
DROP TABLE owners_committees;
DROP TABLE property_contracts;
DROP TABLE property_company_staff;
DROP TABLE property_companies;
DROP TABLE estate_households;
DROP TABLE estate_communities;
DROP TABLE estates;
DROP TABLE property_settings;
