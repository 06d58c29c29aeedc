-- 0018: signing in to the dashboard: passwords, sign-in attempts and sessions.
-- API tokens (0004) stay the API's; the dashboard signs people in with a
-- password and keeps a server-side session behind an opaque cookie.

-- Only a PBKDF2-SHA256 hash (with its salt and iteration count) is stored,
-- never the password. A new password is a new row; the latest counts.
CREATE TABLE user_passwords (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name text NOT NULL REFERENCES users (name),
    hash      text NOT NULL CHECK (hash ~ '^pbkdf2-sha256\$[0-9]{6,8}\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$'
                                   AND split_part(hash, '$', 2)::integer >= 600000),
    set_at    timestamptz NOT NULL DEFAULT now(),
    set_by    text NOT NULL CHECK (set_by <> '')
);
CREATE INDEX user_passwords_user ON user_passwords (user_name, id);

-- Every sign-in attempt, for any name typed (unknown names too, so that a
-- stranger learns nothing from how a name is treated). Five failures in a
-- row lock the name for 15 minutes.
CREATE TABLE sign_in_attempts (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name text NOT NULL CHECK (length(user_name) BETWEEN 1 AND 100),
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    ok        boolean NOT NULL
);
CREATE INDEX sign_in_attempts_user ON sign_in_attempts (user_name, id);

-- A session: the cookie's SHA-256 only, its CSRF token, and when it was last
-- used (it ends after idle time) or ended by signing out.
CREATE TABLE dashboard_sessions (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_name    text NOT NULL REFERENCES users (name),
    csrf         text NOT NULL CHECK (length(csrf) >= 32),
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    ended_at     timestamptz
);

GRANT INSERT ON sign_in_attempts, dashboard_sessions TO reclaim_app;
GRANT UPDATE (last_seen_at, ended_at) ON dashboard_sessions TO reclaim_app;
