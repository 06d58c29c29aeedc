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
        _ = try FundLedger.withdraw("A", Booking(amount: try Money.parse("20")), by: try Actor("c"), on: conn)
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
        #expect(cli.stdout.contains("ledger intact"))
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

