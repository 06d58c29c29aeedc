import Foundation
import PQKit
import Reclaim
import ArgumentParser
@testable import ReclaimCLI
import TestSupport
import Testing

/// The holes a hostile test of the CLI and the database found, each closed.
@Suite struct HostileDomainTests {
    /// 7. A back-dated payment cannot make a past balance negative, whichever
    /// path books it; a reversal cannot be dated before its original.
    @Test func backDatingCannotOverdrawThePast() throws {
        let (db, conn) = try ledgerDatabase()
        let clerk = try Actor("li", role: "finance")
        func date(_ s: String) -> CalendarDate? { CalendarDate(iso: s) }
        let march = try FundLedger.deposit("A", Booking(amount: try yuan("100"), valueDate: date("2025-03-01")),
                                           by: clerk, on: conn)
        // a withdrawal dated before the money arrived
        let early = #expect(throws: ReclaimError.self) {
            _ = try FundLedger.withdraw("A", Booking(amount: try yuan("50"), valueDate: date("2025-01-15"), annualPlanYear: 2025), by: clerk,
                                        on: conn)
        }
        #expect(early?.field == "value_date")
        #expect(early?.description.contains("2025-01-15") == true)
        // the same through a transfer out, and through an import
        #expect(throws: ReclaimError.self) {
            _ = try FundLedger.transfer(from: "A", to: "B", merger: try merger("A", into: "B", on: conn),
                                        Booking(amount: try yuan("1"), valueDate: date("2025-02-01")),
                                        by: clerk, on: conn)
        }
        let path = try writeCSV(planHeader + "A,withdrawal,10,2025-02-01,,imp-1,,2025\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ReclaimError.self) { _ = try FundLedger.importCSV(path: path, by: clerk, on: conn) }
        // a reversal of the deposit dated before it
        let reversal = #expect(throws: ReclaimError.self) {
            _ = try FundLedger.reverse(march.entry.id, reason: "typo", valueDate: date("2025-02-28"), by: clerk, on: conn)
        }
        #expect(reversal?.field == "value_date")
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        // dated on or after the money: fine, and every past balance stays >= 0
        _ = try FundLedger.withdraw("A", Booking(amount: try yuan("60"), valueDate: date("2025-03-01"), annualPlanYear: 2025), by: clerk, on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("10"), valueDate: date("2025-01-01")), by: clerk, on: conn)
        // now 10 was there since January: a February payment of 10 fits, of 10.01 does not
        _ = try FundLedger.withdraw("A", Booking(amount: try yuan("10"), valueDate: date("2025-02-01"), annualPlanYear: 2025), by: clerk, on: conn)
        #expect(throws: ReclaimError.self) {
            _ = try FundLedger.withdraw("A", Booking(amount: try yuan("0.01"), valueDate: date("2025-02-01"), annualPlanYear: 2025), by: clerk,
                                        on: conn)
        }
        for day in ["2025-01-01", "2025-02-01", "2025-02-28", "2025-03-01"] {
            #expect(try FundLedger.balance("A", asOf: date(day), on: conn).balance.fen >= 0, "\(day)")
        }
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    /// 8. No CSV cell Reclaim writes can run as a spreadsheet formula.
    @Test func csvCellsCannotBeFormulas() throws {
        #expect(CSV.neutralised("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")")
        #expect(CSV.neutralised("+1+2") == "'+1+2")
        #expect(CSV.neutralised("-1+2") == "'-1+2")
        #expect(CSV.neutralised("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSV.neutralised("\tx") == "'\tx")
        #expect(CSV.neutralised("-12.50") == "-12.50")
        #expect(CSV.neutralised("1500.50") == "1500.50")
        #expect(CSV.neutralised("煤矿") == "煤矿")
        #expect(CSV.line(["=1,2", "a\"b"]) == #""'=1,2","a""b""#)

        let db = try cliLedger()
        let dep = try CLI.run(["fund", "deposit", "A", "10", "--reference", "=cmd|' /C calc'!A0", "--memo", "@SUM(1)"],
                              database: db)
        #expect(dep.status == 0, "\(dep.stderr)")
        _ = try CLI.run(["fund", "withdraw", "A", "1", "--annual-plan", "2025"], database: db)
        let csv = try CLI.run(["fund", "statement", "A", "--format", "csv"], database: db)
        #expect(csv.status == 0)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].contains("'=cmd|' /C calc'!A0") && lines[1].contains("'@SUM(1)"))
        #expect(lines[2].contains(",-1.00,"))  // the amount is a number, left alone
        for line in lines.dropFirst() {
            for cell in line.split(separator: ",") { #expect(!"=+@".contains(cell.first ?? " "), "\(line)") }
        }
        // the CLI's own CSV (balances) goes through the same rule
        let mines = try CLI.run(["mine", "list", "--format", "csv"], database: db)
        #expect(mines.status == 0)
    }

    /// 9. Import: a column named twice, a bare CR and an unreadable file are
    /// refused with the line or the path; nothing is booked.
    @Test func importRefusesAmbiguousFilesAndNamesTheProblem() throws {
        let db = try cliLedger()
        let twice = try writeCSV("license,kind,amount,value_date,reference,idempotency_key,memo,amount\nA,deposit,1,2025-01-01,,k1,,1000\n")
        let cr = try writeCSV(header + "A,deposit,1,2025-01-01,,k2,note\rmore\nA,deposit,1,2025-01-01,,k3,\r\n")
        defer { for p in [twice, cr] { try? FileManager.default.removeItem(atPath: p) } }
        let r1 = try CLI.run(["fund", "import", twice], database: db)
        #expect(r1.status == 65)
        #expect(r1.stderr.contains("line 1") && r1.stderr.contains("amount twice"), "\(r1.stderr)")
        let r2 = try CLI.run(["fund", "import", cr], database: db)
        #expect(r2.status == 65)
        #expect(r2.stdout.contains("2") || r2.stderr.contains("line 2"), "\(r2.stdout) \(r2.stderr)")
        #expect((r2.stdout + r2.stderr).contains("carriage return"))
        let dir = NSTemporaryDirectory()
        let r3 = try CLI.run(["fund", "import", dir], database: db)
        #expect(r3.status == 66)
        #expect(r3.stderr.contains(dir) && r3.stderr.contains("directory"), "\(r3.stderr)")
        let r4 = try CLI.run(["fund", "import", "/nonexistent/bank.csv"], database: db)
        #expect(r4.status == 66)
        #expect(r4.stderr.contains("/nonexistent/bank.csv"))
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
    }

    /// 5. Look-alike licences: NFKC, case and invisible characters, through the CLI.
    @Test func lookAlikeLicencesThroughTheCLI() throws {
        let db = try cliLedger()
        for lookAlike in ["A\u{200B}", "\u{FEFF}A", "A\u{200F}", "A\u{0301}", "A\u{00AD}"] {
            let r = try CLI.run(addArguments(replacing: "--license", with: lookAlike), database: db)
            #expect(r.status == 65, "\(lookAlike.unicodeScalars.map(\.value))")
            #expect(r.stderr.hasPrefix("error: license:"))
        }
        for same in ["\u{FF21}", "a"] {
            let r = try CLI.run(addArguments(replacing: "--license", with: same), database: db)
            #expect(r.status == 65)
            #expect(r.stderr.contains("already"), "\(r.stderr)")
        }
        let lower = try CLI.run(["fund", "deposit", "a", "1"], database: db)
        #expect(lower.status == 0, "\(lower.stderr)")
        #expect(try db.count("SELECT count(*) FROM mines") == 2)
        // and the database refuses a look-alike written past the application
        #expect(throws: PQError.self) {
            try db.connect().execute("UPDATE mines SET license = 'B' || chr(8203) WHERE license = 'B'")
        }
        #expect(try Identifier.license("  c15011\u{3000}2020/采-01 ") == "C15011 2020/采-01")
    }

    /// A database error no rule explains is a bug: exit 70 and HTTP 500 with
    /// a generic sentence, never "unreachable" and never SQL.
    @Test func anUnexpectedDatabaseErrorIsInternalNotAnOutage() throws {
        let db = try cliLedger()
        try db.connect().execute("DROP FUNCTION fund_post(text, text, text, bigint, date, date, text, text, text, text, text, text, text, integer, text)")
        let r = try CLI.run(["fund", "deposit", "A", "1"], database: db)
        #expect(r.status == 70)
        #expect(r.stderr == "error: an internal error occurred\n")
        let e = ReclaimError.wrap(PQError(kind: .server, sqlState: SQLState("42883"), message: "function fund_post does not exist"))
        #expect(e.kind == .internal && !e.description.contains("fund_post"))
        // a constraint becomes a field and a sentence, not its name
        let c = ReclaimError.wrap(PQError(kind: .server, sqlState: .checkViolation,
                                          message: "new row for relation \"mines\" violates check constraint \"mines_region_code_check\"",
                                          table: "mines", constraint: "mines_region_code_check"))
        #expect(c.field == "region_code" && !c.description.contains("constraint"))
        let u = ReclaimError.wrap(PQError(kind: .server, sqlState: .uniqueViolation, message: "duplicate key",
                                          table: "things", constraint: "weird_name_idx"))
        #expect(u.kind == .conflict && !u.description.contains("weird_name_idx"))
    }

    /// Commands throw ExitCode instead of exiting, so they run in-process.
    @Test func commandsRunInProcessAndThrowTheirExitCode() async throws {
        let db = try cliLedger()
        var command = try #require(try ReclaimCommand.parseAsRoot(["fund", "deposit", "A", "0", "--database-url", db.url])
                                   as? any AsyncParsableCommand)
        await #expect(throws: ExitCode(65)) { try await command.run() }
        command = try #require(try ReclaimCommand.parseAsRoot(
            ["fund", "deposit", "A", "1", "--database-url", "postgresql://nobody@127.0.0.1:1/none"]) as? any AsyncParsableCommand)
        await #expect(throws: ExitCode(69)) { try await command.run() }
    }
}
