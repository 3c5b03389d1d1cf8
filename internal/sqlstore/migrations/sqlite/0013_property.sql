-- +goose Up
-- 物业服务监管 (issue 15): estates, property companies and their staff and
-- contracts, owners' committees, the communities' environment and property
-- management committees, inspections and rectification orders, joint
-- meetings and resolutions, complaints, residents' ratings, credit records
-- and appeals, per-county settings and the alerts already sent. Keep in
-- step with migrations/postgres. ids are UUIDv7 text generated in Go; times
-- RFC 3339 UTC text; dates 'YYYY-MM-DD' in Asia/Shanghai; money integer 分.
-- Every row carries the division code it belongs to.

-- Settings of a county (checklist, points, limits) as JSON.
CREATE TABLE property_settings (
    county     TEXT PRIMARY KEY CHECK (length(county) = 6),
    data       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE estates (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name <> ''),
    community  TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    address    TEXT NOT NULL,
    lat        REAL NULL,
    lng        REAL NULL,
    households INTEGER NOT NULL CHECK (households > 0),
    buildings  INTEGER NOT NULL CHECK (buildings >= 0),
    year_built INTEGER NOT NULL,
    old        BOOLEAN NOT NULL CHECK (old = 0 OR old = 1),
    mode       TEXT NOT NULL CHECK (mode = 'company' OR mode = 'rc_self' OR mode = 'owner_self' OR mode = 'none'),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (community, name)
);

CREATE INDEX estates_community_idx ON estates (community, mode);

-- The other communities an estate spans (the primary one is estates.community).
CREATE TABLE estate_communities (
    estate_id TEXT NOT NULL REFERENCES estates (id),
    community TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    PRIMARY KEY (estate_id, community)
) WITHOUT ROWID;

CREATE INDEX estate_communities_community_idx ON estate_communities (community);

-- The estate a household of the register lives in: one per household.
CREATE TABLE estate_households (
    household_id TEXT PRIMARY KEY REFERENCES households (id),
    estate_id    TEXT NOT NULL REFERENCES estates (id),
    set_by       TEXT NOT NULL,
    set_at       TEXT NOT NULL
);

CREATE INDEX estate_households_estate_idx ON estate_households (estate_id);

CREATE TABLE property_companies (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL CHECK (name <> ''),
    credit_code       TEXT NOT NULL UNIQUE CHECK (length(credit_code) = 18),
    division          TEXT NOT NULL REFERENCES divisions (code),
    address           TEXT NOT NULL,
    contact           TEXT NOT NULL,
    contact_phone_enc TEXT NULL,
    blacklisted       BOOLEAN NOT NULL CHECK (blacklisted = 0 OR blacklisted = 1),
    blacklist_reason  TEXT NOT NULL,
    blacklisted_at    TEXT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE INDEX property_companies_division_idx ON property_companies (division);

-- Property staff accounts of a company: an account belongs to one company.
CREATE TABLE property_company_staff (
    company_id TEXT NOT NULL REFERENCES property_companies (id),
    user_id    TEXT NOT NULL UNIQUE REFERENCES users (id),
    PRIMARY KEY (company_id, user_id)
) WITHOUT ROWID;

CREATE TABLE property_contracts (
    id         TEXT PRIMARY KEY,
    estate_id  TEXT NOT NULL REFERENCES estates (id),
    company_id TEXT NOT NULL REFERENCES property_companies (id),
    community  TEXT NOT NULL CHECK (length(community) = 12),
    start_on   TEXT NOT NULL CHECK (length(start_on) = 10),
    end_on     TEXT NOT NULL CHECK (length(end_on) = 10 AND end_on > start_on),
    fee_fen    INTEGER NOT NULL CHECK (fee_fen > 0),
    scope      TEXT NOT NULL,
    selection  TEXT NOT NULL CHECK (selection = 'owners_assembly' OR selection = 'preliminary'),
    ended_on   TEXT NULL CHECK (length(ended_on) = 10),
    end_reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX property_contracts_estate_idx ON property_contracts (estate_id, start_on);
CREATE INDEX property_contracts_company_idx ON property_contracts (company_id, end_on);

CREATE TABLE owners_committees (
    id            TEXT PRIMARY KEY,
    estate_id     TEXT NOT NULL REFERENCES estates (id),
    community     TEXT NOT NULL CHECK (length(community) = 12),
    term          INTEGER NOT NULL CHECK (term > 0),
    elected_on    TEXT NOT NULL CHECK (length(elected_on) = 10),
    term_end      TEXT NOT NULL CHECK (length(term_end) = 10),
    status        TEXT NOT NULL CHECK (status = 'submitted' OR status = 'filed' OR status = 'returned'),
    return_reason TEXT NOT NULL,
    filed_on      TEXT NULL,
    submitted_by  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (estate_id, term)
);

CREATE INDEX owners_committees_community_idx ON owners_committees (community, status);

CREATE TABLE owners_committee_members (
    committee_id TEXT NOT NULL REFERENCES owners_committees (id),
    resident_id  TEXT NOT NULL REFERENCES residents (id),
    post         TEXT NOT NULL CHECK (post = 'director' OR post = 'deputy' OR post = 'member'),
    concurrent   BOOLEAN NOT NULL CHECK (concurrent = 0 OR concurrent = 1),
    position     INTEGER NOT NULL,
    PRIMARY KEY (committee_id, resident_id)
) WITHOUT ROWID;

-- Members of a community's environment and property management committee.
CREATE TABLE epmc_members (
    id         TEXT PRIMARY KEY,
    community  TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    name       TEXT NOT NULL,
    unit       TEXT NOT NULL,
    post       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX epmc_members_community_idx ON epmc_members (community, position);

-- items: JSON [{"key","name","max","pass","score","note"}].
CREATE TABLE property_inspections (
    id          TEXT PRIMARY KEY,
    estate_id   TEXT NOT NULL REFERENCES estates (id),
    community   TEXT NOT NULL CHECK (length(community) = 12),
    company_id  TEXT NULL REFERENCES property_companies (id),
    day         TEXT NOT NULL CHECK (length(day) = 10),
    inspectors  TEXT NOT NULL,
    items       TEXT NOT NULL,
    total       INTEGER NOT NULL CHECK (total >= 0),
    max_total   INTEGER NOT NULL CHECK (max_total > 0),
    passed      BOOLEAN NOT NULL CHECK (passed = 0 OR passed = 1),
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX property_inspections_estate_idx ON property_inspections (estate_id, day);
CREATE INDEX property_inspections_community_idx ON property_inspections (community, day);

CREATE TABLE property_inspection_photos (
    id            TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES property_inspections (id),
    content_type  TEXT NOT NULL
                  CHECK (content_type = 'image/jpeg' OR content_type = 'image/png' OR content_type = 'image/webp'),
    data          BLOB NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE INDEX property_inspection_photos_idx ON property_inspection_photos (inspection_id, created_at);

CREATE TABLE rectifications (
    id            TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES property_inspections (id),
    estate_id     TEXT NOT NULL REFERENCES estates (id),
    community     TEXT NOT NULL CHECK (length(community) = 12),
    company_id    TEXT NULL REFERENCES property_companies (id),
    item_key      TEXT NOT NULL,
    item_name     TEXT NOT NULL,
    finding       TEXT NOT NULL,
    due_on        TEXT NOT NULL CHECK (length(due_on) = 10),
    status        TEXT NOT NULL CHECK (status = 'open' OR status = 'reported' OR status = 'verified' OR status = 'overdue'),
    report        TEXT NOT NULL,
    reported_at   TEXT NULL,
    follow_up     TEXT NOT NULL,
    verified_at   TEXT NULL,
    overdue_at    TEXT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX rectifications_inspection_idx ON rectifications (inspection_id);
CREATE INDEX rectifications_community_idx ON rectifications (community, status);
CREATE INDEX rectifications_company_idx ON rectifications (company_id, status);
CREATE INDEX rectifications_due_idx ON rectifications (status, due_on);

-- parties: JSON [{"kind","name","company_id"}].
CREATE TABLE joint_meetings (
    id         TEXT PRIMARY KEY,
    community  TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    estate_id  TEXT NULL REFERENCES estates (id),
    day        TEXT NOT NULL CHECK (length(day) = 10),
    place      TEXT NOT NULL,
    parties    TEXT NOT NULL,
    agenda     TEXT NOT NULL,
    minutes    TEXT NOT NULL,
    called_by  TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX joint_meetings_community_idx ON joint_meetings (community, day);

CREATE TABLE resolutions (
    id           TEXT PRIMARY KEY,
    meeting_id   TEXT NOT NULL REFERENCES joint_meetings (id),
    community    TEXT NOT NULL CHECK (length(community) = 12),
    estate_id    TEXT NULL REFERENCES estates (id),
    text         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    company_id   TEXT NULL REFERENCES property_companies (id),
    due_on       TEXT NOT NULL CHECK (length(due_on) = 10),
    status       TEXT NOT NULL CHECK (status = 'open' OR status = 'done' OR status = 'overdue'),
    done_on      TEXT NULL,
    done_note    TEXT NOT NULL,
    escalated_at TEXT NULL,
    position     INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE INDEX resolutions_meeting_idx ON resolutions (meeting_id, position);
CREATE INDEX resolutions_community_idx ON resolutions (community, status);
CREATE INDEX resolutions_due_idx ON resolutions (status, due_on);

-- Notes of a later meeting on an earlier resolution.
CREATE TABLE resolution_followups (
    resolution_id TEXT NOT NULL REFERENCES resolutions (id),
    meeting_id    TEXT NOT NULL REFERENCES joint_meetings (id),
    note          TEXT NOT NULL,
    PRIMARY KEY (resolution_id, meeting_id)
) WITHOUT ROWID;

CREATE INDEX resolution_followups_meeting_idx ON resolution_followups (meeting_id);

CREATE TABLE complaints (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    estate_id     TEXT NOT NULL REFERENCES estates (id),
    community     TEXT NOT NULL CHECK (length(community) = 12),
    company_id    TEXT NULL REFERENCES property_companies (id),
    resident_id   TEXT NULL REFERENCES residents (id),
    owner_user_id TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel = 'online' OR channel = 'window' OR channel = 'phone'),
    category      TEXT NOT NULL,
    description   TEXT NOT NULL,
    state         TEXT NOT NULL,
    missing       TEXT NOT NULL,
    answer        TEXT NOT NULL,
    answered_at   TEXT NULL,
    answer_late   BOOLEAN NOT NULL CHECK (answer_late = 0 OR answer_late = 1),
    -- A step of the community, the company or the street ran past its limit.
    was_late      BOOLEAN NOT NULL CHECK (was_late = 0 OR was_late = 1),
    dispute       TEXT NOT NULL,
    verdict       TEXT NOT NULL CHECK (verdict = '' OR verdict = 'upheld' OR verdict = 'dismissed'),
    result        TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    paused_at     TEXT NULL,
    closed_at     TEXT NULL,
    filed_by      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX complaints_community_idx ON complaints (community, state);
CREATE INDEX complaints_company_idx ON complaints (company_id, state);
CREATE INDEX complaints_owner_idx ON complaints (owner_user_id);
CREATE INDEX complaints_due_idx ON complaints (state, due_at);

-- One rating per household, estate and period (the uniqueness is the rule).
CREATE TABLE property_ratings (
    id           TEXT PRIMARY KEY,
    estate_id    TEXT NOT NULL REFERENCES estates (id),
    community    TEXT NOT NULL CHECK (length(community) = 12),
    household_id TEXT NOT NULL REFERENCES households (id),
    company_id   TEXT NULL REFERENCES property_companies (id),
    period       TEXT NOT NULL,
    s_attitude   INTEGER NOT NULL CHECK (s_attitude BETWEEN 1 AND 5),
    s_cleaning   INTEGER NOT NULL CHECK (s_cleaning BETWEEN 1 AND 5),
    s_greening   INTEGER NOT NULL CHECK (s_greening BETWEEN 1 AND 5),
    s_security   INTEGER NOT NULL CHECK (s_security BETWEEN 1 AND 5),
    s_repairs    INTEGER NOT NULL CHECK (s_repairs BETWEEN 1 AND 5),
    s_fees       INTEGER NOT NULL CHECK (s_fees BETWEEN 1 AND 5),
    comment      TEXT NOT NULL,
    rated_by     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (estate_id, household_id, period)
);

CREATE INDEX property_ratings_community_idx ON property_ratings (community, period);

CREATE TABLE credit_records (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES property_companies (id),
    kind            TEXT NOT NULL,
    points          INTEGER NOT NULL CHECK (points >= 0),
    note            TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    estate_id       TEXT NULL REFERENCES estates (id),
    community       TEXT NOT NULL,
    recorded_on     TEXT NOT NULL CHECK (length(recorded_on) = 10),
    valid_until     TEXT NOT NULL CHECK (length(valid_until) = 10),
    withdrawn       BOOLEAN NOT NULL CHECK (withdrawn = 0 OR withdrawn = 1),
    withdraw_reason TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE INDEX credit_records_company_idx ON credit_records (company_id, recorded_on);
-- A rule writes its record once per source object.
CREATE UNIQUE INDEX credit_records_source_idx ON credit_records (kind, object_type, object_id) WHERE object_id <> '';

CREATE TABLE credit_appeals (
    id          TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES credit_records (id),
    company_id  TEXT NOT NULL REFERENCES property_companies (id),
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state = 'submitted' OR state = 'upheld' OR state = 'rejected'),
    answer      TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TEXT NULL,
    filed_by    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX credit_appeals_record_idx ON credit_appeals (record_id, created_at);
CREATE INDEX credit_appeals_company_idx ON credit_appeals (company_id, state);
-- One open appeal per record.
CREATE UNIQUE INDEX credit_appeals_open_idx ON credit_appeals (record_id) WHERE state = 'submitted';

-- Alerts already sent, so that each goes out once per object and kind.
CREATE TABLE property_alerts_sent (
    kind      TEXT NOT NULL,
    object_id TEXT NOT NULL,
    sent_at   TEXT NOT NULL,
    PRIMARY KEY (kind, object_id)
) WITHOUT ROWID;

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
