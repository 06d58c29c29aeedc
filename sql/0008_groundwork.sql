-- 0008: tables and constraints for the groundwork issue. From here on,
-- numbered migrations hold tables, constraints and data changes only; the
-- live definitions of functions and triggers are in sql/functions/.

-- The HTTP replay store is per user: another user's same key is another
-- request, never a replay of someone else's response. Stored responses
-- expire after 24 hours (the service ignores and replaces older ones).
ALTER TABLE http_idempotency ADD COLUMN user_name text NOT NULL DEFAULT '';
ALTER TABLE http_idempotency ALTER COLUMN user_name DROP DEFAULT;
ALTER TABLE http_idempotency DROP CONSTRAINT http_idempotency_pkey;
ALTER TABLE http_idempotency ADD PRIMARY KEY (user_name, key);
CREATE INDEX http_idempotency_created ON http_idempotency (created_at);

-- Licences are case-insensitive for Latin letters and stored upper-case:
-- existing ones with a-z become A-Z (recorded in each mine's history), unless
-- the upper-case form is taken by another mine, which is left for a person
-- to resolve (the CHECK below is NOT VALID for that reason).
INSERT INTO mine_history (mine_id, field, old_value, new_value, changed_by)
SELECT m.id, 'license', m.license, translate(m.license, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
       'migration 0008'
FROM mines m
WHERE m.license ~ '[a-z]' AND NOT EXISTS (
    SELECT 1 FROM mines o
    WHERE o.license = translate(m.license, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'));
UPDATE mines m SET license = translate(m.license, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
                   updated_at = now(), updated_by = 'migration 0008'
WHERE m.license ~ '[a-z]' AND NOT EXISTS (
    SELECT 1 FROM mines o
    WHERE o.license = translate(m.license, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'));

-- Licences are identifiers: NFKC-normalised and upper-case for Latin letters
-- by the application, and never holding invisible or format characters
-- (zero-width space, byte-order mark, direction marks, soft hyphen, word
-- joiner) or combining marks, which would let a look-alike register as
-- another mine. NOT VALID: rows from before are left as they are.
ALTER TABLE mines ADD CONSTRAINT mines_license_visible
    CHECK (license !~ '[\u00AD\u0300-\u036F\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFE00-\uFE0F\uFEFF]'
           AND license !~ '[a-z]') NOT VALID;

-- The shared review workflow. Plans, annual plans, closure applications and
-- legacy projects move through submit / approve / return / decide steps;
-- their transition tables are Swift's (one per record type). Here is what
-- the database guarantees for all of them, whatever the client:
--   review_records: each reviewed record's current state, its submitter and
--     how many decisions it has had (seq); the row is locked by each
--     decision, so of two reviewers deciding at once one wins and the other
--     finds the state changed.
--   review_decisions: every decision once (unique seq per record), who made
--     it, and never by the record's own submitter when the step is a review
--     (the CHECK); append-only.
CREATE TABLE review_records (
    record_type  text NOT NULL CHECK (record_type ~ '^[a-z][a-z0-9-]{0,39}$'),
    record_id    bigint NOT NULL,
    state        text NOT NULL CHECK (state ~ '^[a-z][a-z0-9-]{0,39}$'),
    submitter    text,
    seq          integer NOT NULL DEFAULT 0 CHECK (seq >= 0),
    opened_at    timestamptz NOT NULL DEFAULT now(),
    opened_by    text NOT NULL CHECK (opened_by <> ''),
    PRIMARY KEY (record_type, record_id)
);

CREATE TABLE review_decisions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_type  text NOT NULL,
    record_id    bigint NOT NULL,
    seq          integer NOT NULL CHECK (seq > 0),
    from_state   text NOT NULL,
    action       text NOT NULL CHECK (action ~ '^[a-z][a-z0-9-]{0,39}$'),
    to_state     text NOT NULL,
    actor        text NOT NULL CHECK (actor <> ''),
    role         text,
    -- a review step (approve, return, decide): never by the submitter
    reviewed     boolean NOT NULL,
    submitter    text,
    note         text,
    decided_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (record_type, record_id) REFERENCES review_records (record_type, record_id),
    UNIQUE (record_type, record_id, seq),
    CONSTRAINT review_not_self CHECK (NOT reviewed OR submitter IS DISTINCT FROM actor)
);
