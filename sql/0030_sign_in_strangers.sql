-- 0030: failed sign-ins for names that are no user's. Until now each one
-- was a row of sign_in_attempts, so a flood of random names grew that table
-- without end. They are counted instead in a fixed set of 65,536 buckets
-- (the name's hash picks one), so the table never holds more rows than
-- that, whatever is typed; a bucket locks after five failures exactly as a
-- user's name does (sign_in_locked_until), so an unknown name is still
-- treated like a known one. Real users' attempts stay in sign_in_attempts,
-- and a flood of strangers cannot lock a real user out.
CREATE TABLE sign_in_strangers (
    bucket    integer PRIMARY KEY CHECK (bucket BETWEEN 0 AND 65535),
    failures  integer NOT NULL CHECK (failures > 0),
    last_at   timestamptz NOT NULL
);
-- written only by dashboard_sign_in (SECURITY DEFINER); the service's role has no grant
