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

-- Makes a table's rows permanent, whoever asks: DELETE and TRUNCATE raise,
-- and so does UPDATE unless p_updatable (a table whose rows hold a moving
-- head, such as fund_accounts). The triggers are <table>_append_only (or
-- <table>_no_delete) and <table>_no_truncate. Each definition file calls it
-- for its tables; common.sql is applied before the others.
CREATE OR REPLACE PROCEDURE protect_rows(p_table regclass, p_updatable boolean DEFAULT false)
    LANGUAGE plpgsql AS $$
DECLARE
    v_name text := (SELECT relname FROM pg_class WHERE oid = p_table);
BEGIN
    IF p_updatable THEN
        EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE DELETE ON %s FOR EACH ROW EXECUTE FUNCTION forbid_change()',
                       v_name || '_no_delete', p_table);
    ELSE
        EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION forbid_change()',
                       v_name || '_append_only', p_table);
    END IF;
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()',
                   v_name || '_no_truncate', p_table);
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
-- PARALLEL SAFE: a query calling a function not marked so is never run in
-- parallel, and a mine's statement of 100,000 entries (COPY) joins them
-- with a scan of every entry (0.85 s serial, 0.6 s with two workers).
CREATE OR REPLACE FUNCTION csv_text(t text) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$
    SELECT CASE WHEN t ~ '^[=+@\t\r-]' AND t !~ '^-?[0-9]+(\.[0-9]+)?$' THEN '''' || t ELSE t END
$$;
GRANT EXECUTE ON FUNCTION csv_text(text) TO reclaim_app;

-- The rows of a document (a plan's costs, an annual plan version's works, a
-- report's lines...) are written with the document, in the transaction
-- that creates it, and never added later: an approved document cannot grow
-- a line. Trigger arguments: the parent table and the row's column naming
-- its id. Parents are append-only, so the parent row's xmin is the
-- transaction that created it (Reclaim opens no savepoints).
CREATE OR REPLACE FUNCTION written_with_parent() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_same boolean;
BEGIN
    EXECUTE format('SELECT xmin::text = (txid_current() %% 4294967296)::text FROM %I WHERE id = ($1).%I',
                   TG_ARGV[0], TG_ARGV[1])
        INTO v_same USING NEW;
    IF v_same IS NOT TRUE THEN
        RAISE EXCEPTION '% rows are written with their % row, never added later', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
