-- The plan's guards (tables in 0013_accrual_and_plans.sql). A version's
-- figures never change once submitted; its per-year costs add up to its
-- total and cover exactly its service period, checked at commit (the rows
-- arrive in one transaction). The state is the review workflow's.

CALL protect_rows('plans');
CALL protect_rows('plan_costs');
CALL protect_rows('plan_damaged_land');

-- Plans are submitted by the mine's operator (or by an administrator's own session).
CREATE OR REPLACE FUNCTION plans_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor_for_mine(NEW.submitted_by, ARRAY['operator'], NEW.mine_id);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER plans_guard BEFORE INSERT ON plans
    FOR EACH ROW EXECUTE FUNCTION plans_guard();

-- At commit: the costs of the plan of this row add up and cover the period.
CREATE OR REPLACE FUNCTION plan_costs_add_up() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_id bigint;
    v_plan plans;
    v_sum numeric;
    v_years integer[];
BEGIN
    -- one statement per table: NEW has the firing table's columns only
    IF TG_TABLE_NAME = 'plans' THEN
        v_id := NEW.id;
    ELSE
        v_id := NEW.plan_id;
    END IF;
    SELECT * INTO v_plan FROM plans WHERE id = v_id;
    SELECT coalesce(sum(cost), 0), coalesce(array_agg(year ORDER BY year), '{}') INTO v_sum, v_years
    FROM plan_costs WHERE plan_id = v_plan.id;
    IF v_sum <> v_plan.cost_total THEN
        RAISE EXCEPTION 'plan %: per-year costs add up to % fen, not the total %', v_plan.id, v_sum, v_plan.cost_total
            USING ERRCODE = 'check_violation';
    END IF;
    IF v_years <> ARRAY(SELECT generate_series(v_plan.service_from, v_plan.service_to)) THEN
        RAISE EXCEPTION 'plan %: per-year costs must cover exactly % to %', v_plan.id, v_plan.service_from,
            v_plan.service_to USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
-- (constraint triggers cannot be replaced in place)
DROP TRIGGER IF EXISTS plans_costs_add_up ON plans;
CREATE CONSTRAINT TRIGGER plans_costs_add_up AFTER INSERT ON plans DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION plan_costs_add_up();
DROP TRIGGER IF EXISTS plan_costs_add_up ON plan_costs;
CREATE CONSTRAINT TRIGGER plan_costs_add_up AFTER INSERT ON plan_costs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION plan_costs_add_up();

-- A document's rows are written with it, never added later (written_with_parent, common.sql).
CREATE OR REPLACE TRIGGER plan_damaged_land_with_parent BEFORE INSERT ON plan_damaged_land
    FOR EACH ROW EXECUTE FUNCTION written_with_parent('plans', 'plan_id');
CREATE OR REPLACE TRIGGER plan_costs_with_parent BEFORE INSERT ON plan_costs
    FOR EACH ROW EXECUTE FUNCTION written_with_parent('plans', 'plan_id');
