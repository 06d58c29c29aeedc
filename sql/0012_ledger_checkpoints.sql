-- 0012: checkpoints of the ledger. A checkpoint records the head of every
-- account (its sequence, balance and last hash, with the mine's licence and
-- the account's kind) and one SHA-256 over all of them, computed by
-- `reclaim fund checkpoint` and printed to be published outside the
-- database: in the yearly disclosure, on paper, in another system.
-- `reclaim fund verify --checkpoint DIGEST` then proves that the ledger
-- still extends it; a history rewritten with recomputed hashes, or cut
-- short, no longer passes through the heads. Append-only.
CREATE TABLE ledger_checkpoints (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest         bytea NOT NULL UNIQUE CHECK (octet_length(digest) = 32),
    taken_at       timestamptz NOT NULL DEFAULT now(),
    taken_by       text NOT NULL CHECK (taken_by <> ''),
    db_user        text NOT NULL DEFAULT session_user,
    -- the last entry booked before it: an incremental check starts after it
    last_entry_id  bigint NOT NULL,
    accounts       integer NOT NULL
);

CREATE TABLE ledger_checkpoint_heads (
    checkpoint_id  bigint NOT NULL REFERENCES ledger_checkpoints (id),
    account_id     bigint NOT NULL,
    license        text NOT NULL,
    kind           text NOT NULL,
    seq            bigint NOT NULL,
    balance        bigint NOT NULL,
    last_hash      bytea NOT NULL,
    PRIMARY KEY (checkpoint_id, account_id)
);
