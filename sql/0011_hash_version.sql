-- 0011: hashes that cover everything giving a row its meaning. From here on
-- an entry's hash also covers its request digest, and a posting's hash its
-- account's identity (the mine's licence and the account's kind), so handing
-- an account to another mine, or changing what a key was booked for, breaks
-- the chain. Entries booked before keep their first hashes (version 1) and
-- are verified as they were written; new ones are version 2.
ALTER TABLE ledger_entries ADD COLUMN hash_version smallint NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2));
ALTER TABLE ledger_entries ALTER COLUMN hash_version SET DEFAULT 2;
