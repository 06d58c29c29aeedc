-- Each account's year at a glance (账户年度汇总): what its postings dated in
-- a year add up to, by the kind of booking they came from. The fund report
-- and the dashboard's chart read a few of these rows per account instead of
-- every posting of the year (at 10 million entries, half a million postings
-- and their entries for one year's report).
--
-- `kind` is the booking's kind as the reports count it: a reversal counts
-- against its original's kind, and a transfer is split by its direction on
-- this account ('transfer-in', 'transfer-out'; a reversed transfer-in is a
-- negative transfer-in). So, for any account and year,
--   sum(amount) = what the year's postings add up to, and
--   balance − sum(amount for years ≥ Y) = the balance on 1 January of Y.
--
-- Derived, like fund_accounts.balance: the postings trigger keeps it in the
-- same statement as the postings (sql/functions/ledger.sql), only the
-- ledger's own functions write it (the application role may only read it),
-- and `fund verify` recomputes it from the postings.
CREATE TABLE ledger_account_years (
    account_id  bigint NOT NULL REFERENCES fund_accounts (id),
    year        integer NOT NULL,
    -- an entry kind (ledger_entries checks those), or transfer-in/-out
    kind        text NOT NULL,
    amount      bigint NOT NULL,
    postings    bigint NOT NULL CHECK (postings > 0),
    PRIMARY KEY (account_id, year, kind)
) WITH (fillfactor = 80);  -- room on the page for each booking's update in place (HOT)

INSERT INTO ledger_account_years (account_id, year, kind, amount, postings)
SELECT p.account_id, extract(year FROM p.value_date)::integer,
       CASE WHEN coalesce(o.kind, e.kind) <> 'transfer' THEN coalesce(o.kind, e.kind)
            WHEN (p.amount > 0) <> (e.kind = 'reversal') THEN 'transfer-in' ELSE 'transfer-out' END,
       sum(p.amount), count(*)
FROM ledger_postings p
JOIN ledger_entries e ON e.id = p.entry_id
LEFT JOIN ledger_entries o ON o.id = e.reverses
GROUP BY 1, 2, 3;

ANALYZE ledger_account_years;
