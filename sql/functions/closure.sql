-- Closure acceptance's guards (tables in 0016_closure.sql). Applications,
-- panels and votes are permanent; a vote comes from a panel member of an
-- application under review, once; the state is the review workflow's.

CALL protect_rows('work_calendar');
CALL protect_rows('closure_applications');
CALL protect_rows('closure_panel');
CALL protect_rows('closure_votes');

CREATE OR REPLACE FUNCTION closure_applications_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor_for_mine(NEW.filed_by, ARRAY['operator'], NEW.mine_id);
    IF EXISTS (SELECT 1 FROM closure_applications c
               JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
               WHERE c.mine_id = NEW.mine_id AND r.state IN ('draft', 'filed', 'under-review')) THEN
        RAISE EXCEPTION 'the mine has an open closure application' USING ERRCODE = 'unique_violation',
            CONSTRAINT = 'closure_applications_one_open';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_applications_guard BEFORE INSERT ON closure_applications
    FOR EACH ROW EXECUTE FUNCTION closure_applications_guard();

-- Panel members are enabled reviewers, neither the applicant nor bound to the mine.
CREATE OR REPLACE FUNCTION closure_panel_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.assigned_by, ARRAY['reviewer']);
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.name = NEW.reviewer AND u.role = 'reviewer' AND u.disabled_at IS NULL)
       OR EXISTS (SELECT 1 FROM closure_applications c WHERE c.id = NEW.application_id
                  AND (c.filed_by = NEW.reviewer
                       OR EXISTS (SELECT 1 FROM user_mines um WHERE um.user_name = NEW.reviewer
                                  AND um.mine_id = c.mine_id))) THEN
        RAISE EXCEPTION '% may not sit on this panel', NEW.reviewer USING ERRCODE = 'RCACT';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER closure_panel_guard BEFORE INSERT ON closure_panel
    FOR EACH ROW EXECUTE FUNCTION closure_panel_guard();

-- A vote: by the member it names (a checked actor), while the application is under review.
CREATE OR REPLACE FUNCTION closure_votes_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.reviewer, ARRAY['reviewer']);
    IF (SELECT r.state FROM review_records r WHERE r.record_type = 'closure-application'
        AND r.record_id = NEW.application_id) IS DISTINCT FROM 'under-review' THEN
        RAISE EXCEPTION 'closure application % is not under review', NEW.application_id USING ERRCODE = 'RCSTA';
    END IF;
    RETURN NEW;
END
$$;
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
