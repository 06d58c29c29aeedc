import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// A database with mines A and B registered through the CLI.
func cliLedger() throws -> TestDatabase {
    let db = try TestDatabase.make()
    for license in ["A", "B"] {
        let r = try CLI.run(addArguments(replacing: "--license", with: license), database: db)
        #expect(r.status == 0, "\(r.stderr)")
        try approvedAnnualPlan(license, on: try db.connect())
    }
    return db
}

func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// The fund commands, run both ways (see `MineCLITests`): bookings by
/// finance staff, reads by whoever may see the mine.
@Suite struct FundCLITests {
    @Test(arguments: CLIMode.allCases)
    func bookingsPrintTheEntryAndStatementsAddUp(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        try approvedAnnualPlan("A", on: try h.db.connect())
        func li(_ args: [String]) throws -> CLIResult { try h.run(args, as: "li") }
        let dep = try li(["fund", "deposit", "A", "1500.5", "--value-date", "2025-03-01", "--reference", "S-1",
                          "--idempotency-key", "k1"])
        #expect(dep.status == 0, "\(dep.stderr)")
        #expect(dep.stdout == "1\n")
        let retry = try li(["fund", "deposit", "A", "1500.50", "--value-date", "2025-03-01", "--reference", "S-1",
                            "--idempotency-key", "k1"])
        #expect(retry.status == 0)
        #expect(retry.stdout == "1\n")
        #expect(retry.stderr == "note: idempotency key already booked as entry 1; nothing new booked\n")
        let reused = try li(["fund", "deposit", "A", "9", "--idempotency-key", "k1"])
        #expect(reused.status == 65)
        #expect(reused.stderr.hasPrefix("error: idempotency_key:"), "\(reused.stderr)")

        let over = try li(["fund", "withdraw", "A", "0.5", "--unit", "wan", "--annual-plan", "2025"])
        #expect(over.status == 65)
        #expect(over.stderr == "error: amount: insufficient fund balance: 1500.50 yuan available, 5000.00 yuan asked\n")

        let dep2 = try li(["fund", "deposit", "A", "10000", "--value-date", "2025-03-02"])
        #expect(dep2.status == 0)
        let w = try li(["fund", "withdraw", "A", "0.05", "--unit", "wan", "--value-date", "2025-03-05", "--annual-plan", "2025",
                        "--format", "json"])
        #expect(w.status == 0, "\(w.stderr)")
        let entry = try json(w.stdout)
        #expect(entry["kind"] as? String == "withdrawal")
        #expect(entry["amount"] as? String == "500.00")
        #expect(entry["value_date"] as? String == "2025-03-05")
        #expect(entry["actor"] as? String == "li")
        #expect((entry["postings"] as? [Any])?.count == 2)

        let noMerger = try li(["fund", "transfer", "A", "B", "500", "--value-date", "2025-03-10", "--merger", "7"])
        #expect(noMerger.status == 65 && noMerger.stderr.hasPrefix("error: merger_id: a transfer from A to B names a merger"),
                "\(noMerger.stderr)")
        #expect(try h.run(["mine", "merge", "--from", "A", "--into", "B", "--approved-on", "2025-03-01", "--document", "批复1"],
                          as: "li").status == 65)  // an administrator's record
        // a merger recorded before `mine merge` moved the money with it: transfers name it (MergerTests: a whole one)
        #expect(try merger("A", into: "B", on: try h.db.connect()) == 1)
        let transferred = try li(["fund", "transfer", "A", "B", "500", "--value-date", "2025-03-10", "--merger", "1"])
        #expect(transferred.status == 0, "\(transferred.stderr)")
        let transferID = transferred.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try li(["fund", "convert-deposit", "B", "20", "--value-date", "2025-03-11"]).status == 0)

        let s = try h.run(["fund", "statement", "A", "--from", "2025-03-02", "--to", "2025-03-31", "--format", "json"],
                          as: "opA")
        #expect(s.status == 0, "\(s.stderr)")
        let st = try json(s.stdout)
        #expect(st["license"] as? String == "A")
        #expect(st["from"] as? String == "2025-03-02")
        #expect(st["opening_balance"] as? String == "1500.50")
        let lines = try #require(st["entries"] as? [[String: Any]])
        let amounts = lines.compactMap { $0["amount"] as? String }
        #expect(amounts == ["10000.00", "-500.00", "-500.00"])
        #expect(lines.last?["balance_after"] as? String == "10500.50")
        #expect(st["closing_balance"] as? String == "10500.50")

        // the streamed CSV has the JSON statement's lines and running balance
        let ranged = try li(["fund", "statement", "A", "--from", "2025-03-02", "--to", "2025-03-31", "--format", "csv"])
        let rangedRows = ranged.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rangedRows.map { String($0[3]) } == amounts)
        #expect(rangedRows.last.map { String($0[4]) } == st["closing_balance"] as? String)

        // in Chinese, for a clerk's Excel: a byte-order mark, Chinese headings and kinds, opening and closing rows
        let zh = try li(["fund", "statement", "A", "--from", "2025-03-02", "--to", "2025-03-31", "--format", "csv", "--lang", "zh"])
        #expect(zh.status == 0, "\(zh.stderr)")
        #expect(zh.stdout.hasPrefix("\u{FEFF}编号,类型,起息日,金额（元）,余额（元）,参考号,摘要,年度治理计划\n"), "\(zh.stdout.prefix(80))")
        let zhRows = zh.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(zhRows.first == ["", "期初余额", "2025-03-02", "", "1500.50", "", "", ""])
        #expect(zhRows.last == ["", "期末余额", "2025-03-31", "", "10500.50", "", "", ""])
        #expect(zhRows.dropFirst().dropLast().map { $0[1] } == ["存入", "使用", "转移"], "\(zhRows)")
        #expect(zhRows.dropFirst().dropLast().map { $0[3] } == amounts)
        #expect(try li(["fund", "statement", "A", "--format", "csv", "--lang", "fr"]).status == 64)

        let csv = try li(["fund", "statement", "A", "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first == "id,kind,value_date,amount,balance_after,reference,memo,annual_plan_year")
        #expect(rows.count == 5)

        let bal = try li(["fund", "balance", "A", "--as-of", "2025-03-01", "--format", "json"])
        let b = try json(bal.stdout)
        #expect(b["balance"] as? String == "1500.50")
        #expect(b["as_of"] as? String == "2025-03-01")
        let all = try h.run(["fund", "balance", "--format", "json"], as: "aud")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["balance"] as? String } == ["10500.50", "520.00"])
        // an operator's list is their own mine's, and B is not theirs to read
        let own = try h.run(["fund", "balance", "--format", "csv"], as: "opA")
        #expect(own.stdout == "license,balance,as_of\nA,10500.50,\(try #require(list.first?["as_of"] as? String))\n")
        let other = try h.run(["fund", "statement", "B"], as: "opA")
        #expect(other.status == 65)
        #expect(other.stderr == "error: opA (operator) may not read mine B\n")

        // an entry: the transfer, with the operator seeing only their own leg
        let transfer = try json(try li(["fund", "entry", transferID, "--format", "json"]).stdout)
        #expect(transfer["kind"] as? String == "transfer")
        #expect((transfer["postings"] as? [[String: Any]])?.compactMap { $0["license"] as? String }.sorted() == ["A", "B"])
        let leg = try json(try h.run(["fund", "entry", transferID, "--format", "json"], as: "opA").stdout)
        #expect((leg["postings"] as? [[String: Any]])?.compactMap { $0["license"] as? String } == ["A"])

        let rev = try li(["fund", "reverse", "1", "--reason", "duplicate slip"])
        #expect(rev.status == 0, "\(rev.stderr)")
        let twice = try li(["fund", "reverse", "1", "--reason", "again"])
        #expect(twice.status == 65)
        #expect(twice.stderr.hasPrefix("error: entry_id:"))

        // operators and auditors may not book; nothing is written for them
        let op = try h.run(["fund", "deposit", "A", "5"], as: "opA")
        #expect(op.status == 65)
        #expect(op.stderr == "error: opA (operator) may not book fund entries\n")

        // the audit trail names li for every booking, both ways
        let audit = try h.run(["audit", "list", "--actor", "li", "--format", "csv"], as: "aud")
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.split(separator: "\n").count == 1 + 6)
        #expect(try h.db.count("SELECT count(*) FROM audit_log WHERE action LIKE 'fund.%' AND actor <> 'li'") == 0)
        #expect(try h.db.count("SELECT count(*) FROM ledger_entries WHERE actor <> 'li'") == 0)
        let forbidden = try h.run(["audit", "list"], as: "li")
        #expect(forbidden.status == 65)

        #expect(try CLI.run(["fund", "verify"], database: h.db).status == 0)
    }

    /// Every malformed amount: exit 65, one line naming the field, nothing written.
    @Test(arguments: CLIMode.allCases,
          ["12.345", "1e3", "-5", "NaN", "", "0", "0.00", "1,500", "+5", " 5", "10000000000000.01", "１"])
    func malformedAmountsAreRefused(mode: CLIMode, amount: String) throws {
        let h = try CLIHarness(mode)
        let r = try h.run(["fund", "deposit", "A", amount], as: "li")
        #expect(r.status == 65 || (amount == "-5" && r.status == 64), "\(amount): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
        if r.status == 65 { #expect(r.stderr.contains("amount")) }
        #expect(try h.db.count("SELECT count(*) FROM ledger_entries") == 0)
        #expect(try h.db.count("SELECT count(*) FROM audit_log WHERE action LIKE 'fund.%'") == 0)
    }

    @Test func importReportsLinesAndExits65() throws {
        let db = try cliLedger()
        let bad = try writeCSV(header + "A,deposit,1,2025-01-01,,k1,\nA,deposit,x,2025-01-01,,k2,\n")
        let good = try writeCSV(header + "A,deposit,1,2025-01-01,,k1,\nB,deposit,2,2025-01-01,,k2,\n")
        defer {
            try? FileManager.default.removeItem(atPath: bad)
            try? FileManager.default.removeItem(atPath: good)
        }
        let r = try CLI.run(["fund", "import", bad], database: db)
        #expect(r.status == 65)
        #expect(r.stderr.contains("error: line 3: amount:"))
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
        let dry = try CLI.run(["fund", "import", good, "--dry-run"], database: db)
        #expect(dry.stdout.hasPrefix("would book 2 entries"))
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
        let ok = try CLI.run(["fund", "import", good], database: db)
        #expect(ok.stdout.hasPrefix("booked 2 entries, skipped 0"))
        let again = try CLI.run(["fund", "import", good, "--format", "json"], database: db)
        let report = try json(again.stdout)
        #expect(report["booked"] as? Int == 0)
        #expect(report["skipped"] as? Int == 2)
    }
}
