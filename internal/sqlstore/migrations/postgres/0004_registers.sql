-- +goose Up
-- The registers of community social organizations (社区社会组织) and social
-- workers (社会工作者). Keep in step with migrations/sqlite. ids are UUIDv7
-- generated in Go; dates (founded_on, graded_on, status_since, birth_date)
-- are 'YYYY-MM-DD' text in Asia/Shanghai on both engines, so that text order
-- is date order and both engines read back the same value.
--
-- The indicator engine counts these tables with GROUP BY on community (and
-- status, kind, qualification): keep the column names.
--
-- Personal data as for residents: the leader's phone, the worker's ID and
-- phone numbers are stored only as AES-256-GCM ciphertexts bound to row and
-- field (*_enc), the worker's ID number also as a keyed blind index (*_idx)
-- for uniqueness.
--
-- COLLATE "C" on codes, names and dates: byte order on both engines, so that
-- prefix ranges on codes use the index and lists sort alike.

CREATE TABLE social_orgs (
    id               uuid PRIMARY KEY,
    name             text COLLATE "C" NOT NULL CHECK (name <> ''),
    kind             text NOT NULL
                     CHECK (kind IN ('resident_service', 'elderly_care', 'charity', 'harmony',
                                     'culture_sports', 'rural_production')),
    -- The home community: the organization belongs to it and is counted there.
    community        text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    legal_status     text NOT NULL CHECK (legal_status IN ('registered', 'filed', 'incubating')),
    -- 统一社会信用代码 (GB 32100-2015), registered organizations only.
    credit_code      text NULL UNIQUE CHECK (length(credit_code) = 18),
    -- The street or township a filed organization is filed with.
    filed_with       text COLLATE "C" NULL REFERENCES divisions (code) CHECK (length(filed_with) = 9),
    -- The supporting organization of an incubating one.
    incubator        text NULL CHECK (incubator <> ''),
    founded_on       text COLLATE "C" NULL CHECK (length(founded_on) = 10),
    leader           text NOT NULL,
    leader_phone_enc text NULL,
    members          integer NOT NULL CHECK (members >= 0),
    -- Capacity grade 1A–5A as 1–5, 0 none; a grade comes with its date.
    grade            integer NOT NULL CHECK (grade BETWEEN 0 AND 5),
    graded_on        text COLLATE "C" NULL CHECK (length(graded_on) = 10),
    status           text NOT NULL CHECK (status IN ('active', 'dormant', 'dissolved')),
    status_since     text COLLATE "C" NULL CHECK (length(status_since) = 10),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
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
    org_id    uuid NOT NULL REFERENCES social_orgs (id) ON DELETE CASCADE,
    community text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    PRIMARY KEY (org_id, community)
);

CREATE INDEX social_org_serves_community_idx ON social_org_serves (community);

-- The org_member accounts that keep an organization's profile.
CREATE TABLE social_org_owners (
    org_id  uuid NOT NULL REFERENCES social_orgs (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (org_id, user_id)
);

CREATE INDEX social_org_owners_user_idx ON social_org_owners (user_id);

CREATE TABLE social_workers (
    id              uuid PRIMARY KEY,
    name            text COLLATE "C" NOT NULL CHECK (name <> ''),
    id_number_enc   text NOT NULL,
    id_number_idx   text NOT NULL UNIQUE,
    phone_enc       text NULL,
    -- Derived from the ID number, kept in clear for age and sex breakdowns.
    birth_date      text COLLATE "C" NOT NULL CHECK (length(birth_date) = 10),
    sex             text NOT NULL CHECK (sex IN ('male', 'female')),
    qualification   text NOT NULL CHECK (qualification IN ('none', 'assistant', 'social', 'senior')),
    cert_number     text NULL,
    cert_year       integer NULL CHECK (cert_year >= 2008),
    education       text NULL
                    CHECK (education IN ('below_high_school', 'high_school', 'junior_college', 'bachelor',
                                         'master_plus')),
    employer_kind   text NOT NULL CHECK (employer_kind IN ('org', 'community', 'other')),
    employer_org_id uuid NULL REFERENCES social_orgs (id),
    employer_name   text NULL,
    -- The home community: the worker belongs to it and is counted there.
    community       text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    -- The worker's own account (org_member or social_worker).
    user_id         uuid NULL UNIQUE REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
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
    worker_id uuid NOT NULL REFERENCES social_workers (id) ON DELETE CASCADE,
    community text COLLATE "C" NOT NULL REFERENCES divisions (code) CHECK (length(community) = 12),
    PRIMARY KEY (worker_id, community)
);

CREATE INDEX social_worker_serves_community_idx ON social_worker_serves (community);

-- Service functions (精神慰藉, 资源链接, 能力提升, 关系调适, 社会融入).
CREATE TABLE social_worker_functions (
    worker_id uuid NOT NULL REFERENCES social_workers (id) ON DELETE CASCADE,
    function  text NOT NULL
              CHECK (function IN ('comfort', 'resources', 'capacity', 'relations', 'integration')),
    PRIMARY KEY (worker_id, function)
);

-- Service areas (社区照顾 … 社区康复).
CREATE TABLE social_worker_areas (
    worker_id uuid NOT NULL REFERENCES social_workers (id) ON DELETE CASCADE,
    area      text NOT NULL
              CHECK (area IN ('care', 'participation', 'integration', 'development', 'correction',
                              'drug_rehab', 'rehab')),
    PRIMARY KEY (worker_id, area)
);

-- +goose Down
DROP TABLE social_worker_areas;
DROP TABLE social_worker_functions;
DROP TABLE social_worker_serves;
DROP TABLE social_workers;
DROP TABLE social_org_owners;
DROP TABLE social_org_serves;
DROP TABLE social_orgs;
