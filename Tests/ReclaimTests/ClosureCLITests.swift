import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Closure acceptance from the CLI, both ways (see `MineCLITests`).
@Suite struct ClosureCLITests {
    @Test(arguments: CLIMode.allCases)
    func applyPanelVoteReleaseAndTheClosedFund(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let conn = try h.db.connect()
        for n in 1...3 { _ = try Users.add("r\(n)", role: .reviewer, mines: [], by: try Actor("setup"), on: conn) }
        for n in 1...3 { h.addToken("r\(n)", try Users.issueToken(for: "r\(n)", by: try Actor("setup"), on: conn).token) }
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("2500")), by: try Actor("li"), on: conn)

        #expect(try h.run(["calendar", "holiday", "add", "2026-10-01", "--name", "国庆节"], as: "boss").stdout
                == "listed 2026-10-01 as a holiday (国庆节)\n")
        #expect(try h.run(["calendar", "holiday", "add", "2026-10-02"], as: "li").status == 65)
        let cal = try h.run(["calendar", "list", "--year", "2026", "--format", "csv"], as: "aud")
        #expect(cal.stdout == "day,kind,name\n2026-10-01,holiday,国庆节\n")

        #expect(try h.run(["closure", "apply", "B", "--evidence", "p1"], as: "opA").status == 65)
        let applied = try h.run(["closure", "apply", "A", "--evidence", "photo-1", "report-2", "--format", "json"], as: "opA")
        #expect(applied.status == 0, "\(applied.stderr)")
        let a = try json(applied.stdout)
        let id = try #require(a["id"] as? Int)
        #expect(a["license"] as? String == "A" && a["state"] as? String == "filed")
        #expect(a["working_days_left"] as? Int == 60 && a["due_date"] is String && a["panel"] as? [String] == [])
        #expect(a["decision"] is NSNull && (a["votes"] as? [Any])?.isEmpty == true && a["filed_on"] is String)
        let early = try h.run(["fund", "release", "A"], as: "li")
        #expect(early.status == 65 && early.stderr.contains("not accepted"), "\(early.stderr)")
        #expect(try h.run(["closure", "panel", String(id), "--reviewer", "r1", "r2", "r3"], as: "rev").status == 0)
        #expect(try h.run(["closure", "vote", String(id), "--pass", "--opinion", "ok"], as: "rev").status == 65)  // not a member
        for n in 1...3 {
            let v = try h.run(["closure", "vote", String(id), n == 3 ? "--fail" : "--pass", "--opinion", "意见 \(n)"], as: "r\(n)")
            #expect(v.status == 0, "\(v.stderr)")
        }
        let shown = try json(try h.run(["closure", "show", String(id), "--format", "json"], as: "aud").stdout)
        #expect(shown["state"] as? String == "accepted" && (shown["votes"] as? [Any])?.count == 3)
        #expect((shown["decision"] as? [String: Any])?["opinion"] as? [String] == ["意见 1", "意见 2"])
        #expect(try h.run(["closure", "list", "--overdue", "--format", "csv"], as: "rev").stdout == "id,license,state,filed_on,due_date,working_days_left,overdue\n")

        let released = try h.run(["fund", "release", "A", "--format", "json"], as: "li")
        #expect(released.status == 0, "\(released.stderr)")
        #expect(try json(released.stdout)["kind"] as? String == "closure-release")
        let again = try h.run(["fund", "release", "A"], as: "li")
        #expect(again.status == 0 && again.stderr.hasPrefix("note: idempotency key already booked"))
        let late = try h.run(["fund", "deposit", "A", "1"], as: "li")
        #expect(late.status == 65 && late.stderr.contains("the fund of mine A is closed"), "\(late.stderr)")
        #expect(try h.run(["fund", "balance", "A", "--format", "csv"], as: "aud").stdout.contains("A,0.00,"))
        #expect(try CLI.run(["fund", "verify"], database: h.db).status == 0)
    }
}
