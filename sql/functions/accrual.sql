-- The accrual's guards (tables in 0013_accrual_and_plans.sql). The figures
-- are computed in Swift (Sources/Reclaim/Accrual) and checked again by the
-- table's CHECKs; these triggers keep rule sets, output reports and
-- assessments immutable and make sure the person recorded may do it.

CALL protect_rows('accrual_rule_sets');
CALL protect_rows('accrual_coefficients');
CALL protect_rows('output_reports');
CALL protect_rows('accrual_assessments');


-- A rule set's coefficients arrive with the set, in the transaction that
-- loads it; never added to a set loaded before. Rule sets are loaded by
-- administrators. SECURITY DEFINER so that reclaim_check_actor sees the
-- session's real user (reclaim_app) apart from the function's owner.
-- A correction (0031) supersedes the latest generation of a set of the same
-- jurisdiction and effective date, says why, and is the next generation;
-- the generation is the database's to count, never the caller's.
CREATE OR REPLACE FUNCTION accrual_rule_sets_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_old accrual_rule_sets%ROWTYPE;
BEGIN
    PERFORM reclaim_check_actor(NEW.loaded_by, ARRAY['admin']);
    IF NEW.supersedes IS NULL THEN
        NEW.generation := 1;
        RETURN NEW;
    END IF;
    SELECT * INTO v_old FROM accrual_rule_sets WHERE name = NEW.supersedes FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rule set % does not exist', NEW.supersedes USING ERRCODE = 'RCRUL', COLUMN = 'supersedes';
    END IF;
    IF v_old.jurisdiction <> NEW.jurisdiction OR v_old.effective_from <> NEW.effective_from THEN
        RAISE EXCEPTION 'a correction of % has its jurisdiction % and effective date %', v_old.name, v_old.jurisdiction,
            v_old.effective_from USING ERRCODE = 'RCRUL', COLUMN = 'supersedes';
    END IF;
    IF EXISTS (SELECT 1 FROM accrual_rule_sets WHERE supersedes = v_old.name) THEN
        RAISE EXCEPTION 'rule set % is already superseded: correct the set that superseded it', v_old.name
            USING ERRCODE = 'RCRUL', COLUMN = 'supersedes';
    END IF;
    NEW.generation := v_old.generation + 1;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER accrual_rule_sets_guard BEFORE INSERT ON accrual_rule_sets
    FOR EACH ROW EXECUTE FUNCTION accrual_rule_sets_guard();

CREATE OR REPLACE FUNCTION accrual_coefficients_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    -- xmin is the inserting transaction; compare within the current epoch
    IF NOT EXISTS (SELECT 1 FROM accrual_rule_sets s WHERE s.name = NEW.rule_set
                   AND s.xmin::text = (pg_current_xact_id()::text::numeric % 4294967296)::text) THEN
        RAISE EXCEPTION 'rule set % is loaded already: its coefficients cannot change (load a new set)', NEW.rule_set
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER accrual_coefficients_guard BEFORE INSERT ON accrual_coefficients
    FOR EACH ROW EXECUTE FUNCTION accrual_coefficients_guard();

-- Output is reported by the mine's operator or by finance staff; a
-- correction supersedes the current report of the same mine and year.
CREATE OR REPLACE FUNCTION output_reports_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor_for_mine(NEW.reported_by, ARRAY['operator', 'finance'], NEW.mine_id);
    IF NEW.year >= extract(year FROM bureau_date(now())) THEN
        RAISE EXCEPTION '% has not ended: output is reported for a finished year', NEW.year
            USING ERRCODE = 'RCRUL', COLUMN = 'year';
    END IF;
    -- in the licence's unit (mines.output_unit, from the mineral)
    IF NEW.unit IS DISTINCT FROM (SELECT m.output_unit FROM mines m WHERE m.id = NEW.mine_id) THEN
        RAISE EXCEPTION 'output is reported in the licence''s unit (%)', (SELECT m.output_unit FROM mines m WHERE m.id = NEW.mine_id)
            USING ERRCODE = 'RCRUL', COLUMN = 'unit';
    END IF;
    IF NEW.supersedes IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM output_reports o WHERE o.id = NEW.supersedes AND o.mine_id = NEW.mine_id AND o.year = NEW.year)
    THEN
        RAISE EXCEPTION 'a correction supersedes a report of the same mine and year' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER output_reports_guard BEFORE INSERT ON output_reports
    FOR EACH ROW EXECUTE FUNCTION output_reports_guard();

-- Assessments are finance staff's, and use the output report of the year
-- before, the mine's own, and the rule set whose figures they copy.
CREATE OR REPLACE FUNCTION accrual_assessments_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.assessed_by, ARRAY['finance']);
    IF NOT EXISTS (SELECT 1 FROM output_reports o WHERE o.id = NEW.output_report_id AND o.mine_id = NEW.mine_id
                   AND o.year = NEW.year - 1 AND o.quantity = NEW.output AND o.unit = NEW.output_unit) THEN
        RAISE EXCEPTION 'an assessment uses the mine''s own output report of the year before' USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM accrual_coefficients c WHERE c.rule_set = NEW.rule_set AND c.table_name = 'land'
                   AND c.key = NEW.land_type AND c.value = NEW.land_coefficient)
       OR NOT EXISTS (SELECT 1 FROM accrual_coefficients c WHERE c.rule_set = NEW.rule_set AND c.table_name = 'method'
                      AND c.key = NEW.method_detail AND c.value = NEW.method_coefficient)
       OR NOT EXISTS (SELECT 1 FROM accrual_coefficients c WHERE c.rule_set = NEW.rule_set
                      AND c.table_name = 'base_rate' AND c.key = NEW.mineral_class AND c.value = NEW.base_rate)
       OR NOT EXISTS (SELECT 1 FROM accrual_coefficients c WHERE c.rule_set = NEW.rule_set AND c.table_name = 'region'
                      AND c.key = NEW.region_code AND c.value = NEW.region_coefficient)
       OR (NEW.coal AND NOT EXISTS (SELECT 1 FROM accrual_coefficients c WHERE c.rule_set = NEW.rule_set
                                    AND c.table_name = 'coal_price' AND c.key = NEW.year::text
                                    AND c.value = NEW.coal_price_coefficient)) THEN
        RAISE EXCEPTION 'an assessment''s coefficients are those of its rule set' USING ERRCODE = 'check_violation';
    END IF;
    -- output in m³ under a rate per tonne (every class but the non-solid) is weighed at the
    -- mineral's bulk density as its setting stands, and only then
    IF (NEW.output_unit = 'm3' AND NEW.mineral_class <> 'non-solid-energy') <> (NEW.conversion_kg_per_m3 IS NOT NULL)
       OR (NEW.conversion_kg_per_m3 IS NOT NULL
           AND setting_int(NEW.conversion_setting) IS DISTINCT FROM NEW.conversion_kg_per_m3) THEN
        RAISE EXCEPTION 'output in m³ is weighed at its mineral''s bulk-density setting when the rate is per tonne'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER accrual_assessments_guard BEFORE INSERT ON accrual_assessments
    FOR EACH ROW EXECUTE FUNCTION accrual_assessments_guard();
