-- The audit trail: one row per mutation, written in the mutation's own
-- transaction; append-only.
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- One audit record; the input is kept as its SHA-256 only. Run as the
-- owner (reclaim_app may not insert into audit_log), for a real actor only. PL/pgSQL rather
-- than SQL so that its plan is cached per session instead of re-planned per call.
CREATE OR REPLACE FUNCTION audit_record(p_actor text, p_role text, p_action text, p_target text,
                                        p_request_id text, p_input text) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(p_actor, NULL);
    INSERT INTO audit_log (actor, role, action, target, request_id, input_digest)
    VALUES (p_actor, p_role, p_action, p_target, p_request_id, sha256(convert_to(p_input, 'UTF8')));
END
$$;
GRANT EXECUTE ON FUNCTION audit_record(text, text, text, text, text, text) TO reclaim_app;
