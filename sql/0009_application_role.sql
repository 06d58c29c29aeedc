-- 0009: least privilege. The service connects as reclaim_app, which reads
-- what it serves and writes only the registry and its replay store directly;
-- bookings, decisions and audit records go through SECURITY DEFINER
-- functions (sql/functions/) that check who is acting. reclaim_app cannot
-- update, delete or truncate ledger, audit or history rows, change the
-- schema, disable triggers or redefine functions: it owns nothing.
--
-- Roles belong to the cluster, not to one database: the first migration in a
-- cluster creates it (the migrating owner needs CREATEROLE, or an
-- administrator creates the role beforehand), later ones find it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reclaim_app') THEN
        BEGIN
            CREATE ROLE reclaim_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database of this cluster created it meanwhile
        END;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO reclaim_app', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO reclaim_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reclaim_app;
GRANT INSERT, UPDATE ON mines, mine_obligations, http_idempotency TO reclaim_app;
GRANT INSERT ON mine_history TO reclaim_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO reclaim_app;
-- Tables of later migrations are readable; their writes are granted one by one.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reclaim_app;

-- Functions are no longer executable by everyone: each definition file
-- grants reclaim_app the entry points it may call, and the booking core
-- (ledger_book, ledger_reverse, ledger_import, ...) only runs inside them.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
