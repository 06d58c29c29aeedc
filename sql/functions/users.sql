-- Users, the mines an operator acts for, and API tokens (tables in
-- 0004_users_tokens.sql), written only through these functions: by an
-- enabled administrator (or the owner's session), each change with its
-- audit record in the same transaction. The service's role may call them,
-- so an administrator does this job in the dashboard; it still cannot
-- write the tables directly.

-- A new user with their role (an expert with their organisation) and, for
-- an operator, the mines they act for. A name already taken is the
-- primary key's refusal (users_pkey); an unknown licence is RCNOM.
CREATE OR REPLACE FUNCTION user_add(p_name text, p_role text, p_org text, p_mines text[], p_actor text, p_actor_role text,
                                    p_request_id text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := reclaim_check_actor(p_actor, ARRAY['admin']);
    v_license text;
BEGIN
    INSERT INTO users (name, role, org, created_by) VALUES (p_name, p_role, p_org, p_actor);
    FOREACH v_license IN ARRAY coalesce(p_mines, '{}') LOOP
        INSERT INTO user_mines (user_name, mine_id) SELECT p_name, m.id FROM mines m WHERE m.license = v_license
        ON CONFLICT DO NOTHING;
        IF NOT EXISTS (SELECT 1 FROM mines m WHERE m.license = v_license) THEN
            RAISE EXCEPTION 'no mine with licence %', v_license USING ERRCODE = 'RCNOM', COLUMN = 'mine';
        END IF;
    END LOOP;
    PERFORM audit_append(p_actor, coalesce(v_role, p_actor_role), 'user.add', 'user:' || p_name, p_request_id,
                         array_to_string(ARRAY[p_role] || (SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM unnest(p_mines) x)
                                         || CASE WHEN p_org IS NULL THEN '{}'::text[] ELSE ARRAY['org ' || p_org] END, E'\n'));
END
$$;

-- Disables (p_disabled) or enables a user again. Nobody disables their own
-- name: the bureau would be locked out by a slip of the hand.
CREATE OR REPLACE FUNCTION user_set_disabled(p_name text, p_disabled boolean, p_actor text, p_actor_role text,
                                             p_request_id text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := reclaim_check_actor(p_actor, ARRAY['admin']);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE name = p_name) THEN
        RAISE EXCEPTION 'no user %', p_name USING ERRCODE = 'RCNOR';
    END IF;
    IF p_disabled AND p_name = p_actor THEN
        RAISE EXCEPTION 'nobody disables their own name' USING ERRCODE = 'RCRUL', COLUMN = 'name';
    END IF;
    UPDATE users SET disabled_at = CASE WHEN p_disabled THEN now() END,
                     disabled_by = CASE WHEN p_disabled THEN p_actor END
    WHERE name = p_name AND (disabled_at IS NULL) = p_disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % is already %', p_name, CASE WHEN p_disabled THEN 'disabled' ELSE 'enabled' END
            USING ERRCODE = 'RCRUL', COLUMN = 'name';
    END IF;
    PERFORM audit_append(p_actor, coalesce(v_role, p_actor_role), CASE WHEN p_disabled THEN 'user.disable' ELSE 'user.enable' END,
                         'user:' || p_name, p_request_id, p_name);
END
$$;

-- The mines an operator acts for, replaced as a whole (a mine sold, a new
-- one opened): the user's row is locked, so two administrators changing one
-- operator's mines at once take turns and the audit record says what was
-- bound before and after. The database's actor checks read this table, so a
-- mine unbound here is refused to the operator at once, cached token or not.
CREATE OR REPLACE FUNCTION user_set_mines(p_name text, p_mines text[], p_actor text, p_actor_role text,
                                          p_request_id text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := reclaim_check_actor(p_actor, ARRAY['admin']);
    v_user_role text;
    v_license text;
    v_before text;
    v_after text;
BEGIN
    SELECT role INTO v_user_role FROM users WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user %', p_name USING ERRCODE = 'RCNOR';
    END IF;
    IF v_user_role <> 'operator' THEN
        RAISE EXCEPTION 'user % is a %: only an operator acts for mines', p_name, v_user_role USING ERRCODE = 'RCRUL', COLUMN = 'mines';
    END IF;
    IF cardinality(coalesce(p_mines, '{}')) = 0 THEN
        RAISE EXCEPTION 'an operator is bound to at least one mine (disable the user instead)' USING ERRCODE = 'RCRUL', COLUMN = 'mines';
    END IF;
    FOREACH v_license IN ARRAY coalesce(p_mines, '{}') LOOP
        IF NOT EXISTS (SELECT 1 FROM mines m WHERE m.license = v_license) THEN
            RAISE EXCEPTION 'no mine with licence %', v_license USING ERRCODE = 'RCNOM', COLUMN = 'mines';
        END IF;
    END LOOP;
    SELECT coalesce(string_agg(m.license, ',' ORDER BY m.license), '') INTO v_before
    FROM user_mines um JOIN mines m ON m.id = um.mine_id WHERE um.user_name = p_name;
    DELETE FROM user_mines um USING mines m
    WHERE um.user_name = p_name AND m.id = um.mine_id AND NOT m.license = ANY (coalesce(p_mines, '{}'));
    INSERT INTO user_mines (user_name, mine_id) SELECT p_name, m.id FROM mines m WHERE m.license = ANY (coalesce(p_mines, '{}'))
    ON CONFLICT DO NOTHING;
    SELECT coalesce(string_agg(m.license, ',' ORDER BY m.license), '') INTO v_after
    FROM user_mines um JOIN mines m ON m.id = um.mine_id WHERE um.user_name = p_name;
    IF v_before = v_after THEN
        RAISE EXCEPTION 'user % acts for these mines already', p_name USING ERRCODE = 'RCRUL', COLUMN = 'mines';
    END IF;
    PERFORM audit_append(p_actor, coalesce(v_role, p_actor_role), 'user.mines', 'user:' || p_name, p_request_id,
                         v_before || E'\n' || v_after);
END
$$;

-- A bearer token for an enabled user, by its SHA-256 only (the token itself
-- is shown once, by the caller), valid p_days days.
CREATE OR REPLACE FUNCTION api_token_issue(p_name text, p_token_hash bytea, p_days integer, p_actor text, p_actor_role text,
                                           p_request_id text, OUT id bigint, OUT expires_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := reclaim_check_actor(p_actor, ARRAY['admin']);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.name = p_name AND u.disabled_at IS NULL) THEN
        RAISE EXCEPTION 'user % is unknown or disabled', p_name USING ERRCODE = 'RCRUL', COLUMN = 'name';
    END IF;
    IF p_days IS NULL OR p_days NOT BETWEEN 1 AND 3650 THEN
        RAISE EXCEPTION 'a token lasts 1 to 3650 days' USING ERRCODE = 'RCRUL', COLUMN = 'expires_in_days';
    END IF;
    INSERT INTO api_tokens (user_name, token_hash, created_by, expires_at)
    VALUES (p_name, p_token_hash, p_actor, now() + make_interval(days => p_days))
    RETURNING api_tokens.id, api_tokens.expires_at INTO id, expires_at;
    PERFORM audit_append(p_actor, coalesce(v_role, p_actor_role), 'token.issue', 'user:' || p_name, p_request_id, 'token ' || id);
END
$$;

CREATE OR REPLACE FUNCTION api_token_revoke(p_id bigint, p_actor text, p_actor_role text, p_request_id text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := reclaim_check_actor(p_actor, ARRAY['admin']);
BEGIN
    UPDATE api_tokens SET revoked_at = now(), revoked_by = p_actor WHERE id = p_id AND revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active token %', p_id USING ERRCODE = 'RCNOR';
    END IF;
    PERFORM audit_append(p_actor, coalesce(v_role, p_actor_role), 'token.revoke', 'token:' || p_id, p_request_id, p_id::text);
END
$$;

GRANT EXECUTE ON FUNCTION user_add(text, text, text, text[], text, text, text),
    user_set_disabled(text, boolean, text, text, text), user_set_mines(text, text[], text, text, text),
    api_token_issue(text, bytea, integer, text, text, text),
    api_token_revoke(bigint, text, text, text) TO reclaim_app;
