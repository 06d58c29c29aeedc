-- 0037: the service's role may call PostGIS's own functions (ST_AsGeoJSON,
-- ST_AsSVG, ST_Transform, …): 0009 took EXECUTE on every function from
-- PUBLIC by default, and the extension's came after it. They are plain
-- functions (no SECURITY DEFINER), so they read and write nothing the role
-- could not otherwise; Reclaim's own functions keep their explicit grants.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'postgis' LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO reclaim_app', f);
    END LOOP;
END
$$;
GRANT SELECT ON spatial_ref_sys TO reclaim_app;
