-- 0028: one row shape for a booked entry, read back one row per posting
-- (debit first): what fund_post, fund_reverse_post, fund_release,
-- legacy_post and ledger_entry_rows return, instead of five copies of the
-- same eighteen columns (sql/functions/ledger.sql, legacy.sql).
CREATE TYPE ledger_entry_row AS (
    replayed         boolean,
    id               bigint,
    kind             text,
    amount           bigint,
    value_date       date,
    booked_at        timestamptz,
    reference        text,
    memo             text,
    actor            text,
    idempotency_key  text,
    reverses         bigint,
    reason           text,
    annual_plan_year integer,
    license          text,
    account          text,
    seq              bigint,
    posting_amount   bigint,
    balance_after    bigint
);
