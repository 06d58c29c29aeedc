import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Annual plans from the CLI, both ways (see `MineCLITests`).
@Suite struct AnnualCLITests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "reclaim-annual-\(UUID().uuidString).json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let works = """
        {"works": [{"type": "revegetation", "location": "north waste dump", "area_hm2": "2.5000",
                    "budget": "50000.00", "start_month": "2025-04", "end_month": "2025-09"},
                   {"type": "slope-regrading", "location": "pit wall", "quantity": "1200", "unit": "m3",
                    "budget": "30000.00", "start_month": "2025-05", "end_month": "2025-06"}]}
        """
    static let done = """
        {"works": [{"work": 1, "area_hm2": "2.5000", "spent": "48000.00", "evidence": ["photo-2025-0913-01"]},
                   {"work": 2, "quantity": "1200", "spent": "30000.00", "evidence": []}]}
        """

    @Test(arguments: CLIMode.allCases)
    func anOperatorsYear(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let conn = try h.db.connect()
        for license in ["A", "B"] {
            let v = try Plans.submit(license, try PlanDocument.parse(try examplePlan()), by: try Actor("setup-op"), on: conn)
            _ = try Plans.decide(license, version: v.version, .approve, reason: nil, by: try Actor("rev"), on: conn)
        }
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("100000")), by: try Actor("li"), on: conn)
        let works = try file(Self.works)
        let done = try file(Self.done)
        defer { for f in [works, done] { try? FileManager.default.removeItem(atPath: f) } }

        let missing = try h.run(["annual", "missing", "--year", "2025", "--format", "csv"], as: "aud")
        #expect(missing.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) } == ["A", "B"])
        let draft = try h.run(["annual", "draft", "A", "2025", "--file", works], as: "opA")
        #expect(draft.stdout == "drafted the 2025 annual plan of A: draft, budget 80000.00 yuan\n", "\(draft.stderr)")
        // another mine's plan: refused, nothing written
        let other = try h.run(["annual", "draft", "B", "2025", "--file", works], as: "opA")
        #expect(other.status == 65 && other.stderr == "error: opA (operator) may not act on annual plans of mine B\n")
        #expect(try h.db.count("SELECT count(*) FROM annual_plans") == 1)
        #expect(try h.run(["annual", "submit", "A", "2025"], as: "opA").status == 0)
        // returned: the operator's table says why, by whom and when (Beijing time); then submitted again
        #expect(try h.run(["annual", "return", "A", "2025", "--reason", "请补充坐标"], as: "rev").status == 0)
        let returned = try h.run(["annual", "show", "A", "2025"], as: "opA").stdout
        #expect(returned.contains("returned by rev at ") && returned.contains(" +08:00: 请补充坐标\n"), "\(returned)")
        #expect(try h.run(["annual", "submit", "A", "2025"], as: "opA").status == 0)
        let queue = try h.run(["annual", "list", "--state", "submitted", "--format", "csv"], as: "rev")
        #expect(queue.stdout.hasPrefix("license,year,state,budget,since\nA,2025,submitted,80000.00,"), "\(queue.stdout)")
        #expect(try h.run(["annual", "approve", "A", "2025"], as: "opA").stderr == "error: opA (operator) may not approve an annual plan\n")
        #expect(try h.run(["annual", "approve", "A", "2025"], as: "rev").status == 0)
        let twice = try h.run(["annual", "approve", "A", "2025"], as: "rev")
        #expect(twice.status == 65)
        #expect(twice.stderr == "error: state: cannot approve an annual plan that is approved: it can be revise or report\n")

        // withdrawals pay for it
        let none = try h.run(["fund", "withdraw", "A", "100"], as: "li")
        #expect(none.status == 65 && none.stderr.hasPrefix("error: annual_plan_year: a withdrawal names the annual plan"))
        #expect(try h.run(["fund", "withdraw", "A", "60000", "--annual-plan", "2025"], as: "li").status == 0)
        let over = try h.run(["fund", "withdraw", "A", "20000.01", "--annual-plan", "2025"], as: "li")
        #expect(over.stderr == "error: amount: over the budget of the annual plan 2025 of mine A: 20000.00 yuan of 80000.00 yuan left, 20000.01 yuan asked\n")
        let show = try json(try h.run(["annual", "show", "A", "2025", "--format", "json"], as: "aud").stdout)
        #expect(show["license"] as? String == "A" && show["year"] as? Int == 2025 && show["state"] as? String == "approved")
        #expect(show["budget"] as? String == "80000.00" && show["withdrawn"] as? String == "60000.00")
        #expect(show["remaining"] as? String == "20000.00" && (show["works"] as? [Any])?.count == 2)
        let statement = try h.run(["fund", "statement", "A", "--format", "csv"], as: "aud")
        #expect(statement.stdout.split(separator: "\n").last?.hasSuffix(",2025") == true, "\(statement.stdout)")

        #expect(try h.run(["annual", "report", "A", "2025", "--file", done], as: "opA").status == 0)
        let fail = try h.run(["annual", "fail", "A", "2025", "--item", "覆土厚度不足", "--item", "补植"], as: "rev")
        #expect(fail.stdout == "failed the 2025 annual plan of A: failed, budget 80000.00 yuan\n", "\(fail.stderr)")
        let table = try h.run(["annual", "show", "A", "2025"], as: "opA").stdout
        #expect(table.contains("  - 覆土厚度不足\n") && table.contains("remaining: 20000.00"), "\(table)")
        // the decisions, in Beijing time with its offset, the failure among them
        #expect(table.contains("decisions (Beijing time):") && table.contains(" +08:00") && table.contains("fail"), "\(table)")
        #expect(try h.run(["annual", "report", "A", "2025", "--file", done], as: "opA").status == 0)
        #expect(try h.run(["annual", "accept", "A", "2025"], as: "rev").stdout
                == "accepted the 2025 annual plan of A: accepted, budget 80000.00 yuan\n")
        #expect(try CLI.run(["fund", "verify"], database: h.db).status == 0)
    }
}
