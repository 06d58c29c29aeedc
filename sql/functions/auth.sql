-- Who may act. The database owner's session (an administrator in direct
-- mode, or a superuser) acts as it records; any other session (the
-- service's reclaim_app) only for an enabled registered user whose role is
-- one of p_roles (any role when NULL). Called by every SECURITY DEFINER
-- function that writes on someone's behalf, so a direct call as reclaim_app
-- cannot book or decide as a made-up person (RCACT).
-- Whether this session is the installation's owner (the database's owner,
-- or a superuser). Besides acting as it records, the owner may record past
-- steps with their dates (a closure decided on paper before Reclaim, the
-- demo's history); the service's role records every step on its day.
CREATE OR REPLACE FUNCTION reclaim_session_is_owner() RETURNS boolean STABLE LANGUAGE sql AS $$
    SELECT session_user = (SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database())
        OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
$$;

CREATE OR REPLACE FUNCTION reclaim_check_actor(p_actor text, p_roles text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    -- Called from SECURITY DEFINER functions, where current_user is their
    -- owner, the database owner: a session of that role is the administrator.
    IF session_user = current_user OR reclaim_session_is_owner() THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.name = p_actor AND u.disabled_at IS NULL
                   AND (p_roles IS NULL OR u.role = ANY (p_roles))) THEN
        RAISE EXCEPTION '% is not an enabled user allowed to do this', p_actor USING ERRCODE = 'RCACT';
    END IF;
END
$$;

-- The token rule, in one place: the enabled user a valid (unrevoked,
-- unexpired) token belongs to, else NULL. Only the token's SHA-256 is ever
-- compared. PL/pgSQL, so its plan is cached per session instead of
-- re-planned at every bind.
CREATE OR REPLACE FUNCTION api_token_user(p_token text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_user text;
BEGIN
    SELECT u.name INTO v_user
    FROM api_tokens t JOIN users u ON u.name = t.user_name
    WHERE t.token_hash = sha256(convert_to(p_token, 'UTF8'))
      AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
      AND u.disabled_at IS NULL;
    RETURN v_user;
END
$$;

-- The token check of every API request that looks its token up (a
-- booking may instead prove it inside fund_post). An operator's mines come
-- back as an array, never as a joined string: a licence may hold a comma.
DROP FUNCTION IF EXISTS api_principal(text);
CREATE FUNCTION api_principal(p_token text)
    RETURNS TABLE (name text, role text, mines text[]) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT u.name, u.role,
           coalesce((SELECT array_agg(m.license ORDER BY m.license) FROM user_mines um
                     JOIN mines m ON m.id = um.mine_id WHERE um.user_name = u.name), '{}')
    FROM users u WHERE u.name = api_token_user(p_token);
END
$$;
GRANT EXECUTE ON FUNCTION api_principal(text) TO reclaim_app;
GRANT EXECUTE ON FUNCTION api_token_user(text) TO reclaim_app;
