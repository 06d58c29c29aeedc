-- 0035: dynamic monitoring (动态监测, master plan chapter 6 §3), four levels:
-- each mine's own quarterly monitoring reports with every hazard watched,
-- emergency events (应急监测) open until a reviewer closes them with the
-- measures taken, and the bureau's periodic inspections (定期监测); the
-- upward reports are read from these. Every row is permanent; the guards
-- are in sql/functions/monitoring.sql.
CREATE TABLE monitoring_reports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id      bigint NOT NULL REFERENCES mines (id),
    period       text NOT NULL CHECK (period ~ '^(199[0-9]|2[01][0-9][0-9]|2200)Q[1-4]$'),
    version      integer NOT NULL CHECK (version >= 1),
    summary      text NOT NULL CHECK (length(summary) BETWEEN 1 AND 8000),
    submitted_by text NOT NULL CHECK (submitted_by <> ''),
    submitted_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (mine_id, period, version)
);

CREATE TABLE monitoring_report_hazards (
    report_id   bigint NOT NULL REFERENCES monitoring_reports (id),
    kind        text NOT NULL CHECK (kind IN ('subsidence', 'fissure', 'landslide', 'debris-flow', 'water-level', 'water-quality', 'land-damage')),
    measurement numeric NOT NULL,
    unit        text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
    threshold   numeric,
    crossed     boolean NOT NULL,
    note        text CHECK (note IS NULL OR length(note) BETWEEN 1 AND 2000),
    PRIMARY KEY (report_id, kind)
);

CREATE TABLE monitoring_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id     bigint NOT NULL REFERENCES mines (id),
    kind        text NOT NULL CHECK (kind IN ('subsidence', 'fissure', 'landslide', 'debris-flow', 'water-level', 'water-quality', 'land-damage')),
    occurred_at timestamptz NOT NULL,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    casualties  integer NOT NULL DEFAULT 0 CHECK (casualties >= 0),
    area_m2     bigint CHECK (area_m2 IS NULL OR area_m2 >= 0),
    recorded_by text NOT NULL CHECK (recorded_by <> ''),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monitoring_events_mine ON monitoring_events (mine_id, id);

CREATE TABLE monitoring_event_closures (
    event_id  bigint PRIMARY KEY REFERENCES monitoring_events (id),
    measures  text NOT NULL CHECK (length(measures) BETWEEN 1 AND 4000),
    closed_by text NOT NULL CHECK (closed_by <> ''),
    closed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE monitoring_inspections (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id      bigint NOT NULL REFERENCES mines (id),
    inspected_on date NOT NULL,
    finding      text NOT NULL CHECK (length(finding) BETWEEN 1 AND 4000),
    inspected_by text NOT NULL CHECK (inspected_by <> ''),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monitoring_inspections_mine ON monitoring_inspections (mine_id, inspected_on);

GRANT INSERT ON monitoring_reports, monitoring_report_hazards, monitoring_events, monitoring_event_closures,
    monitoring_inspections TO reclaim_app;
