-- The mine registry's guards: a mine's history is append-only.
CREATE OR REPLACE TRIGGER mine_history_append_only BEFORE UPDATE OR DELETE ON mine_history
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE OR REPLACE TRIGGER mine_history_no_truncate BEFORE TRUNCATE ON mine_history
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
