import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Checkpoints: a published digest of every account's head, and a verify
/// that proves the ledger still extends it.
@Suite struct CheckpointTests {
    static let zero = "'\\x" + String(repeating: "0", count: 64) + "'::bytea"

    /// Three deposits on A, a checkpoint (its digest), then two more bookings.
    func ledgerWithCheckpoint() throws -> (TestDatabase, Connection, String) {
        let db = try cliLedger()
        for amount in ["100", "50", "20"] {
            #expect(try CLI.run(["fund", "deposit", "A", amount], database: db).status == 0)
        }
        let cp = try CLI.run(["fund", "checkpoint"], database: db)
        #expect(cp.status == 0, "\(cp.stderr)")
        let digest = cp.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest.count == 64)
        #expect(try CLI.run(["fund", "deposit", "A", "7"], database: db).status == 0)
        #expect(try CLI.run(["fund", "withdraw", "A", "1", "--annual-plan", "2025"], database: db).status == 0)
        return (db, try db.connect(), digest)
    }

    /// What someone with the owner's rights and Reclaim's hashing could do:
    /// edit the first entry and recompute every hash after it, so that the
    /// ledger is self-consistent again.
    func rewriteWithRecomputedHashes(_ conn: Connection) throws {
        try conn.simple("""
            ALTER TABLE ledger_entries DISABLE TRIGGER USER;
            ALTER TABLE ledger_postings DISABLE TRIGGER USER;
            ALTER TABLE fund_accounts DISABLE TRIGGER USER;
            UPDATE ledger_entries SET memo = 'rewritten',
                entry_hash = ledger_entry_hash_v3(id, kind, value_date, booked_at, amount, reference, 'rewritten', actor,
                                                  idempotency_key, reverses, reason, request_digest, annual_plan_id)
            WHERE id = 1;
            WITH c AS (
                SELECT p.account_id, p.seq,
                       ledger_chain(\(Self.zero), ledger_posting_content_v2(e.entry_hash, p.account_id, p.seq, p.amount,
                                                                     p.balance_after, m.license, a.kind))
                           OVER (PARTITION BY p.account_id ORDER BY p.seq) AS h
                FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
                JOIN fund_accounts a ON a.id = p.account_id JOIN mines m ON m.id = a.mine_id
            ), l AS (
                SELECT c.*, coalesce(lag(c.h) OVER (PARTITION BY c.account_id ORDER BY c.seq), \(Self.zero)) AS prev FROM c
            )
            UPDATE ledger_postings p SET hash = l.h, prev_hash = l.prev FROM l
            WHERE p.account_id = l.account_id AND p.seq = l.seq;
            UPDATE fund_accounts a SET last_hash = (SELECT q.hash FROM ledger_postings q WHERE q.account_id = a.id
                                                   ORDER BY q.seq DESC LIMIT 1)
            WHERE a.seq > 0;
            ALTER TABLE ledger_entries ENABLE TRIGGER USER;
            ALTER TABLE ledger_postings ENABLE TRIGGER USER;
            ALTER TABLE fund_accounts ENABLE TRIGGER USER
            """)
    }

    @Test func anIntactLedgerExtendsItsCheckpoint() throws {
        let (db, conn, digest) = try ledgerWithCheckpoint()
        for extra in [[], ["--incremental"]] {
            let r = try CLI.run(["fund", "verify", "--checkpoint", digest] + extra, database: db)
            #expect(r.status == 0, "\(extra): \(r.stdout) \(r.stderr)")
            #expect(r.stdout.contains("the ledger extends checkpoint \(digest)"))
        }
        #expect(try FundLedger.verify(on: conn, checkpoint: digest.uppercased(), incremental: true).isIntact)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.checkpoint' AND target = 'ledger'") == 1)
        // checkpoints are never changed
        #expect(throws: PQError.self) { try conn.execute("UPDATE ledger_checkpoints SET accounts = 0") }
    }

    @Test func aRewriteWithRecomputedHashesFailsAgainstTheCheckpoint() throws {
        let (db, conn, digest) = try ledgerWithCheckpoint()
        try rewriteWithRecomputedHashes(conn)
        #expect(try FundLedger.verify(on: conn).problems.filter { $0.target == nil }.isEmpty)  // self-consistent again
        let r = try CLI.run(["fund", "verify", "--checkpoint", digest], database: db)
        #expect(r.status == 65)
        #expect(r.stderr.contains("checkpoint verification failed (A "), "\(r.stderr)")
        #expect(r.stdout.contains("broken: no entry (A fund): the history before the checkpoint was rewritten"), "\(r.stdout)")
        // the daily incremental check names it too: the anchor no longer holds
        #expect(try CLI.run(["fund", "verify", "--checkpoint", digest, "--incremental"], database: db).status == 65)
    }

    @Test func aTruncatedTailFailsAgainstTheCheckpoint() throws {
        let (db, conn, digest) = try ledgerWithCheckpoint()
        // cut the ledger back to two deposits, and make the heads and the
        // yearly summary agree
        try conn.simple("""
            ALTER TABLE ledger_entries DISABLE TRIGGER USER;
            ALTER TABLE ledger_postings DISABLE TRIGGER USER;
            ALTER TABLE fund_accounts DISABLE TRIGGER USER;
            DELETE FROM ledger_postings WHERE entry_id >= 3;
            DELETE FROM ledger_entries WHERE id >= 3;
            UPDATE fund_accounts a SET seq = s.seq, balance = s.balance, last_hash = s.hash
            FROM (SELECT DISTINCT ON (account_id) account_id, seq, balance_after AS balance, hash
                  FROM ledger_postings ORDER BY account_id, seq DESC) s
            WHERE a.id = s.account_id;
            UPDATE fund_accounts a SET seq = 0, balance = 0, last_hash = \(Self.zero)
            WHERE NOT EXISTS (SELECT 1 FROM ledger_postings p WHERE p.account_id = a.id);
            DELETE FROM ledger_account_years;
            INSERT INTO ledger_account_years
            SELECT p.account_id, extract(year FROM p.value_date), e.kind, sum(p.amount), count(*)
            FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id GROUP BY 1, 2, 3;
            ALTER TABLE ledger_entries ENABLE TRIGGER USER;
            ALTER TABLE ledger_postings ENABLE TRIGGER USER;
            ALTER TABLE fund_accounts ENABLE TRIGGER USER
            """)
        #expect(try FundLedger.verify(on: conn).problems.filter { $0.target == nil }.isEmpty)
        let report = try FundLedger.verify(on: conn, checkpoint: digest)
        #expect(report.problems.contains { $0.license == "A" && $0.problem.contains("posting 3 is gone") })
        #expect(try CLI.run(["fund", "verify", "--checkpoint", digest], database: db).status == 65)
    }

    @Test func editedHeadsOrAnUnknownDigestAreRefused() throws {
        let (db, conn, digest) = try ledgerWithCheckpoint()
        #expect(try CLI.run(["fund", "verify", "--checkpoint", String(repeating: "ab", count: 32)], database: db).status == 65)
        // neither a digest nor a file that can be read: the file is missing (66), named
        let missing = try CLI.run(["fund", "verify", "--checkpoint", "not-hex"], database: db)
        #expect(missing.status == 66 && missing.stderr.hasPrefix("error: checkpoint:"), "\(missing.stderr)")
        #expect(try CLI.run(["fund", "verify", "--incremental"], database: db).status == 64)
        try conn.simple("""
            ALTER TABLE ledger_checkpoint_heads DISABLE TRIGGER USER;
            UPDATE ledger_checkpoint_heads SET balance = balance + 1 WHERE kind = 'fund' AND seq > 0;
            ALTER TABLE ledger_checkpoint_heads ENABLE TRIGGER USER
            """)
        let report = try FundLedger.verify(on: conn, checkpoint: digest)
        #expect(report.problems.contains { $0.problem == "the checkpoint's stored heads no longer match its published digest" })
    }
}
