-- 0017: historical and abandoned-mine restoration (历史遗留/废弃矿山治理):
-- surveyed sites (图斑), the public notice that declares them ownerless,
-- government projects that restore them, and the projects' money in the
-- same ledger as the mine funds. Tables and constraints only; guards and the
-- booking function are in sql/functions/legacy.sql.

CREATE TABLE legacy_sites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    township    text NOT NULL CHECK (length(township) BETWEEN 1 AND 100),
    geometry    jsonb,
    area_m2     bigint NOT NULL CHECK (area_m2 > 0),
    former_mine text CHECK (length(former_mine) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL CHECK (created_by <> '')
);

-- What is wrong at a site, in the spirit of OSMRE's inventory: a type with
-- its quantity in its unit.
CREATE TABLE legacy_site_problems (
    site_id  bigint NOT NULL REFERENCES legacy_sites (id),
    n        integer NOT NULL CHECK (n >= 1),
    type     text NOT NULL CHECK (type IN ('subsidence', 'open-pit', 'waste-dump', 'highwall', 'opening',
                                          'damaged-cropland', 'damaged-forest', 'damaged-grassland', 'other')),
    quantity numeric(18, 3) NOT NULL CHECK (quantity >= 0),
    unit     text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
    PRIMARY KEY (site_id, n)
);

-- The public notice (公示) that declares a site ownerless, one at a time.
CREATE TABLE legacy_notices (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id   bigint NOT NULL REFERENCES legacy_sites (id),
    start_on  date NOT NULL,
    days      integer NOT NULL CHECK (days BETWEEN 1 AND 365),
    opened_at timestamptz NOT NULL DEFAULT now(),
    opened_by text NOT NULL CHECK (opened_by <> '')
);
CREATE INDEX legacy_notices_site ON legacy_notices (site_id, id);

CREATE TABLE legacy_objections (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id  bigint NOT NULL REFERENCES legacy_notices (id),
    text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL CHECK (created_by <> '')
);

CREATE TABLE legacy_notice_outcomes (
    notice_id bigint PRIMARY KEY REFERENCES legacy_notices (id),
    outcome   text NOT NULL CHECK (outcome IN ('ownerless', 'owner-found')),
    owner     text CHECK (length(owner) <= 200),
    closed_on date NOT NULL,
    closed_at timestamptz NOT NULL DEFAULT now(),
    closed_by text NOT NULL CHECK (closed_by <> ''),
    CHECK ((outcome = 'owner-found') = (owner IS NOT NULL))
);

-- Projects; their state is the review workflow's (record type 'legacy-project').
CREATE TABLE legacy_projects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    approval_ref text NOT NULL CHECK (length(approval_ref) BETWEEN 1 AND 100),
    contractor   text NOT NULL CHECK (length(contractor) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL CHECK (created_by <> '')
);

-- The planned budget by funding source.
CREATE TABLE legacy_project_budgets (
    project_id bigint NOT NULL REFERENCES legacy_projects (id),
    source     text NOT NULL CHECK (source IN ('central', 'region', 'city', 'banner', 'social')),
    planned    bigint NOT NULL CHECK (planned >= 0),
    PRIMARY KEY (project_id, source)
);

CREATE TABLE legacy_project_sites (
    project_id bigint NOT NULL REFERENCES legacy_projects (id),
    site_id    bigint NOT NULL REFERENCES legacy_sites (id),
    added_at   timestamptz NOT NULL DEFAULT now(),
    added_by   text NOT NULL CHECK (added_by <> ''),
    PRIMARY KEY (project_id, site_id)
);

-- Treated area per site, as reported; never more than the site's area in total.
CREATE TABLE legacy_progress (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES legacy_projects (id),
    site_id    bigint NOT NULL REFERENCES legacy_sites (id),
    area_m2    bigint NOT NULL CHECK (area_m2 > 0),
    on_date    date NOT NULL,
    evidence   text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL CHECK (created_by <> ''),
    FOREIGN KEY (project_id, site_id) REFERENCES legacy_project_sites (project_id, site_id)
);

-- The projects' money in the mine funds' ledger: each project has, per
-- funding source, the source's account (money allocated from it) and the
-- project's account of that source's money (never below zero), and one
-- works account that payments go to.
ALTER TABLE fund_accounts ALTER COLUMN mine_id DROP NOT NULL;
ALTER TABLE fund_accounts ADD COLUMN project_id bigint REFERENCES legacy_projects (id);
ALTER TABLE fund_accounts ADD CONSTRAINT fund_accounts_one_owner CHECK ((mine_id IS NULL) <> (project_id IS NULL));
ALTER TABLE fund_accounts ADD CONSTRAINT fund_accounts_project_kind UNIQUE (project_id, kind);
ALTER TABLE fund_accounts DROP CONSTRAINT fund_accounts_kind_check;
ALTER TABLE fund_accounts ADD CONSTRAINT fund_accounts_kind_check CHECK (kind IN
    ('fund', 'contributions', 'works', 'converted-deposits', 'closure-releases',
     'source-central', 'source-region', 'source-city', 'source-banner', 'source-social',
     'project-central', 'project-region', 'project-city', 'project-banner', 'project-social'));
ALTER TABLE fund_accounts ADD CONSTRAINT project_no_overdraft CHECK (kind NOT LIKE 'project-%' OR balance >= 0);
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN
    ('deposit', 'withdrawal', 'transfer', 'deposit-conversion', 'reversal', 'closure-release',
     'legacy-commit', 'legacy-spend'));

GRANT INSERT ON legacy_sites, legacy_site_problems, legacy_notices, legacy_objections, legacy_notice_outcomes,
    legacy_projects, legacy_project_budgets, legacy_project_sites, legacy_progress TO reclaim_app;
