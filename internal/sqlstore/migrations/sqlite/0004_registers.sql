-- +goose Up
-- The registers of community social organizations (社区社会组织) and social
-- workers (社会工作者). Keep in step with migrations/postgres. ids are UUIDv7
-- text generated in Go; times are RFC 3339 UTC text with a fixed-width
-- fraction (see dialect.go); dates (founded_on, graded_on, status_since,
-- birth_date) are 'YYYY-MM-DD' text in Asia/Shanghai on both engines, so that
-- text order is date order.
--
-- The indicator engine counts these tables with GROUP BY on community (and
-- status, kind, qualification): keep the column names.
--
-- Personal data as for residents: the leader's phone, the worker's ID and
-- phone numbers are stored only as AES-256-GCM ciphertexts bound to row and
-- field (*_enc), the worker's ID number also as a keyed blind index (*_idx)
-- for uniqueness. Value lists are OR chains rather than IN (...): measured
-- faster to check on SQLite writes.

CREATE TABLE social_orgs (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL CHECK (name <> ''),
    kind             TEXT NOT NULL
                     CHECK (kind = 'resident_service' OR kind = 'elderly_care' OR kind = 'charity'
                            OR kind = 'harmony' OR kind = 'culture_sports' OR kind = 'rural_production'),
    -- The home community: the organization belongs to it and is counted there.
    community        TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    legal_status     TEXT NOT NULL
                     CHECK (legal_status = 'registered' OR legal_status = 'filed' OR legal_status = 'incubating'),
    -- 统一社会信用代码 (GB 32100-2015), registered organizations only.
    credit_code      TEXT NULL UNIQUE CHECK (length(credit_code) = 18),
    -- The street or township a filed organization is filed with.
    filed_with       TEXT NULL REFERENCES divisions (code) CHECK (length(filed_with) = 9),
    -- The supporting organization of an incubating one.
    incubator        TEXT NULL CHECK (incubator <> ''),
    founded_on       TEXT NULL CHECK (length(founded_on) = 10),
    leader           TEXT NOT NULL,
    leader_phone_enc TEXT NULL,
    members          INTEGER NOT NULL CHECK (members >= 0),
    -- Capacity grade 1A–5A as 1–5, 0 none; a grade comes with its date.
    grade            INTEGER NOT NULL CHECK (grade >= 0 AND grade <= 5),
    graded_on        TEXT NULL CHECK (length(graded_on) = 10),
    status           TEXT NOT NULL CHECK (status = 'active' OR status = 'dormant' OR status = 'dissolved'),
    status_since     TEXT NULL CHECK (length(status_since) = 10),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK ((legal_status = 'registered') = (credit_code IS NOT NULL)),
    CHECK ((legal_status = 'filed') = (filed_with IS NOT NULL)),
    CHECK ((legal_status = 'incubating') = (incubator IS NOT NULL)),
    CHECK ((grade > 0) = (graded_on IS NOT NULL))
);

-- Counts per community by status and kind (indicators), lists in a scope
-- (prefix range on community).
CREATE INDEX social_orgs_community_status_kind_idx ON social_orgs (community, status, kind);
-- Search by name.
CREATE INDEX social_orgs_name_idx ON social_orgs (name);

-- Other communities an organization serves (besides its home community).
CREATE TABLE social_org_serves (
    org_id    TEXT NOT NULL REFERENCES social_orgs (id) ON DELETE CASCADE,
    community TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    PRIMARY KEY (org_id, community)
) WITHOUT ROWID;

CREATE INDEX social_org_serves_community_idx ON social_org_serves (community);

-- The org_member accounts that keep an organization's profile.
CREATE TABLE social_org_owners (
    org_id  TEXT NOT NULL REFERENCES social_orgs (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;

CREATE INDEX social_org_owners_user_idx ON social_org_owners (user_id);

CREATE TABLE social_workers (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL CHECK (name <> ''),
    id_number_enc   TEXT NOT NULL,
    id_number_idx   TEXT NOT NULL UNIQUE,
    phone_enc       TEXT NULL,
    -- Derived from the ID number, kept in clear for age and sex breakdowns.
    birth_date      TEXT NOT NULL CHECK (length(birth_date) = 10),
    sex             TEXT NOT NULL CHECK (sex = 'male' OR sex = 'female'),
    qualification   TEXT NOT NULL
                    CHECK (qualification = 'none' OR qualification = 'assistant'
                           OR qualification = 'social' OR qualification = 'senior'),
    cert_number     TEXT NULL,
    cert_year       INTEGER NULL CHECK (cert_year >= 2008),
    education       TEXT NULL
                    CHECK (education = 'below_high_school' OR education = 'high_school'
                           OR education = 'junior_college' OR education = 'bachelor'
                           OR education = 'master_plus'),
    employer_kind   TEXT NOT NULL CHECK (employer_kind = 'org' OR employer_kind = 'community' OR employer_kind = 'other'),
    employer_org_id TEXT NULL REFERENCES social_orgs (id),
    employer_name   TEXT NULL,
    -- The home community: the worker belongs to it and is counted there.
    community       TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    -- The worker's own account (org_member or social_worker).
    user_id         TEXT NULL UNIQUE REFERENCES users (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((employer_kind = 'org') = (employer_org_id IS NOT NULL)),
    CHECK ((qualification = 'none') = (cert_number IS NULL)),
    CHECK ((cert_number IS NULL) = (cert_year IS NULL))
);

-- Counts per community by qualification (indicators), lists in a scope.
CREATE INDEX social_workers_community_qualification_idx ON social_workers (community, qualification);
CREATE INDEX social_workers_name_idx ON social_workers (name);
CREATE INDEX social_workers_employer_org_idx ON social_workers (employer_org_id);

-- Other communities a worker serves.
CREATE TABLE social_worker_serves (
    worker_id TEXT NOT NULL REFERENCES social_workers (id) ON DELETE CASCADE,
    community TEXT NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    PRIMARY KEY (worker_id, community)
) WITHOUT ROWID;

CREATE INDEX social_worker_serves_community_idx ON social_worker_serves (community);

-- Service functions (精神慰藉, 资源链接, 能力提升, 关系调适, 社会融入).
CREATE TABLE social_worker_functions (
    worker_id TEXT NOT NULL REFERENCES social_workers (id) ON DELETE CASCADE,
    function  TEXT NOT NULL
              CHECK (function = 'comfort' OR function = 'resources' OR function = 'capacity'
                     OR function = 'relations' OR function = 'integration'),
    PRIMARY KEY (worker_id, function)
) WITHOUT ROWID;

-- Service areas (社区照顾 … 社区康复).
CREATE TABLE social_worker_areas (
    worker_id TEXT NOT NULL REFERENCES social_workers (id) ON DELETE CASCADE,
    area      TEXT NOT NULL
              CHECK (area = 'care' OR area = 'participation' OR area = 'integration'
                     OR area = 'development' OR area = 'correction' OR area = 'drug_rehab'
                     OR area = 'rehab'),
    PRIMARY KEY (worker_id, area)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE social_worker_areas;
DROP TABLE social_worker_functions;
DROP TABLE social_worker_serves;
DROP TABLE social_workers;
DROP TABLE social_org_owners;
DROP TABLE social_org_serves;
DROP TABLE social_orgs;
