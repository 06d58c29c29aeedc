-- 0013: the annual accrual (基金计提) and the protection and land-reclamation
-- plan (矿山地质环境保护与土地复垦方案). Tables and constraints only; the
-- guards are in sql/functions/accrual.sql and sql/functions/plans.sql.

-- The method detail the accrual's method table is keyed by. Each fits one
-- method and some mineral classes only (the Ordos 2025 annex's headings).
ALTER TABLE mines ADD COLUMN method_detail text CHECK (method_detail IN (
    'open-pit-layered', 'open-pit-other', 'pit-depth-30m-or-less', 'pit-depth-over-30m',
    'underground-backfill', 'underground-no-subsidence', 'underground-subsidence', 'non-solid'));
ALTER TABLE mines ADD CONSTRAINT mines_method_detail_fits CHECK (method_detail IS NULL OR CASE
    WHEN method_detail IN ('open-pit-layered', 'open-pit-other')
        THEN method = 'open-pit' AND mineral_class = 'solid-energy'
    WHEN method_detail IN ('pit-depth-30m-or-less', 'pit-depth-over-30m')
        THEN method = 'open-pit' AND mineral_class IN ('metal', 'building-nonmetal', 'other-nonmetal')
    WHEN method_detail IN ('underground-backfill', 'underground-no-subsidence', 'underground-subsidence')
        THEN method = 'underground' AND mineral_class <> 'non-solid-energy'
    ELSE method = 'underground' AND mineral_class = 'non-solid-energy'
END);

-- Coefficient rule sets (计提系数): data, never code. Immutable once loaded:
-- a change is a new set with a later effective date.
CREATE TABLE accrual_rule_sets (
    name           text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    -- administrative division code; a set applies to the regions under it (150600: Ordos)
    jurisdiction   text NOT NULL CHECK (jurisdiction ~ '^[0-9]{6}$'),
    effective_from date NOT NULL CHECK (effective_from >= DATE '1990-01-01'),
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    loaded_by      text NOT NULL CHECK (loaded_by <> ''),
    UNIQUE (jurisdiction, effective_from)
);

CREATE TABLE accrual_coefficients (
    rule_set   text NOT NULL REFERENCES accrual_rule_sets (name),
    table_name text NOT NULL CHECK (table_name IN ('base_rate', 'method', 'land', 'region', 'coal_price')),
    key        text NOT NULL CHECK (key ~ '^[a-z0-9-]{1,40}$'),
    value      numeric NOT NULL CHECK (value > 0 AND value <= 1000 AND scale(value) <= 4),
    PRIMARY KEY (rule_set, table_name, key)
);

-- Last year's production (t; m³ for mineral water and geothermal), one
-- figure per mine and year: a correction supersedes the current report, and
-- both are kept. The chain has no forks (supersedes is unique) and one start.
CREATE TABLE output_reports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id     bigint NOT NULL REFERENCES mines (id),
    year        integer NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    quantity    numeric(18, 3) NOT NULL CHECK (quantity >= 0),
    unit        text NOT NULL CHECK (unit IN ('t', 'm3')),
    supersedes  bigint UNIQUE REFERENCES output_reports (id),
    reported_at timestamptz NOT NULL DEFAULT now(),
    reported_by text NOT NULL CHECK (reported_by <> ''),
    CHECK (supersedes IS NULL OR supersedes < id)
);
CREATE UNIQUE INDEX output_reports_one_first ON output_reports (mine_id, year) WHERE supersedes IS NULL;
CREATE INDEX output_reports_mine_year ON output_reports (mine_id, year, id);

-- Plan versions. The figures are immutable; the state (draft, submitted,
-- approved, returned) is the shared review workflow's (review_records,
-- record type 'plan').
CREATE TABLE plans (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id                bigint NOT NULL REFERENCES mines (id),
    version                integer NOT NULL CHECK (version >= 1),
    service_from           integer NOT NULL CHECK (service_from BETWEEN 1990 AND 2200),
    service_to             integer NOT NULL CHECK (service_to BETWEEN service_from AND service_from + 99),
    responsibility_area_m2 bigint NOT NULL CHECK (responsibility_area_m2 >= 0),
    planned_reclaimed_m2   bigint NOT NULL CHECK (planned_reclaimed_m2 BETWEEN 0 AND responsibility_area_m2),
    -- the target reclamation rate in hundredths of a percent (100.00 % = 10000)
    target_rate_bp         integer NOT NULL CHECK (target_rate_bp BETWEEN 0 AND 10000),
    cost_total             bigint NOT NULL CHECK (cost_total >= 0),
    -- 治理责任书
    letter_signed_on       date NOT NULL,
    submitted_at           timestamptz NOT NULL DEFAULT now(),
    submitted_by           text NOT NULL CHECK (submitted_by <> ''),
    UNIQUE (mine_id, version)
);

CREATE TABLE plan_damaged_land (
    plan_id      bigint NOT NULL REFERENCES plans (id),
    land_type    text NOT NULL CHECK (land_type IN ('cropland', 'forest', 'grassland', 'other')),
    existing_m2  bigint NOT NULL CHECK (existing_m2 >= 0),
    predicted_m2 bigint NOT NULL CHECK (predicted_m2 >= 0),
    PRIMARY KEY (plan_id, land_type)
);

-- The static cost estimate per year of the service period (fen).
CREATE TABLE plan_costs (
    plan_id bigint NOT NULL REFERENCES plans (id),
    year    integer NOT NULL,
    cost    bigint NOT NULL CHECK (cost >= 0),
    PRIMARY KEY (plan_id, year)
);

-- Assessments: every input and coefficient kept, so any amount can be
-- recomputed; re-assessing makes a new version, the latest counts. The
-- arithmetic is checked here too: exact numeric, rounded once, half up.
CREATE TABLE accrual_assessments (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id                bigint NOT NULL REFERENCES mines (id),
    year                   integer NOT NULL CHECK (year BETWEEN 1991 AND 2201),
    version                integer NOT NULL CHECK (version >= 1),
    rule_set               text NOT NULL REFERENCES accrual_rule_sets (name),
    output_report_id       bigint NOT NULL REFERENCES output_reports (id),
    output                 numeric(18, 3) NOT NULL CHECK (output >= 0),
    mineral_class          text NOT NULL,
    method_detail          text NOT NULL,
    land_type              text NOT NULL,
    region_code            text NOT NULL,
    coal                   boolean NOT NULL,
    base_rate              numeric NOT NULL CHECK (base_rate > 0),
    method_coefficient     numeric NOT NULL CHECK (method_coefficient > 0),
    land_coefficient       numeric NOT NULL CHECK (land_coefficient > 0),
    region_coefficient     numeric NOT NULL CHECK (region_coefficient > 0),
    coal_price_coefficient numeric CHECK (coal_price_coefficient > 0),
    formula_amount         bigint NOT NULL CHECK (formula_amount >= 0),
    plan_id                bigint REFERENCES plans (id),
    floor_amount           bigint CHECK (floor_amount >= 0),
    amount                 bigint NOT NULL,
    basis                  text NOT NULL CHECK (basis IN ('formula', 'floor')),
    assessed_at            timestamptz NOT NULL DEFAULT now(),
    assessed_by            text NOT NULL CHECK (assessed_by <> ''),
    UNIQUE (mine_id, year, version),
    CHECK (coal = (coal_price_coefficient IS NOT NULL)),
    CHECK ((plan_id IS NULL) = (floor_amount IS NULL)),
    CHECK (formula_amount = round(base_rate * method_coefficient * land_coefficient * region_coefficient
                                  * coalesce(coal_price_coefficient, 1) * output * 100)),
    CHECK (amount = greatest(formula_amount, coalesce(floor_amount, 0))),
    CHECK (basis = CASE WHEN floor_amount > formula_amount THEN 'floor' ELSE 'formula' END)
);

-- Which plan version or assessment closed an obligation.
ALTER TABLE mine_obligations
    ADD COLUMN closed_by_plan bigint REFERENCES plans (id),
    ADD COLUMN closed_by_assessment bigint REFERENCES accrual_assessments (id);

-- The service writes these rows itself, as the user it acts for; triggers
-- (sql/functions/) check that user and keep the rows immutable.
GRANT INSERT ON accrual_rule_sets, accrual_coefficients, output_reports, plans, plan_damaged_land, plan_costs,
    accrual_assessments TO reclaim_app;
