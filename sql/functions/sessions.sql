-- Dashboard sign-in's rules (tables in 0018_dashboard_sign_in.sql, 0026),
-- held by the database so that no client, however it calls, gets past them:
-- the database hashes and checks passwords itself (bcrypt, pgcrypto);
-- passwords and attempts are never changed; five failed attempts in a row
-- lock a name for the setting dashboard.lock_minutes (default 15), during
-- which no attempt is recorded and no session opens; a session opens only
-- in the same call as the successful attempt (dashboard_sign_in), and is
-- only touched or ended through the functions below. The service's role
-- writes none of these tables directly.

CALL protect_rows('user_passwords');
CALL protect_rows('sign_in_attempts');
CALL protect_rows('dashboard_sessions', true);

-- When the name's lock ends, or NULL when it is not locked: the last five
-- attempts all failed, the latest less than dashboard.lock_minutes ago.
-- PL/pgSQL: the setting's function is defined in a file applied after this one.
CREATE OR REPLACE FUNCTION sign_in_locked_until(p_name text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_lock interval := make_interval(mins => setting_int('dashboard.lock_minutes'));
BEGIN
    RETURN (SELECT CASE WHEN count(*) = 5 AND NOT bool_or(ok) AND max(at) + v_lock > clock_timestamp()
                        THEN max(at) + v_lock END
            FROM (SELECT ok, at FROM sign_in_attempts WHERE user_name = p_name ORDER BY id DESC LIMIT 5) last);
END
$$;
GRANT EXECUTE ON FUNCTION sign_in_locked_until(text) TO reclaim_app;

-- A name that is no user's (enabled or not) is counted in its bucket of
-- sign_in_strangers (0030), never given a row of its own.
CREATE OR REPLACE FUNCTION sign_in_stranger_bucket(p_name text) RETURNS integer
    IMMUTABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT (hashtext('reclaim-stranger:' || p_name) & 65535)
$$;

-- When a stranger's bucket's lock ends, or NULL: five failures or more, the
-- latest less than dashboard.lock_minutes ago (the rule for users' names).
CREATE OR REPLACE FUNCTION sign_in_stranger_locked_until(p_bucket integer) RETURNS timestamptz
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_lock interval := make_interval(mins => setting_int('dashboard.lock_minutes'));
BEGIN
    RETURN (SELECT CASE WHEN failures >= 5 AND last_at + v_lock > clock_timestamp() THEN last_at + v_lock END
            FROM sign_in_strangers WHERE bucket = p_bucket);
END
$$;

-- Attempts for one name are serialised (a transaction-scoped advisory lock
-- that the caller also takes before checking the password), so twenty at
-- once still lock the name after the fifth failure.
CREATE OR REPLACE FUNCTION sign_in_attempts_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_until timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('reclaim-sign-in:' || NEW.user_name));
    v_until := sign_in_locked_until(NEW.user_name);
    IF v_until IS NOT NULL THEN
        RAISE EXCEPTION 'the name is locked after five failed sign-ins until %', v_until USING ERRCODE = 'RCLCK';
    END IF;
    NEW.at := clock_timestamp();
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER sign_in_attempts_guard BEFORE INSERT ON sign_in_attempts
    FOR EACH ROW EXECUTE FUNCTION sign_in_attempts_guard();

-- A session opens for an enabled user whose latest attempt, within the last
-- minute, succeeded; it starts fresh (never born ended or back-dated).
CREATE OR REPLACE FUNCTION dashboard_sessions_open() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE name = NEW.user_name AND disabled_at IS NULL) THEN
        RAISE EXCEPTION '% is not an enabled user', NEW.user_name USING ERRCODE = 'RCACT';
    END IF;
    IF NOT coalesce((SELECT ok AND at > clock_timestamp() - interval '1 minute' FROM sign_in_attempts
                     WHERE user_name = NEW.user_name ORDER BY id DESC LIMIT 1), false) THEN
        RAISE EXCEPTION 'a session opens only after a successful sign-in' USING ERRCODE = 'RCLCK';
    END IF;
    NEW.created_at := clock_timestamp();
    NEW.last_seen_at := NEW.created_at;
    NEW.ended_at := NULL;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER dashboard_sessions_open BEFORE INSERT ON dashboard_sessions
    FOR EACH ROW EXECUTE FUNCTION dashboard_sessions_open();

-- A session is only ever touched or ended; an ended one stays ended.
CREATE OR REPLACE FUNCTION dashboard_sessions_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.ended_at IS NOT NULL THEN
        RAISE EXCEPTION 'session already ended' USING ERRCODE = 'RCLCK';
    END IF;
    IF NEW.token_hash <> OLD.token_hash OR NEW.user_name <> OLD.user_name OR NEW.csrf <> OLD.csrf
       OR NEW.created_at <> OLD.created_at OR NEW.last_seen_at < OLD.last_seen_at THEN
        RAISE EXCEPTION 'a session changes only its last use and its end' USING ERRCODE = 'RCLCK';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER dashboard_sessions_change BEFORE UPDATE ON dashboard_sessions
    FOR EACH ROW EXECUTE FUNCTION dashboard_sessions_change();

-- A password as bcrypt sees it: its SHA-256 in base64 (44 bytes, below
-- bcrypt's 72), so every byte of a long password counts.
CREATE OR REPLACE FUNCTION password_prehash(p_password text) RETURNS text
    IMMUTABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT encode(sha256(convert_to(p_password, 'UTF8')), 'base64')
$$;

-- Whether p_password matches p_hash. A missing or unverifiable hash (an old
-- PBKDF2 row) is checked against a dummy, so that every name takes as long.
CREATE OR REPLACE FUNCTION password_matches(p_password text, p_hash text) RETURNS boolean
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    -- bcrypt of an unguessable value, cost 12
    v_dummy constant text := '$2a$12$7DR6xGCnjoVv7wVtmkk5k.fCRlBP0HedFZXE/YVigmhAYCMgRaV4S';
BEGIN
    IF p_hash IS NULL OR p_hash NOT LIKE '$2a$%' THEN
        PERFORM crypt(password_prehash(coalesce(p_password, '')), v_dummy);
        RETURN false;
    END IF;
    RETURN crypt(password_prehash(p_password), p_hash) = p_hash;
END
$$;

-- Sets (replaces) a user's dashboard password: hashed here, a new row,
-- audited (the hash is not). An administrator's, or the owner's session.
-- Refused (RCRUL, COLUMN password) below 10 characters, above 200 bytes or
-- with control characters; a disabled or unknown user is refused too.
CREATE OR REPLACE FUNCTION user_password_set(p_name text, p_password text, p_actor text, p_role text,
                                             p_request_id text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(p_actor, ARRAY['admin']);
    IF p_password IS NULL OR char_length(p_password) < 10 OR octet_length(p_password) > 200
       OR p_password ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'a password has 10 characters to 200 bytes and no control characters'
            USING ERRCODE = 'RCRUL', COLUMN = 'password';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE name = p_name AND disabled_at IS NULL) THEN
        RAISE EXCEPTION 'user % is unknown or disabled', p_name USING ERRCODE = 'RCRUL', COLUMN = 'name';
    END IF;
    INSERT INTO user_passwords (user_name, hash, set_by)
    VALUES (p_name, crypt(password_prehash(p_password), gen_salt('bf', 12)), p_actor);
    PERFORM audit_append(p_actor, p_role, 'user.password', 'user:' || p_name, p_request_id, 'password set');
END
$$;

-- Signs p_name in with p_password, in one call: waits for the name's other
-- attempts, answers 'locked' (with when the lock ends) without recording
-- anything while it is locked, else checks the password against the
-- enabled user's latest hash, records the attempt and, when it matched,
-- opens the session behind p_token_hash (the cookie's SHA-256) with its
-- CSRF token and records it in the audit trail.
DROP FUNCTION IF EXISTS dashboard_sign_in(text, text, bytea, text, text);
CREATE OR REPLACE FUNCTION dashboard_sign_in(p_name text, p_password text, p_token_hash bytea, p_csrf text,
                                             p_request_id text)
    RETURNS TABLE (outcome text, locked_until timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_until timestamptz;
    v_hash text;
    v_role text;
    v_ok boolean;
    v_bucket integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE name = p_name) THEN
        -- a stranger: the same lock and the same dummy hash, counted in a bucket
        v_bucket := sign_in_stranger_bucket(p_name);
        PERFORM pg_advisory_xact_lock(hashtext('reclaim-sign-in-bucket:' || v_bucket));
        v_until := sign_in_stranger_locked_until(v_bucket);
        IF v_until IS NOT NULL THEN
            RETURN QUERY SELECT 'locked'::text, v_until;
            RETURN;
        END IF;
        PERFORM password_matches(p_password, NULL);
        INSERT INTO sign_in_strangers AS s (bucket, failures, last_at) VALUES (v_bucket, 1, clock_timestamp())
        ON CONFLICT (bucket) DO UPDATE SET failures = s.failures + 1, last_at = excluded.last_at;
        RETURN QUERY SELECT 'wrong'::text, NULL::timestamptz;
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('reclaim-sign-in:' || p_name));
    v_until := sign_in_locked_until(p_name);
    IF v_until IS NOT NULL THEN
        RETURN QUERY SELECT 'locked'::text, v_until;
        RETURN;
    END IF;
    SELECT p.hash, u.role INTO v_hash, v_role
    FROM user_passwords p JOIN users u ON u.name = p.user_name AND u.disabled_at IS NULL
    WHERE p.user_name = p_name ORDER BY p.id DESC LIMIT 1;
    v_ok := password_matches(p_password, v_hash);
    INSERT INTO sign_in_attempts (user_name, ok) VALUES (p_name, v_ok);
    IF NOT v_ok THEN
        RETURN QUERY SELECT 'wrong'::text, NULL::timestamptz;
        RETURN;
    END IF;
    INSERT INTO dashboard_sessions (token_hash, user_name, csrf) VALUES (p_token_hash, p_name, p_csrf);
    PERFORM audit_append(p_name, v_role, 'session.open', 'user:' || p_name, p_request_id, 'dashboard');
    RETURN QUERY SELECT 'ok'::text, NULL::timestamptz;
END
$$;

-- The live session behind a cookie's SHA-256, touched as used: its user and
-- CSRF token; nothing when unknown, ended, idle longer than the setting
-- dashboard.idle_minutes, or its user disabled.
-- PL/pgSQL: the setting's function is defined in a file applied after this one.
CREATE OR REPLACE FUNCTION dashboard_session_touch(p_token_hash bytea) RETURNS TABLE (user_name text, csrf text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    UPDATE dashboard_sessions s SET last_seen_at = clock_timestamp()
    FROM users u
    WHERE s.token_hash = p_token_hash AND s.ended_at IS NULL
      AND s.last_seen_at > clock_timestamp() - make_interval(mins => setting_int('dashboard.idle_minutes'))
      AND u.name = s.user_name AND u.disabled_at IS NULL
    RETURNING s.user_name, s.csrf;
END
$$;

-- Signs out: the session behind the cookie's SHA-256 ends.
CREATE OR REPLACE FUNCTION dashboard_session_end(p_token_hash bytea) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE dashboard_sessions SET ended_at = clock_timestamp() WHERE token_hash = p_token_hash AND ended_at IS NULL
$$;

GRANT EXECUTE ON FUNCTION user_password_set(text, text, text, text, text),
    dashboard_sign_in(text, text, bytea, text, text), dashboard_session_touch(bytea), dashboard_session_end(bytea)
    TO reclaim_app;
