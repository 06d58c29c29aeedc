-- 0040: a booking writes one index entry fewer (issue 33: where a
-- deposit's time goes). audit_log_target (target, id) repeated
-- audit_log_chain (target, seq): a target's records are appended under its
-- chain head's lock, so their order by seq is their order by id, and the
-- trail of one target reads through the chain's index.
DROP INDEX IF EXISTS audit_log_target;
