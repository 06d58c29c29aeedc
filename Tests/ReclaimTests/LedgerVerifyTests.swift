import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

@Suite struct LedgerVerifyTests {
    /// Three entries on mine A; returns the id of the middle one.
    func ledger() throws -> (TestDatabase, Connection, Int64) {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("100"), memo: "first"), by: try Actor("c"), on: conn)
        let mid = try FundLedger.deposit("A", Booking(amount: try Money.parse("50"), memo: "second"), by: try Actor("c"), on: conn)
        _ = try FundLedger.withdraw("A", Booking(amount: try Money.parse("20"), annualPlanYear: 2025), by: try Actor("c"), on: conn)
        return (db, conn, mid.entry.id)
    }

    /// What a tamperer with superuser rights could do: switch the guard off, edit, switch it on.
    func behindItsBack(_ conn: Connection, table: String, _ sql: String) throws {
        try conn.simple("""
            ALTER TABLE \(table) DISABLE TRIGGER USER; \(sql); ALTER TABLE \(table) ENABLE TRIGGER USER
            """)
    }

    @Test func intactLedgerPasses() throws {
        let (db, conn, _) = try ledger()
        let report = try FundLedger.verify(on: conn)
        #expect(report.isIntact)
        #expect(report.entries == 3)
        #expect(report.postings == 6)
        let cli = try CLI.run(["fund", "verify"], database: db)
        #expect(cli.status == 0)
        #expect(cli.stdout.contains("ledger and audit trail intact"))
    }

    @Test func editedMemoIsNamed() throws {
        let (db, conn, mid) = try ledger()
        try behindItsBack(conn, table: "ledger_entries", "UPDATE ledger_entries SET memo = 'edited' WHERE id = \(mid)")
        let report = try FundLedger.verify(on: conn)
        #expect(report.firstBrokenEntry == mid)
        let cli = try CLI.run(["fund", "verify"], database: db)
        #expect(cli.status == 65)
        #expect(cli.stderr.contains("first broken entry is entry \(mid)"))
    }

    @Test func editedPostingAmountIsNamed() throws {
        let (_, conn, mid) = try ledger()
        try behindItsBack(conn, table: "ledger_postings",
                          "UPDATE ledger_postings SET amount = amount * 2 WHERE entry_id = \(mid)")
        let report = try FundLedger.verify(on: conn)
        #expect(!report.isIntact)
        #expect(report.firstBrokenEntry == mid)
    }

    @Test func deletedPostingIsNamed() throws {
        let (_, conn, mid) = try ledger()
        try behindItsBack(conn, table: "ledger_postings",
                          "DELETE FROM ledger_postings WHERE entry_id = \(mid) AND amount < 0")
        let report = try FundLedger.verify(on: conn)
        #expect(report.firstBrokenEntry == mid)
        #expect(report.problems.contains { $0.problem.contains("sum to zero") })
    }

    @Test func editedStoredBalanceIsNamed() throws {
        let (_, conn, _) = try ledger()
        try conn.execute("UPDATE fund_accounts SET balance = balance + 1 WHERE kind = 'fund' AND balance > 0")
        let report = try FundLedger.verify(on: conn)
        #expect(!report.isIntact)
        #expect(report.problems.contains { $0.license == "A" && $0.account == "fund" })
    }
}


/// What gives a row its meaning is inside its hash (version 2).
@Suite struct HashCoverageTests {
    /// An account handed to another mine: its postings no longer verify.
    @Test func anAccountMovedToAnotherMineIsNamed() throws {
        let (_, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("100")), by: try Actor("c"), on: conn)
        // mine C, registered behind the registry's back (no accounts of its own),
        // is handed A's fund account with its balance
        try conn.simple("""
            ALTER TABLE mines DISABLE TRIGGER USER;
            INSERT INTO mines (license, name, holder, mineral, mineral_class, scale, method, status, area_m2, land_type,
                               created_by, updated_by)
            VALUES ('C', 'c', 'h', 'coal', 'solid-energy', 'large', 'open-pit', 'producing', 1, 'other', 'x', 'x');
            ALTER TABLE mines ENABLE TRIGGER USER;
            UPDATE fund_accounts SET mine_id = (SELECT id FROM mines WHERE license = 'C')
                WHERE mine_id = (SELECT id FROM mines WHERE license = 'A') AND kind = 'fund'
            """)
        #expect(try FundLedger.balance("C", on: conn).balance.fen == 10_000)
        let report = try FundLedger.verify(on: conn)
        #expect(!report.isIntact)
        #expect(report.problems.contains { $0.license == "C" && $0.problem == "posting content does not match its hash" })
    }

    /// A booking's request digest changed behind its back (what its key
    /// stands for): the entry no longer verifies.
    @Test func aChangedRequestDigestIsNamed() throws {
        let (_, conn) = try ledgerDatabase()
        let e = try FundLedger.deposit("A", Booking(amount: try Money.parse("100"), idempotencyKey: "slip-1"),
                                       by: try Actor("c"), on: conn)
        try conn.simple("""
            ALTER TABLE ledger_entries DISABLE TRIGGER USER;
            UPDATE ledger_entries SET request_digest = sha256('something else') WHERE id = \(e.entry.id);
            ALTER TABLE ledger_entries ENABLE TRIGGER USER
            """)
        let report = try FundLedger.verify(on: conn)
        #expect(report.problems.map(\.problem).contains("entry content does not match its hash"))
        #expect(report.firstBrokenEntry == e.entry.id)
    }
}

/// Verification runs outside the database: replacing its functions changes nothing.
@Suite struct IndependentVerifyTests {
    @Test func aReplacedDatabaseFunctionCannotHideAnEdit() throws {
        let (_, conn) = try ledgerDatabase()
        let e = try FundLedger.deposit("A", Booking(amount: try Money.parse("100"), memo: "honest"), by: try Actor("c"),
                                       on: conn)
        try conn.simple("""
            ALTER TABLE ledger_entries DISABLE TRIGGER USER;
            UPDATE ledger_entries SET memo = 'forged' WHERE id = \(e.entry.id);
            ALTER TABLE ledger_entries ENABLE TRIGGER USER;
            CREATE OR REPLACE FUNCTION ledger_entry_hash_v2(p_id bigint, p_kind text, p_value_date date,
                p_booked_at timestamptz, p_amount bigint, p_reference text, p_memo text, p_actor text, p_key text,
                p_reverses bigint, p_reason text, p_digest bytea) RETURNS bytea LANGUAGE sql STABLE
                AS 'SELECT entry_hash FROM ledger_entries WHERE id = p_id';
            CREATE FUNCTION ledger_verify() RETURNS TABLE (entry_id bigint, account_id bigint, problem text)
                LANGUAGE sql AS 'SELECT NULL::bigint, NULL::bigint, NULL::text WHERE false';
            CREATE OR REPLACE FUNCTION ledger_text(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT '~' $$;
            """)
        let report = try FundLedger.verify(on: conn)
        #expect(report.firstBrokenEntry == e.entry.id)
        #expect(report.problems.map(\.problem).contains("entry content does not match its hash"))
    }
}

/// The audit trail's hash chains: what a tamperer with the owner's rights
/// could do to it, each named by `fund verify`.
@Suite struct AuditChainTests {
    /// Mines A and B registered, three bookings on A and one on B: four
    /// audit rows in A's chain, two in B's.
    func trail() throws -> (TestDatabase, Connection) {
        let (db, conn) = try ledgerDatabase(annualPlans: false)
        for amount in ["100", "50", "20"] {
            _ = try FundLedger.deposit("A", Booking(amount: try Money.parse(amount)), by: try Actor("c"), on: conn)
        }
        _ = try FundLedger.deposit("B", Booking(amount: try Money.parse("1")), by: try Actor("c"), on: conn)
        return (db, conn)
    }

    func auditProblems(_ conn: Connection) throws -> [VerifyReport.Problem] {
        try FundLedger.verify(on: conn).problems.filter { $0.target != nil }
    }

    func behindItsBack(_ conn: Connection, _ sql: String) throws {
        try conn.simple("ALTER TABLE audit_log DISABLE TRIGGER USER; \(sql); ALTER TABLE audit_log ENABLE TRIGGER USER")
    }

    @Test func anIntactTrailPassesAndChainsPerTarget() throws {
        let (db, conn) = try trail()
        let report = try FundLedger.verify(on: conn)
        #expect(report.isIntact)
        #expect(report.auditRows == 6)
        #expect(try db.count("SELECT max(seq) FROM audit_log WHERE target = 'mine:A'") == 4)
        #expect(try db.count("SELECT seq FROM audit_chains WHERE target = 'mine:B'") == 2)
    }

    @Test func anInsertedRowIsNamed() throws {
        let (db, conn) = try trail()
        try conn.execute("""
            INSERT INTO audit_log (actor, action, target, input_digest) VALUES ('fin1', 'fund.withdrawal', 'mine:A', '\\x00')
            """)
        let problems = try auditProblems(conn)
        #expect(problems.contains { $0.target == "mine:A" && $0.problem == "audit row is not chained" })
        let cli = try CLI.run(["fund", "verify"], database: db)
        #expect(cli.status == 65)
        #expect(cli.stderr.contains("audit trail verification failed"), "\(cli.stderr)")
    }

    /// Appended with a correct hash by someone who knows the format, but
    /// dated before the row it follows.
    @Test func aBackDatedRowIsNamed() throws {
        let (_, conn) = try trail()
        try conn.execute("""
            WITH h AS (SELECT seq, last_hash FROM audit_chains WHERE target = 'mine:A')
            INSERT INTO audit_log (at, actor, action, target, input_digest, seq, prev_hash, hash)
            SELECT TIMESTAMPTZ '2020-01-01', 'fin1', 'fund.withdrawal', 'mine:A', '\\x00', h.seq + 1, h.last_hash,
                   sha256(h.last_hash || audit_content(h.seq + 1, TIMESTAMPTZ '2020-01-01', 'fin1', NULL,
                                                       'fund.withdrawal', 'mine:A', NULL, '\\x00', NULL, NULL, NULL))
            FROM h
            """)
        let problems = try auditProblems(conn)
        #expect(problems.contains { $0.problem == "audit row is dated before the row it follows" })
        #expect(problems.contains { $0.problem == "audit chain head differs from its last row" })
    }

    @Test func anEditedRowIsNamed() throws {
        let (_, conn) = try trail()
        try behindItsBack(conn, "UPDATE audit_log SET actor = 'someone else' WHERE target = 'mine:A' AND seq = 2")
        let problems = try auditProblems(conn)
        #expect(problems.map(\.problem) == ["audit row content does not match its hash"])
    }

    @Test func aDeletedRowIsNamed() throws {
        let (_, conn) = try trail()
        try behindItsBack(conn, "DELETE FROM audit_log WHERE target = 'mine:A' AND seq = 2")
        let problems = try auditProblems(conn)
        #expect(problems.contains { $0.problem == "audit sequence has a gap or repeat" })
    }

    /// Twenty bookings on one mine at once chain without a gap.
    @Test func concurrentRecordsOnOneTargetChainInOrder() async throws {
        let (db, _) = try ledgerDatabase()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("1")), by: try Actor("c"),
                                               on: try db.connect())
                }
            }
            try await group.waitForAll()
        }
        #expect(try FundLedger.verify(on: try db.connect()).isIntact)
        #expect(try db.count("SELECT seq FROM audit_chains WHERE target = 'mine:A'") == 21)  // and mine.add
    }
}

/// Issue 30: what was seen: `fund verify` through the service answered
/// "database unreachable" (exit 69). Now the service runs it for an auditor.
@Suite struct VerifyThroughTheServiceTests {
    @Test func anAuditorVerifiesThroughTheService() throws {
        let h = try CLIHarness(.service)
        #expect(try h.run(["fund", "deposit", "A", "10.00"], as: "li").status == 0)
        let ok = try h.run(["fund", "verify"], as: "aud")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("checked 1 entries, 2 postings") && ok.stdout.contains("ledger and audit trail intact"), "\(ok.stdout)")
        let json = try h.run(["fund", "verify", "--format", "json"], as: "boss")
        #expect(json.stdout.contains("\"intact\":true") || json.stdout.contains("\"intact\" : true"), "\(json.stdout)")
        // finance and operators do not run it
        let li = try h.run(["fund", "verify"], as: "li")
        #expect(li.status == 65 && li.stderr.contains("may not verify the ledger"), "\(li.stderr)")
        // a checkpoint nobody published: the service says so
        let unknown = try h.run(["fund", "verify", "--checkpoint", String(repeating: "ab", count: 32)], as: "aud")
        #expect(unknown.status != 0 && unknown.stderr.hasPrefix("error:"), "\(unknown.stderr)")
    }
}
