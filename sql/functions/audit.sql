-- The audit trail: one row per mutation, written in the mutation's own
-- transaction; append-only.
CALL protect_rows('audit_log');

CALL protect_rows('audit_chains', p_updatable => true);
-- where each check starts: moved only by a migration (0010, 0029)
CALL protect_rows('audit_chain_start');
CALL protect_rows('ledger_audit_start');

-- The canonical text of an audit row for its hash: length-prefixed fields
-- (ledger_text), the time in microseconds, the input's digest in hex; a
-- booking's record adds the entry it names and how many entries (0029).
DROP FUNCTION IF EXISTS audit_content(bigint, timestamptz, text, text, text, text, text, bytea, text);
CREATE OR REPLACE FUNCTION audit_content(p_seq bigint, p_at timestamptz, p_actor text, p_role text, p_action text,
                                         p_target text, p_request_id text, p_input_digest bytea, p_db_user text,
                                         p_entry_id bigint, p_entries integer)
    RETURNS bytea STABLE LANGUAGE sql AS $$
    SELECT convert_to(concat_ws('|', p_seq, floor(extract(epoch FROM p_at) * 1000000)::bigint,
        ledger_text(p_actor), ledger_text(p_role), ledger_text(p_action), ledger_text(p_target),
        ledger_text(p_request_id), encode(p_input_digest, 'hex'), ledger_text(p_db_user))
        || CASE WHEN p_entry_id IS NULL THEN '' ELSE '|entry:' || p_entry_id || ':' || p_entries END, 'UTF8')
$$;

-- One audit record, chained to the previous record of the same target; the
-- input is kept as its SHA-256 only. For an actor the caller has already
-- checked: the booking and decision functions check theirs once, with the
-- role the action needs, and append through this. Runs as the owner
-- (reclaim_app may neither call it nor insert into audit_log). The head
-- stays locked for the rest of the caller's transaction: records of one
-- target chain in commit order, and a record's time never goes back.
-- A booking names its entry (p_entry_id, p_entries: 1, or a file import's
-- count for the mine with its last entry), in the hashed row. Returns the
-- record's place in its chain: a caller assigns it (a plain expression)
-- instead of PERFORM, which runs a whole query (issue 33).
DROP FUNCTION IF EXISTS audit_append(text, text, text, text, text, text);
DO $$
BEGIN
    -- until 0040's round it returned void; only that version is replaced, so
    -- that a migration run beside a running service never drops it
    IF (SELECT prorettype FROM pg_proc
        WHERE oid = to_regprocedure('audit_append(text, text, text, text, text, text, bigint, integer)')) = 'void'::regtype THEN
        DROP FUNCTION audit_append(text, text, text, text, text, text, bigint, integer);
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION audit_append(p_actor text, p_role text, p_action text, p_target text,
                                        p_request_id text, p_input text, p_entry_id bigint DEFAULT NULL,
                                        p_entries integer DEFAULT NULL) RETURNS bigint LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_at timestamptz := clock_timestamp();
    v_digest bytea := sha256(convert_to(p_input, 'UTF8'));
    v_seq bigint;
BEGIN
    -- Advance the head and append the row in one statement. SET sees the
    -- head as it was (after waiting for a concurrent record of the same
    -- target, as it is now), so the row lock of the UPDATE is the chain's.
    WITH h AS (
        UPDATE audit_chains c
        SET seq = c.seq + 1, prev_hash = c.last_hash, last_at = greatest(v_at, c.last_at),
            last_hash = sha256(c.last_hash || audit_content(c.seq + 1, greatest(v_at, c.last_at), p_actor, p_role,
                                                            p_action, p_target, p_request_id, v_digest, session_user,
                                                            p_entry_id, p_entries))
        WHERE c.target = p_target
        RETURNING c.seq, c.prev_hash, c.last_hash, c.last_at
    )
    INSERT INTO audit_log (at, actor, role, action, target, request_id, input_digest, seq, prev_hash, hash, db_user,
                           entry_id, entries)
    SELECT h.last_at, p_actor, p_role, p_action, p_target, p_request_id, v_digest, h.seq, h.prev_hash, h.last_hash,
           session_user, p_entry_id, p_entries
    FROM h
    RETURNING seq INTO v_seq;
    IF v_seq IS NULL THEN
        -- the target's first record: make its head, then append
        INSERT INTO audit_chains (target, seq, last_hash, prev_hash, last_at)
        VALUES (p_target, 0, '\x0000000000000000000000000000000000000000000000000000000000000000',
                '\x0000000000000000000000000000000000000000000000000000000000000000', '-infinity')
        ON CONFLICT (target) DO NOTHING;
        v_seq := audit_append(p_actor, p_role, p_action, p_target, p_request_id, p_input, p_entry_id, p_entries);
    END IF;
    RETURN v_seq;
END
$$;
-- audit_record: the same, for a real actor (reclaim_check_actor), as the
-- service's own mutations (mines, users) write it.
DROP FUNCTION IF EXISTS audit_record(text, text, text, text, text, text);
CREATE OR REPLACE FUNCTION audit_record(p_actor text, p_role text, p_action text, p_target text,
                                        p_request_id text, p_input text, p_entry_id bigint DEFAULT NULL,
                                        p_entries integer DEFAULT NULL) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(p_actor, NULL);
    PERFORM audit_append(p_actor, p_role, p_action, p_target, p_request_id, p_input, p_entry_id, p_entries);
END
$$;
GRANT EXECUTE ON FUNCTION audit_record(text, text, text, text, text, text, bigint, integer) TO reclaim_app;

-- `reclaim fund verify` checks the audit chains in Swift, from the rows.
DROP FUNCTION IF EXISTS audit_verify();
