-- Legacy restoration's guards and its booking function (tables in
-- 0017_legacy_projects.sql). Sites, notices, objections, outcomes, projects,
-- budgets, site links and progress are permanent; a project's money goes
-- through ledger_book like a mine's, with the same chain, idempotency and
-- reversal rules.

CALL protect_rows('legacy_sites');
CALL protect_rows('legacy_site_problems');
CALL protect_rows('legacy_notices');
CALL protect_rows('legacy_objections');
CALL protect_rows('legacy_notice_outcomes');
CALL protect_rows('legacy_projects');
CALL protect_rows('legacy_project_budgets');
CALL protect_rows('legacy_project_sites');
CALL protect_rows('legacy_progress');

-- Sites, notices, outcomes, projects and the objections they record for the
-- people who raise them are the programme managers' (admins and reviewers);
-- an auditor or an operator writes none of them. A notice starts today or
-- later and runs at least legacy.notice_days (the owner may record an old
-- one with its dates); progress is never dated in the future.
CREATE OR REPLACE FUNCTION legacy_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    CASE TG_TABLE_NAME
        WHEN 'legacy_sites' THEN PERFORM reclaim_check_actor(NEW.created_by, ARRAY['admin', 'reviewer']);
        WHEN 'legacy_notices' THEN
            PERFORM reclaim_check_actor(NEW.opened_by, ARRAY['admin', 'reviewer']);
            IF NOT reclaim_session_is_owner() AND NEW.start_on < bureau_date(now()) THEN
                RAISE EXCEPTION 'a public notice starts today (%) or later, not on %', bureau_date(now()), NEW.start_on
                    USING ERRCODE = 'RCRUL', COLUMN = 'start';
            END IF;
            IF NOT reclaim_session_is_owner() AND NEW.days < setting_int('legacy.notice_days') THEN
                RAISE EXCEPTION 'a public notice runs at least % days (legacy.notice_days)', setting_int('legacy.notice_days')
                    USING ERRCODE = 'RCRUL', COLUMN = 'days';
            END IF;
        WHEN 'legacy_notice_outcomes' THEN PERFORM reclaim_check_actor(NEW.closed_by, ARRAY['admin', 'reviewer']);
        WHEN 'legacy_projects' THEN PERFORM reclaim_check_actor(NEW.created_by, ARRAY['admin', 'reviewer']);
        WHEN 'legacy_project_sites' THEN PERFORM reclaim_check_actor(NEW.added_by, ARRAY['admin', 'reviewer']);
        WHEN 'legacy_progress' THEN
            PERFORM reclaim_check_actor(NEW.created_by, ARRAY['admin', 'reviewer']);
            IF NEW.on_date > bureau_date(now()) THEN
                RAISE EXCEPTION 'progress is reported for a day that has come, not %', NEW.on_date
                    USING ERRCODE = 'RCRUL', COLUMN = 'date';
            END IF;
        WHEN 'legacy_objections' THEN PERFORM reclaim_check_actor(NEW.created_by, ARRAY['admin', 'reviewer']);
        ELSE PERFORM reclaim_check_actor(NEW.created_by, NULL);
    END CASE;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER legacy_sites_guard BEFORE INSERT ON legacy_sites FOR EACH ROW EXECUTE FUNCTION legacy_guard();
CREATE OR REPLACE TRIGGER legacy_notices_guard BEFORE INSERT ON legacy_notices FOR EACH ROW EXECUTE FUNCTION legacy_guard();
CREATE OR REPLACE TRIGGER legacy_objections_guard BEFORE INSERT ON legacy_objections
    FOR EACH ROW EXECUTE FUNCTION legacy_guard();
CREATE OR REPLACE TRIGGER legacy_notice_outcomes_guard BEFORE INSERT ON legacy_notice_outcomes
    FOR EACH ROW EXECUTE FUNCTION legacy_guard();
CREATE OR REPLACE TRIGGER legacy_projects_guard BEFORE INSERT ON legacy_projects
    FOR EACH ROW EXECUTE FUNCTION legacy_guard();
CREATE OR REPLACE TRIGGER legacy_project_sites_guard BEFORE INSERT ON legacy_project_sites
    FOR EACH ROW EXECUTE FUNCTION legacy_guard();
CREATE OR REPLACE TRIGGER legacy_progress_guard BEFORE INSERT ON legacy_progress
    FOR EACH ROW EXECUTE FUNCTION legacy_guard();

-- A new project gets its accounts: per source, the source's and the project's, and works.
CREATE OR REPLACE FUNCTION legacy_accounts_open() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO fund_accounts (project_id, kind)
    SELECT NEW.id, k FROM unnest(ARRAY['works',
        'source-central', 'source-region', 'source-city', 'source-banner', 'source-social',
        'project-central', 'project-region', 'project-city', 'project-banner', 'project-social']) k;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER legacy_projects_open_accounts AFTER INSERT ON legacy_projects
    FOR EACH ROW EXECUTE FUNCTION legacy_accounts_open();

-- Locks a project (and returns its state) for a step or a booking; the
-- service's role has no row-lock rights of its own.
CREATE OR REPLACE FUNCTION legacy_project_lock(p_id bigint)
    RETURNS TABLE (id bigint, state text, created_by text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT p.id, r.state, p.created_by FROM legacy_projects p
    JOIN review_records r ON r.record_type = 'legacy-project' AND r.record_id = p.id
    WHERE p.id = p_id FOR UPDATE OF p;
END
$$;
GRANT EXECUTE ON FUNCTION legacy_project_lock(bigint) TO reclaim_app;

-- Money in and out of a project, as one statement: a commitment books a
-- source's allocated money into the project; a payment books it out to the
-- works, never more than that source has committed and not yet spent
-- (RCLEG names what is left; the account's CHECK and the postings trigger
-- refuse it whoever writes), and never before the project is approved.
-- Idempotent by key, like fund_post; the audit record goes with it.
-- (its row shape became ledger_entry_row, 0028: a changed return type is a new function)
DROP FUNCTION IF EXISTS legacy_post(text, bigint, text, bigint, date, date, text, text, text, text, text);
CREATE OR REPLACE FUNCTION legacy_post(
    p_kind text, p_project bigint, p_source text, p_amount bigint, p_value_date date, p_value_date_given date,
    p_work text, p_key text, p_actor text, p_role text, p_request_id text
) RETURNS SETOF ledger_entry_row
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_state text;
    v_project fund_accounts;
    v_other bigint;
    v_digest bytea;
    v_replay bigint;
    v_booked record;
BEGIN
    PERFORM reclaim_check_actor(p_actor, '{finance}');
    IF p_source NOT IN ('central', 'region', 'city', 'banner', 'social') THEN
        RAISE EXCEPTION 'no funding source %', p_source USING ERRCODE = 'RCLEG';
    END IF;
    v_digest := ledger_request_digest(p_kind, 'legacy-project:' || p_project, p_source, p_amount, p_value_date_given,
                                      NULL, p_work);
    v_replay := ledger_replay(p_key, v_digest);
    IF v_replay IS NOT NULL THEN
        RETURN QUERY SELECT * FROM ledger_entry_rows(v_replay, true);
        RETURN;
    END IF;
    SELECT r.state INTO v_state FROM legacy_projects p
    JOIN review_records r ON r.record_type = 'legacy-project' AND r.record_id = p.id WHERE p.id = p_project
    FOR UPDATE OF p;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no legacy project %', p_project USING ERRCODE = 'RCNOR';
    END IF;
    IF v_state = 'accepted' OR (p_kind = 'legacy-spend' AND v_state NOT IN ('approved', 'in-works', 'suspended', 'completed')) THEN
        RAISE EXCEPTION 'legacy project % is %: %', p_project, v_state,
            CASE WHEN p_kind = 'legacy-spend' THEN 'payments follow its approval' ELSE 'its books are closed' END
            USING ERRCODE = 'RCLEG';
    END IF;
    SELECT a.* INTO v_project FROM fund_accounts a WHERE a.project_id = p_project AND a.kind = 'project-' || p_source;
    SELECT a.id INTO v_other FROM fund_accounts a WHERE a.project_id = p_project
        AND a.kind = CASE WHEN p_kind = 'legacy-commit' THEN 'source-' || p_source ELSE 'works' END;
    IF p_kind = 'legacy-spend' AND v_project.balance < p_amount THEN
        RAISE EXCEPTION 'the % source has % yuan committed and unspent in legacy project %, % yuan asked', p_source,
            fen_text(v_project.balance), p_project, fen_text(p_amount) USING ERRCODE = 'RCLEG';
    END IF;
    SELECT b.* INTO v_booked
    FROM ledger_book(p_kind, p_value_date, p_amount,
                     CASE WHEN p_kind = 'legacy-commit' THEN v_project.id ELSE v_other END,
                     CASE WHEN p_kind = 'legacy-commit' THEN v_other ELSE v_project.id END,
                     p_source, p_work, p_actor, p_key, v_digest) b;
    IF NOT v_booked.replayed THEN
        PERFORM audit_append(p_actor, p_role, 'legacy.' || substr(p_kind, 8), 'legacy-project:' || p_project,
                             p_request_id, concat_ws(E'\n', p_source, p_amount, p_work), v_booked.entry_id, 1);
    END IF;
    RETURN QUERY SELECT * FROM ledger_entry_rows(v_booked.entry_id, v_booked.replayed);
END
$$;
GRANT EXECUTE ON FUNCTION legacy_post(text, bigint, text, bigint, date, date, text, text, text, text, text)
    TO reclaim_app;

-- A document's rows are written with it, never added later (written_with_parent, common.sql).
CREATE OR REPLACE TRIGGER legacy_project_budgets_with_parent BEFORE INSERT ON legacy_project_budgets
    FOR EACH ROW EXECUTE FUNCTION written_with_parent('legacy_projects', 'project_id');
CREATE OR REPLACE TRIGGER legacy_site_problems_with_parent BEFORE INSERT ON legacy_site_problems
    FOR EACH ROW EXECUTE FUNCTION written_with_parent('legacy_sites', 'site_id');
