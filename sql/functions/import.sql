-- Bulk import of deposits and withdrawals from the session's temporary
-- table fund_import (filled by COPY); a withdrawal row names its annual plan
-- (annual_plan_year) and is held to its state and budget as a single one is. Returns every bad row with its reason
-- and books nothing if there is one (or on a dry run); else books all rows.
-- Each row's verdict is left in the temporary table fund_import_result
-- (line, skip, problem): a row whose idempotency key is already booked with
-- the same content, or used on an earlier line with the same content, is
-- skipped. The session is the import's alone, and its sorts of a
-- million-row file stay in memory: at 128 MB four of them went to disk
-- (180-280 MB each) and the import took 5 s longer. work_mem bounds each
-- sort, so a larger file still spills rather than growing without limit.
--
-- The service's role calls it too (finance's bank file from the dashboard):
-- it runs as its owner, for an enabled finance user only, like fund_post.
-- The caller's temporary fund_import is read through pg_temp, last on the
-- path, so a temporary table cannot stand in for a real one; the caller
-- analyses and shares it (FundImport.swift), and the tables this function
-- leaves for the caller to read are shared back with the session's user.
CREATE OR REPLACE FUNCTION ledger_import(p_actor text, p_dry_run boolean)
    RETURNS TABLE (line bigint, problem text) LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp SET work_mem = '512MB' AS $$
DECLARE
    v_booked timestamptz := now();
BEGIN
    PERFORM reclaim_check_actor(p_actor, '{finance}');
    -- Lock the file's mines' accounts (id order) before deciding any row:
    -- an import of the same file that committed while this one waited is
    -- then seen, and its rows are skipped rather than booked twice.
    -- The annual plans the file's withdrawals name are locked first, as a
    -- single withdrawal locks its plan before the accounts.
    PERFORM 1 FROM annual_plans ap JOIN mines m ON m.id = ap.mine_id
        WHERE (m.license, ap.year) IN (SELECT DISTINCT f.license, f.annual_plan_year FROM fund_import f
                                        WHERE f.annual_plan_year IS NOT NULL)
        ORDER BY ap.id FOR UPDATE OF ap;
    PERFORM 1 FROM fund_accounts a
        WHERE a.mine_id IN (SELECT m.id FROM mines m WHERE m.license IN (SELECT DISTINCT f.license FROM fund_import f))
        ORDER BY a.id FOR UPDATE;

    CREATE TEMP TABLE fund_import_result ON COMMIT DROP AS
    SELECT c.*,
           CASE WHEN c.value_date IS NULL OR c.value_date < DATE '1990-01-01' OR c.value_date > bureau_date(now())
                     THEN 'value_date: ' || coalesce(c.value_date::text, 'none') || ' is not a day from 1990-01-01 to today'
                WHEN c.mine_id IS NULL THEN 'license: no mine with licence ' || c.license
                WHEN c.closed_by_release IS NOT NULL
                     THEN 'license: the fund of mine ' || c.license || ' is closed: its remaining money was released at closure'
                WHEN c.closed_by_merger IS NOT NULL
                     THEN 'license: the fund of mine ' || c.license || ' is closed: its licence was merged away by merger '
                          || c.closed_by_merger
                WHEN c.kind = 'withdrawal' AND c.plan_id IS NULL
                     THEN 'annual_plan_year: mine ' || c.license || ' has no annual plan for ' || c.annual_plan_year
                WHEN c.kind = 'withdrawal' AND NOT c.plan_pays
                     THEN 'annual_plan_year: the annual plan ' || c.annual_plan_year || ' of mine ' || c.license
                          || ' is ' || c.plan_state || ': the fund pays for approved works only'
                WHEN c.booked_digest <> c.digest THEN 'idempotency_key: ' || c.idempotency_key
                     || ' was already booked (entry ' || c.booked_id || ') with different content'
                WHEN c.booked_digest IS NULL AND c.first_line <> c.line AND c.first_digest <> c.digest
                     THEN 'idempotency_key: ' || c.idempotency_key || ' is used on line ' || c.first_line
                     || ' for different content'
           END AS problem,
           coalesce(c.booked_digest = c.digest, c.first_line <> c.line AND c.first_digest = c.digest) AS skip
    FROM (
        SELECT f.line, f.license, f.kind, f.amount, f.value_date, f.reference, f.idempotency_key, f.memo,
               f.annual_plan_year, ap.id AS plan_id, r.state AS plan_state, annual_plan_pays(r.state) AS plan_pays,
               m.id AS mine_id, fa.id AS fund_id, fa.closed_by_release, fa.closed_by_merger, oa.id AS other_id, d.digest,
               e.id AS booked_id, e.request_digest AS booked_digest,
               first_value(f.line) OVER k AS first_line, first_value(d.digest) OVER k AS first_digest
        FROM fund_import f
        CROSS JOIN LATERAL (SELECT ledger_request_digest(f.kind, f.license, NULL, f.amount, f.value_date,
                                                         f.reference, f.memo, f.annual_plan_year) AS digest) d
        LEFT JOIN mines m ON m.license = f.license
        LEFT JOIN annual_plans ap ON ap.mine_id = m.id AND ap.year = f.annual_plan_year
        LEFT JOIN review_records r ON r.record_type = 'annual-plan' AND r.record_id = ap.id
        LEFT JOIN fund_accounts fa ON fa.mine_id = m.id AND fa.kind = 'fund'
        LEFT JOIN fund_accounts oa ON oa.mine_id = m.id
             AND oa.kind = CASE f.kind WHEN 'deposit' THEN 'contributions' ELSE 'works' END
        LEFT JOIN ledger_entries e ON e.idempotency_key = f.idempotency_key
        WINDOW k AS (PARTITION BY f.idempotency_key ORDER BY f.line)
    ) c;

    -- A temporary table has no statistics until analysed: planned as one
    -- row, the checks below ran a per-plan lookup once per row.
    ANALYZE fund_import_result;
    EXECUTE format('GRANT SELECT ON pg_temp.fund_import_result TO %I', session_user);

    -- every bad row; a withdrawal may not overdraw at its point in the file
    RETURN QUERY
    -- each paying plan's budget and what the ledger already paid from it: once per plan, not per row
    WITH plan_budget AS MATERIALIZED (
        SELECT f.annual_plan_id AS plan_id, f.budget_approved AS budget, f.withdrawn AS spent
        FROM annual_plans_in_force f
        WHERE f.annual_plan_id IN (SELECT DISTINCT x.plan_id FROM fund_import_result x
                                   WHERE x.kind = 'withdrawal' AND x.problem IS NULL AND NOT x.skip)
    )
    SELECT r.line, r.problem FROM fund_import_result r WHERE r.problem IS NOT NULL
    UNION ALL
    SELECT o.line, 'amount: withdrawal would overdraw the fund of ' || o.license
           || ' (balance after it would be ' || fen_text(o.after) || ')'
    FROM (SELECT r.line, r.kind, r.license,
                 (a.balance + sum(CASE WHEN r.kind = 'deposit' THEN r.amount ELSE -r.amount END)
                      OVER (PARTITION BY r.mine_id ORDER BY r.line))::bigint AS after
          FROM fund_import_result r JOIN fund_accounts a ON a.id = r.fund_id
          WHERE r.problem IS NULL AND NOT r.skip) o
    WHERE o.kind = 'withdrawal' AND o.after < 0
    UNION ALL
    -- nor go over its annual plan's approved budget, counting the file's earlier rows
    SELECT b.line, 'amount: over the budget of the annual plan ' || b.annual_plan_year || ' of mine ' || b.license
           || ': ' || fen_text(b.budget - b.before) || ' yuan of ' || fen_text(b.budget) || ' yuan left, '
           || fen_text(b.amount) || ' yuan asked'
    FROM (SELECT r.line, r.license, r.annual_plan_year, r.amount, s.budget,
                 (s.spent + sum(r.amount) OVER (PARTITION BY r.plan_id ORDER BY r.line) - r.amount)::bigint AS before
          FROM fund_import_result r JOIN plan_budget s ON s.plan_id = r.plan_id
          WHERE r.kind = 'withdrawal' AND r.problem IS NULL AND NOT r.skip) b
    WHERE b.before + b.amount > b.budget
    ORDER BY 1;
    IF FOUND OR p_dry_run THEN RETURN; END IF;

    -- The entries booked, by mine, for the import's audit records (each
    -- names its mine's last entry and how many: FundImport.swift).
    CREATE TEMP TABLE IF NOT EXISTS fund_import_booked (entry_id bigint, license text) ON COMMIT DROP;
    TRUNCATE fund_import_booked;
    EXECUTE format('GRANT SELECT ON pg_temp.fund_import_booked TO %I', session_user);
    -- Entry ids in file order, each entry's hash, then entries and postings
    -- in one statement (the postings trigger runs at its end and sees both).
    WITH plan AS MATERIALIZED (
        SELECT n.*, ledger_entry_hash_v3(n.entry_id, n.kind, n.value_date, v_booked, n.amount, n.reference, n.memo,
                                         p_actor, n.idempotency_key, NULL, NULL, n.digest,
                                         CASE WHEN n.kind = 'withdrawal' THEN n.plan_id END) AS entry_hash
        FROM (SELECT nextval('ledger_entries_id_seq'::regclass) AS entry_id, s.*
              FROM (SELECT * FROM fund_import_result r WHERE r.problem IS NULL AND NOT r.skip ORDER BY r.line) s) n
    ), entries AS (
        INSERT INTO ledger_entries (id, kind, value_date, booked_at, amount, reference, memo, actor,
                                    idempotency_key, request_digest, entry_hash, hash_version, annual_plan_id)
        SELECT p.entry_id, p.kind, p.value_date, v_booked, p.amount, p.reference, p.memo, p_actor,
               p.idempotency_key, p.digest, p.entry_hash, 3, CASE WHEN p.kind = 'withdrawal' THEN p.plan_id END
        FROM plan p ORDER BY p.entry_id
    ), booked AS (
        INSERT INTO fund_import_booked (entry_id, license) SELECT p.entry_id, p.license FROM plan p
    ), legs AS (
        SELECT p.entry_id, p.fund_id AS account_id, p.value_date, p.entry_hash,
               CASE WHEN p.kind = 'deposit' THEN p.amount ELSE -p.amount END AS amount
        FROM plan p
        UNION ALL
        SELECT p.entry_id, p.other_id, p.value_date, p.entry_hash,
               CASE WHEN p.kind = 'deposit' THEN -p.amount ELSE p.amount END
        FROM plan p
    ), numbered AS (
        SELECT l.*, a.last_hash AS start_hash, a.kind AS account_kind, m.license,
               a.seq + row_number() OVER w AS seq, (a.balance + sum(l.amount) OVER w)::bigint AS balance_after
        FROM legs l JOIN fund_accounts a ON a.id = l.account_id JOIN mines m ON m.id = a.mine_id
        WINDOW w AS (PARTITION BY l.account_id ORDER BY l.entry_id)
    ), hashed AS (
        -- in an account, entry order is sequence order (numbered above):
        -- ordered so, the three windows share one sort
        SELECT n.*, ledger_chain(n.start_hash, ledger_posting_content_v2(n.entry_hash, n.account_id, n.seq, n.amount,
                                                                         n.balance_after, n.license, n.account_kind))
                        OVER (PARTITION BY n.account_id ORDER BY n.entry_id) AS hash
        FROM numbered n
    )
    INSERT INTO ledger_postings (entry_id, account_id, seq, amount, balance_after, value_date, prev_hash, hash)
    SELECT h.entry_id, h.account_id, h.seq, h.amount, h.balance_after, h.value_date,
           coalesce(lag(h.hash) OVER (PARTITION BY h.account_id ORDER BY h.entry_id), h.start_hash), h.hash
    FROM hashed h;
END
$$;
GRANT EXECUTE ON FUNCTION ledger_import(text, boolean) TO reclaim_app;
