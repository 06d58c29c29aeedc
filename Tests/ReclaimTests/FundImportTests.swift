import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

func writeCSV(_ text: String, bom: Bool = false) throws -> String {
    let path = NSTemporaryDirectory() + "reclaim-import-\(UUID().uuidString).csv"
    var data = Data(bom ? [0xEF, 0xBB, 0xBF] : [])
    data.append(Data(text.utf8))
    try data.write(to: URL(fileURLWithPath: path))
    return path
}

let header = "license,kind,amount,value_date,reference,idempotency_key,memo\n"
/// With the column a withdrawal row names its annual plan in.
let planHeader = "license,kind,amount,value_date,reference,idempotency_key,memo,annual_plan_year\n"

@Suite struct FundImportTests {
    @Test func goodFileBooksEveryRowAndReimportBooksNothing() throws {
        let (db, conn) = try ledgerDatabase()
        let rows = [
            #"A,deposit,1000,2025-01-05,SLIP-1,k1,"first, with a comma","#,
            #"B,deposit,200.50,2025-01-06,SLIP-2,k2,"two"#,
            #"lines and a ""quote""","#,
            "A,withdrawal,300,2025-02-01,W-1,k3,,2025\r",
            "\r",
            "A,deposit,0.01,2025-02-02,,k4,中文备注,",
        ]
        let path = try writeCSV(planHeader + rows.joined(separator: "\n"), bom: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try FundLedger.importCSV(path: path, by: try Actor("clerk"), on: conn)
        #expect(report.rows == 4)
        #expect(report.booked == 4)
        #expect(report.skipped == 0)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 70_001)
        #expect(try FundLedger.balance("B", on: conn).balance.fen == 20_050)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE memo = 'two' || chr(10) || 'lines and a \"quote\"'") == 1)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE memo = '中文备注'") == 1)
        #expect(try FundLedger.verify(on: conn).isIntact)

        let again = try FundLedger.importCSV(path: path, by: try Actor("clerk"), on: conn)
        #expect(again.booked == 0)
        #expect(again.skipped == 4)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 4)
        // one audit record per mine booked, on the mine's own trail; none for the re-import
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.import'") == 2)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.import' AND target = 'mine:A' AND actor = 'clerk'") == 1)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.import' AND target = 'mine:B'") == 1)

        // the imported chain continues with ordinary bookings, and verify still holds
        _ = try FundLedger.withdraw("A", Booking(amount: try Money.parse("1"), annualPlanYear: 2025), by: try Actor("clerk"), on: conn)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    /// An import of 10,000 entries or more adds to each account's year at a
    /// glance (ledger_account_years) in one pass planned for its size rather
    /// than a probe per posting: the sums must be the same, and a booking
    /// after it adds to the same rows.
    @Test func aLargeImportKeepsEachAccountsYearRight() throws {
        let (db, conn) = try ledgerDatabase()
        var lines: [String] = []
        // [license: [year: (deposits, withdrawals)]] in fen, on the fund account
        var expected: [String: [Int: (deposits: Int64, withdrawals: Int64)]] = [:]
        for i in 0..<12_000 {
            let license = i % 2 == 0 ? "A" : "B"
            if i % 10 == 9 {
                lines.append("\(license),withdrawal,1.00,2025-03-01,,big-\(i),,2025")
                expected[license, default: [:]][2025, default: (0, 0)].withdrawals += 100
            } else {
                let year = i % 3 == 0 ? 2024 : 2025
                lines.append("\(license),deposit,5.00,\(year == 2024 ? "2024-06-01" : "2025-01-10"),,big-\(i),,")
                expected[license, default: [:]][year, default: (0, 0)].deposits += 500
            }
        }
        let path = try writeCSV(planHeader + lines.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try FundLedger.importCSV(path: path, by: try Actor("clerk"), on: conn).booked == 12_000)

        func summary(_ license: String, _ year: Int, _ kind: String) throws -> Int64 {
            try db.count("""
                SELECT coalesce(sum(y.amount), 0) FROM ledger_account_years y
                JOIN fund_accounts a ON a.id = y.account_id JOIN mines m ON m.id = a.mine_id
                WHERE m.license = \(license) AND a.kind = 'fund' AND y.year = \(year) AND y.kind = \(kind)
                """)
        }
        for (license, years) in expected {
            for (year, sums) in years {
                #expect(try summary(license, year, "deposit") == sums.deposits, "\(license) \(year) deposits")
                #expect(try summary(license, year, "withdrawal") == -sums.withdrawals, "\(license) \(year) withdrawals")
            }
        }
        #expect(try db.count("SELECT sum(postings) FROM ledger_account_years") == 24_000)
        #expect(try FundLedger.verify(on: conn).isIntact)

        // a single booking afterwards adds to the same row
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("2"), valueDate: CalendarDate(iso: "2025-01-10")),
                                   by: try Actor("clerk"), on: conn)
        #expect(try summary("A", 2025, "deposit") == (expected["A"]?[2025]?.deposits ?? 0) + 200)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func anyBadRowRefusesTheWholeFileAndNamesEveryLine() throws {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("5"), idempotencyKey: "old"), by: try Actor("c"), on: conn)
        let path = try writeCSV(header + """
            A,deposit,100,2025-01-05,,k1,
            NOPE,deposit,100,2025-01-05,,k2,
            A,deposit,12.345,2025-01-05,,k3,
            A,deposit,100,2025-02-30,,k4,
            A,withdrawal,500,2025-01-06,,k5,
            A,refund,1,2025-01-06,,k6,
            A,deposit,7,2025-01-06,,old,
            A,deposit,1,2025-01-06,,,
            A,deposit,1,2025-01-06,,k1,
            A,deposit,1,2025-01-06
            A,deposit,100,2025-01-07,,k9,fine
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rejected = #expect(throws: ImportRejected.self) {
            try FundLedger.importCSV(path: path, by: try Actor("clerk"), on: conn)
        }
        let problems = rejected?.report.problems ?? []
        #expect(problems.map(\.line) == [3, 4, 5, 6, 7, 8, 9, 10, 11])
        #expect(problems.first { $0.line == 3 }?.reason.contains("license") == true)
        #expect(problems.first { $0.line == 4 }?.reason.hasPrefix("amount") == true)
        #expect(problems.first { $0.line == 5 }?.reason.hasPrefix("value_date") == true)
        // a withdrawal names its annual plan (this file has no such column)
        #expect(problems.first { $0.line == 6 }?.reason.hasPrefix("annual_plan_year") == true)
        #expect(problems.first { $0.line == 7 }?.reason.hasPrefix("kind") == true)
        #expect(problems.first { $0.line == 8 }?.reason.contains("already booked") == true)
        #expect(problems.first { $0.line == 9 }?.reason.hasPrefix("idempotency_key") == true)
        #expect(problems.first { $0.line == 10 }?.reason.contains("line 2") == true)
        #expect(problems.first { $0.line == 11 }?.reason.contains("fields") == true)
        // nothing booked
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 500)
    }

    @Test func withdrawalsAreCheckedAtTheirPointInTheFile() throws {
        let (db, conn) = try ledgerDatabase()
        // the deposit comes after the withdrawal that needs it
        let late = try writeCSV(planHeader + "A,withdrawal,50,2025-01-01,,w1,,2025\nA,deposit,100,2025-01-02,,d1,,\n")
        let early = try writeCSV(planHeader + "A,deposit,100,2025-01-01,,d1,,\nA,withdrawal,50,2025-01-02,,w1,,2025\n")
        defer {
            try? FileManager.default.removeItem(atPath: late)
            try? FileManager.default.removeItem(atPath: early)
        }
        let e = #expect(throws: ImportRejected.self) { try FundLedger.importCSV(path: late, by: try Actor("c"), on: conn) }
        #expect(e?.report.problems.map(\.line) == [2])
        #expect(try FundLedger.importCSV(path: early, by: try Actor("c"), on: conn).booked == 2)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 5_000)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 2)
    }

    /// A bank file that lists the same slip twice books it once.
    @Test func aRowRepeatedInTheFileIsBookedOnce() throws {
        let (db, conn) = try ledgerDatabase()
        let row = "A,deposit,10,2025-01-05,SLIP-1,k1,memo"
        let path = try writeCSV(header + [row, "B,deposit,1,2025-01-05,SLIP-2,k2,", row].joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try FundLedger.importCSV(path: path, by: try Actor("c"), on: conn)
        #expect(report.rows == 3)
        #expect(report.booked == 2)
        #expect(report.skipped == 1)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 1_000)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 2)
    }

    @Test func dryRunBooksNothing() throws {
        let (db, conn) = try ledgerDatabase()
        let path = try writeCSV(header + "A,deposit,100,2025-01-01,,d1,\nB,deposit,1,2025-01-01,,d2,\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try FundLedger.importCSV(path: path, dryRun: true, by: try Actor("c"), on: conn)
        #expect(report.booked == 2)
        #expect(report.dryRun)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.import'") == 0)
    }

    @Test func badHeaderOrEmptyFileIsRefused() throws {
        let (_, conn) = try ledgerDatabase()
        let empty = try writeCSV("")
        let wrong = try writeCSV("license,amount\nA,1\n")
        defer {
            try? FileManager.default.removeItem(atPath: empty)
            try? FileManager.default.removeItem(atPath: wrong)
        }
        #expect(throws: ReclaimError.self) { try FundLedger.importCSV(path: empty, by: try Actor("c"), on: conn) }
        let e = #expect(throws: ReclaimError.self) { try FundLedger.importCSV(path: wrong, by: try Actor("c"), on: conn) }
        #expect(e?.field == "header")
        #expect(throws: ReclaimError.self) { try FundLedger.importCSV(path: "/no/such.csv", by: try Actor("c"), on: conn) }
    }
}
