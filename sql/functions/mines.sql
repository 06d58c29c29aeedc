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

-- One field of a mine as it stood at the end of a day (the bureau's): the
-- last value the history recorded by then, else the value the first later
-- change replaced, else the value it has now (never changed).
CREATE OR REPLACE FUNCTION mine_field_as_of(p_mine_id bigint, p_field text, p_as_of date, p_now text) RETURNS text
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT coalesce(
        (SELECT h.new_value FROM mine_history h
         WHERE h.mine_id = p_mine_id AND h.field = p_field AND bureau_date(h.changed_at) <= p_as_of
         ORDER BY h.id DESC LIMIT 1),
        (SELECT h.old_value FROM mine_history h
         WHERE h.mine_id = p_mine_id AND h.field = p_field AND bureau_date(h.changed_at) > p_as_of
         ORDER BY h.id LIMIT 1),
        p_now)
$$;

-- The registry as it stood at the end of a day: every mine that held its
-- mining right then, with the mineral, scale and status it had. A right is
-- held from licensed_on until it ends: merged into another (整合重组, on
-- the merger's approval date) or the mine's closure confirmed (验收合格
-- 确认书, on the confirmation's date). A closed (闭坑) mine whose closure is
-- not yet confirmed still holds its right and counts, as the master plan's
-- 2020 baseline of 78 mines counts its 2 closed ones.
CREATE OR REPLACE FUNCTION registry_as_of(p_as_of date)
    RETURNS TABLE (mine_id bigint, license text, mineral text, scale text, status text, licensed_on date)
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT m.id, m.license,
           mine_field_as_of(m.id, 'mineral', p_as_of, m.mineral),
           mine_field_as_of(m.id, 'scale', p_as_of, m.scale),
           mine_field_as_of(m.id, 'status', p_as_of, m.status),
           m.licensed_on
    FROM mines m
    WHERE m.licensed_on <= p_as_of
      AND NOT EXISTS (SELECT 1 FROM mergers g WHERE g.from_mine_id = m.id AND g.approved_on <= p_as_of)
      AND NOT EXISTS (SELECT 1 FROM closure_applications a
                      JOIN closure_confirmations c ON c.application_id = a.id
                      WHERE a.mine_id = m.id AND c.confirmed_on <= p_as_of)
$$;
GRANT EXECUTE ON FUNCTION mine_field_as_of(bigint, text, date, text), registry_as_of(date) TO reclaim_app;
