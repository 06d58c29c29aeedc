import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// `fund verify` when the database owner is the adversary: each tampering
/// done as the owner would do it (with the guard triggers switched off where
/// that is what it takes) and named by the verifier, with a checkpoint where
/// only an anchor published outside the database can tell.
@Suite struct HostileOwnerTests {
    /// Mines A and B with three deposits on A, as the CLI books them; the owner's connection.
    func books() throws -> (TestDatabase, Connection) {
        let db = try cliLedger()
        for amount in ["100", "50", "20"] {
            #expect(try CLI.run(["fund", "deposit", "A", amount], database: db).status == 0)
        }
        return (db, try db.connect())
    }

    func behindItsBack(_ conn: Connection, tables: [String], _ sql: String) throws {
        let off = tables.map { "ALTER TABLE \($0) DISABLE TRIGGER USER;" }.joined()
        let on = tables.map { "ALTER TABLE \($0) ENABLE TRIGGER USER;" }.joined()
        try conn.simple(off + sql + ";" + on)
    }

    func checkpoint(_ db: TestDatabase) throws -> String {
        let cp = try CLI.run(["fund", "checkpoint"], database: db)
        #expect(cp.status == 0, "\(cp.stderr)")
        return cp.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func problems(_ conn: Connection, checkpoint: String? = nil) throws -> [String] {
        try FundLedger.verify(on: conn, checkpoint: checkpoint).problems.map(\.problem)
    }

    /// 1. A built-in shadowed on the role's search path: the verifier refuses to run, naming it; without the
    /// shadow, the edit it was meant to hide (a booking time) is named, with or without the checkpoint.
    @Test func aShadowedBuiltInIsRefusedAndTheEditItHidIsNamed() throws {
        let (db, conn) = try books()
        let digest = try checkpoint(db)
        let database: String = try #require(try conn.queryFirst("SELECT current_database() AS d")).decode("d")
        try behindItsBack(conn, tables: ["ledger_entries"],
                          "UPDATE ledger_entries SET booked_at = booked_at + interval '1 second' WHERE id = (SELECT min(id) FROM ledger_entries)")
        try conn.simple("""
            CREATE SCHEMA s;
            CREATE FUNCTION s.floor(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT pg_catalog.floor($1) - 1000000';
            ALTER ROLE CURRENT_USER IN DATABASE "\(database)" SET search_path = s, pg_catalog, public;
            """)
        defer { try? conn.simple("ALTER ROLE CURRENT_USER IN DATABASE \"\(database)\" RESET search_path") }
        for args in [["fund", "verify"], ["fund", "verify", "--checkpoint", digest]] {
            let r = try CLI.run(args, database: db)
            #expect(r.status == 65, "\(r.stdout)")
            #expect(r.stderr.contains("refuses to run: s.floor (a function)"), "\(r.stderr)")
        }
        // a table shadowed ahead of public is refused as well
        try conn.simple("""
            CREATE VIEW s.ledger_entries AS SELECT * FROM public.ledger_entries WHERE id > 1;
            ALTER ROLE CURRENT_USER IN DATABASE "\(database)" SET search_path = s, public;
            """)
        let table = try CLI.run(["fund", "verify"], database: db)
        #expect(table.status == 65 && table.stderr.contains("s.ledger_entries (a table)"), "\(table.stderr)")
        try conn.simple("ALTER ROLE CURRENT_USER IN DATABASE \"\(database)\" RESET search_path; DROP SCHEMA s CASCADE")
        let plain = try CLI.run(["fund", "verify", "--checkpoint", digest], database: db)
        #expect(plain.status == 65 && plain.stdout.contains("entry content does not match its hash"), "\(plain.stdout)")
    }

    /// 2. The audit trail switched off: the start pointer moved past every row and the heads rewound to nothing.
    @Test func aMovedStartOrRewoundHeadsAreNamed() throws {
        let (db, conn) = try books()
        let digest = try checkpoint(db)
        try behindItsBack(conn, tables: ["audit_chain_start", "audit_chains"], """
            UPDATE audit_chain_start SET first_chained_id = (SELECT max(id) + 1 FROM audit_log);
            UPDATE audit_chains SET seq = 0
            """)
        let plain = try problems(conn)
        #expect(plain.contains("the audit chains' start (audit_chain_start) was moved past chained rows"), "\(plain)")
        let anchored = try problems(conn, checkpoint: digest)
        #expect(anchored.contains { $0.hasPrefix("the audit chains' start moved since the checkpoint") }, "\(anchored)")
        let cli = try CLI.run(["fund", "verify", "--checkpoint", digest], database: db)
        #expect(cli.status == 65)
    }

    /// 2. A chain cut at its end and its head rewound to the stored prev_hash: consistent on its own, named
    /// against the checkpoint taken after the row.
    @Test func aChainCutAtItsEndIsNamedAgainstTheCheckpoint() throws {
        let (db, conn) = try books()
        let digest = try checkpoint(db)
        // the decisions on A's annual plan: a chain with no money in it, so nothing else points at its rows
        let target: String = try #require(try conn.queryFirst("""
            SELECT target FROM audit_chains WHERE target LIKE 'annual-plan:%' AND seq > 1 ORDER BY target LIMIT 1
            """)).decode("target")
        try behindItsBack(conn, tables: ["audit_log", "audit_chains"], """
            UPDATE audit_chains c SET seq = l.seq - 1, last_hash = l.prev_hash,
                   prev_hash = coalesce((SELECT p.prev_hash FROM audit_log p WHERE p.target = l.target AND p.seq = l.seq - 1),
                                        '\\x0000000000000000000000000000000000000000000000000000000000000000')
            FROM audit_log l WHERE l.target = '\(target)' AND l.seq = c.seq AND c.target = '\(target)';
            DELETE FROM audit_log WHERE target = '\(target)' AND seq = (SELECT max(seq) FROM audit_log WHERE target = '\(target)')
            """)
        #expect(try problems(conn) == [], "on its own the cut chain is consistent")
        let anchored = try problems(conn, checkpoint: digest)
        #expect(anchored.contains { $0.hasPrefix("the audit chain no longer reaches the checkpoint") }, "\(anchored)")
    }

    /// 3. An entry booked around the functions that audit (the owner calling ledger_book itself).
    @Test func anEntryWithNoAuditRecordIsNamed() throws {
        let (_, conn) = try books()
        try conn.simple("""
            SELECT * FROM ledger_book('deposit', current_date, 500, (SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id
                                                                      WHERE m.license = 'A' AND a.kind = 'fund'),
                                      (SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id
                                       WHERE m.license = 'A' AND a.kind = 'contributions'),
                                      NULL, 'quietly', 'owner', NULL, sha256('quietly'))
            """)
        let report = try FundLedger.verify(on: conn)
        let last: Int64 = try #require(try conn.queryFirst("SELECT max(id) AS n FROM ledger_entries")).decode("n")
        #expect(report.problems.contains { $0.entryID == last && $0.problem == "the entry has no audit record" }, "\(report.problems)")
    }

    /// 3. The last entry cut with its account heads rewound, its audit record left standing.
    @Test func aCutTailEntryIsNamedByItsAuditRecord() throws {
        let (_, conn) = try books()
        let last: Int64 = try #require(try conn.queryFirst("SELECT max(id) AS n FROM ledger_entries")).decode("n")
        try behindItsBack(conn, tables: ["ledger_entries", "ledger_postings", "fund_accounts", "ledger_account_years"], """
            UPDATE fund_accounts a SET seq = a.seq - 1, balance = a.balance - p.amount, last_hash = p.prev_hash
            FROM ledger_postings p WHERE p.entry_id = \(last) AND p.account_id = a.id;
            UPDATE ledger_account_years y SET amount = y.amount - p.amount, postings = y.postings - 1
            FROM ledger_postings p WHERE p.entry_id = \(last) AND p.account_id = y.account_id
              AND y.year = extract(year FROM p.value_date) AND y.kind = 'deposit';
            DELETE FROM ledger_postings WHERE entry_id = \(last);
            DELETE FROM ledger_entries WHERE id = \(last)
            """)
        let found = try problems(conn)
        #expect(found == ["the fund.deposit record names entry \(last), which is not in the ledger"], "\(found)")
    }

    /// 4. A published checkpoint: written as a document with its own digest, taken by verify as the bare digest
    /// is; an altered copy is refused.
    @Test func aPublishedCheckpointFileVerifiesAndAnAlteredOneIsRefused() throws {
        let (db, _) = try books()
        let file = NSTemporaryDirectory() + "reclaim-checkpoint-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cp = try CLI.run(["fund", "checkpoint", "--publish", file], database: db)
        #expect(cp.status == 0, "\(cp.stderr)")
        let document = try json(try String(contentsOfFile: file, encoding: .utf8))
        #expect(document["digest"] as? String == cp.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(document["format"] as? String == "reclaim-checkpoint/2" && document["digest_version"] as? Int == 2)
        #expect(document["reclaim_version"] as? String == ReclaimVersion.current && (document["accounts"] as? Int ?? 0) > 0)
        #expect((document["document_sha256"] as? String)?.count == 64)
        let ok = try CLI.run(["fund", "verify", "--checkpoint", file], database: db)
        #expect(ok.status == 0 && ok.stdout.contains("the ledger extends checkpoint"), "\(ok.stdout)\(ok.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\"taken_by\" : \"", with: "\"taken_by\" : \"x").write(toFile: file, atomically: true, encoding: .utf8)
        let altered = try CLI.run(["fund", "verify", "--checkpoint", file], database: db)
        #expect(altered.status == 65 && altered.stderr.contains("was altered"), "\(altered.stderr)")
    }
}
