-- 0016: closure acceptance (闭坑验收), the working-day calendar its clock
-- runs on, and the release of what is left in the fund. Tables and
-- constraints only; the guards are in sql/functions/closure.sql and the
-- release in sql/functions/ledger.sql.

-- The bureau's calendar: weekends are days off unless listed as working
-- days (调休 Saturdays and Sundays); listed holidays are days off.
CREATE TABLE work_calendar (
    day        date PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       text CHECK (length(name) <= 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL CHECK (created_by <> '')
);

-- An application for closure acceptance. Its state is the shared review
-- workflow's (record type 'closure-application'): filed, under-review,
-- accepted, rejected.
CREATE TABLE closure_applications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id    bigint NOT NULL REFERENCES mines (id),
    filed_on   date NOT NULL,
    evidence   text[] NOT NULL CHECK (cardinality(evidence) BETWEEN 1 AND 100),
    note       text CHECK (length(note) <= 2000),
    -- what was checked at filing, each passed (else the filing was refused)
    checks     text[] NOT NULL,
    filed_at   timestamptz NOT NULL DEFAULT now(),
    filed_by   text NOT NULL CHECK (filed_by <> '')
);
CREATE INDEX closure_applications_mine ON closure_applications (mine_id, id);

-- The panel (评审组): reviewers, none the applicant nor bound to the mine.
CREATE TABLE closure_panel (
    application_id bigint NOT NULL REFERENCES closure_applications (id),
    reviewer       text NOT NULL REFERENCES users (name),
    assigned_by    text NOT NULL CHECK (assigned_by <> ''),
    assigned_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, reviewer)
);

-- One vote per member, never changed.
CREATE TABLE closure_votes (
    application_id bigint NOT NULL REFERENCES closure_applications (id),
    reviewer       text NOT NULL,
    pass           boolean NOT NULL,
    opinion        text NOT NULL CHECK (length(opinion) BETWEEN 1 AND 2000),
    voted_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, reviewer),
    FOREIGN KEY (application_id, reviewer) REFERENCES closure_panel (application_id, reviewer)
);

-- The release of what is left in the fund at closure: an entry of its own
-- kind, after which the fund account is closed to every booking.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN
    ('deposit', 'withdrawal', 'transfer', 'deposit-conversion', 'reversal', 'closure-release'));
ALTER TABLE fund_accounts ADD COLUMN closed_by_release bigint REFERENCES ledger_entries (id);

GRANT INSERT ON work_calendar, closure_applications, closure_panel, closure_votes TO reclaim_app;
