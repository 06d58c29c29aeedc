-- The shared review workflow's database half (tables in 0008_groundwork.sql).
-- The transition tables are in Swift (Sources/Reclaim/Workflow); these
-- functions make each decision happen once, by someone other than the
-- submitter when it is a review, with its audit row, in the caller's
-- transaction.

CALL protect_rows('review_decisions');

-- A new reviewed record starts in p_state (e.g. draft).
CREATE OR REPLACE FUNCTION review_open(p_type text, p_id bigint, p_state text, p_actor text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(p_actor, NULL);
    INSERT INTO review_records (record_type, record_id, state, opened_by)
    VALUES (p_type, p_id, p_state, p_actor);
END
$$;

-- Moves record (p_type, p_id) from p_from to p_to by p_action, as Swift's
-- transition table decided. Refused, with nothing written:
--   RCSTA when the record is no longer in p_from (another decision came
--         first); the message and DETAIL name the state it is in now;
--   RCSLF when p_reviewed and p_actor submitted the record;
--   RCNOR when there is no such record.
-- A p_submits step makes p_actor the record's submitter. Returns the
-- decision's sequence number.
CREATE OR REPLACE FUNCTION review_apply(
    p_type text, p_id bigint, p_from text, p_action text, p_to text, p_reviewed boolean, p_submits boolean,
    p_actor text, p_role text, p_request_id text, p_note text
) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    SET enable_seqscan = off AS $$
DECLARE
    v_rec review_records;
BEGIN
    PERFORM reclaim_check_actor(p_actor, NULL);
    SELECT * INTO v_rec FROM review_records WHERE record_type = p_type AND record_id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no % %', p_type, p_id USING ERRCODE = 'RCNOR';
    END IF;
    IF v_rec.state <> p_from THEN
        RAISE EXCEPTION '% % is % now, not %: someone else decided first', p_type, p_id, v_rec.state, p_from
            USING ERRCODE = 'RCSTA', DETAIL = v_rec.state;
    END IF;
    IF p_reviewed AND v_rec.submitter = p_actor THEN
        RAISE EXCEPTION '% may not % % %: they submitted it', p_actor, p_action, p_type, p_id
            USING ERRCODE = 'RCSLF';
    END IF;
    INSERT INTO review_decisions (record_type, record_id, seq, from_state, action, to_state, actor, role,
                                  reviewed, submitter, note)
    VALUES (p_type, p_id, v_rec.seq + 1, p_from, p_action, p_to, p_actor, p_role, p_reviewed, v_rec.submitter,
            p_note);
    UPDATE review_records SET state = p_to, seq = v_rec.seq + 1,
        submitter = CASE WHEN p_submits THEN p_actor ELSE v_rec.submitter END
    WHERE record_type = p_type AND record_id = p_id;
    PERFORM audit_append(p_actor, p_role, p_type || '.' || p_action, p_type || ':' || p_id, p_request_id,
                         concat_ws(E'\n', p_from, p_to, p_note));
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
GRANT EXECUTE ON FUNCTION review_apply(text, bigint, text, text, text, boolean, boolean, text, text, text, text)
    TO reclaim_app;
