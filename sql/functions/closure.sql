-- Closure acceptance's guards (tables in 0016_closure.sql and
-- 0021_closure_by_the_rules.sql) and the measure of restoration it rests on.
-- Applications, panels, visits, votes, notices, objections and
-- confirmations are permanent; the state is the review workflow's, and each
-- step into a state is checked here against what the rules require of it
-- (土地复垦条例 arts. 28–29): no application while anything is unmet, no
-- vote before a site visit, no confirmation before the public notice has
-- run with no objection upheld, and no release without a confirmation.

CALL protect_rows('work_calendar');
CALL protect_rows('closure_applications');
CALL protect_rows('closure_panel');
CALL protect_rows('closure_votes');
CALL protect_rows('closure_visits');
CALL protect_rows('closure_notices');
CALL protect_rows('closure_objections');
CALL protect_rows('closure_objection_outcomes');
CALL protect_rows('closure_confirmations');
CALL protect_rows('annual_plan_report_land');

-- The bureau's calendar day of a moment (Inner Mongolia keeps Beijing time).
CREATE OR REPLACE FUNCTION bureau_date(t timestamptz) RETURNS date STABLE LANGUAGE sql AS $$
    SELECT (t AT TIME ZONE 'Asia/Shanghai')::date
$$;
GRANT EXECUTE ON FUNCTION bureau_date(timestamptz) TO reclaim_app;

-- Each mine's plan in force on a date: the highest version approved by
-- then; one mine's only when p_mine_id is given (the closure rule's case,
-- which must not measure the whole banner to judge one mine).
DROP FUNCTION IF EXISTS plans_in_force(date);
CREATE OR REPLACE FUNCTION plans_in_force(p_as_of date, p_mine_id bigint DEFAULT NULL)
    RETURNS TABLE (mine_id bigint, plan_id bigint, service_from integer, target_rate_bp integer)
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT DISTINCT ON (p.mine_id) p.mine_id, p.id, p.service_from, p.target_rate_bp
    FROM plans p JOIN review_decisions d ON d.record_type = 'plan' AND d.record_id = p.id AND d.action = 'approve'
    WHERE bureau_date(d.decided_at) <= p_as_of AND (p_mine_id IS NULL OR p.mine_id = p_mine_id)
    ORDER BY p.mine_id, p.version DESC
$$;
GRANT EXECUTE ON FUNCTION plans_in_force(date, bigint) TO reclaim_app;

-- The land to reclaim (应复垦面积) and the land reclaimed (已复垦面积) of
-- every mine with a plan in force on a date, by land type: the plan's
-- existing damage plus the new damage of each year-end report filed by the
-- date, and the reclaimed land of the reports accepted by the date — both
-- for the plan's years only (its existing damage already holds the years
-- before). The restoration report and the closure rule both read this; the
-- rule for one mine (p_mine_id), the report for all.
DROP FUNCTION IF EXISTS restoration_land(date);
CREATE OR REPLACE FUNCTION restoration_land(p_as_of date, p_mine_id bigint DEFAULT NULL)
    RETURNS TABLE (mine_id bigint, land_type text, to_reclaim_m2 bigint, reclaimed_m2 bigint)
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    WITH plan AS (SELECT * FROM plans_in_force(p_as_of, p_mine_id)),
    latest_report AS (
        SELECT DISTINCT ON (r.annual_plan_id) r.annual_plan_id, r.id, a.mine_id
        FROM annual_plan_reports r JOIN annual_plans a ON a.id = r.annual_plan_id
        JOIN plan pl ON pl.mine_id = a.mine_id AND a.year >= pl.service_from
        WHERE bureau_date(r.created_at) <= p_as_of
        ORDER BY r.annual_plan_id, r.id DESC
    ),
    accepted AS (
        SELECT DISTINCT d.record_id AS annual_plan_id FROM review_decisions d
        WHERE d.record_type = 'annual-plan' AND d.action = 'accept' AND bureau_date(d.decided_at) <= p_as_of
    ),
    parts AS (
        SELECT pl.mine_id, l.land_type, l.existing_m2 AS damaged, 0::bigint AS reclaimed
        FROM plan pl JOIN plan_damaged_land l ON l.plan_id = pl.plan_id
        UNION ALL
        SELECT lr.mine_id, rl.land_type, rl.damaged_m2,
               CASE WHEN ac.annual_plan_id IS NOT NULL THEN rl.reclaimed_m2 ELSE 0 END
        FROM latest_report lr JOIN annual_plan_report_land rl ON rl.report_id = lr.id
        LEFT JOIN accepted ac ON ac.annual_plan_id = lr.annual_plan_id
    )
    SELECT p.mine_id, p.land_type, sum(p.damaged)::bigint, sum(p.reclaimed)::bigint FROM parts p
    GROUP BY p.mine_id, p.land_type
$$;
GRANT EXECUTE ON FUNCTION restoration_land(date, bigint) TO reclaim_app;

-- What keeps a mine from applying for closure acceptance on p_on, each as a
-- kind and a sentence; no rows when nothing does. The one statement of the
-- rule: `closure apply` lists these, and the application's insert is
-- refused while any remains.
CREATE OR REPLACE FUNCTION closure_unmet(p_mine_id bigint, p_on date)
    RETURNS TABLE (kind text, detail text) STABLE LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_plan record;
    r record;
    v_to bigint := 0;
    v_done bigint := 0;
    v_lands text[] := '{}';
    v_land text;
    v_assessed bigint;
    v_paid bigint;
    v_created int;
    v_status text;
BEGIN
    IF EXISTS (SELECT 1 FROM closure_applications c
               JOIN review_records rr ON rr.record_type = 'closure-application' AND rr.record_id = c.id
               WHERE c.mine_id = p_mine_id AND rr.state = 'accepted')
       OR EXISTS (SELECT 1 FROM fund_accounts a WHERE a.mine_id = p_mine_id AND a.closed_by_release IS NOT NULL) THEN
        kind := 'already-closed'; detail := 'the mine''s closure is already accepted or its fund released';
        RETURN NEXT;
    END IF;
    SELECT * INTO v_plan FROM plans_in_force(p_on, p_mine_id);
    IF NOT FOUND THEN
        kind := 'no-approved-plan'; detail := 'the mine has no approved protection and land-reclamation plan';
        RETURN NEXT;
    ELSE
        -- one pass over the mine's land: the overall rate and each land type's
        FOR r IN SELECT l.land_type, l.to_reclaim_m2, l.reclaimed_m2 FROM restoration_land(p_on, p_mine_id) l
                 ORDER BY l.land_type LOOP
            v_to := v_to + r.to_reclaim_m2;
            v_done := v_done + r.reclaimed_m2;
            IF r.reclaimed_m2 * 10000 < r.to_reclaim_m2 * v_plan.target_rate_bp THEN
                v_lands := v_lands || format('%s: reclamation rate %s %% (%s of %s hm²) is below the plan''s target of %s %%',
                                             r.land_type, round(r.reclaimed_m2 * 100.0 / r.to_reclaim_m2, 2),
                                             round(r.reclaimed_m2 / 10000.0, 2), round(r.to_reclaim_m2 / 10000.0, 2),
                                             round(v_plan.target_rate_bp / 100.0, 2));
            END IF;
        END LOOP;
        IF v_done * 10000 < v_to * v_plan.target_rate_bp THEN
            kind := 'reclamation-rate';
            detail := format('reclamation rate %s %% (%s of %s hm²) is below the plan''s target of %s %%',
                             round(v_done * 100.0 / v_to, 2), round(v_done / 10000.0, 2), round(v_to / 10000.0, 2),
                             round(v_plan.target_rate_bp / 100.0, 2));
            RETURN NEXT;
        END IF;
        FOREACH v_land IN ARRAY v_lands LOOP
            kind := 'reclamation-rate';
            detail := v_land;
            RETURN NEXT;
        END LOOP;
    END IF;
    FOR r IN SELECT a.year, rr.state FROM annual_plans a
             JOIN review_records rr ON rr.record_type = 'annual-plan' AND rr.record_id = a.id
             WHERE a.mine_id = p_mine_id AND rr.state NOT IN ('draft', 'returned', 'accepted')
             ORDER BY a.year LOOP
        kind := 'annual-plan-not-accepted';
        detail := format('annual plan %s is %s, not accepted', r.year, r.state);
        RETURN NEXT;
    END LOOP;
    FOR r IN SELECT o.kind AS k, o.reason FROM mine_obligations o
             WHERE o.mine_id = p_mine_id AND o.closed_at IS NULL ORDER BY o.id LOOP
        kind := 'obligation-open';
        detail := format('open obligation %s (%s)', r.k, r.reason);
        RETURN NEXT;
    END LOOP;
    -- cumulative: every year's latest assessment against every deposit
    -- (net of its reversals) with a value date up to the filing, so a late
    -- catch-up payment counts with its true bank date
    SELECT coalesce(sum(x.amount), 0) INTO v_assessed FROM (
        SELECT DISTINCT ON (s.year) s.amount FROM accrual_assessments s WHERE s.mine_id = p_mine_id
        ORDER BY s.year, s.version DESC) x;
    SELECT coalesce(sum(p.amount), 0) INTO v_paid FROM ledger_postings p
    JOIN fund_accounts a ON a.id = p.account_id AND a.kind = 'fund' AND a.mine_id = p_mine_id
    JOIN ledger_entries e ON e.id = p.entry_id LEFT JOIN ledger_entries o ON o.id = e.reverses
    WHERE (e.kind = 'deposit' OR (e.kind = 'reversal' AND o.kind = 'deposit')) AND p.value_date <= p_on;
    IF v_paid < v_assessed THEN
        kind := 'accrual-shortfall';
        detail := format('%s yuan assessed in all, %s yuan deposited by %s', fen_text(v_assessed), fen_text(v_paid), p_on);
        RETURN NEXT;
    END IF;
    -- output for every finished year the registry shows the mine producing
    SELECT extract(year FROM bureau_date(m.created_at))::int, m.status INTO v_created, v_status
    FROM mines m WHERE m.id = p_mine_id;
    FOR r IN
        WITH years AS (SELECT generate_series(v_created, extract(year FROM p_on)::int - 1) AS y),
        changes AS (SELECT h.changed_at, h.old_value, h.new_value FROM mine_history h
                    WHERE h.mine_id = p_mine_id AND h.field = 'status')
        SELECT y.y FROM years y
        WHERE (coalesce((SELECT c.new_value FROM changes c WHERE bureau_date(c.changed_at) < make_date(y.y, 1, 1)
                         ORDER BY c.changed_at DESC LIMIT 1),
                        (SELECT c.old_value FROM changes c ORDER BY c.changed_at LIMIT 1), v_status) = 'producing'
               OR EXISTS (SELECT 1 FROM changes c WHERE c.new_value = 'producing'
                          AND extract(year FROM bureau_date(c.changed_at)) = y.y))
          AND NOT EXISTS (SELECT 1 FROM output_reports o WHERE o.mine_id = p_mine_id AND o.year = y.y)
        ORDER BY y.y LOOP
        kind := 'output-missing';
        detail := format('no output reported for %s, a year the mine produced', r.y);
        RETURN NEXT;
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION closure_unmet(bigint, date) TO reclaim_app;

CREATE OR REPLACE FUNCTION closure_applications_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_text text;
    v_unmet jsonb;
BEGIN
    PERFORM reclaim_check_actor_for_mine(NEW.filed_by, ARRAY['operator'], NEW.mine_id);
    IF NEW.filed_on > bureau_date(now()) OR (NEW.filed_on < bureau_date(now()) AND NOT reclaim_session_is_owner()) THEN
        RAISE EXCEPTION 'an application is filed today (%), not on %', bureau_date(now()), NEW.filed_on
            USING ERRCODE = 'RCCLS', COLUMN = 'filed_on';
    END IF;
    -- checked once, with what is known now, when the filing is recorded; the
    -- refusal carries every unmet condition (DETAIL, as JSON [{kind, detail}])
    -- for the caller to list: the service does not evaluate the rule itself
    SELECT string_agg(u.detail, '; ' ORDER BY u.n),
           jsonb_agg(jsonb_build_object('kind', u.kind, 'detail', u.detail) ORDER BY u.n)
    INTO v_text, v_unmet
    FROM closure_unmet(NEW.mine_id, bureau_date(now())) WITH ORDINALITY u (kind, detail, n);
    IF v_unmet IS NOT NULL THEN
        RAISE EXCEPTION 'mine % cannot apply for closure: %', (SELECT m.license FROM mines m WHERE m.id = NEW.mine_id), v_text
            USING ERRCODE = 'RCCLS', COLUMN = 'unmet', DETAIL = v_unmet::text;
    END IF;
    IF EXISTS (SELECT 1 FROM closure_applications c
               JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
               WHERE c.mine_id = NEW.mine_id AND r.state IN ('draft', 'filed', 'under-review', 'noticed')) THEN
        RAISE EXCEPTION 'the mine has an open closure application' USING ERRCODE = 'unique_violation',
            CONSTRAINT = 'closure_applications_one_open';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_applications_guard BEFORE INSERT ON closure_applications
    FOR EACH ROW EXECUTE FUNCTION closure_applications_guard();

-- Whether p_user applied for the application or acts for its mine: such a
-- user neither sits on its panel nor confirms it.
CREATE OR REPLACE FUNCTION closure_interested(p_app bigint, p_user text) RETURNS boolean
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM closure_applications c WHERE c.id = p_app
                   AND (c.filed_by = p_user
                        OR EXISTS (SELECT 1 FROM user_mines um WHERE um.user_name = p_user AND um.mine_id = c.mine_id)))
$$;

-- Panel members are enabled reviewers or experts, neither the applicant nor bound to the mine.
CREATE OR REPLACE FUNCTION closure_panel_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.assigned_by, ARRAY['reviewer']);
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.name = NEW.reviewer AND u.role IN ('reviewer', 'expert') AND u.disabled_at IS NULL)
       OR closure_interested(NEW.application_id, NEW.reviewer) THEN
        RAISE EXCEPTION '% may not sit on this panel', NEW.reviewer USING ERRCODE = 'RCACT';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_panel_guard BEFORE INSERT ON closure_panel
    FOR EACH ROW EXECUTE FUNCTION closure_panel_guard();

-- A vote: by the member it names (a checked actor), while the application
-- is under review and after a site visit.
CREATE OR REPLACE FUNCTION closure_votes_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.reviewer, ARRAY['reviewer', 'expert']);
    IF closure_state(NEW.application_id) IS DISTINCT FROM 'under-review' THEN
        RAISE EXCEPTION 'closure application % is not under review', NEW.application_id USING ERRCODE = 'RCSTA';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM closure_visits v WHERE v.application_id = NEW.application_id) THEN
        RAISE EXCEPTION 'closure application %: no vote before the site visit (现场踏勘) is recorded', NEW.application_id
            USING ERRCODE = 'RCCLS', COLUMN = 'visit';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION closure_state(p_id bigint) RETURNS text STABLE LANGUAGE sql
    SET search_path = public, pg_temp AS $$
    SELECT r.state FROM review_records r WHERE r.record_type = 'closure-application' AND r.record_id = p_id
$$;

-- The actor sits on the application's panel (the owner's own session
-- records in anyone's name, as reclaim_check_actor lets it).
CREATE OR REPLACE FUNCTION closure_check_member(p_app bigint, p_actor text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT reclaim_session_is_owner() AND NOT EXISTS (SELECT 1 FROM closure_panel p
                   WHERE p.application_id = p_app AND p.reviewer = p_actor) THEN
        RAISE EXCEPTION '% is not on the panel of closure application %', p_actor, p_app USING ERRCODE = 'RCACT';
    END IF;
END
$$;

-- A site visit: by a reviewer on the panel, while under review, dated
-- between the filing and today.
CREATE OR REPLACE FUNCTION closure_visits_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.recorded_by, ARRAY['reviewer']);
    IF closure_state(NEW.application_id) IS DISTINCT FROM 'under-review' THEN
        RAISE EXCEPTION 'closure application % is not under review', NEW.application_id USING ERRCODE = 'RCSTA';
    END IF;
    PERFORM closure_check_member(NEW.application_id, NEW.recorded_by);
    IF NEW.visited_on > bureau_date(now())
       OR NEW.visited_on < (SELECT c.filed_on FROM closure_applications c WHERE c.id = NEW.application_id) THEN
        RAISE EXCEPTION 'a site visit is dated between the filing and today' USING ERRCODE = 'RCCLS', COLUMN = 'date';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_visits_guard BEFORE INSERT ON closure_visits
    FOR EACH ROW EXECUTE FUNCTION closure_visits_guard();

-- A notice starts on the day of the deciding vote: today, for the service.
CREATE OR REPLACE FUNCTION closure_notices_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.starts_on > bureau_date(now()) OR (NEW.starts_on < bureau_date(now()) AND NOT reclaim_session_is_owner())
       OR NEW.starts_on < (SELECT c.filed_on FROM closure_applications c WHERE c.id = NEW.application_id) THEN
        RAISE EXCEPTION 'a public notice starts on the day of the deciding vote' USING ERRCODE = 'RCCLS', COLUMN = 'date';
    END IF;
    IF NEW.days < setting_int('closure.notice_days') THEN
        RAISE EXCEPTION 'a public notice runs at least % days (closure.notice_days)', setting_int('closure.notice_days')
            USING ERRCODE = 'RCCLS', COLUMN = 'days';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_notices_guard BEFORE INSERT ON closure_notices
    FOR EACH ROW EXECUTE FUNCTION closure_notices_guard();

-- An objection: recorded by an administrator while the notice runs.
CREATE OR REPLACE FUNCTION closure_objections_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.recorded_by, ARRAY['admin']);
    IF closure_state(NEW.application_id) IS DISTINCT FROM 'noticed'
       OR bureau_date(now()) > (SELECT n.ends_on FROM closure_notices n WHERE n.application_id = NEW.application_id) THEN
        RAISE EXCEPTION 'closure application % has no public notice running', NEW.application_id
            USING ERRCODE = 'RCSTA';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_objections_guard BEFORE INSERT ON closure_objections
    FOR EACH ROW EXECUTE FUNCTION closure_objections_guard();

-- An objection's outcome: by a reviewer on the panel, once, while noticed.
CREATE OR REPLACE FUNCTION closure_objection_outcomes_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_app bigint := (SELECT o.application_id FROM closure_objections o WHERE o.id = NEW.objection_id);
BEGIN
    PERFORM reclaim_check_actor(NEW.resolved_by, ARRAY['reviewer']);
    IF closure_state(v_app) IS DISTINCT FROM 'noticed' THEN
        RAISE EXCEPTION 'closure application % is not under public notice', v_app USING ERRCODE = 'RCSTA';
    END IF;
    PERFORM closure_check_member(v_app, NEW.resolved_by);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_objection_outcomes_guard BEFORE INSERT ON closure_objection_outcomes
    FOR EACH ROW EXECUTE FUNCTION closure_objection_outcomes_guard();

-- The confirmation (验收合格确认书): by a reviewer who neither applied nor
-- acts for the mine, after the notice has run, every objection resolved and
-- none upheld.
CREATE OR REPLACE FUNCTION closure_confirmations_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_ends date := (SELECT n.ends_on FROM closure_notices n WHERE n.application_id = NEW.application_id);
BEGIN
    PERFORM reclaim_check_actor(NEW.confirmed_by, ARRAY['reviewer']);
    IF closure_state(NEW.application_id) IS DISTINCT FROM 'noticed' THEN
        RAISE EXCEPTION 'closure application % is %: only a noticed preliminary pass is confirmed', NEW.application_id,
            closure_state(NEW.application_id) USING ERRCODE = 'RCSTA';
    END IF;
    IF NEW.confirmed_on > bureau_date(now()) OR NEW.confirmed_on <= v_ends
       OR (NEW.confirmed_on < bureau_date(now()) AND NOT reclaim_session_is_owner()) THEN
        RAISE EXCEPTION 'the public notice of closure application % runs until %: confirm after it ends',
            NEW.application_id, v_ends USING ERRCODE = 'RCCLS', COLUMN = 'notice_ends_on';
    END IF;
    IF EXISTS (SELECT 1 FROM closure_objections o LEFT JOIN closure_objection_outcomes x ON x.objection_id = o.id
               WHERE o.application_id = NEW.application_id AND (x.objection_id IS NULL OR x.upheld)) THEN
        RAISE EXCEPTION 'closure application % has an objection unresolved or upheld', NEW.application_id
            USING ERRCODE = 'RCCLS', COLUMN = 'objections';
    END IF;
    IF closure_interested(NEW.application_id, NEW.confirmed_by) THEN
        RAISE EXCEPTION '% applied for or acts for this mine', NEW.confirmed_by USING ERRCODE = 'RCACT';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_confirmations_guard BEFORE INSERT ON closure_confirmations
    FOR EACH ROW EXECUTE FUNCTION closure_confirmations_guard();

-- Each step into a state holds what the rules require of it, whoever calls
-- review_apply: a panel large enough, with experts; a preliminary pass only
-- by a majority of a panel that has all voted after a visit, and with its
-- notice; a rejection only by such a vote or an upheld objection; an
-- acceptance only with its confirmation.
CREATE OR REPLACE FUNCTION closure_state_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_members int;
    v_experts int;
    v_votes int;
    v_passes int;
BEGIN
    SELECT count(*), count(*) FILTER (WHERE u.role = 'expert') INTO v_members, v_experts
    FROM closure_panel p JOIN users u ON u.name = p.reviewer WHERE p.application_id = NEW.record_id;
    SELECT count(*), count(*) FILTER (WHERE v.pass) INTO v_votes, v_passes
    FROM closure_votes v WHERE v.application_id = NEW.record_id;
    IF NEW.state = 'under-review' AND (v_members < setting_int('closure.panel_min')
                                       OR v_experts < setting_int('closure.experts_min')) THEN
        RAISE EXCEPTION 'a closure panel has at least % members, % of them experts (this one: %, %)',
            setting_int('closure.panel_min'), setting_int('closure.experts_min'), v_members, v_experts
            USING ERRCODE = 'RCCLS', COLUMN = 'members';
    ELSIF NEW.state = 'noticed' AND (v_votes < v_members OR v_passes * 2 <= v_members
                                     OR NOT EXISTS (SELECT 1 FROM closure_notices n WHERE n.application_id = NEW.record_id)) THEN
        RAISE EXCEPTION 'a preliminary pass needs every member''s vote, a majority passing, and its public notice'
            USING ERRCODE = 'RCCLS', COLUMN = 'state';
    ELSIF NEW.state = 'rejected' AND OLD.state = 'under-review' AND (v_votes < v_members OR v_passes * 2 > v_members) THEN
        RAISE EXCEPTION 'a rejection needs every member''s vote without a majority passing' USING ERRCODE = 'RCCLS',
            COLUMN = 'state';
    ELSIF NEW.state = 'rejected' AND OLD.state = 'noticed'
          AND NOT EXISTS (SELECT 1 FROM closure_objections o JOIN closure_objection_outcomes x ON x.objection_id = o.id
                          WHERE o.application_id = NEW.record_id AND x.upheld) THEN
        RAISE EXCEPTION 'a noticed preliminary pass is sent to rectification only by an upheld objection'
            USING ERRCODE = 'RCCLS', COLUMN = 'state';
    ELSIF NEW.state = 'accepted'
          AND NOT EXISTS (SELECT 1 FROM closure_confirmations c WHERE c.application_id = NEW.record_id) THEN
        RAISE EXCEPTION 'a closure is accepted only with its confirmation (验收合格确认书)'
            USING ERRCODE = 'RCCLS', COLUMN = 'confirmation_number';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_state_guard BEFORE UPDATE ON review_records
    FOR EACH ROW WHEN (NEW.record_type = 'closure-application' AND NEW.state IS DISTINCT FROM OLD.state)
    EXECUTE FUNCTION closure_state_guard();
CREATE OR REPLACE TRIGGER closure_votes_guard BEFORE INSERT ON closure_votes
    FOR EACH ROW EXECUTE FUNCTION closure_votes_guard();

-- Locks an application for a vote or a decision (reclaim_app has no row-lock rights).
CREATE OR REPLACE FUNCTION closure_application_lock(p_id bigint)
    RETURNS TABLE (id bigint, mine_id bigint, license text, state text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT c.id, c.mine_id, m.license, r.state FROM closure_applications c JOIN mines m ON m.id = c.mine_id
    JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
    WHERE c.id = p_id
    FOR UPDATE OF c;
END
$$;
GRANT EXECUTE ON FUNCTION closure_application_lock(bigint) TO reclaim_app;

-- The working-day calendar decides closure acceptance's due dates: only an
-- administrator lists a day or marks a year's schedule loaded.
CREATE OR REPLACE FUNCTION work_calendar_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'work_calendar' THEN
        PERFORM reclaim_check_actor(NEW.created_by, ARRAY['admin']);
    ELSE
        PERFORM reclaim_check_actor(NEW.loaded_by, ARRAY['admin']);
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER work_calendar_guard BEFORE INSERT ON work_calendar
    FOR EACH ROW EXECUTE FUNCTION work_calendar_guard();
CREATE OR REPLACE TRIGGER work_calendar_years_guard BEFORE INSERT ON work_calendar_years
    FOR EACH ROW EXECUTE FUNCTION work_calendar_guard();
