-- The mine registry's guards: a mine's history is append-only.
CALL protect_rows('mine_history');

-- A merger (整合重组) is recorded by an administrator, approved on a day
-- that has come; it is never changed.
CALL protect_rows('mergers');
CREATE OR REPLACE FUNCTION mergers_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.recorded_by, ARRAY['admin']);
    IF NEW.approved_on > bureau_date(now()) THEN
        RAISE EXCEPTION 'a merger is recorded once approved, not for %', NEW.approved_on
            USING ERRCODE = 'RCRUL', COLUMN = 'approved_on';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER mergers_guard BEFORE INSERT ON mergers FOR EACH ROW EXECUTE FUNCTION mergers_guard();

-- The merger a transfer's reference names (`merger:ID`, then the clerk's
-- own reference), when it merges p_from into p_to; else NULL.
CREATE OR REPLACE FUNCTION transfer_merger(p_reference text, p_from text, p_to text) RETURNS bigint
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT g.id FROM mergers g
    JOIN mines f ON f.id = g.from_mine_id AND f.license = p_from
    JOIN mines t ON t.id = g.into_mine_id AND t.license = p_to
    WHERE p_reference ~ '^merger:[0-9]{1,18}( |$)'
      AND g.id = substring(p_reference FROM '^merger:([0-9]{1,18})')::bigint
$$;
