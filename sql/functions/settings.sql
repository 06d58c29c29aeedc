-- Settings the bureau changes without a deployment (table in
-- 0021_closure_by_the_rules.sql). The catalogue below is the one place a
-- setting's default, floor and ceiling are written: the service reads it to
-- list and check settings, and the database's own rules read the values
-- through setting_int, so no client can set a value below its floor.

CALL protect_rows('settings');

CREATE OR REPLACE FUNCTION setting_catalogue()
    RETURNS TABLE (key text, default_value integer, floor_value integer, ceiling_value integer, unit text, meaning text)
    IMMUTABLE LANGUAGE sql AS $$
    VALUES
        ('closure.panel_min', 3, 3, 15, 'members',
         'the smallest closure panel (评审组), experts included'),
        ('closure.experts_min', 1, 1, 15, 'experts',
         'the experts (专家) a closure panel needs at least'),
        ('closure.notice_days', 30, 30, 365, 'calendar days',
         'how long the preliminary closure result is publicly noticed (初步验收结果公告)'),
        ('legacy.notice_days', 30, 30, 365, 'calendar days',
         'the shortest public notice for an ownerless legacy site (无主认定公告)'),
        ('conversion.kg_per_m3.construction-sand', 1500, 1000, 3000, 'kg/m³',
         'bulk density converting construction sand output from tonnes to m³ (targets)'),
        ('conversion.kg_per_m3.sand-and-gravel', 1500, 1000, 3000, 'kg/m³',
         'bulk density converting sand-and-gravel and gravel output from tonnes to m³ (targets)'),
        ('conversion.kg_per_m3.building-stone', 1500, 1000, 3000, 'kg/m³',
         'bulk density converting building stone output from tonnes to m³ (targets)'),
        ('dashboard.idle_minutes', 30, 5, 480, 'minutes',
         'a dashboard session ends after this long unused'),
        ('dashboard.lock_minutes', 15, 15, 1440, 'minutes',
         'how long five failed sign-ins in a row lock a name'),
        ('documents.max_bytes', 10485760, 65536, 52428800, 'bytes',
         'the largest document (附件) that may be attached: 10 MiB by default, 50 MiB at most')
$$;
GRANT EXECUTE ON FUNCTION setting_catalogue() TO reclaim_app;

-- The value in force: the latest set, else the default.
CREATE OR REPLACE FUNCTION setting_int(p_key text) RETURNS integer STABLE LANGUAGE sql
    SET search_path = public, pg_temp AS $$
    SELECT coalesce((SELECT s.value::integer FROM settings s WHERE s.key = p_key ORDER BY s.id DESC LIMIT 1),
                    (SELECT c.default_value FROM setting_catalogue() c WHERE c.key = p_key))
$$;
GRANT EXECUTE ON FUNCTION setting_int(text) TO reclaim_app;

-- A setting is set by an administrator, to a whole number within its bounds.
CREATE OR REPLACE FUNCTION settings_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c record;
BEGIN
    PERFORM reclaim_check_actor(NEW.set_by, ARRAY['admin']);
    SELECT * INTO c FROM setting_catalogue() s WHERE s.key = NEW.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no setting %', NEW.key USING ERRCODE = 'RCSET', COLUMN = 'key';
    END IF;
    IF NEW.value !~ '^[0-9]{1,9}$' OR NEW.value::integer NOT BETWEEN c.floor_value AND c.ceiling_value THEN
        RAISE EXCEPTION '% must be a whole number from % to %', NEW.key, c.floor_value, c.ceiling_value
            USING ERRCODE = 'RCSET', COLUMN = 'value';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER settings_guard BEFORE INSERT ON settings
    FOR EACH ROW EXECUTE FUNCTION settings_guard();
