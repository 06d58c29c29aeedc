-- Whether this session is the installation's owner (the database's owner,
-- or a superuser). Besides acting as it records, the owner may record past
-- steps with their dates (a closure decided on paper before Reclaim, the
-- demo's history); the service's role records every step on its day.
CREATE OR REPLACE FUNCTION reclaim_session_is_owner() RETURNS boolean STABLE LANGUAGE sql AS $$
    SELECT session_user = (SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database())
        OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
$$;

-- Who may act. The database owner's session (an administrator in direct
-- mode, or a superuser) acts as it records; any other session (the
-- service's reclaim_app) only for an enabled registered user whose role is
-- one of p_roles (any role when NULL). Called by every SECURITY DEFINER
-- function that writes on someone's behalf, so a direct call as reclaim_app
-- cannot book or decide as a made-up person (RCACT). Returns the actor's
-- role, which is what the decision records; NULL in the owner's session,
-- whose caller says in which role it acts.
-- (It returned nothing before; a changed return type is a new function.)
DROP FUNCTION IF EXISTS reclaim_check_actor(text, text[]);
CREATE OR REPLACE FUNCTION reclaim_check_actor(p_actor text, p_roles text[]) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    v_role text;
BEGIN
    -- Called from SECURITY DEFINER functions, where current_user is their
    -- owner, the database owner: a session of that role is the administrator.
    IF session_user = current_user OR reclaim_session_is_owner() THEN
        RETURN NULL;
    END IF;
    SELECT u.role INTO v_role FROM users u WHERE u.name = p_actor AND u.disabled_at IS NULL;
    IF v_role IS NULL OR NOT (p_roles IS NULL OR v_role = ANY (p_roles)) THEN
        RAISE EXCEPTION '% is not an enabled user allowed to do this%', p_actor,
            CASE WHEN p_roles IS NULL THEN '' ELSE ': that is for ' || array_to_string(p_roles, ' or ') END
            USING ERRCODE = 'RCACT';
    END IF;
    RETURN v_role;
END
$$;

-- As reclaim_check_actor, and an operator only for a mine bound to them
-- (p_mine_id; the owner's session too, when it acts in an operator's name).
-- Returns the actor's role as reclaim_check_actor does.
DROP FUNCTION IF EXISTS reclaim_check_actor_for_mine(text, text[], bigint);
CREATE OR REPLACE FUNCTION reclaim_check_actor_for_mine(p_actor text, p_roles text[], p_mine_id bigint)
    RETURNS text LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := reclaim_check_actor(p_actor, p_roles);
BEGIN
    IF coalesce(v_role, (SELECT u.role FROM users u WHERE u.name = p_actor)) = 'operator'
       AND NOT EXISTS (SELECT 1 FROM user_mines um WHERE um.user_name = p_actor AND um.mine_id = p_mine_id) THEN
        RAISE EXCEPTION '% does not act for this mine', p_actor USING ERRCODE = 'RCACT';
    END IF;
    RETURN v_role;
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
