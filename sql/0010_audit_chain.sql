-- 0010: the audit trail as hash chains, like the ledger's. One chain per
-- target (mine:A, user:li, entry:12, ...): a mutation already locks its
-- target's rows, so chaining per target adds no wait between mines, where
-- one chain for everything would make every booking wait for every other.
-- Each row carries its place in its chain (seq), the previous row's hash and
-- its own, over every field that gives it its meaning; audit_chains keeps
-- each chain's head. An inserted, removed or edited row breaks its chain, and
-- a row dated before the one it follows is named by `reclaim fund verify`.

CREATE TABLE audit_chains (
    target     text PRIMARY KEY,
    seq        bigint NOT NULL CHECK (seq >= 0),
    last_hash  bytea NOT NULL,
    -- the hash before last_hash: lets one UPDATE advance the head and hand
    -- the appended row its link, with no separate lock on the head
    prev_hash  bytea NOT NULL,
    last_at    timestamptz NOT NULL
);

ALTER TABLE audit_log
    ADD COLUMN seq bigint CHECK (seq > 0),
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash bytea,
    -- the PostgreSQL session that wrote the row, beside the actor it names:
    -- an administrator acting for a user (--as) is recorded as both
    ADD COLUMN db_user text;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (target, seq);

-- Rows written before this migration were never chained: they are kept as
-- they are (the table is append-only) and verification starts after them.
CREATE TABLE audit_chain_start (
    one               boolean PRIMARY KEY DEFAULT true CHECK (one),
    first_chained_id  bigint NOT NULL
);
INSERT INTO audit_chain_start (first_chained_id) SELECT coalesce(max(id), 0) + 1 FROM audit_log;
