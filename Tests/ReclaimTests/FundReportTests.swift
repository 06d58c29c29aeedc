import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// The fund report, against figures computed here from the bookings made here.
@Suite struct FundReportTests {
    @Test func everyLineAddsUpAcrossAYearBoundary() throws {
        let (_, conn) = try ledgerDatabase()  // mines A and B, each with an approved 2025 annual plan
        let c = try clerk()
        func d(_ s: String) -> CalendarDate? { CalendarDate(iso: s) }
        // 2024: A 1000 in; 2025: A 500 in, 200 out, 100 to B, 50 converted; a back-dated 2024 deposit booked last
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("1000"), valueDate: d("2024-06-01")), by: c, on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("500"), valueDate: d("2025-02-01")), by: c, on: conn)
        _ = try FundLedger.withdraw("A", Booking(amount: try yuan("200"), valueDate: d("2025-03-01"), annualPlanYear: 2025), by: c, on: conn)
        let t = try FundLedger.transfer(from: "A", to: "B", merger: try merger("A", into: "B", on: conn),
                                        Booking(amount: try yuan("100"), valueDate: d("2025-04-01")), by: c, on: conn)
        _ = try FundLedger.convertDeposit("B", Booking(amount: try yuan("50"), valueDate: d("2025-05-01")), by: c, on: conn)
        let wrong = try FundLedger.deposit("B", Booking(amount: try yuan("30"), valueDate: d("2025-06-01")), by: c, on: conn)
        _ = try FundLedger.reverse(wrong.entry.id, reason: "wrong mine", valueDate: d("2025-06-02"), idempotencyKey: nil, by: c, on: conn)
        _ = try FundLedger.reverse(t.entry.id, reason: "undone", valueDate: d("2025-07-01"), idempotencyKey: nil, by: c, on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("7"), valueDate: d("2024-12-31")), by: c, on: conn)
        // 2026 bookings stay out of 2025
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("9"), valueDate: d("2026-01-01")), by: c, on: conn)

        let r = try Reports.fund(year: 2025, on: conn)
        let a = try #require(r.mines.first { $0.license == "A" })
        let b = try #require(r.mines.first { $0.license == "B" })
        // A: opening 1007; +500 deposits; −200 withdrawals; transfer out 100 then its reversal back: net 0
        #expect(a.opening.fen == 100_700 && a.deposits.fen == 50_000 && a.withdrawals.fen == 20_000)
        #expect(a.transfersOut.fen == 0 && a.transfersIn.fen == 0 && a.closing.fen == 130_700)
        // B: the transfer in and its reversal net 0; 50 converted; the reversed deposit nets to 0
        #expect(b.opening.fen == 0 && b.conversions.fen == 5_000 && b.deposits.fen == 0 && b.closing.fen == 5_000)
        #expect(r.mines.allSatisfy(\.addsUp) && r.totals.addsUp)
        #expect(r.totals.closing.fen == a.closing.fen + b.closing.fen)
        // closing is the balance as of 31 December; opening that of the year before
        #expect(a.closing == (try FundLedger.balance("A", asOf: d("2025-12-31"), on: conn)).balance)
        #expect(a.opening == (try FundLedger.balance("A", asOf: d("2024-12-31"), on: conn)).balance)
        // an operator's report is their own mine's
        #expect(try Reports.fund(year: 2025, only: ["B"], on: conn).mines.map(\.license) == ["B"])
        // the yearly summary it reads is the postings' own, as fund verify recomputes it from them
        #expect(try FundLedger.verify(on: conn).isIntact)
        #expect(try Reports.fund(year: 2024, on: conn).mines.first { $0.license == "A" }?.closing == a.opening)
    }

    /// The dashboard's figures at a glance, from the same yearly summary:
    /// conversions count as deposits, a transfer as neither, a reversal
    /// nets out its original in the year of each.
    @Test func theOverviewsYearsComeFromTheBookings() throws {
        let (_, conn) = try ledgerDatabase()
        let c = try clerk()
        func d(_ s: String) -> CalendarDate? { CalendarDate(iso: s) }
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("1000"), valueDate: d("2024-06-01")), by: c, on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("500"), valueDate: d("2025-02-01")), by: c, on: conn)
        _ = try FundLedger.withdraw("A", Booking(amount: try yuan("200"), valueDate: d("2025-03-01"), annualPlanYear: 2025), by: c, on: conn)
        _ = try FundLedger.transfer(from: "A", to: "B", merger: try merger("A", into: "B", on: conn),
                                    Booking(amount: try yuan("100"), valueDate: d("2025-04-01")), by: c, on: conn)
        _ = try FundLedger.convertDeposit("B", Booking(amount: try yuan("50"), valueDate: d("2025-05-01")), by: c, on: conn)
        let wrong = try FundLedger.deposit("B", Booking(amount: try yuan("30"), valueDate: d("2024-12-30")), by: c, on: conn)
        _ = try FundLedger.reverse(wrong.entry.id, reason: "wrong mine", valueDate: d("2025-01-02"), idempotencyKey: nil, by: c, on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("9"), valueDate: d("2026-01-01")), by: c, on: conn)

        let o = try Reports.overview(year: 2025, on: conn)
        #expect(o.years.map(\.year) == Array(2020...2025))
        let byYear = Dictionary(uniqueKeysWithValues: o.years.map { ($0.year, ($0.deposits.fen, $0.withdrawals.fen)) })
        // 2024: 1000 and the 30 booked in error; 2025: 500 + 50 converted − the 30 reversed
        #expect(byYear[2024]! == (103_000, 0) && byYear[2025]! == (52_000, 20_000) && byYear[2023]! == (0, 0))
        // the year's cards: the fund lines', where the reversal counts against its original's kind
        #expect(o.deposits.fen == 52_000 && o.withdrawals.fen == 20_000)
        #expect(o.fundTotal.fen == 120_900 + 15_000)
        #expect(try Reports.overview(year: 2025, only: ["B"], on: conn).years.last.map { ($0.deposits.fen, $0.withdrawals.fen) }! == (2_000, 0))
    }

    /// The report reads each account's year at a glance (ledger_account_years):
    /// only the ledger's own functions write it, and fund verify names one
    /// that no longer matches the postings, whole or from a checkpoint.
    @Test func verifyNamesAYearlySummaryThatDiffersFromThePostings() throws {
        let (db, conn) = try ledgerDatabase()
        let c = try clerk()
        let feb = CalendarDate(iso: "2025-02-01")
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100"), valueDate: feb), by: c, on: conn)
        _ = try FundLedger.deposit("B", Booking(amount: try yuan("40"), valueDate: feb), by: c, on: conn)
        #expect(try db.count("SELECT count(*) FROM ledger_account_years WHERE year = 2025 AND kind = 'deposit'") == 4)
        let app = try db.connectAsApp()
        let refused = #expect(throws: PQError.self) { try app.execute("UPDATE ledger_account_years SET amount = 0") }
        #expect(refused?.sqlState == .insufficientPrivilege)
        #expect(try FundLedger.verify(on: conn).isIntact)

        // moved from one year to another: the totals still add up, the years do not
        let cp = try FundLedger.checkpoint(by: c, on: conn)
        try conn.execute("""
            UPDATE ledger_account_years SET year = 2024 WHERE account_id =
                (SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'A' AND a.kind = 'fund')
            """)
        let whole = try FundLedger.verify(on: conn).problems
        #expect(whole.map { [$0.license, $0.account, $0.problem] }
                == [["A", "fund", "the account's yearly summary differs from its postings"]])
        // incremental: A, untouched since the checkpoint, still adds up to its balance (not seen) ...
        #expect(try FundLedger.verify(on: conn, checkpoint: cp.digest, incremental: true).isIntact)
        // ... but an account booked on since is checked whole, and a changed total on any account is named
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("1"), valueDate: feb), by: c, on: conn)
        try conn.execute("""
            UPDATE ledger_account_years SET amount = amount + 1 WHERE account_id =
                (SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'B' AND a.kind = 'fund')
            """)
        let since = try FundLedger.verify(on: conn, checkpoint: cp.digest, incremental: true).problems
        #expect(since.map { [$0.license, $0.account] } == [["A", "fund"], ["B", "fund"]])
    }

    @Test(arguments: CLIMode.allCases)
    func theCLIReportIsTheSameBothWays(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("1500"), valueDate: CalendarDate(iso: "2025-02-01")),
                                   by: try clerk(), on: try h.db.connect())
        let r = try json(try h.run(["report", "fund", "--year", "2025", "--format", "json"], as: "aud").stdout)
        let totals = try #require(r["totals"] as? [String: Any])
        #expect(totals["deposits"] as? String == "1500.00" && totals["closing"] as? String == "1500.00")
        let own = try json(try h.run(["report", "fund", "--year", "2025", "--format", "json"], as: "opA").stdout)
        #expect((own["mines"] as? [[String: Any]])?.map { $0["license"] as? String } == ["A"])
        let wan = try h.run(["report", "fund", "--year", "2025", "--format", "csv", "--unit", "wan"], as: "aud")
        #expect(wan.stdout.contains("A,solid-energy,150621,0.000000,0.150000,"), "\(wan.stdout)")
    }
}
