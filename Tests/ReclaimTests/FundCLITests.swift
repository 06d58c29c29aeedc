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
    }
    return db
}

func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct FundCLITests {
    @Test func bookingsPrintTheEntryAndStatementsAddUp() throws {
        let db = try cliLedger()
        let dep = try CLI.run(["fund", "deposit", "A", "1500.5", "--value-date", "2025-03-01", "--reference", "S-1",
                               "--idempotency-key", "k1"], database: db)
        #expect(dep.status == 0, "\(dep.stderr)")
        #expect(dep.stdout == "1\n")
        let retry = try CLI.run(["fund", "deposit", "A", "1500.50", "--value-date", "2025-03-01", "--reference", "S-1",
                                 "--idempotency-key", "k1"], database: db)
        #expect(retry.status == 0)
        #expect(retry.stdout == "1\n")

        let over = try CLI.run(["fund", "withdraw", "A", "0.5", "--unit", "wan"], database: db)
        #expect(over.status == 65)
        #expect(over.stderr.contains("1500.50 yuan available"))

        let dep2 = try CLI.run(["fund", "deposit", "A", "10000", "--value-date", "2025-03-02"], database: db)
        #expect(dep2.status == 0)
        let w = try CLI.run(["fund", "withdraw", "A", "0.05", "--unit", "wan", "--value-date", "2025-03-05",
                             "--format", "json"], database: db)
        #expect(w.status == 0, "\(w.stderr)")
        let entry = try json(w.stdout)
        #expect(entry["kind"] as? String == "withdrawal")
        #expect(entry["amount"] as? String == "500.00")
        #expect(entry["value_date"] as? String == "2025-03-05")
        #expect((entry["postings"] as? [Any])?.count == 2)

        #expect(try CLI.run(["fund", "transfer", "A", "B", "500", "--value-date", "2025-03-10"], database: db).status == 0)
        #expect(try CLI.run(["fund", "convert-deposit", "B", "20", "--value-date", "2025-03-11"], database: db).status == 0)

        let s = try CLI.run(["fund", "statement", "A", "--from", "2025-03-02", "--to", "2025-03-31", "--format", "json"], database: db)
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
        let ranged = try CLI.run(["fund", "statement", "A", "--from", "2025-03-02", "--to", "2025-03-31",
                                  "--format", "csv"], database: db)
        let rangedRows = ranged.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rangedRows.map { String($0[3]) } == amounts)
        #expect(rangedRows.last.map { String($0[4]) } == st["closing_balance"] as? String)

        let csv = try CLI.run(["fund", "statement", "A", "--format", "csv"], database: db)
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first == "id,kind,value_date,amount,balance_after,reference,memo")
        #expect(rows.count == 5)

        let bal = try CLI.run(["fund", "balance", "A", "--as-of", "2025-03-01", "--format", "json"], database: db)
        let b = try json(bal.stdout)
        #expect(b["balance"] as? String == "1500.50")
        #expect(b["as_of"] as? String == "2025-03-01")
        let all = try CLI.run(["fund", "balance", "--format", "json"], database: db)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["balance"] as? String } == ["10500.50", "520.00"])

        let rev = try CLI.run(["fund", "reverse", "1", "--reason", "duplicate slip"], database: db)
        #expect(rev.status == 0, "\(rev.stderr)")
        let twice = try CLI.run(["fund", "reverse", "1", "--reason", "again"], database: db)
        #expect(twice.status == 65)
        #expect(twice.stderr.hasPrefix("error: entry_id:"))

        #expect(try CLI.run(["fund", "verify"], database: db).status == 0)
        // direct mode without --as: the database session user acts, and is recorded as both
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.deposit'")
                == (try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'deposit'")))
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE actor <> 'reclaim' OR db_user <> 'reclaim'") == 0)
    }

    /// Every malformed amount: exit 65, one line naming the field, nothing written.
    @Test(arguments: ["12.345", "1e3", "-5", "NaN", "", "0", "0.00", "1,500", "+5", " 5", "10000000000000.01", "１"])
    func malformedAmountsAreRefused(amount: String) throws {
        let db = try cliLedger()
        let r = try CLI.run(["fund", "deposit", "A", amount], database: db)
        #expect(r.status == 65 || (amount == "-5" && r.status == 64), "\(amount): \(r.status) \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
        if r.status == 65 { #expect(r.stderr.contains("amount")) }
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action LIKE 'fund.%'") == 0)
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
