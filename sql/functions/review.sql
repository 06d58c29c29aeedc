-- The shared review workflow's database half (tables in 0008_groundwork.sql,
-- transition tables in 0025 with their rows in workflows.sql). These
-- functions make each decision happen once, as the transition table allows,
-- by a user of a role it names and never by the submitter when it is a
-- review, with its audit row, in the caller's transaction.

CALL protect_rows('review_decisions');

-- The mine a reviewed record belongs to (NULL for the legacy programme's
-- projects, which belong to the banner): an operator acts only on records
-- of mines bound to them.
CREATE OR REPLACE FUNCTION review_record_mine(p_type text, p_id bigint) RETURNS bigint
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT CASE p_type
        WHEN 'plan' THEN (SELECT mine_id FROM plans WHERE id = p_id)
        WHEN 'annual-plan' THEN (SELECT mine_id FROM annual_plans WHERE id = p_id)
        WHEN 'closure-application' THEN (SELECT mine_id FROM closure_applications WHERE id = p_id)
    END
$$;

-- (the role check that reclaim_check_actor_for_mine now makes)
DROP FUNCTION IF EXISTS review_actor_role(text, bigint, text, text, text[], text);

-- A new reviewed record starts in its workflow's initial state, opened by
-- someone who may take the workflow's submitting step on it.
DROP FUNCTION IF EXISTS review_open(text, bigint, text, text);
CREATE OR REPLACE FUNCTION review_open(p_type text, p_id bigint, p_actor text, p_role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_flow workflows;
    v_roles text[];
BEGIN
    SELECT * INTO v_flow FROM workflows WHERE record_type = p_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no workflow for %', p_type USING ERRCODE = 'RCNOR';
    END IF;
    SELECT t.roles INTO v_roles FROM workflow_transitions t
    WHERE t.record_type = p_type AND t.from_state = v_flow.initial_state AND t.action = v_flow.submit_action;
    PERFORM reclaim_check_actor_for_mine(p_actor, v_roles, review_record_mine(p_type, p_id));
    INSERT INTO review_records (record_type, record_id, state, opened_by)
    VALUES (p_type, p_id, v_flow.initial_state, p_actor);
END
$$;

-- Takes p_action on record (p_type, p_id) as the workflow's table
-- (workflow_transitions) says from the state the record is in, recording
-- the decision, the new state and the audit row at once. Refused, with
-- nothing written:
--   RCSTA when the record is not in p_from, the state the caller saw
--         (another decision came first), or the table has no such step
--         from its state; the message and DETAIL name the state it is in;
--   RCACT when the actor is no enabled user of a role the step allows
--         (an operator: of the record's own mine);
--   RCSLF when the step is a review and the actor submitted the record;
--   RCNOR when there is no such record.
-- The workflow's submitting step makes the actor the record's submitter.
-- Returns the decision's sequence number.
DROP FUNCTION IF EXISTS review_apply(text, bigint, text, text, text, boolean, boolean, text, text, text, text);
CREATE OR REPLACE FUNCTION review_apply(
    p_type text, p_id bigint, p_from text, p_action text, p_actor text, p_role text, p_request_id text, p_note text
) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    SET enable_seqscan = off AS $$
DECLARE
    v_rec review_records;
    v_step workflow_transitions;
    v_role text;
    v_submits boolean;
BEGIN
    SELECT * INTO v_rec FROM review_records WHERE record_type = p_type AND record_id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no % %', p_type, p_id USING ERRCODE = 'RCNOR';
    END IF;
    IF v_rec.state <> p_from THEN
        RAISE EXCEPTION '% % is % now, not %: someone else decided first', p_type, p_id, v_rec.state, p_from
            USING ERRCODE = 'RCSTA', DETAIL = v_rec.state;
    END IF;
    SELECT * INTO v_step FROM workflow_transitions t
    WHERE t.record_type = p_type AND t.from_state = v_rec.state AND t.action = p_action;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cannot % a % that is %', p_action, replace(p_type, '-', ' '), v_rec.state
            USING ERRCODE = 'RCSTA', DETAIL = v_rec.state;
    END IF;
    -- the actor's own role; the owner's session acts in the role it names
    v_role := coalesce(reclaim_check_actor_for_mine(p_actor, v_step.roles, review_record_mine(p_type, p_id)), p_role);
    IF v_step.reviewed AND v_rec.submitter = p_actor THEN
        RAISE EXCEPTION '% may not % % %: they submitted it', p_actor, p_action, p_type, p_id
            USING ERRCODE = 'RCSLF';
    END IF;
    v_submits := EXISTS (SELECT 1 FROM workflows w WHERE w.record_type = p_type AND w.submit_action = p_action);
    INSERT INTO review_decisions (record_type, record_id, seq, from_state, action, to_state, actor, role,
                                  reviewed, submitter, note)
    VALUES (p_type, p_id, v_rec.seq + 1, v_rec.state, p_action, v_step.to_state, p_actor, v_role, v_step.reviewed,
            v_rec.submitter, p_note);
    UPDATE review_records SET state = v_step.to_state, seq = v_rec.seq + 1,
        submitter = CASE WHEN v_submits THEN p_actor ELSE v_rec.submitter END
    WHERE record_type = p_type AND record_id = p_id;
    PERFORM audit_append(p_actor, v_role, p_type || '.' || p_action, p_type || ':' || p_id, p_request_id,
                         concat_ws(E'\n', v_rec.state, v_step.to_state, p_note));
    RETURN v_rec.seq + 1;
END
$$;

-- A record's state changes only together with its decision row: the new
-- state and sequence must be those of a decision just written. Nothing
-- deletes a reviewed record.
CREATE OR REPLACE FUNCTION review_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.record_type <> OLD.record_type OR NEW.record_id <> OLD.record_id OR NEW.seq <> OLD.seq + 1
       OR NOT EXISTS (SELECT 1 FROM review_decisions d
                      WHERE d.record_type = NEW.record_type AND d.record_id = NEW.record_id AND d.seq = NEW.seq
                        AND d.from_state = OLD.state AND d.to_state = NEW.state) THEN
        RAISE EXCEPTION 'review state changes only through a recorded decision (review_apply)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER review_records_guard BEFORE UPDATE ON review_records
    FOR EACH ROW EXECUTE FUNCTION review_records_guard();
CALL protect_rows('review_records', p_updatable => true);

-- Decisions are recorded only through these, as the owner, for a real user.
GRANT EXECUTE ON FUNCTION review_open(text, bigint, text, text) TO reclaim_app;
GRANT EXECUTE ON FUNCTION review_apply(text, bigint, text, text, text, text, text, text) TO reclaim_app;
