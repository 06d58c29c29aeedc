-- Dashboard sign-in's rules (tables in 0018_dashboard_sign_in.sql), held by
-- the database so that no client, however it calls, gets past them:
-- passwords and attempts are never changed; five failed attempts in a row
-- lock a name for the setting dashboard.lock_minutes (default 15), during
-- which no attempt is recorded and no session opens; a session opens only
-- right after a successful attempt.

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
