-- The booking function the service calls, straight from pgbench: the
-- database's share of one HTTP deposit (accounts, entry, postings, chain
-- check, audit), without HTTP, JSON or the token check.
\set m random(1, 1000)
SELECT * FROM fund_post('deposit', 'M' || lpad(:m::text, 4, '0'), NULL, 100, current_date, NULL, NULL, NULL,
                        'pgbench-' || :client_id || '-' || random()::text, 'bench', 'finance', NULL, 'deposit');
