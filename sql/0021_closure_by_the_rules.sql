-- 0021: closure acceptance as the land-reclamation rules run it (土地复垦条例
-- arts. 28–29 and its 实施办法): restoration measured per land type, a panel
-- with experts, a site visit, a public notice of the preliminary result with
-- objections, and a confirmation (验收合格确认书) before any release; the
-- settings those steps read. Tables and constraints only; the guards are in
-- sql/functions/closure.sql and sql/functions/settings.sql.

-- Experts (专家) sit on closure panels; their organisation is recorded.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'finance', 'operator', 'reviewer', 'auditor', 'expert'));
ALTER TABLE users ADD COLUMN org text CHECK (length(org) BETWEEN 1 AND 200);

-- Settings the bureau changes without a deployment. Every change is a new
-- row (the latest per key is in force), so the history is the table.
CREATE TABLE settings (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key    text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_.-]{0,79}$'),
    value  text NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
    set_at timestamptz NOT NULL DEFAULT now(),
    set_by text NOT NULL CHECK (set_by <> '')
);
CREATE INDEX settings_key ON settings (key, id);

-- A year-end report's land, by land type: new damage found in the year
-- (新增损毁) and land reclaimed (已复垦). 应复垦面积 is the approved plan's
-- existing damage plus every reported new damage; 已复垦面积 is what the
-- accepted reports record here.
CREATE TABLE annual_plan_report_land (
    report_id    bigint NOT NULL REFERENCES annual_plan_reports (id),
    land_type    text NOT NULL CHECK (land_type IN ('cropland', 'forest', 'grassland', 'other')),
    damaged_m2   bigint NOT NULL CHECK (damaged_m2 >= 0),
    reclaimed_m2 bigint NOT NULL CHECK (reclaimed_m2 >= 0),
    PRIMARY KEY (report_id, land_type)
);
-- Reports made before this migration recorded treated area per work only:
-- it counts as reclaimed land of the mine's own land type, with no new damage.
INSERT INTO annual_plan_report_land (report_id, land_type, damaged_m2, reclaimed_m2)
SELECT r.id, m.land_type, 0, coalesce(sum(l.area_m2), 0)
FROM annual_plan_reports r JOIN annual_plans a ON a.id = r.annual_plan_id JOIN mines m ON m.id = a.mine_id
LEFT JOIN annual_plan_report_lines l ON l.report_id = r.id
GROUP BY r.id, m.land_type;

-- The site visit (现场踏勘); votes wait for one.
CREATE TABLE closure_visits (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES closure_applications (id),
    visited_on     date NOT NULL,
    participants   text[] NOT NULL CHECK (cardinality(participants) BETWEEN 1 AND 50),
    checked_m2     bigint NOT NULL CHECK (checked_m2 >= 0),
    finding        text NOT NULL CHECK (length(finding) BETWEEN 1 AND 2000),
    recorded_by    text NOT NULL CHECK (recorded_by <> ''),
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX closure_visits_application ON closure_visits (application_id, id);

-- The public notice of a preliminary pass (初步验收结果公告): from the day
-- of the deciding vote, for the notice days then in force.
CREATE TABLE closure_notices (
    application_id bigint PRIMARY KEY REFERENCES closure_applications (id),
    starts_on      date NOT NULL,
    days           integer NOT NULL CHECK (days BETWEEN 1 AND 365),
    ends_on        date NOT NULL,
    CHECK (ends_on = starts_on + days - 1)
);

-- Objections raised during the notice, recorded by an administrator on
-- behalf of the person who raised them, and their outcome (a panel reviewer's).
CREATE TABLE closure_objections (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES closure_applications (id),
    raised_by      text NOT NULL CHECK (length(raised_by) BETWEEN 1 AND 100),
    contact        text NOT NULL CHECK (length(contact) BETWEEN 1 AND 200),
    text           text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    recorded_by    text NOT NULL CHECK (recorded_by <> ''),
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX closure_objections_application ON closure_objections (application_id, id);

CREATE TABLE closure_objection_outcomes (
    objection_id bigint PRIMARY KEY REFERENCES closure_objections (id),
    upheld       boolean NOT NULL,
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    resolved_by  text NOT NULL CHECK (resolved_by <> ''),
    resolved_at  timestamptz NOT NULL DEFAULT now()
);

-- The confirmation (验收合格确认书): once per application, its number unique.
CREATE TABLE closure_confirmations (
    application_id bigint PRIMARY KEY REFERENCES closure_applications (id),
    number         text NOT NULL UNIQUE CHECK (length(number) BETWEEN 1 AND 100),
    confirmed_on   date NOT NULL,
    confirmed_by   text NOT NULL CHECK (confirmed_by <> ''),
    confirmed_at   timestamptz NOT NULL DEFAULT now()
);

GRANT INSERT ON settings, annual_plan_report_land, closure_visits, closure_notices, closure_objections,
    closure_objection_outcomes, closure_confirmations TO reclaim_app;
