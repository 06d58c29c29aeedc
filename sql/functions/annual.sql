-- Annual plans' guards (tables in 0015_annual_plans.sql). Every row is
-- permanent; versions, reports and plans name the mine's operator (or the
-- owner's session); an approval or a rectification list stands beside the
-- recorded decision it belongs to. The budget rule is in ledger.sql, where
-- withdrawals are booked.

CALL protect_rows('annual_plans');
CALL protect_rows('annual_plan_versions');
CALL protect_rows('annual_plan_works');
CALL protect_rows('annual_plan_approvals');
CALL protect_rows('annual_plan_reports');
CALL protect_rows('annual_plan_report_lines');
CALL protect_rows('annual_plan_rectifications');

CREATE OR REPLACE FUNCTION annual_plans_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_mine bigint;
BEGIN
    IF TG_TABLE_NAME = 'annual_plans' THEN
        v_mine := NEW.mine_id;
    ELSE
        SELECT mine_id INTO v_mine FROM annual_plans WHERE id = NEW.annual_plan_id;
    END IF;
    PERFORM reclaim_check_actor_for_mine(NEW.created_by, ARRAY['operator'], v_mine);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER annual_plans_guard BEFORE INSERT ON annual_plans
    FOR EACH ROW EXECUTE FUNCTION annual_plans_guard();
CREATE OR REPLACE TRIGGER annual_plan_versions_guard BEFORE INSERT ON annual_plan_versions
    FOR EACH ROW EXECUTE FUNCTION annual_plans_guard();
CREATE OR REPLACE TRIGGER annual_plan_reports_guard BEFORE INSERT ON annual_plan_reports
    FOR EACH ROW EXECUTE FUNCTION annual_plans_guard();

-- What has been withdrawn against an annual plan, net of reversals: the one
-- home of that sum (the view below, the approval guard, the budget rule).
CREATE OR REPLACE FUNCTION annual_plan_withdrawn(p_plan bigint) RETURNS bigint
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT coalesce(sum(CASE WHEN e.kind = 'withdrawal' THEN e.amount ELSE -e.amount END), 0)::bigint
    FROM ledger_entries e WHERE e.annual_plan_id = p_plan
$$;

-- Whether the fund pays for an annual plan's works in this state: approved,
-- under revision (the approved works stay in force) or reported.
CREATE OR REPLACE FUNCTION annual_plan_pays(p_state text) RETURNS boolean IMMUTABLE LANGUAGE sql AS $$
    SELECT p_state IN ('approved', 'revision-submitted', 'revision-returned', 'reported')
$$;

-- The annual plan in force, in one place: each plan with its state, whether
-- the fund pays for its works in that state, the version its latest
-- approval put in force (else its latest, for a plan never approved), that
-- approval's budget, what has been withdrawn against it and what remains.
-- fund_post's budget rule (ledger_annual_plan_check), the import,
-- AnnualPlans.find/list and the reports all read it.
DROP VIEW IF EXISTS annual_plans_in_force;
CREATE VIEW annual_plans_in_force AS
SELECT a.id AS annual_plan_id, a.mine_id, a.year, a.created_at, r.state,
       annual_plan_pays(r.state) AS pays,
       ap.version_id AS approved_version_id,
       lv.id AS latest_version_id,
       coalesce(ap.version_id, lv.id) AS version_id,
       coalesce(av.budget, 0) AS budget_approved,
       coalesce(av.area_m2, 0) AS area_approved_m2,
       w.withdrawn,
       coalesce(av.budget, 0) - w.withdrawn AS remaining
FROM annual_plans a
JOIN review_records r ON r.record_type = 'annual-plan' AND r.record_id = a.id
LEFT JOIN LATERAL (SELECT x.version_id FROM annual_plan_approvals x WHERE x.annual_plan_id = a.id
                   ORDER BY x.decision_seq DESC LIMIT 1) ap ON true
LEFT JOIN annual_plan_versions av ON av.id = ap.version_id
LEFT JOIN LATERAL (SELECT max(v.id) AS id FROM annual_plan_versions v WHERE v.annual_plan_id = a.id) lv ON true
CROSS JOIN LATERAL (SELECT annual_plan_withdrawn(a.id) AS withdrawn) w;
-- a view's functions run with its reader's rights
GRANT EXECUTE ON FUNCTION annual_plan_withdrawn(bigint), annual_plan_pays(text) TO reclaim_app;

-- An approval's or a failure's rows belong to a decision of that kind.
CREATE OR REPLACE FUNCTION annual_plan_decision_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM review_decisions d
                   WHERE d.record_type = 'annual-plan' AND d.record_id = NEW.annual_plan_id
                     AND d.seq = NEW.decision_seq
                     AND d.action = CASE TG_TABLE_NAME WHEN 'annual_plan_approvals' THEN 'approve' ELSE 'fail' END) THEN
        RAISE EXCEPTION 'no such decision on annual plan %', NEW.annual_plan_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- an approval (a revision's too) never puts in force a budget below what
    -- has already been withdrawn for the plan, net of reversals
    IF TG_TABLE_NAME = 'annual_plan_approvals' THEN
        DECLARE
            v_budget bigint := (SELECT v.budget FROM annual_plan_versions v WHERE v.id = NEW.version_id);
            v_withdrawn bigint := annual_plan_withdrawn(NEW.annual_plan_id);
        BEGIN
            IF v_budget < v_withdrawn THEN
                RAISE EXCEPTION 'the budget of % yuan is below the % yuan already withdrawn for this annual plan',
                    fen_text(v_budget), fen_text(v_withdrawn) USING ERRCODE = 'RCBUD', COLUMN = 'budget';
            END IF;
        END;
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER annual_plan_approvals_guard BEFORE INSERT ON annual_plan_approvals
    FOR EACH ROW EXECUTE FUNCTION annual_plan_decision_guard();
CREATE OR REPLACE TRIGGER annual_plan_rectifications_guard BEFORE INSERT ON annual_plan_rectifications
    FOR EACH ROW EXECUTE FUNCTION annual_plan_decision_guard();

-- Locks the annual plan of (p_license, p_year) for the caller's transaction
-- and returns it with its state. A row lock needs UPDATE rights, which
-- reclaim_app has on no annual-plan table; a decision takes the same lock
-- as a withdrawal (ledger_annual_plan_check), so the two never interleave.
CREATE OR REPLACE FUNCTION annual_plan_lock(p_license text, p_year integer)
    RETURNS TABLE (id bigint, mine_id bigint, state text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT a.id, a.mine_id, r.state FROM annual_plans a JOIN mines m ON m.id = a.mine_id
    JOIN review_records r ON r.record_type = 'annual-plan' AND r.record_id = a.id
    WHERE m.license = p_license AND a.year = p_year
    FOR UPDATE OF a;
END
$$;
GRANT EXECUTE ON FUNCTION annual_plan_lock(text, integer) TO reclaim_app;

-- A document's rows are written with it, never added later (written_with_parent, common.sql).
CREATE OR REPLACE TRIGGER annual_plan_works_with_parent BEFORE INSERT ON annual_plan_works
    FOR EACH ROW EXECUTE FUNCTION written_with_parent('annual_plan_versions', 'version_id');
CREATE OR REPLACE TRIGGER annual_plan_report_lines_with_parent BEFORE INSERT ON annual_plan_report_lines
    FOR EACH ROW EXECUTE FUNCTION written_with_parent('annual_plan_reports', 'report_id');
CREATE OR REPLACE TRIGGER annual_plan_report_land_with_parent BEFORE INSERT ON annual_plan_report_land
    FOR EACH ROW EXECUTE FUNCTION written_with_parent('annual_plan_reports', 'report_id');
