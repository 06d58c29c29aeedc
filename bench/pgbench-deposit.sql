-- The minimal equivalent of one deposit: update one balance row, insert one entry row, commit.
\set aid random(1, 1000)
BEGIN;
UPDATE bench_accounts SET balance = balance + 100 WHERE id = :aid;
INSERT INTO bench_entries (account_id, amount) VALUES (:aid, 100);
COMMIT;
