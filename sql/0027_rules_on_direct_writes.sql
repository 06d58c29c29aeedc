-- 0027: what the service's role may still write directly carries its rule
-- in the database. A mine's change is recorded in its history by the
-- database (sql/functions/mines.sql), so reclaim_app no longer writes
-- history rows itself; obligations close only as the §6.2 rule allows; a
-- stored idempotent response is replayed only as JSON or CSV, never as a
-- page a browser would run.
REVOKE INSERT ON mine_history FROM reclaim_app;
ALTER TABLE http_idempotency ADD CONSTRAINT http_idempotency_content_type
    CHECK (content_type IS NULL OR content_type IN ('application/json', 'text/csv; charset=utf-8'));
