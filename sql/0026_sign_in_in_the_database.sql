-- 0026: the database checks dashboard passwords itself. Until now the
-- service checked the password and then inserted a successful attempt and
-- a session, so anyone holding the service's role could do the same with no
-- password at all. Now a password is hashed and checked only inside
-- SECURITY DEFINER functions (sql/functions/sessions.sql) with pgcrypto's
-- bcrypt, and reclaim_app writes no attempt, session or password directly.
--
-- pgcrypto is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

-- bcrypt (cost 12 or more) of the password's SHA-256 in base64, so that a
-- long password is never cut at bcrypt's 72 bytes. PBKDF2 rows stay as
-- history (append-only); the database cannot check them, so their users
-- sign in again once an administrator sets a new password.
ALTER TABLE user_passwords DROP CONSTRAINT user_passwords_hash_check;
ALTER TABLE user_passwords ADD CONSTRAINT user_passwords_hash_check CHECK (
    hash ~ '^\$2a\$(1[2-9]|2[0-9]|3[01])\$[./A-Za-z0-9]{53}$'
    OR (hash ~ '^pbkdf2-sha256\$[0-9]{6,8}\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$'
        AND split_part(hash, '$', 2)::integer >= 600000)) NOT VALID;

REVOKE INSERT ON sign_in_attempts, dashboard_sessions FROM reclaim_app;
REVOKE UPDATE ON dashboard_sessions FROM reclaim_app;
REVOKE UPDATE (last_seen_at, ended_at) ON dashboard_sessions FROM reclaim_app;
