-- The peer: pgledger's transfer (../shared/anchors/pgledger/, loaded by
-- make bench), as a deposit analogue: the mine's external account to its
-- fund account, the same amount fund_post books, the accounts found by the
-- mine's number in one statement as fund_post finds them by licence.
\set m random(1, 1000)
SELECT * FROM pgledger_create_transfer((SELECT external_id FROM bench_pgledger_mines WHERE n = :m),
                                       (SELECT fund_id FROM bench_pgledger_mines WHERE n = :m), 100);
