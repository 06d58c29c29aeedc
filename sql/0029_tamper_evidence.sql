-- 0029: tamper evidence that holds against the database owner.
--
-- A booking's audit record names its entry: entry_id, and entries = 1; a
-- file import's record for a mine names the last entry it booked there and
-- how many (entries). Both are part of the row's hash (audit.sql), so
-- `reclaim fund verify` proves that every entry has its one audit record and
-- every booking record its entries: an entry booked by calling ledger_book
-- directly, or a tail entry cut while its record stays, is named. Entries
-- and records written before this migration carry no link; the check starts
-- after them (ledger_audit_start), as the chains' did (audit_chain_start).
ALTER TABLE audit_log
    ADD COLUMN entry_id bigint,
    ADD COLUMN entries integer CHECK (entries > 0),
    ADD CONSTRAINT audit_log_entry_named CHECK ((entry_id IS NULL) = (entries IS NULL));
CREATE INDEX audit_log_entry ON audit_log (entry_id) WHERE entry_id IS NOT NULL;

CREATE TABLE ledger_audit_start (
    one             boolean PRIMARY KEY DEFAULT true CHECK (one),
    first_entry_id  bigint NOT NULL,
    first_audit_id  bigint NOT NULL
);
INSERT INTO ledger_audit_start (first_entry_id, first_audit_id)
SELECT coalesce((SELECT max(id) FROM ledger_entries), 0) + 1, coalesce((SELECT max(id) FROM audit_log), 0) + 1;

-- Checkpoints anchor the audit trail as well as the ledger (digest_version
-- 2): every audit chain's head and both start pointers are in the digest, so
-- a chain cut at its end and rewound, or a start pointer moved past the rows
-- it should cover, no longer matches what was published. Version 1
-- checkpoints (the accounts' heads only) keep verifying as they were taken.
ALTER TABLE ledger_checkpoints
    ADD COLUMN digest_version smallint NOT NULL DEFAULT 1 CHECK (digest_version IN (1, 2)),
    -- audit_chain_start and ledger_audit_start as they were when it was taken
    ADD COLUMN audit_start bigint,
    ADD COLUMN links_first_entry bigint,
    ADD COLUMN links_first_record bigint,
    ADD COLUMN audit_chains integer,
    ADD CONSTRAINT ledger_checkpoints_v2 CHECK (
        digest_version = 1 OR (audit_start IS NOT NULL AND links_first_entry IS NOT NULL
                               AND links_first_record IS NOT NULL AND audit_chains IS NOT NULL));

CREATE TABLE ledger_checkpoint_audit_heads (
    checkpoint_id  bigint NOT NULL REFERENCES ledger_checkpoints (id),
    target         text NOT NULL,
    seq            bigint NOT NULL,
    last_hash      bytea NOT NULL,
    PRIMARY KEY (checkpoint_id, target)
);
