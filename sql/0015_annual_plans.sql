-- 0015: annual governance plans (年度治理计划书) and the withdrawals that pay
-- for their works. Tables and constraints only; the guards and the budget
-- rule are in sql/functions/annual.sql and sql/functions/ledger.sql.

-- One per mine and year, under the mine's approved plan of the day it was
-- drafted. Its state is the shared review workflow's (record type 'annual-plan').
CREATE TABLE annual_plans (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id    bigint NOT NULL REFERENCES mines (id),
    year       integer NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    plan_id    bigint NOT NULL REFERENCES plans (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL CHECK (created_by <> ''),
    UNIQUE (mine_id, year)
);

-- The works, as drafted, edited after a return, or revised: every version
-- kept. Totals are derived from the works (never typed twice) and checked.
CREATE TABLE annual_plan_versions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    annual_plan_id bigint NOT NULL REFERENCES annual_plans (id),
    version        integer NOT NULL CHECK (version >= 1),
    kind           text NOT NULL CHECK (kind IN ('draft', 'revision')),
    budget         bigint NOT NULL CHECK (budget >= 0),
    area_m2        bigint NOT NULL CHECK (area_m2 >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text NOT NULL CHECK (created_by <> ''),
    UNIQUE (annual_plan_id, version)
);

CREATE TABLE annual_plan_works (
    version_id  bigint NOT NULL REFERENCES annual_plan_versions (id),
    n           integer NOT NULL CHECK (n >= 1),
    type        text NOT NULL CHECK (type IN ('slope-regrading', 'pit-backfill', 'soil-cover', 'revegetation',
                                              'subsidence-fill', 'fissure-fill', 'drainage', 'monitoring', 'other')),
    location    text NOT NULL CHECK (length(location) BETWEEN 1 AND 500),
    geometry    jsonb,
    area_m2     bigint CHECK (area_m2 >= 0),
    quantity    numeric(18, 3) CHECK (quantity >= 0),
    unit        text CHECK (length(unit) BETWEEN 1 AND 20),
    budget      bigint NOT NULL CHECK (budget >= 0),
    start_month date NOT NULL CHECK (extract(day FROM start_month) = 1),
    end_month   date NOT NULL CHECK (extract(day FROM end_month) = 1 AND end_month >= start_month),
    PRIMARY KEY (version_id, n),
    -- an area, or a quantity with its unit
    CHECK ((area_m2 IS NULL) <> (quantity IS NULL) AND (quantity IS NULL) = (unit IS NULL))
);

-- Which version's figures an approval put in force: the budget withdrawals
-- are held to is that of the latest approval (a revision's, once approved).
CREATE TABLE annual_plan_approvals (
    annual_plan_id bigint NOT NULL REFERENCES annual_plans (id),
    decision_seq   integer NOT NULL,
    version_id     bigint NOT NULL REFERENCES annual_plan_versions (id),
    PRIMARY KEY (annual_plan_id, decision_seq)
);

-- What was done, at year end (and again after a failed acceptance).
CREATE TABLE annual_plan_reports (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    annual_plan_id bigint NOT NULL REFERENCES annual_plans (id),
    version_id     bigint NOT NULL REFERENCES annual_plan_versions (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text NOT NULL CHECK (created_by <> '')
);

CREATE TABLE annual_plan_report_lines (
    report_id bigint NOT NULL REFERENCES annual_plan_reports (id),
    work      integer NOT NULL CHECK (work >= 1),
    area_m2   bigint CHECK (area_m2 >= 0),
    quantity  numeric(18, 3) CHECK (quantity >= 0),
    spent     bigint NOT NULL CHECK (spent >= 0),
    evidence  text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (report_id, work),
    CHECK ((area_m2 IS NULL) <> (quantity IS NULL))
);

-- A failed acceptance's rectification items (整改意见).
CREATE TABLE annual_plan_rectifications (
    annual_plan_id bigint NOT NULL REFERENCES annual_plans (id),
    decision_seq   integer NOT NULL,
    n              integer NOT NULL CHECK (n >= 1),
    item           text NOT NULL CHECK (length(item) BETWEEN 1 AND 2000),
    PRIMARY KEY (annual_plan_id, decision_seq, n)
);

-- A withdrawal names the annual plan it pays for; its reversal carries the
-- same link, giving the budget back. Entries booked before this migration
-- keep no link and count against no plan: the ledger is never rewritten.
-- The link is inside the entry's hash from hash version 3.
ALTER TABLE ledger_entries ADD COLUMN annual_plan_id bigint REFERENCES annual_plans (id);
CREATE INDEX ledger_entries_annual_plan ON ledger_entries (annual_plan_id) WHERE annual_plan_id IS NOT NULL;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_hash_version_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_hash_version_check CHECK (hash_version IN (1, 2, 3));
ALTER TABLE ledger_entries ALTER COLUMN hash_version SET DEFAULT 3;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_annual_plan_hashed
    CHECK (annual_plan_id IS NULL OR hash_version >= 3);

GRANT INSERT ON annual_plans, annual_plan_versions, annual_plan_works, annual_plan_approvals, annual_plan_reports,
    annual_plan_report_lines, annual_plan_rectifications TO reclaim_app;
