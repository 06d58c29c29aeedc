-- 0038: production capacity and output units per licence (issue 32), and
-- the master plan's minimum production scales (专栏10) as a rule set.

-- The unit a licence states its output and capacity in: m³ for sand,
-- gravel and building stone (and mineral water, geothermal), tonnes for
-- the rest. Output reports are in it (output_reports_guard).
ALTER TABLE mines ADD COLUMN output_unit text NOT NULL DEFAULT 't' CHECK (output_unit IN ('t', 'm3'));
-- 生产规模: 万 output units a year, as the licence states it (history in mine_history)
ALTER TABLE mines ADD COLUMN capacity numeric(12, 2) CHECK (capacity > 0);
UPDATE mines SET output_unit = 'm3'
WHERE mineral_class = 'non-solid-energy'
   OR lower(btrim(mineral)) = ANY (ARRAY[
       'construction sand', '建筑用砂', 'construction gravel', 'sand and gravel', 'construction sand and gravel', 'gravel',
       '建筑用砂石', '砂石', '砂砾石', 'building stone', 'building-stone limestone', 'construction stone', '建筑石料',
       '建筑用石料', '建筑石料用灰岩']);

-- An assessment of output reported in m³ under a rate per tonne converts at
-- the mineral's bulk density (kg/m³, a setting), recorded with it.
ALTER TABLE accrual_assessments ADD COLUMN output_unit text NOT NULL DEFAULT 't' CHECK (output_unit IN ('t', 'm3'));
ALTER TABLE accrual_assessments ADD COLUMN conversion_kg_per_m3 integer CHECK (conversion_kg_per_m3 BETWEEN 1000 AND 3000);
ALTER TABLE accrual_assessments ADD COLUMN conversion_setting text
    CHECK ((conversion_setting IS NULL) = (conversion_kg_per_m3 IS NULL) AND conversion_setting LIKE 'conversion.kg_per_m3.%');
UPDATE accrual_assessments a SET output_unit = o.unit FROM output_reports o WHERE o.id = a.output_report_id AND o.unit <> 't';

-- Minimum production scales (最低开采规模): per mineral, and per zone where
-- the plan sets one; the latest rule set is in force.
CREATE TABLE minimum_scale_rule_sets (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    loaded_by   text NOT NULL CHECK (loaded_by <> ''),
    loaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE minimum_scales (
    rule_set    text NOT NULL REFERENCES minimum_scale_rule_sets (name),
    mineral     text NOT NULL CHECK (length(mineral) BETWEEN 1 AND 100),
    -- '' for the whole banner; else the zone (集中开采区) the minimum applies in
    zone        text NOT NULL DEFAULT '' CHECK (length(zone) <= 100),
    unit        text NOT NULL CHECK (unit IN ('t', 'm3')),
    minimum     numeric(12, 2) NOT NULL CHECK (minimum > 0),
    PRIMARY KEY (rule_set, mineral, zone)
);
INSERT INTO minimum_scale_rule_sets (name, source, loaded_by) VALUES
    ('dalad-2021-2025', '达拉特旗矿产资源总体规划（2021–2025年）专栏10 and 第四章 (集中开采区 5 and 6 万m³/a)', 'reclaim-migration');
INSERT INTO minimum_scales (rule_set, mineral, zone, unit, minimum) VALUES
    ('dalad-2021-2025', 'refractory clay', '', 't', 10),
    ('dalad-2021-2025', 'glass quartzite', '', 't', 10),
    ('dalad-2021-2025', 'quartzite', '', 't', 10),
    ('dalad-2021-2025', 'kaolin', '', 't', 10),
    ('dalad-2021-2025', 'construction sand', '', 'm3', 6),
    ('dalad-2021-2025', 'building-stone limestone', '', 't', 6),
    ('dalad-2021-2025', 'construction sand', 'concentrated mining zone', 'm3', 6),
    ('dalad-2021-2025', 'building stone', 'concentrated mining zone', 'm3', 5);
GRANT SELECT ON minimum_scale_rule_sets, minimum_scales TO reclaim_app;

-- The formula amount's own check (0013) gains the bulk density: the rate
-- per tonne × m³ × t/m³ (kg/m³ ÷ 1000, exact in numeric).
ALTER TABLE accrual_assessments DROP CONSTRAINT accrual_assessments_check2;
ALTER TABLE accrual_assessments ADD CONSTRAINT accrual_assessments_formula_check CHECK (
    formula_amount::numeric = round(base_rate * method_coefficient * land_coefficient * region_coefficient
                                    * coalesce(coal_price_coefficient, 1) * output
                                    * coalesce(conversion_kg_per_m3::numeric / 1000, 1) * 100));
