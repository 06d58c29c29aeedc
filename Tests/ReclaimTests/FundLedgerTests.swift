import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// A migrated database with two mines, A and B.
func ledgerDatabase(annualPlans: Bool = true) throws -> (TestDatabase, Connection) {
    let db = try TestDatabase.make()
    let conn = try db.connect()
    _ = try MineRegistry.add(try sampleMine("A"), by: try Actor("admin"), on: conn)
    _ = try MineRegistry.add(try sampleMine("B"), by: try Actor("admin"), on: conn)
    // withdrawals pay for an approved annual plan's works: one for 2025 each, with room to spare
    if annualPlans {
        try approvedAnnualPlan("A", on: conn)
        try approvedAnnualPlan("B", on: conn)
    }
    return (db, conn)
}

func yuan(_ text: String) throws -> Money { try Money.parse(text) }

@Suite struct FundLedgerTests {
    @Test func depositIsDoubleEntryAndMovesBalances() throws {
        let (db, conn) = try ledgerDatabase()
        let r = try FundLedger.deposit("A", Booking(amount: try yuan("1500.50"), reference: "SLIP-1"), by: try Actor("clerk"), on: conn)
        #expect(!r.replayed)
        #expect(r.entry.kind == .deposit)
        #expect(r.entry.postings.map(\.amount.fen).reduce(0, +) == 0)
        let fund = try #require(r.entry.postings.first { $0.account == .fund })
        #expect(fund.amount.fen == 150_050)
        #expect(fund.balanceAfter.fen == 150_050)
        #expect(r.entry.postings.first { $0.account == .contributions }?.balanceAfter.fen == -150_050)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 150_050)
        #expect(try FundLedger.balance("B", on: conn).balance.fen == 0)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.deposit'") == 1)

        _ = try FundLedger.withdraw("A", Booking(amount: try yuan("500"), annualPlanYear: 2025), by: try Actor("clerk"), on: conn)
        // what was seen: a transfer moved money between two unrelated holders; now only for their merger
        let unrelated = #expect(throws: ReclaimError.self) {
            try FundLedger.transfer(from: "A", to: "B", merger: 999, Booking(amount: try yuan("0.50")), by: try Actor("clerk"), on: conn)
        }
        #expect(unrelated?.field == "merger_id" && unrelated?.kind == .ruleViolation)
        let m = try merger("A", into: "B", on: conn)
        let backwards = #expect(throws: ReclaimError.self) {
            try FundLedger.transfer(from: "B", to: "A", merger: m, Booking(amount: try yuan("0.50")), by: try Actor("clerk"), on: conn)
        }
        #expect(backwards?.field == "merger_id")
        let moved = try FundLedger.transfer(from: "A", to: "B", merger: m, Booking(amount: try yuan("0.50"), reference: "SLIP-9"),
                                            by: try Actor("clerk"), on: conn)
        #expect(moved.entry.reference == "merger:\(m) SLIP-9")
        _ = try FundLedger.convertDeposit("B", Booking(amount: try Money.parse("1", unit: .wan)), by: try Actor("clerk"), on: conn)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 100_000)
        #expect(try FundLedger.balance("B", on: conn).balance.fen == 1_000_050)
        // every entry sums to zero, and the whole ledger to zero
        #expect(try db.count("SELECT count(*) FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id HAVING sum(amount) <> 0) x") == 0)
        #expect(try db.count("SELECT coalesce(sum(balance), 0) FROM fund_accounts") == 0)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func overdraftIsRefusedAndWritesNothing() throws {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("clerk"), on: conn)
        let error = #expect(throws: ReclaimError.self) {
            try FundLedger.withdraw("A", Booking(amount: try yuan("100.01"), annualPlanYear: 2025), by: try Actor("clerk"), on: conn)
        }
        #expect(error?.kind == .ruleViolation)
        #expect(error?.field == "amount")
        #expect(error?.message.contains("100.00 yuan available") == true)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action LIKE 'fund.%'") == 1)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 10_000)
    }

    @Test func theDatabaseItselfRefusesOverdraft() throws {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("clerk"), on: conn)
        let fund = try db.count("SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'A' AND a.kind = 'fund'")
        let works = try db.count("SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'A' AND a.kind = 'works'")

        // the booking function, with no Swift check in front of it
        let e1 = #expect(throws: PQError.self) {
            try conn.execute("SELECT ledger_book('withdrawal', current_date, 20000, \(works), \(fund), NULL, NULL, 'x', NULL, '\\x00')")
        }
        #expect(e1?.sqlState?.code == "RCODR")

        // hand-written postings that would take the fund below zero
        let e2 = #expect(throws: PQError.self) {
            try conn.withTransaction { c in
                let acc = try #require(try c.queryFirst("SELECT seq, balance, last_hash FROM fund_accounts WHERE id = \(fund)"))
                let w = try #require(try c.queryFirst("SELECT seq, balance, last_hash FROM fund_accounts WHERE id = \(works)"))
                let seq: Int64 = try acc.decode("seq")
                let wseq: Int64 = try w.decode("seq")
                try c.execute("""
                    INSERT INTO ledger_entries (id, kind, value_date, booked_at, amount, actor, request_digest, entry_hash)
                    VALUES (999, 'withdrawal', current_date, now(), 20000, 'x', '\\x00', '\\x00')
                    """)
                try c.execute("""
                    INSERT INTO ledger_postings VALUES
                    (999, \(fund), \(seq + 1), -20000, -10000, current_date, \(try acc.decode("last_hash", as: ByteA.self)), '\\x01'),
                    (999, \(works), \(wseq + 1), 20000, 20000, current_date, \(try w.decode("last_hash", as: ByteA.self)), '\\x02')
                    """)
            }
        }
        #expect(e2?.constraint == "fund_no_overdraft")

        // and the stored balance itself
        let e3 = #expect(throws: PQError.self) {
            try conn.execute("UPDATE fund_accounts SET balance = -1 WHERE id = \(fund)")
        }
        #expect(e3?.constraint == "fund_no_overdraft")
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 10_000)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
    }

    @Test func postingsMustNameRealEntriesAndAccounts() throws {
        let (db, conn) = try ledgerDatabase()
        let e = #expect(throws: PQError.self) {
            try conn.execute("""
                INSERT INTO ledger_postings VALUES
                (4242, 1, 1, 500, 500, current_date, '\\x00', '\\x00'),
                (4242, 2, 1, -500, -500, current_date, '\\x00', '\\x00')
                """)
        }
        #expect(e?.sqlState == .foreignKeyViolation)
        let d = #expect(throws: PQError.self) { try conn.execute("DELETE FROM fund_accounts") }
        #expect(d?.sqlState == .insufficientPrivilege)
        #expect(try db.count("SELECT count(*) FROM ledger_postings") == 0)
        #expect(try db.count("SELECT count(*) FROM fund_accounts") == 10)
    }

    /// Hand-written postings after one real deposit on mine A: the fund
    /// account stands at seq 1, balance 100.00. Each case breaks one rule
    /// the postings trigger enforces for every writer.
    enum HandPosting: String, CaseIterable {
        /// the control: continues every chain, so the trigger accepts it
        /// (only `fund verify` can tell its hashes are made up)
        case continuesTheChains
        case skipsASequenceNumber, wrongRunningBalance, brokenHashLink, unbalancedEntry, unknownAccount
        case twoPostingsOnOneAccountOutOfStep
    }

    @Test(arguments: HandPosting.allCases)
    func theTriggerRefusesHandWrittenPostingsThatBreakTheLedger(_ breakage: HandPosting) throws {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("clerk"), on: conn)
        let fund = try db.count("SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'A' AND a.kind = 'fund'")
        let works = try db.count("SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'A' AND a.kind = 'works'")
        // the deposit's value date (the bureau's today), not the server's current_date
        let day = Bureau.today.description
        let write = {
            try conn.withTransaction { c in
                let last = try #require(try c.queryFirst("SELECT last_hash FROM fund_accounts WHERE id = \(fund)"))
                    .decode("last_hash", as: ByteA.self)
                let zero = ByteA(Array(repeating: 0, count: 32))
                try c.execute("""
                    INSERT INTO ledger_entries (id, kind, value_date, booked_at, amount, actor, request_digest, entry_hash)
                    VALUES (999, 'withdrawal', \(day)::date, now(), 1000, 'x', '\\x00', '\\x00')
                    """)
                // (entry, account, seq, amount, balance_after, prev_hash); the works leg is always right.
                var fundLegs: [(Int64, Int64, Int64, Int64, Int64, ByteA)] = [(999, fund, 2, -1000, 9000, last)]
                var worksAmount: Int64 = 1000
                switch breakage {
                case .continuesTheChains: break
                case .skipsASequenceNumber: fundLegs[0].2 = 3
                case .wrongRunningBalance: fundLegs[0].4 = 8000
                case .brokenHashLink: fundLegs[0].5 = ByteA([1])
                case .unbalancedEntry: worksAmount = 900
                case .unknownAccount: fundLegs[0].1 = 424_242
                case .twoPostingsOnOneAccountOutOfStep:
                    fundLegs = [(999, fund, 2, -500, 9500, last), (999, fund, 3, -500, 9000, zero)]
                }
                var sql = "INSERT INTO ledger_postings VALUES "
                for (i, leg) in fundLegs.enumerated() {
                    sql += "(\(leg.0), \(leg.1), \(leg.2), \(leg.3), \(leg.4), '\(day)', '\\x\(leg.5.hex)', '\\x\(String(format: "%02x", i + 1))'), "
                }
                sql += "(999, \(works), 1, \(worksAmount), \(worksAmount), '\(day)', '\\x\(zero.hex)', '\\x09')"
                try c.execute("\(unescaped: sql)")
            }
        }
        if breakage == .continuesTheChains {
            try write()
            #expect(try FundLedger.balance("A", on: conn).balance.fen == 9_000)
            let problems = try FundLedger.verify(on: conn).problems
            #expect(!problems.isEmpty && problems.allSatisfy { $0.entryID == 999 })
            return
        }
        let e = #expect(throws: PQError.self) { try write() }
        switch breakage {
        case .unbalancedEntry: #expect(e?.constraint == "ledger_double_entry")
        case .unknownAccount: #expect(e?.sqlState == .foreignKeyViolation)
        default: #expect(e?.constraint == "ledger_chain")
        }
        #expect(try db.count("SELECT count(*) FROM ledger_postings") == 2)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 10_000)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func ledgerRowsCannotBeChanged() throws {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("clerk"), on: conn)
        let statements: [Query] = [
            "UPDATE ledger_entries SET amount = 1", "DELETE FROM ledger_entries", "TRUNCATE ledger_entries CASCADE",
            "UPDATE ledger_postings SET amount = 1", "DELETE FROM ledger_postings", "TRUNCATE ledger_postings",
        ]
        for sql in statements {
            let e = #expect(throws: PQError.self) { try conn.execute(sql) }
            #expect(e?.sqlState == .insufficientPrivilege)
        }
        #expect(try db.count("SELECT count(*) FROM ledger_postings") == 2)
        #expect(try db.count("SELECT sum(amount) FROM ledger_entries") == 10_000)
    }

    @Test func reversalMirrorsOnceAndNeverReversesAReversal() throws {
        let (db, conn) = try ledgerDatabase()
        let dep = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("clerk"), on: conn)
        let rev = try FundLedger.reverse(dep.entry.id, reason: "wrong mine", by: try Actor("clerk"), on: conn)
        #expect(rev.entry.kind == .reversal)
        #expect(rev.entry.reverses == dep.entry.id)
        #expect(rev.entry.reason == "wrong mine")
        for p in dep.entry.postings {
            #expect(rev.entry.postings.contains { $0.account == p.account && $0.amount == -p.amount })
        }
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 0)

        let again = #expect(throws: ReclaimError.self) {
            try FundLedger.reverse(dep.entry.id, reason: "again", by: try Actor("clerk"), on: conn)
        }
        #expect(again?.kind == .ruleViolation)
        let ofReversal = #expect(throws: ReclaimError.self) {
            try FundLedger.reverse(rev.entry.id, reason: "undo", by: try Actor("clerk"), on: conn)
        }
        #expect(ofReversal?.message.contains("itself a reversal") == true)
        let missing = #expect(throws: ReclaimError.self) {
            try FundLedger.reverse(12345, reason: "x", by: try Actor("clerk"), on: conn)
        }
        #expect(missing?.kind == .notFound)
        let noReason = #expect(throws: ReclaimError.self) {
            try FundLedger.reverse(dep.entry.id, reason: "  ", by: try Actor("clerk"), on: conn)
        }
        #expect(noReason?.field == "reason")
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 2)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func reversalThatWouldOverdrawIsRefused() throws {
        let (_, conn) = try ledgerDatabase()
        let dep = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("clerk"), on: conn)
        _ = try FundLedger.withdraw("A", Booking(amount: try yuan("60"), annualPlanYear: 2025), by: try Actor("clerk"), on: conn)
        #expect(throws: ReclaimError.self) { try FundLedger.reverse(dep.entry.id, reason: "x", by: try Actor("clerk"), on: conn) }
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 4_000)
    }

    @Test func sameKeySameContentBooksOnce() throws {
        let (db, conn) = try ledgerDatabase()
        let b = Booking(amount: try yuan("100"), valueDate: CalendarDate(iso: "2025-03-01"), reference: "S1",
                        idempotencyKey: "bank-2025-0001")
        let first = try FundLedger.deposit("A", b, by: try Actor("clerk"), on: conn)
        let retry = try FundLedger.deposit("A", b, by: try Actor("clerk"), on: conn)
        #expect(!first.replayed)
        #expect(retry.replayed)
        #expect(retry.entry == first.entry)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.deposit'") == 1)

        var other = b
        other.amount = try yuan("100.01")
        let e = #expect(throws: ReclaimError.self) { try FundLedger.deposit("A", other, by: try Actor("clerk"), on: conn) }
        #expect(e?.kind == .conflict)
        #expect(e?.field == "idempotency_key")
        // another mine or another kind with the same key is other content too
        #expect(throws: ReclaimError.self) { try FundLedger.deposit("B", b, by: try Actor("clerk"), on: conn) }
        #expect(throws: ReclaimError.self) { try FundLedger.withdraw("A", b, by: try Actor("clerk"), on: conn) }
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 10_000)
    }

    @Test func retriedSerializationFailureBooksOnce() throws {
        let (db, conn) = try ledgerDatabase()
        let other = try db.connect()
        var attempts = 0
        try conn.withTransaction(.repeatableRead) { c in
            attempts += 1
            _ = try c.query("SELECT count(*) FROM ledger_entries")  // snapshot taken
            if attempts == 1 {
                // someone books on the same fund after our snapshot
                _ = try FundLedger.deposit("A", Booking(amount: try yuan("1")), by: try Actor("clerk"), on: other)
            }
            _ = try FundLedger.deposit("A", Booking(amount: try yuan("100"), idempotencyKey: "k"), by: try Actor("clerk"), on: c)
        }
        #expect(attempts == 2)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE idempotency_key = 'k'") == 1)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 10_100)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func badValueDatesAreRefused() throws {
        let (db, conn) = try ledgerDatabase()
        let tomorrow = try #require(CalendarDate(iso: "2999-01-01"))
        let e = #expect(throws: ReclaimError.self) {
            try FundLedger.deposit("A", Booking(amount: try yuan("1"), valueDate: tomorrow), by: try Actor("clerk"), on: conn)
        }
        #expect(e?.field == "value_date")
        #expect(throws: ReclaimError.self) { try FundLedger.parseDate("2025-02-30", field: "value-date") }
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
    }

    @Test func unknownMineIsNotFound() throws {
        let (db, conn) = try ledgerDatabase()
        let e = #expect(throws: ReclaimError.self) {
            try FundLedger.deposit("NOPE", Booking(amount: try yuan("1")), by: try Actor("clerk"), on: conn)
        }
        #expect(e?.kind == .notFound)
        let t = #expect(throws: ReclaimError.self) {
            try FundLedger.transfer(from: "A", to: "NOPE", merger: 1, Booking(amount: try yuan("1")), by: try Actor("clerk"), on: conn)
        }
        #expect(t?.field == "to_license")
        let same = #expect(throws: ReclaimError.self) {
            try FundLedger.transfer(from: "A", to: "A", merger: 1, Booking(amount: try yuan("1")), by: try Actor("clerk"), on: conn)
        }
        #expect(same?.field == "to_license")
        let from = #expect(throws: ReclaimError.self) {
            try FundLedger.transfer(from: "NOPE", to: "A", merger: 1, Booking(amount: try yuan("1")), by: try Actor("clerk"), on: conn)
        }
        #expect(from?.field == "from_license")
        // the booking function itself, with no Swift check in front of it
        let sameInSQL = #expect(throws: PQError.self) {
            try conn.execute("""
                SELECT * FROM fund_post('transfer', 'A', 'A', 100, current_date, NULL, NULL, NULL, NULL, 'x', NULL, NULL, '')
                """)
        }
        #expect(sameInSQL?.sqlState?.code == "RCSAM")
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
    }

    @Test func asOfAndStatementGoByValueDate() throws {
        let (_, conn) = try ledgerDatabase()
        func d(_ s: String) -> CalendarDate? { CalendarDate(iso: s) }
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100"), valueDate: d("2025-03-10")), by: try Actor("clerk"), on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("50"), valueDate: d("2025-03-01")), by: try Actor("clerk"), on: conn)  // back-dated
        _ = try FundLedger.withdraw("A", Booking(amount: try yuan("30"), valueDate: d("2025-03-20"), annualPlanYear: 2025), by: try Actor("clerk"), on: conn)
        #expect(try FundLedger.balance("A", asOf: d("2025-02-28"), on: conn).balance.fen == 0)
        #expect(try FundLedger.balance("A", asOf: d("2025-03-01"), on: conn).balance.fen == 5_000)
        #expect(try FundLedger.balance("A", asOf: d("2025-03-15"), on: conn).balance.fen == 15_000)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 12_000)

        let s = try FundLedger.statement("A", from: d("2025-03-05"), to: d("2025-03-31"), on: conn)
        #expect(s.openingBalance.fen == 5_000)
        #expect(s.entries.map(\.amount.fen) == [10_000, -3_000])
        #expect(s.entries.map(\.balanceAfter.fen) == [15_000, 12_000])
        #expect(s.closingBalance.fen == s.openingBalance.fen + s.entries.map(\.amount.fen).reduce(0, +))

        let all = try FundLedger.statement("A", on: conn)
        #expect(all.entries.map(\.valueDate.description) == ["2025-03-01", "2025-03-10", "2025-03-20"])
        #expect(all.closingBalance.fen == 12_000)
        #expect(throws: ReclaimError.self) { try FundLedger.statement("A", from: d("2025-04-01"), to: d("2025-03-01"), on: conn) }
    }
}
