-- The restoration-fund ledger (矿山地质环境治理恢复基金台账): its guards, its
-- hashing, the postings trigger, the booking core and the single-entry
-- functions. Tables and constraints are in 0003_fund_ledger.sql; the reasons
-- for the shape of these queries are in docs/performance.md.
--
-- The single-entry functions touch a handful of rows through unique or
-- selective indexes. Their plans are cached per session, and statistics
-- taken while the ledger was small (a new installation) must never leave
-- them scanning the whole ledger for every booking, so sequential scans are
-- off inside them (SET enable_seqscan = off in their definitions). The bulk
-- functions (ledger_import, ledger_verify) keep the planner's choice, and
-- the postings trigger takes its caller's.

-- A mine gets its fund account and its counterparty accounts on creation
-- (as the owner: whoever registers the mine may not write fund_accounts).
CREATE OR REPLACE FUNCTION fund_accounts_open() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO fund_accounts (mine_id, kind)
    SELECT NEW.id, k FROM unnest(ARRAY['fund', 'contributions', 'works', 'converted-deposits', 'closure-releases']) k;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER mines_open_fund_accounts AFTER INSERT ON mines
    FOR EACH ROW EXECUTE FUNCTION fund_accounts_open();

-- Append-only, whoever the client.
CALL protect_rows('ledger_entries');
CALL protect_rows('ledger_postings');
CALL protect_rows('fund_accounts', p_updatable => true);

-- Canonical text for hashing: a length prefix keeps '|' in a memo from
-- forging a field boundary; '~' is NULL.
--
-- The hashing helpers are declared STABLE, not IMMUTABLE, on purpose: their
-- bodies use concat_ws and extract (both STABLE), and PostgreSQL inlines a
-- SQL function into the calling query only when the body is no more volatile
-- than declared. Not inlined, every call would parse and plan its body anew.
CREATE OR REPLACE FUNCTION ledger_text(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN t IS NULL THEN '~' ELSE octet_length(t)::text || ':' || t END
$$;

CREATE OR REPLACE FUNCTION ledger_entry_hash(
    p_id bigint, p_kind text, p_value_date date, p_booked_at timestamptz, p_amount bigint,
    p_reference text, p_memo text, p_actor text, p_key text, p_reverses bigint, p_reason text
) RETURNS bytea STABLE LANGUAGE sql AS $$
    SELECT sha256(convert_to(concat_ws('|',
        p_id, p_kind, p_value_date - DATE '2000-01-01',
        floor(extract(epoch FROM p_booked_at) * 1000000)::bigint, p_amount,
        ledger_text(p_reference), ledger_text(p_memo), ledger_text(p_actor), ledger_text(p_key),
        coalesce(p_reverses::text, '~'), ledger_text(p_reason)), 'UTF8'))
$$;

-- Version 2 (0011): the entry's hash also covers its request digest.
CREATE OR REPLACE FUNCTION ledger_entry_hash_v2(
    p_id bigint, p_kind text, p_value_date date, p_booked_at timestamptz, p_amount bigint,
    p_reference text, p_memo text, p_actor text, p_key text, p_reverses bigint, p_reason text, p_digest bytea
) RETURNS bytea STABLE LANGUAGE sql AS $$
    SELECT sha256(convert_to(concat_ws('|', 'v2',
        p_id, p_kind, p_value_date - DATE '2000-01-01',
        floor(extract(epoch FROM p_booked_at) * 1000000)::bigint, p_amount,
        ledger_text(p_reference), ledger_text(p_memo), ledger_text(p_actor), ledger_text(p_key),
        coalesce(p_reverses::text, '~'), ledger_text(p_reason), encode(p_digest, 'hex')), 'UTF8'))
$$;

-- Version 3 (0015): also the annual plan a withdrawal pays for (and its
-- reversal gives back to), so a link moved to another plan no longer verifies.
CREATE OR REPLACE FUNCTION ledger_entry_hash_v3(
    p_id bigint, p_kind text, p_value_date date, p_booked_at timestamptz, p_amount bigint,
    p_reference text, p_memo text, p_actor text, p_key text, p_reverses bigint, p_reason text, p_digest bytea,
    p_annual_plan bigint
) RETURNS bytea STABLE LANGUAGE sql AS $$
    SELECT sha256(convert_to(concat_ws('|', 'v3',
        p_id, p_kind, p_value_date - DATE '2000-01-01',
        floor(extract(epoch FROM p_booked_at) * 1000000)::bigint, p_amount,
        ledger_text(p_reference), ledger_text(p_memo), ledger_text(p_actor), ledger_text(p_key),
        coalesce(p_reverses::text, '~'), ledger_text(p_reason), encode(p_digest, 'hex'),
        coalesce(p_annual_plan::text, '~')), 'UTF8'))
$$;

-- A posting's hash covers the previous posting's hash, its entry's hash and
-- its own figures; from version 2 on also its account's identity, the mine's
-- licence and the account's kind (an account handed to another mine breaks
-- the chain).
CREATE OR REPLACE FUNCTION ledger_posting_content(p_entry_hash bytea, p_account bigint, p_seq bigint,
                                                  p_amount bigint, p_balance_after bigint)
    RETURNS bytea STABLE LANGUAGE sql AS $$
    SELECT p_entry_hash || convert_to(concat_ws('|', p_account, p_seq, p_amount, p_balance_after), 'UTF8')
$$;

CREATE OR REPLACE FUNCTION ledger_posting_content_v2(p_entry_hash bytea, p_account bigint, p_seq bigint,
                                                     p_amount bigint, p_balance_after bigint, p_license text,
                                                     p_kind text)
    RETURNS bytea STABLE LANGUAGE sql AS $$
    SELECT p_entry_hash || convert_to(concat_ws('|', 'v2', p_account, p_seq, p_amount, p_balance_after,
                                                ledger_text(p_license), ledger_text(p_kind)), 'UTF8')
$$;

-- The chain as a window aggregate, for bulk bookings:
--   ledger_chain(start_hash, content) OVER (PARTITION BY account ORDER BY seq)
-- yields each posting's hash, starting from the account's last hash. The
-- step is PL/pgSQL: as an aggregate's step function a SQL function is never
-- inlined, and PL/pgSQL calls cost less.
CREATE OR REPLACE FUNCTION ledger_chain_step(state bytea, start bytea, content bytea) RETURNS bytea
    IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
    RETURN sha256(coalesce(state, start) || content);
END
$$;
CREATE OR REPLACE AGGREGATE ledger_chain(bytea, bytea) (SFUNC = ledger_chain_step, STYPE = bytea);

-- The digest of a booking request's content, the same for the CLI, the
-- HTTP API and imports, so a key is recognised whichever way it came. The
-- annual plan a withdrawal names is part of it (appended only when given,
-- so the digests of earlier requests are unchanged).
DROP FUNCTION IF EXISTS ledger_request_digest(text, text, text, bigint, date, text, text);
CREATE OR REPLACE FUNCTION ledger_request_digest(p_kind text, p_license text, p_to_license text, p_amount bigint,
                                                 p_value_date date, p_reference text, p_memo text,
                                                 p_annual_plan_year integer DEFAULT NULL)
    RETURNS bytea STABLE LANGUAGE sql AS $$
    SELECT sha256(convert_to(concat_ws('|', ledger_text(p_kind), ledger_text(p_license), ledger_text(p_to_license),
        p_amount, coalesce((p_value_date - DATE '2000-01-01')::text, '~'), ledger_text(p_reference),
        ledger_text(p_memo), CASE WHEN p_annual_plan_year IS NOT NULL THEN 'plan:' || p_annual_plan_year END), 'UTF8'))
$$;

-- Under which kind a posting counts in its account's year
-- (ledger_account_years): a reversal under its original's kind, a transfer
-- by its direction on the account. Inlined into the statements that use it.
CREATE OR REPLACE FUNCTION ledger_year_kind(p_entry_kind text, p_original_kind text, p_amount bigint)
    RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN coalesce(p_original_kind, p_entry_kind) <> 'transfer' THEN coalesce(p_original_kind, p_entry_kind)
                WHEN (p_amount > 0) <> (p_entry_kind = 'reversal') THEN 'transfer-in' ELSE 'transfer-out' END
$$;

-- Every INSERT into ledger_postings, by any path, is checked as a whole, in
-- two statements in the common case:
--   1. every entry touched exists and its new postings sum to zero. Every
--      earlier statement's postings summed to zero too, so the whole entry
--      still balances; and as no posting is zero, a zero sum means at least
--      two legs. The same look counts the postings and their accounts.
--   2. one UPDATE advances each account, guarded by the chain conditions
--      (sequence, running balance, hash links, no fund below zero at any
--      posting). An account that fails them (or does not exist) is not
--      updated, and the count tells; only then are the detailed queries run,
--      to name the entry in the error. A booking (each account posted once,
--      a few postings) adds its postings to each account's year
--      (ledger_account_years) in the same statement, and needs none of the
--      window functions that order several postings of one account: they
--      and their aggregates were a quarter of a deposit's CPU (perf, issue
--      33). A statement posting an account more than once (an import) takes
--      the general statement, then a third for the years.
-- Then, when a fund is paid out of (a negative posting), no end-of-day
-- balance of that fund from the posting's value date on may be below zero:
-- a back-dated withdrawal must not make the past overdrawn (balance
-- --as-of). It reads, through the (account, value_date) index, only the
-- account's postings dated after that date: none for a booking dated today.
--
-- A trigger's plans are made once per session and kept: a plain join
-- planned on a young ledger went on hashing all of ledger_entries for every
-- booking. A LATERAL lookup with LIMIT is one primary-key probe per posting,
-- whatever the plan.
CREATE OR REPLACE FUNCTION ledger_postings_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
    v_accounts bigint;
    v_advanced bigint;
    v_backdated boolean;
    v_whole boolean;
    v_entries bigint;
    v_postings bigint;
    v_lo bigint;
    v_hi bigint;
    v_booking boolean;
    v_sum numeric;
    v_present bigint;
BEGIN
    -- The common case in one look: the entries are numbered without a gap
    -- (one booking, or an import's entries from one sequence run) and all
    -- of them exist: one range count on the primary key instead of a probe
    -- per posting (an import of a million rows: 1 s instead of 6). One
    -- entry (a booking) balances when its postings sum to zero; several are
    -- summed each (a second statement).
    SELECT count(*), count(DISTINCT n.account_id), min(n.entry_id), max(n.entry_id), sum(n.amount),
           (SELECT count(*) FROM ledger_entries x WHERE x.id BETWEEN min(n.entry_id) AND max(n.entry_id))
    INTO v_postings, v_accounts, v_lo, v_hi, v_sum, v_present
    FROM new_postings n;
    IF v_lo = v_hi THEN
        v_entries := 1;
        v_whole := v_sum = 0 AND v_present = 1;
    ELSE
        SELECT count(*), count(*) = v_hi - v_lo + 1 AND count(*) = v_present AND NOT bool_or(t.total <> 0)
        INTO v_entries, v_whole
        FROM (SELECT sum(n.amount) AS total FROM new_postings n GROUP BY n.entry_id) t;
    END IF;
    IF NOT v_whole THEN
        SELECT n.entry_id, bool_or(e.id IS NULL) AS missing INTO bad
        FROM new_postings n
        LEFT JOIN LATERAL (SELECT x.id FROM ledger_entries x WHERE x.id = n.entry_id LIMIT 1) e ON true
        GROUP BY n.entry_id
        HAVING bool_or(e.id IS NULL) OR sum(n.amount) <> 0
        ORDER BY n.entry_id LIMIT 1;
        IF FOUND AND bad.missing THEN
            RAISE EXCEPTION 'posting names entry % that does not exist', bad.entry_id
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_postings_references';
        ELSIF FOUND THEN
            RAISE EXCEPTION 'entry % does not balance: its postings must sum to zero', bad.entry_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_double_entry';
        END IF;
    END IF;

    -- A booking: at most 100 postings (so that the plan kept for the
    -- session, made for the first one, is always index probes), each
    -- account once. The years' rows are written in the same statement,
    -- after the accounts' locks (an unreferenced data-modifying WITH runs
    -- after the query that reads u); a refusal below undoes them with all else.
    v_booking := v_postings = v_accounts AND v_postings <= 100;
    IF v_booking THEN
        WITH u AS (
            UPDATE fund_accounts a SET seq = p.seq, balance = p.balance_after, last_hash = p.hash
            FROM new_postings p
            WHERE a.id = p.account_id AND p.seq = a.seq + 1 AND p.balance_after - p.amount = a.balance
              AND p.prev_hash = a.last_hash
              AND ((a.kind <> 'fund' AND a.kind NOT LIKE 'project-%') OR p.balance_after >= 0)
              AND a.closed_by_release IS NULL AND a.closed_by_merger IS NULL
            RETURNING a.id, a.kind, p.amount, p.value_date
        ), y AS (
            INSERT INTO ledger_account_years AS t (account_id, year, kind, amount, postings)
            SELECT n.account_id, extract(year FROM n.value_date)::integer, ledger_year_kind(e.kind, o.kind, n.amount),
                   n.amount, 1
            FROM new_postings n
            CROSS JOIN LATERAL (SELECT x.kind, x.reverses FROM ledger_entries x WHERE x.id = n.entry_id LIMIT 1) e
            LEFT JOIN LATERAL (SELECT x.kind FROM ledger_entries x WHERE x.id = e.reverses LIMIT 1) o ON true
            ON CONFLICT (account_id, year, kind)
                DO UPDATE SET amount = t.amount + excluded.amount, postings = t.postings + excluded.postings
        )
        SELECT count(*), coalesce(bool_or(u.kind = 'fund' AND u.amount < 0 AND EXISTS (
                   SELECT 1 FROM ledger_postings q WHERE q.account_id = u.id AND q.value_date > u.value_date)), false)
        INTO v_advanced, v_backdated
        FROM u;
    ELSE
        WITH w AS (
            SELECT p.account_id, p.seq, p.balance_after, p.prev_hash, p.hash, p.amount, p.value_date,
                   p.seq - row_number() OVER o AS seq_base,
                   p.balance_after - sum(p.amount) OVER o AS balance_base,
                   row_number() OVER o AS rn, count(*) OVER (PARTITION BY p.account_id) AS n,
                   p.prev_hash = lag(p.hash) OVER o AS linked
            FROM new_postings p
            WINDOW o AS (PARTITION BY p.account_id ORDER BY p.seq)
        ), l AS (
            SELECT w.account_id, min(w.seq_base) AS seq_base, min(w.balance_base) AS balance_base,
                   min(w.balance_after) AS lowest,
                   (array_agg(w.prev_hash) FILTER (WHERE w.rn = 1))[1] AS first_prev,
                   (array_agg(w.seq) FILTER (WHERE w.rn = w.n))[1] AS last_seq,
                   (array_agg(w.balance_after) FILTER (WHERE w.rn = w.n))[1] AS last_balance,
                   (array_agg(w.hash) FILTER (WHERE w.rn = w.n))[1] AS last_hash,
                   min(w.seq_base) = max(w.seq_base) AND min(w.balance_base) = max(w.balance_base)
                       AND coalesce(bool_and(w.linked), true) AS consistent,
                   -- the earliest value date the account pays out on
                   min(w.value_date) FILTER (WHERE w.amount < 0) AS since
            FROM w GROUP BY w.account_id
        ), u AS (
            UPDATE fund_accounts a SET seq = l.last_seq, balance = l.last_balance, last_hash = l.last_hash
            FROM l
            WHERE a.id = l.account_id AND l.consistent AND l.seq_base = a.seq AND l.balance_base = a.balance
              AND l.first_prev = a.last_hash AND ((a.kind <> 'fund' AND a.kind NOT LIKE 'project-%') OR l.lowest >= 0)
              AND a.closed_by_release IS NULL AND a.closed_by_merger IS NULL
            RETURNING a.id, a.kind, l.since
        )
        -- a fund paid out of with a posting dated before one it already has:
        -- one index probe, in this statement rather than one of its own
        SELECT count(*), coalesce(bool_or(u.kind = 'fund' AND u.since IS NOT NULL AND EXISTS (
                   SELECT 1 FROM ledger_postings q WHERE q.account_id = u.id AND q.value_date > u.since)), false)
        INTO v_advanced, v_backdated
        FROM u;
    END IF;
    IF v_advanced = v_accounts THEN
        IF v_backdated THEN
            -- No fund overdrawn at the end of any value date from the earliest
            -- paid-out posting on (the accounts are advanced and locked by now).
            SELECT s.account_id, s.value_date, s.eod INTO bad
            FROM (SELECT p.account_id, min(p.value_date) AS since FROM new_postings p
                  WHERE p.amount < 0 GROUP BY p.account_id) n
            CROSS JOIN LATERAL (SELECT a.balance FROM fund_accounts a
                                WHERE a.id = n.account_id AND a.kind = 'fund' LIMIT 1) a
            CROSS JOIN LATERAL (
                -- the end of a day is the balance less what is dated after it;
                -- only postings dated after `since` are read (none, for a
                -- booking dated on or after the account's latest value date)
                SELECT n.account_id, d.value_date,
                       a.balance - coalesce(sum(d.total) OVER (ORDER BY d.value_date DESC
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS eod
                FROM (SELECT q.value_date, sum(q.amount) AS total FROM ledger_postings q
                      WHERE q.account_id = n.account_id AND q.value_date > n.since GROUP BY q.value_date
                      UNION ALL SELECT n.since, 0) d
            ) s
            WHERE s.eod < 0
            ORDER BY s.value_date LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'the fund would be overdrawn at the end of % (balance % yuan): a payment cannot be dated before the money it pays with arrived',
                    bad.value_date, fen_text(bad.eod)
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'fund_no_backdated_overdraft', COLUMN = 'value_date';
            END IF;
        END IF;
        IF v_booking THEN
            RETURN NULL;  -- its years were written with the accounts' advance
        END IF;
        -- Each account's year at a glance (0020), in this statement, each
        -- posting under ledger_year_kind. Only this account's lock holder
        -- writes its rows, so two bookings never race for one.
        IF v_entries < 10000 THEN
            -- a booking: an index probe per posting, whatever the kept plan
            INSERT INTO ledger_account_years AS t (account_id, year, kind, amount, postings)
            SELECT n.account_id, extract(year FROM n.value_date)::integer, ledger_year_kind(e.kind, o.kind, n.amount),
                   sum(n.amount), count(*)
            FROM new_postings n
            CROSS JOIN LATERAL (SELECT x.kind, x.reverses FROM ledger_entries x WHERE x.id = n.entry_id LIMIT 1) e
            LEFT JOIN LATERAL (SELECT x.kind FROM ledger_entries x WHERE x.id = e.reverses LIMIT 1) o ON true
            GROUP BY 1, 2, 3
            ON CONFLICT (account_id, year, kind)
                DO UPDATE SET amount = t.amount + excluded.amount, postings = t.postings + excluded.postings;
        ELSE
            -- an import: planned for its size (a trigger's static statements
            -- keep the plan of the session's first booking), one pass over
            -- the range of its entries instead of two million probes
            EXECUTE $q$
                INSERT INTO ledger_account_years AS t (account_id, year, kind, amount, postings)
                SELECT n.account_id, extract(year FROM n.value_date)::integer,
                       ledger_year_kind(e.kind, o.kind, n.amount), sum(n.amount), count(*)
                FROM new_postings n
                JOIN ledger_entries e ON e.id = n.entry_id AND e.id BETWEEN $1 AND $2
                LEFT JOIN LATERAL (SELECT x.kind FROM ledger_entries x WHERE x.id = e.reverses LIMIT 1) o ON true
                GROUP BY 1, 2, 3
                ON CONFLICT (account_id, year, kind)
                    DO UPDATE SET amount = t.amount + excluded.amount, postings = t.postings + excluded.postings
            $q$ USING v_lo, v_hi;
        END IF;
        RETURN NULL;
    END IF;

    -- Refused: find out why, to say so. (The accounts are locked by now.)
    SELECT p.account_id INTO bad FROM new_postings p
    WHERE NOT EXISTS (SELECT 1 FROM fund_accounts a WHERE a.id = p.account_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting names account % that does not exist', bad.account_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_postings_references';
    END IF;
    SELECT m.license, a.closed_by_release INTO bad FROM new_postings p JOIN fund_accounts a ON a.id = p.account_id
    JOIN mines m ON m.id = a.mine_id WHERE a.closed_by_release IS NOT NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the fund of mine % is closed: its remaining money was released at closure (entry %)',
            bad.license, bad.closed_by_release USING ERRCODE = 'RCCLO';
    END IF;
    SELECT m.license, a.closed_by_merger INTO bad FROM new_postings p JOIN fund_accounts a ON a.id = p.account_id
    JOIN mines m ON m.id = a.mine_id WHERE a.closed_by_merger IS NOT NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the fund of mine % is closed: its licence was merged away by merger %', bad.license,
            bad.closed_by_merger USING ERRCODE = 'RCCLO';
    END IF;
    SELECT n.* INTO bad FROM (
        SELECT p.entry_id, p.account_id, p.balance_after, a.kind
        FROM new_postings p JOIN fund_accounts a ON a.id = p.account_id
        WHERE (a.kind = 'fund' OR a.kind LIKE 'project-%') AND p.balance_after < 0
    ) n ORDER BY n.entry_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % would overdraw the %', bad.entry_id,
            CASE WHEN bad.kind = 'fund' THEN 'fund' ELSE 'money committed to the project' END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'fund_no_overdraft';
    END IF;
    RAISE EXCEPTION 'postings do not continue the chain of account(s) (sequence, balance or hash link)'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_chain';
END
$$;
CREATE OR REPLACE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_apply();

-- The entry an idempotency key already booked, if the request is the same
-- (NULL when the key is unused); a reused key with other content is refused.
CREATE OR REPLACE FUNCTION ledger_replay(p_key text, p_digest bytea) RETURNS bigint LANGUAGE plpgsql
    SET enable_seqscan = off AS $$
DECLARE
    v_existing record;
BEGIN
    IF p_key IS NULL THEN RETURN NULL; END IF;
    SELECT e.id, e.request_digest INTO v_existing FROM ledger_entries e WHERE e.idempotency_key = p_key;
    IF NOT FOUND THEN RETURN NULL; END IF;
    IF v_existing.request_digest = p_digest THEN RETURN v_existing.id; END IF;
    RAISE EXCEPTION 'idempotency key % was already used for a different request', p_key USING ERRCODE = 'RCKEY';
END
$$;

-- One two-legged booking, the core every booking path goes through
-- (fund_post, ledger_reverse): lock both accounts and read them in one
-- query (id order, so opposing transfers cannot deadlock), insert the entry
-- (its idempotency key's unique index decides a replay, ledger_replay says
-- which), refuse an overdraft (RCODR), insert the postings. Returns what it
-- booked, so that callers need not read it back.
DROP FUNCTION IF EXISTS ledger_book(text, date, bigint, bigint, bigint, text, text, text, text, bytea, bigint, text);
CREATE OR REPLACE FUNCTION ledger_book(
    p_kind text, p_value_date date, p_amount bigint, p_debit bigint, p_credit bigint,
    p_reference text, p_memo text, p_actor text, p_key text, p_digest bytea,
    p_reverses bigint DEFAULT NULL, p_reason text DEFAULT NULL, p_annual_plan bigint DEFAULT NULL,
    OUT entry_id bigint, OUT replayed boolean, OUT booked_at timestamptz,
    OUT debit_seq bigint, OUT debit_balance bigint, OUT credit_seq bigint, OUT credit_balance bigint
) LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    v_acc record;
    v_debit fund_accounts;
    v_credit fund_accounts;
    v_debit_license text;
    v_credit_license text;
    v_hash bytea;
BEGIN
    -- a value date is a bank's date that has come, and no older than the ledger's records (every booking path
    -- comes here: the service's checks are not the only ones)
    IF p_value_date IS NULL OR p_value_date < DATE '1990-01-01' OR p_value_date > bureau_date(now()) THEN
        RAISE EXCEPTION 'value date % is not a day from 1990-01-01 to today', coalesce(p_value_date::text, 'NULL')
            USING ERRCODE = 'RCRUL', COLUMN = 'value_date';
    END IF;
    IF p_debit = p_credit THEN
        RAISE EXCEPTION 'an entry needs two different accounts' USING ERRCODE = 'RCSAM';
    END IF;
    -- the accounts with their mines' licences (the hash names the owner), in one statement
    FOR v_acc IN SELECT a AS account, m.license FROM fund_accounts a LEFT JOIN mines m ON m.id = a.mine_id
                 WHERE a.id IN (p_debit, p_credit) ORDER BY a.id FOR UPDATE OF a LOOP
        IF (v_acc.account).id = p_debit THEN
            v_debit := v_acc.account;
            v_debit_license := v_acc.license;
        ELSE
            v_credit := v_acc.account;
            v_credit_license := v_acc.license;
        END IF;
    END LOOP;
    IF v_debit.id IS NULL OR v_credit.id IS NULL THEN
        RAISE EXCEPTION 'no fund account %', CASE WHEN v_debit.id IS NULL THEN p_debit ELSE p_credit END
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_postings_references';
    END IF;
    IF v_debit.closed_by_release IS NOT NULL OR v_credit.closed_by_release IS NOT NULL THEN
        RAISE EXCEPTION 'the fund of mine % is closed: its remaining money was released at closure (entry %)',
            (SELECT m.license FROM mines m WHERE m.id = CASE WHEN v_debit.closed_by_release IS NOT NULL
                                                            THEN v_debit.mine_id ELSE v_credit.mine_id END),
            coalesce(v_debit.closed_by_release, v_credit.closed_by_release) USING ERRCODE = 'RCCLO';
    ELSIF v_debit.closed_by_merger IS NOT NULL OR v_credit.closed_by_merger IS NOT NULL THEN
        RAISE EXCEPTION 'the fund of mine % is closed: its licence was merged away by merger %',
            (SELECT m.license FROM mines m WHERE m.id = CASE WHEN v_debit.closed_by_merger IS NOT NULL
                                                            THEN v_debit.mine_id ELSE v_credit.mine_id END),
            coalesce(v_debit.closed_by_merger, v_credit.closed_by_merger) USING ERRCODE = 'RCCLO';
    END IF;

    -- a legacy project's accounts have no mine: their owner in the hash is the project
    v_debit_license := coalesce(v_debit_license, 'legacy-project:' || v_debit.project_id);
    v_credit_license := coalesce(v_credit_license, 'legacy-project:' || v_credit.project_id);

    booked_at := now();
    entry_id := nextval('ledger_entries_id_seq'::regclass);
    v_hash := ledger_entry_hash_v3(entry_id, p_kind, p_value_date, booked_at, p_amount, p_reference, p_memo,
                                   p_actor, p_key, p_reverses, p_reason, p_digest, p_annual_plan);
    INSERT INTO ledger_entries (id, kind, value_date, booked_at, amount, reference, memo, actor,
                                idempotency_key, request_digest, reverses, reason, entry_hash, hash_version,
                                annual_plan_id)
    VALUES (entry_id, p_kind, p_value_date, booked_at, p_amount, p_reference, p_memo, p_actor,
            p_key, p_digest, p_reverses, p_reason, v_hash, 3, p_annual_plan)
    ON CONFLICT ON CONSTRAINT ledger_entries_idempotency_key_key DO NOTHING;
    IF NOT FOUND THEN
        -- The key is booked already, perhaps by a request that committed
        -- while this one waited: the same request replays, another is refused.
        entry_id := ledger_replay(p_key, p_digest);
        replayed := true;
        RETURN;
    END IF;

    IF v_credit.kind = 'fund' AND v_credit.balance < p_amount THEN
        RAISE EXCEPTION 'insufficient fund balance: % yuan available, % yuan asked',
            fen_text(v_credit.balance), fen_text(p_amount) USING ERRCODE = 'RCODR';
    END IF;

    INSERT INTO ledger_postings (entry_id, account_id, seq, amount, balance_after, value_date, prev_hash, hash)
    VALUES
        (entry_id, v_debit.id, v_debit.seq + 1, p_amount, v_debit.balance + p_amount, p_value_date,
         v_debit.last_hash,
         sha256(v_debit.last_hash || ledger_posting_content_v2(v_hash, v_debit.id, v_debit.seq + 1, p_amount,
                                                              v_debit.balance + p_amount, v_debit_license,
                                                              v_debit.kind))),
        (entry_id, v_credit.id, v_credit.seq + 1, -p_amount, v_credit.balance - p_amount, p_value_date,
         v_credit.last_hash,
         sha256(v_credit.last_hash || ledger_posting_content_v2(v_hash, v_credit.id, v_credit.seq + 1, -p_amount,
                                                               v_credit.balance - p_amount, v_credit_license,
                                                               v_credit.kind)));
    replayed := false;
    debit_seq := v_debit.seq + 1;
    debit_balance := v_debit.balance + p_amount;
    credit_seq := v_credit.seq + 1;
    credit_balance := v_credit.balance - p_amount;
END
$$;

-- A reversal mirrors its original's postings. An entry is reversed once at
-- most (the UNIQUE on reverses), a reversal is never reversed (RCREV), and a
-- reversal is never dated before its original (RCDAT): it would undo money
-- on a day it had not yet moved.
CREATE OR REPLACE FUNCTION ledger_reverse(
    p_original bigint, p_value_date date, p_reason text, p_actor text, p_key text, p_digest bytea,
    OUT entry_id bigint, OUT replayed boolean
) LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    v_orig ledger_entries;
    v_debit bigint;
    v_credit bigint;
BEGIN
    SELECT * INTO v_orig FROM ledger_entries WHERE id = p_original;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no ledger entry %', p_original USING ERRCODE = 'RCNOE';
    END IF;
    entry_id := ledger_replay(p_key, p_digest);
    IF entry_id IS NOT NULL THEN replayed := true; RETURN; END IF;
    IF v_orig.kind = 'reversal' THEN
        RAISE EXCEPTION 'entry % is itself a reversal and cannot be reversed', p_original USING ERRCODE = 'RCREV';
    END IF;
    IF v_orig.kind = 'closure-release' THEN
        RAISE EXCEPTION 'entry % released the fund at closure and cannot be reversed', p_original USING ERRCODE = 'RCREV';
    END IF;
    -- nothing is booked on an accepted legacy project, reversals included: its
    -- books are closed (the lock orders this against the acceptance)
    IF v_orig.kind IN ('legacy-commit', 'legacy-spend') AND EXISTS (
        SELECT 1 FROM legacy_projects lp
        JOIN review_records r ON r.record_type = 'legacy-project' AND r.record_id = lp.id
        WHERE lp.id = (SELECT a.project_id FROM ledger_postings p JOIN fund_accounts a ON a.id = p.account_id
                       WHERE p.entry_id = p_original AND a.project_id IS NOT NULL LIMIT 1)
          AND r.state = 'accepted'
        FOR UPDATE OF lp) THEN
        RAISE EXCEPTION 'entry % belongs to an accepted legacy project: its books are closed, reversals included',
            p_original USING ERRCODE = 'RCLEG', COLUMN = 'entry_id';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_entries WHERE reverses = p_original) THEN
        -- The same request may have committed since the check above (each
        -- statement sees what committed before it): then it is a replay.
        entry_id := ledger_replay(p_key, p_digest);
        IF entry_id IS NOT NULL THEN replayed := true; RETURN; END IF;
        RAISE EXCEPTION 'entry % has already been reversed', p_original USING ERRCODE = 'RCREV';
    END IF;
    IF p_value_date < v_orig.value_date THEN
        RAISE EXCEPTION 'a reversal cannot be dated %, before its original entry''s value date %',
            p_value_date, v_orig.value_date USING ERRCODE = 'RCDAT', COLUMN = 'value_date';
    END IF;
    SELECT account_id INTO v_debit FROM ledger_postings WHERE ledger_postings.entry_id = p_original AND amount > 0;
    SELECT account_id INTO v_credit FROM ledger_postings WHERE ledger_postings.entry_id = p_original AND amount < 0;
    SELECT b.entry_id, b.replayed INTO entry_id, replayed
    FROM ledger_book('reversal', p_value_date, v_orig.amount, v_credit, v_debit, v_orig.reference,
                     'reversal of entry ' || p_original, p_actor, p_key, p_digest, p_original, p_reason,
                     v_orig.annual_plan_id) b;
END
$$;

-- `reclaim fund verify` recomputes every hash in Swift from the rows
-- themselves (Sources/Reclaim/Fund/LedgerVerifier.swift), so that no
-- function stored here can vouch for the data it would hide; the SQL
-- verifier of earlier versions is gone.
DROP FUNCTION IF EXISTS ledger_verify();

-- An entry with its postings, one row per posting (debit first). Every step
-- is a LATERAL probe with LIMIT, which no cached plan can turn into a scan.
DROP FUNCTION IF EXISTS fund_post(text, text, text, bigint, date, date, text, text, text, text, text, text, text);
DROP FUNCTION IF EXISTS fund_post(text, text, text, bigint, date, date, text, text, text, text, text, text, text, integer);
DROP FUNCTION IF EXISTS fund_reverse_post(bigint, date, date, text, text, text, text, text);
DROP FUNCTION IF EXISTS ledger_entry_rows(bigint);
-- the shapes these returned before they shared ledger_entry_row (0028)
DROP FUNCTION IF EXISTS fund_post(text, text, text, bigint, date, date, text, text, text, text, text, text, text, integer, text);
DROP FUNCTION IF EXISTS fund_reverse_post(bigint, date, date, text, text, text, text, text);
DROP FUNCTION IF EXISTS fund_release(text, date, text, text, text);
CREATE OR REPLACE FUNCTION ledger_entry_rows(p_id bigint, p_replayed boolean DEFAULT false)
    RETURNS SETOF ledger_entry_row LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
BEGIN
    RETURN QUERY
    SELECT p_replayed, e.id, e.kind, e.amount, e.value_date, e.booked_at, e.reference, e.memo, e.actor, e.idempotency_key,
           e.reverses, e.reason, (SELECT ap.year FROM annual_plans ap WHERE ap.id = e.annual_plan_id),
           m.license, a.kind, p.seq, p.amount, p.balance_after
    FROM ledger_entries e
    CROSS JOIN LATERAL (SELECT q.account_id, q.seq, q.amount, q.balance_after FROM ledger_postings q
                        WHERE q.entry_id = e.id LIMIT 16) p
    CROSS JOIN LATERAL (SELECT x.kind, x.mine_id, x.project_id FROM fund_accounts x WHERE x.id = p.account_id LIMIT 1) a
    CROSS JOIN LATERAL (SELECT coalesce((SELECT y.license FROM mines y WHERE y.id = a.mine_id LIMIT 1),
                                        'legacy-project:' || a.project_id) AS license) m
    WHERE e.id = p_id
    ORDER BY p.amount DESC;
END
$$;

-- The annual plan a withdrawal pays for, locked (withdrawals against it and
-- decisions on it queue here), and the budget rule: the plan is the same
-- mine's, in a state that pays for approved works, and what is withdrawn
-- against it, net of reversals, stays within the budget of its latest
-- approval (RCAPL, RCBUD; nothing booked). Returns the plan's id.
CREATE OR REPLACE FUNCTION ledger_annual_plan_check(p_license text, p_year integer, p_amount bigint)
    RETURNS bigint LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    v_plan bigint;
    v_state text;
    v_pays boolean;
    v_budget bigint;
    v_withdrawn bigint;
BEGIN
    SELECT a.id INTO v_plan FROM annual_plans a JOIN mines m ON m.id = a.mine_id
    WHERE m.license = p_license AND a.year = p_year FOR UPDATE OF a;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mine % has no annual plan for %', p_license, p_year USING ERRCODE = 'RCAPL';
    END IF;
    SELECT f.state, f.pays, f.budget_approved, f.withdrawn INTO v_state, v_pays, v_budget, v_withdrawn
    FROM annual_plans_in_force f WHERE f.annual_plan_id = v_plan;
    IF NOT v_pays THEN
        RAISE EXCEPTION 'the annual plan % of mine % is %: the fund pays for approved works only', p_year, p_license,
            v_state USING ERRCODE = 'RCAPL';
    END IF;
    IF v_withdrawn + p_amount > v_budget THEN
        RAISE EXCEPTION 'over the budget of the annual plan % of mine %: % yuan of % yuan left, % yuan asked', p_year,
            p_license, fen_text(v_budget - v_withdrawn), fen_text(v_budget), fen_text(p_amount) USING ERRCODE = 'RCBUD';
    END IF;
    RETURN v_plan;
END
$$;

-- One booking as one statement, so a clerk's action costs one round trip.
-- Runs as the owner (reclaim_app may not write the ledger), for a finance
-- user only when the caller is not the owner (reclaim_check_actor):
-- resolve both accounts from the licences in one query (RCNOM names the
-- field in COLUMN), check a withdrawal's annual plan and budget (after a
-- replay is recognised: a retry is answered, never re-checked), book through
-- ledger_book, write the audit record unless the key replayed, return the
-- entry (a replay's read back, a new one's from what ledger_book returned).
CREATE OR REPLACE FUNCTION fund_post(
    p_kind text, p_license text, p_to_license text, p_amount bigint, p_value_date date, p_value_date_given date,
    p_reference text, p_memo text, p_key text, p_actor text, p_role text, p_request_id text, p_audit_input text,
    p_annual_plan_year integer DEFAULT NULL, p_token text DEFAULT NULL
) RETURNS SETOF ledger_entry_row
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_debit_license text := p_license;
    v_debit_kind text := 'fund';
    v_credit_license text := p_license;
    v_credit_kind text;
    v_debit bigint;
    v_credit bigint;
    v_booked record;
    v_digest bytea;
    v_plan bigint;
    v_replay bigint;
    v_role text;
    v_audit_seq bigint;
BEGIN
    -- Calls are assigned, not PERFORMed: an assignment is a plain
    -- expression, PERFORM a whole query (its plan's start and end were a
    -- fifth of a booking's CPU with the statements; issue 33).
    -- p_token: the bearer token the service took the actor from without a
    -- lookup of its own (a booking's proof travels in its statement): it
    -- must still be valid and be the actor's, or nothing is booked (RCTOK).
    IF p_token IS NOT NULL AND api_token_user(p_token) IS DISTINCT FROM p_actor THEN
        RAISE EXCEPTION 'the token is unknown, expired or revoked' USING ERRCODE = 'RCTOK';
    END IF;
    v_role := reclaim_check_actor(p_actor, '{finance}');
    CASE p_kind
        WHEN 'deposit' THEN v_credit_kind := 'contributions';
        WHEN 'deposit-conversion' THEN v_credit_kind := 'converted-deposits';
        WHEN 'withdrawal' THEN v_debit_kind := 'works'; v_credit_kind := 'fund';
        WHEN 'transfer' THEN v_debit_license := p_to_license; v_credit_kind := 'fund';
    END CASE;
    IF p_kind = 'withdrawal' AND p_annual_plan_year IS NULL THEN
        RAISE EXCEPTION 'a withdrawal names the annual plan whose approved works it pays for' USING ERRCODE = 'RCAPL';
    ELSIF p_kind <> 'withdrawal' AND p_annual_plan_year IS NOT NULL THEN
        RAISE EXCEPTION 'only a withdrawal pays for an annual plan''s works' USING ERRCODE = 'RCAPL';
    END IF;
    SELECT max(a.id) FILTER (WHERE m.license = v_debit_license AND a.kind = v_debit_kind),
           max(a.id) FILTER (WHERE m.license = v_credit_license AND a.kind = v_credit_kind)
    INTO v_debit, v_credit
    FROM fund_accounts a JOIN mines m ON m.id = a.mine_id
    WHERE m.license IN (v_debit_license, v_credit_license) AND a.kind IN (v_debit_kind, v_credit_kind);
    IF v_debit IS NULL THEN
        RAISE EXCEPTION 'no mine with licence %', v_debit_license USING ERRCODE = 'RCNOM',
            COLUMN = CASE WHEN p_kind = 'transfer' THEN 'to_license' ELSE 'license' END;
    ELSIF v_credit IS NULL THEN
        RAISE EXCEPTION 'no mine with licence %', v_credit_license USING ERRCODE = 'RCNOM',
            COLUMN = CASE WHEN p_kind = 'transfer' THEN 'from_license' ELSE 'license' END;
    END IF;
    -- fund money moves between mines only for a merger (整合重组) of the two
    IF p_kind = 'transfer' AND p_license <> p_to_license AND transfer_merger(p_reference, p_license, p_to_license) IS NULL THEN
        RAISE EXCEPTION 'a transfer from % to % names a merger of the two (merger_id): fund money moves between mines only for one',
            p_license, p_to_license USING ERRCODE = 'RCRUL', COLUMN = 'merger_id';
    END IF;

    v_digest := ledger_request_digest(p_kind, p_license, p_to_license, p_amount, p_value_date_given, p_reference,
                                      p_memo, p_annual_plan_year);
    IF p_annual_plan_year IS NOT NULL THEN
        v_replay := ledger_replay(p_key, v_digest);
        IF v_replay IS NOT NULL THEN
            RETURN QUERY SELECT * FROM ledger_entry_rows(v_replay, true);
            RETURN;
        END IF;
        v_plan := ledger_annual_plan_check(p_license, p_annual_plan_year, p_amount);
    END IF;

    v_booked := ledger_book(p_kind, p_value_date, p_amount, v_debit, v_credit, p_reference, p_memo, p_actor, p_key,
                            v_digest, NULL, NULL, v_plan);
    IF v_booked.replayed THEN
        RETURN QUERY SELECT * FROM ledger_entry_rows(v_booked.entry_id, true);
        RETURN;
    END IF;
    v_audit_seq := audit_append(p_actor, p_role, 'fund.' || p_kind, 'mine:' || p_license, p_request_id, p_audit_input,
                                v_booked.entry_id, 1);
    -- the rows ledger_entry_rows would read back, debit first
    RETURN NEXT ROW(false, v_booked.entry_id, p_kind, p_amount, p_value_date, v_booked.booked_at, p_reference, p_memo,
                    p_actor, p_key, NULL::bigint, NULL::text, p_annual_plan_year, v_debit_license, v_debit_kind,
                    v_booked.debit_seq, p_amount, v_booked.debit_balance)::ledger_entry_row;
    RETURN NEXT ROW(false, v_booked.entry_id, p_kind, p_amount, p_value_date, v_booked.booked_at, p_reference, p_memo,
                    p_actor, p_key, NULL::bigint, NULL::text, p_annual_plan_year, v_credit_license, v_credit_kind,
                    v_booked.credit_seq, -p_amount, v_booked.credit_balance)::ledger_entry_row;
END
$$;

-- A reversal as one statement, like fund_post.
CREATE OR REPLACE FUNCTION fund_reverse_post(
    p_original bigint, p_value_date date, p_value_date_given date, p_reason text, p_key text,
    p_actor text, p_role text, p_request_id text
) RETURNS SETOF ledger_entry_row
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_entry bigint;
    v_replayed boolean;
BEGIN
    PERFORM reclaim_check_actor(p_actor, '{finance}');
    SELECT r.entry_id, r.replayed INTO v_entry, v_replayed
    FROM ledger_reverse(p_original, p_value_date, p_reason, p_actor, p_key,
                        ledger_request_digest('reversal', p_original::text, NULL, 0, p_value_date_given, NULL,
                                              p_reason)) r;
    IF NOT v_replayed THEN
        PERFORM audit_append(p_actor, p_role, 'fund.reverse', 'entry:' || p_original, p_request_id,
                             'reverse ' || p_original || ' ' || p_reason, v_entry, 1);
    END IF;
    RETURN QUERY SELECT * FROM ledger_entry_rows(v_entry, v_replayed);
END
$$;

-- The release at closure (闭坑): the whole fund balance moves to the mine's
-- closure-releases account in one entry of its own kind, after an accepted
-- closure application only, and the fund account is closed to every later
-- booking (ledger_book and the postings trigger refuse, RCCLO). Idempotent:
-- its key is the mine's own, so a second release answers with the first.
CREATE OR REPLACE FUNCTION fund_release(
    p_license text, p_value_date date, p_actor text, p_role text, p_request_id text
) RETURNS SETOF ledger_entry_row
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_fund fund_accounts;
    v_release bigint;
    v_key text := 'closure-release:' || p_license;
    v_digest bytea;
    v_replay bigint;
    v_booked record;
BEGIN
    PERFORM reclaim_check_actor(p_actor, '{finance}');
    SELECT a.* INTO v_fund FROM fund_accounts a JOIN mines m ON m.id = a.mine_id
    WHERE m.license = p_license AND a.kind = 'fund' FOR UPDATE OF a;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no mine with licence %', p_license USING ERRCODE = 'RCNOM', COLUMN = 'license';
    END IF;
    v_digest := ledger_request_digest('closure-release', p_license, NULL, 0, NULL, NULL, NULL);
    v_replay := ledger_replay(v_key, v_digest);
    IF v_replay IS NOT NULL THEN
        RETURN QUERY SELECT * FROM ledger_entry_rows(v_replay, true);
        RETURN;
    END IF;
    -- no money leaves supervision before the land is restored: an accepted
    -- application with its confirmation (验收合格确认书, 土地复垦条例 art. 29)
    IF NOT EXISTS (SELECT 1 FROM closure_applications c
                   JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
                   JOIN closure_confirmations k ON k.application_id = c.id
                   WHERE c.mine_id = v_fund.mine_id AND r.state = 'accepted') THEN
        RAISE EXCEPTION 'the closure of mine % is not accepted: %', p_license,
            coalesce((SELECT format('its application %s is %s; the fund is released only once it is accepted with a confirmation number',
                                    c.id, r.state)
                      FROM closure_applications c
                      JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
                      WHERE c.mine_id = v_fund.mine_id ORDER BY c.id DESC LIMIT 1),
                     'no closure application; the fund is released only once one is accepted with a confirmation number')
            USING ERRCODE = 'RCREL';
    END IF;
    IF v_fund.balance <= 0 THEN
        RAISE EXCEPTION 'the fund of mine % holds nothing to release', p_license USING ERRCODE = 'RCREL';
    END IF;
    SELECT a.id INTO v_release FROM fund_accounts a WHERE a.mine_id = v_fund.mine_id AND a.kind = 'closure-releases';
    SELECT b.* INTO v_booked
    FROM ledger_book('closure-release', p_value_date, v_fund.balance, v_release, v_fund.id, NULL,
                     'release of the remaining fund at closure', p_actor, v_key, v_digest) b;
    UPDATE fund_accounts SET closed_by_release = v_booked.entry_id WHERE fund_accounts.id = v_fund.id;
    PERFORM audit_append(p_actor, p_role, 'fund.release', 'mine:' || p_license, p_request_id,
                         'release ' || v_fund.balance, v_booked.entry_id, 1);
    RETURN QUERY SELECT * FROM ledger_entry_rows(v_booked.entry_id);
END
$$;

-- What the service may call; the booking core runs only inside these.
GRANT EXECUTE ON FUNCTION fund_post(text, text, text, bigint, date, date, text, text, text, text, text, text, text,
                                   integer, text) TO reclaim_app;
GRANT EXECUTE ON FUNCTION fund_reverse_post(bigint, date, date, text, text, text, text, text) TO reclaim_app;
GRANT EXECUTE ON FUNCTION ledger_entry_rows(bigint, boolean) TO reclaim_app;
GRANT EXECUTE ON FUNCTION fund_release(text, date, text, text, text) TO reclaim_app;

-- Checkpoints are never changed.
CALL protect_rows('ledger_checkpoints');
CALL protect_rows('ledger_checkpoint_heads');
CALL protect_rows('ledger_checkpoint_audit_heads');
