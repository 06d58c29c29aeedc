-- One reversal per entry, checked only where there is one: the unique
-- constraint on ledger_entries.reverses indexed every entry's NULL too, so
-- every booking and every imported row paid an index insertion for an
-- entry that reverses nothing. The partial unique index keeps the rule and
-- its name (an error still names ledger_entries_reverses_key).
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_reverses_key;
CREATE UNIQUE INDEX ledger_entries_reverses_key ON ledger_entries (reverses) WHERE reverses IS NOT NULL;
