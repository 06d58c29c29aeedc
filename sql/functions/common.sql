-- Shared helpers. The live definition of every function, trigger and view
-- is in exactly one file under sql/functions/; `reclaim migrate` re-applies
-- a file whenever its checksum changes, after the numbered migrations, all
-- changed files in one transaction. Planner settings are written inside
-- CREATE FUNCTION, so a redefinition cannot silently drop them.

-- Guard for append-only tables: history, ledger and audit rows are never
-- updated or deleted, whatever the client.
CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: rows are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', HINT = 'corrections are new rows (reversals), never edits';
END
$$;

-- Yuan text with two decimals from fen, for messages.
CREATE OR REPLACE FUNCTION fen_text(f bigint) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN f < 0 THEN '-' ELSE '' END || (abs(f) / 100)::text || '.' || lpad((abs(f) % 100)::text, 2, '0')
$$;

-- A CSV cell that a spreadsheet would run as a formula (it begins with =, +,
-- -, @, a tab or a carriage return) gets a leading apostrophe, as OWASP
-- recommends; a plain number such as -12.50 is no formula and stays as it
-- is. The same rule as CSV.neutralised in Swift (Sources/Reclaim/Common/CSV.swift).
CREATE OR REPLACE FUNCTION csv_text(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN t ~ '^[=+@\t\r-]' AND t !~ '^-?[0-9]+(\.[0-9]+)?$' THEN '''' || t ELSE t END
$$;
GRANT EXECUTE ON FUNCTION csv_text(text) TO reclaim_app;
