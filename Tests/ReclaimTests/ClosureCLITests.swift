import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Closure acceptance from the CLI, both ways (see `MineCLITests`).
@Suite struct ClosureCLITests {
    /// What was seen: a mine with nothing restored applied and was accepted. Now the refusal lists
    /// every unmet condition, as JSON on stdout with --format json, the same in both modes.
    @Test(arguments: CLIMode.allCases)
    func anApplicationNamesEveryUnmetCondition(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let refused = try h.run(["closure", "apply", "A", "--evidence", "photo-1", "--format", "json"], as: "opA")
        #expect(refused.status == 65 && refused.stderr.hasPrefix("error: unmet: mine A cannot apply for closure"), "\(refused.stderr)")
        let body = try json(refused.stdout)
        let unmet = try #require(body["unmet"] as? [[String: Any]])
        #expect(unmet.map { $0["kind"] as? String } == ["no-approved-plan"])
        #expect(unmet.first?["detail"] as? String == "the mine has no approved protection and land-reclamation plan")
        let table = try h.run(["closure", "apply", "A", "--evidence", "photo-1"], as: "opA")
        #expect(table.status == 65 && table.stdout.isEmpty)
        #expect(try h.db.count("SELECT count(*) FROM closure_applications") == 0)
    }

    @Test(arguments: CLIMode.allCases)
    func panelVisitVoteNoticeConfirmAndRelease(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let conn = try h.db.connect()
        let setup = try Actor("setup")
        for n in 1...3 { _ = try Users.add("r\(n)", role: .reviewer, mines: [], by: setup, on: conn) }
        _ = try Users.add("e1", role: .expert, mines: [], org: "旗林草局", by: setup, on: conn)
        for name in ["r1", "r2", "r3", "e1"] { h.addToken(name, try Users.issueToken(for: name, by: setup, on: conn).token) }
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("2500")), by: try Actor("li"), on: conn)
        try restore(conn)

        #expect(try h.run(["calendar", "holiday", "add", "2027-10-01", "--name", "国庆节"], as: "boss").stdout
                == "listed 2027-10-01 as a holiday (国庆节)\n")
        #expect(try h.run(["calendar", "holiday", "add", "2027-10-02"], as: "li").status == 65)
        let schedule = try writeCSV("day,kind,name\n2027-01-01,holiday,元旦（测试）\n2027-10-01,holiday,国庆节\n")
        defer { try? FileManager.default.removeItem(atPath: schedule) }
        let loaded = try h.run(["calendar", "load", schedule, "--source", "测试"], as: "boss")
        #expect(loaded.stdout == "loaded 2 days of 2027\n", "\(loaded.stderr)")
        let cal = try h.run(["calendar", "list", "--year", "2027", "--format", "csv"], as: "aud")
        #expect(cal.stdout == "day,kind,name\n2027-01-01,holiday,元旦（测试）\n2027-10-01,holiday,国庆节\n")

        let applied = try h.run(["closure", "apply", "A", "--evidence", "photo-1", "report-2", "--format", "json"], as: "opA")
        #expect(applied.status == 0, "\(applied.stderr)")
        let a = try json(applied.stdout)
        let id = try #require(a["id"] as? Int)
        #expect(a["license"] as? String == "A" && a["state"] as? String == "filed" && a["working_days_used"] as? Int == 0)
        #expect(a["working_days_left"] as? Int == 60 && a["due_date"] is String && a["panel"] as? [String] == [])
        #expect(a["decision"] is NSNull && a["confirmation_number"] is NSNull && a["notice_ends_on"] is NSNull)
        let early = try h.run(["fund", "release", "A"], as: "li")
        #expect(early.status == 65 && early.stderr.contains("not accepted"), "\(early.stderr)")
        // a panel without an expert is refused; with one it is assigned
        let noExpert = try h.run(["closure", "panel", String(id), "--member", "r1", "r2", "r3"], as: "rev")
        #expect(noExpert.status == 65 && noExpert.stderr.hasPrefix("error: members: a panel has at least 3 members, 1 of them experts"),
                "\(noExpert.stderr)")
        #expect(try h.run(["closure", "panel", String(id), "--member", "r1", "r2", "e1"], as: "rev").status == 0)
        // no vote before the visit
        let blind = try h.run(["closure", "vote", String(id), "--pass", "--opinion", "ok"], as: "r1")
        #expect(blind.status == 65 && blind.stderr.contains("site visit"), "\(blind.stderr)")
        let visit = try h.run(["closure", "visit", String(id), "--date", Bureau.today.description, "--participant", "r1", "e1",
                               "旗农牧局", "--checked-hm2", "10", "--finding", "植被恢复达标"], as: "r1")
        #expect(visit.status == 0, "\(visit.stderr)")
        #expect(try h.run(["closure", "vote", String(id), "--pass", "--opinion", "ok"], as: "rev").status == 65)  // not a member
        for (n, name) in ["r1", "r2", "e1"].enumerated() {
            let v = try h.run(["closure", "vote", String(id), n == 1 ? "--fail" : "--pass", "--opinion", "意见 \(n)"], as: name)
            #expect(v.status == 0, "\(v.stderr)")
        }
        var shown = try json(try h.run(["closure", "show", String(id), "--format", "json"], as: "aud").stdout)
        #expect(shown["state"] as? String == "noticed" && shown["notice_ends_on"] as? String == Bureau.today.adding(days: 29).description)
        // the notice runs: no confirmation, no release
        let running = try h.run(["closure", "confirm", String(id), "--number", "N-1"], as: "r3")
        #expect(running.status == 65 && running.stderr.hasPrefix("error: notice_ends_on:"), "\(running.stderr)")
        #expect(try h.run(["fund", "release", "A"], as: "li").status == 65)
        // an objection, dismissed
        #expect(try h.run(["closure", "object", String(id), "--name", "王某", "--contact", "138", "--text", "x"], as: "rev").status == 65)
        let objected = try h.run(["closure", "object", String(id), "--name", "王某", "--contact", "13800000000",
                                  "--text", "排土场有裸露", "--format", "json"], as: "boss")
        #expect(objected.status == 0, "\(objected.stderr)")
        let objection = try #require((try json(objected.stdout)["objections"] as? [[String: Any]])?.first?["id"] as? Int)
        let dismissed = try h.run(["closure", "resolve", String(id), String(objection), "--dismissed", "--reason", "已补植"], as: "r1")
        #expect(dismissed.status == 0, "\(dismissed.stderr)")
        let table = try h.run(["closure", "show", String(id)], as: "aud").stdout
        #expect(table.contains("public notice (初步验收结果公告) until") && table.contains("dismissed by r1: 已补植"), "\(table)")

        // the notice has run (moved back here as the owner would record an old notice), then the confirmation
        try conn.execute("ALTER TABLE closure_notices DISABLE TRIGGER USER")
        try conn.execute("UPDATE closure_notices SET starts_on = starts_on - 40, ends_on = ends_on - 40")
        try conn.execute("ALTER TABLE closure_notices ENABLE TRIGGER USER")
        let confirmed = try h.run(["closure", "confirm", String(id), "--number", "达自然资复验〔2026〕3号", "--format", "json"], as: "r3")
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        shown = try json(confirmed.stdout)
        #expect(shown["state"] as? String == "accepted" && shown["confirmation_number"] as? String == "达自然资复验〔2026〕3号")
        #expect((shown["decision"] as? [String: Any])?["opinion"] as? [String] == ["意见 0", "意见 2"])
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

    /// Bad input to the new commands: one line naming the field, exit 65 (66 for an unreadable file; 64 for a
    /// value that is not a date at all, a usage error like any malformed option), nothing written.
    @Test(arguments: CLIMode.allCases)
    func badInputIsRefusedNamingTheField(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let conn = try h.db.connect()
        try restoreMine("A", by: try Actor("opA", role: "operator"),
                        reviewers: (try Actor("rev", role: "reviewer"), try Actor("rev", role: "reviewer")), on: conn)
        let id = try #require(try json(try h.run(["closure", "apply", "A", "--evidence", "p", "--format", "json"], as: "opA").stdout)["id"] as? Int)
        for (args, prefix, status) in [
            (["closure", "visit", String(id), "--date", "2026-02-30", "--participant", "x", "--checked-hm2", "1", "--finding", "f"],
             "error: The value '2026-02-30' is invalid for '--date <date>'", Int32(64)),
            (["closure", "visit", String(id), "--date", "2026-01-05", "--participant", "x", "--checked-hm2", "1e3", "--finding", "f"],
             "error: checked-hm2:", 65),
            (["closure", "confirm", String(id), "--number", "N-1"], "error: state:", 65),
            (["mine", "merge", "--from", "A", "--into", "B", "--approved-on", "yesterday", "--document", "d"],
             "error: The value 'yesterday' is invalid for '--approved-on <approved-on>'", 64),
            (["mine", "merge", "--from", "A", "--into", "A", "--approved-on", "2025-01-02", "--document", "d"], "error: into_license:", 65),
        ] {
            let r = try h.run(args, as: args[0] == "mine" ? "boss" : "rev")
            #expect(r.status == status && r.stderr.hasPrefix(prefix) && r.stdout.isEmpty, "\(args): \(r.stderr)")
        }
        // `calendar load FILE` as the issue names it: no --source needed (the file's name stands for it)
        let schedule = try writeCSV("day,kind,name\n2027-01-01,holiday,元旦（测试）\n")
        defer { try? FileManager.default.removeItem(atPath: schedule) }
        #expect(try h.run(["calendar", "load", schedule], as: "boss").stdout == "loaded 1 days of 2027\n")
        #expect(try h.run(["calendar", "load", "/nonexistent/schedule.csv"], as: "boss").status == 66)
        let badCSV = try writeCSV("day,kind\n2027-02-01,holiday\n")
        defer { try? FileManager.default.removeItem(atPath: badCSV) }
        let bad = try h.run(["calendar", "load", badCSV], as: "boss")
        #expect(bad.status == 65 && bad.stderr.hasPrefix("error: file: must begin with the header day,kind,name"), "\(bad.stderr)")
        // the mergers are the bureau's, whichever way the CLI runs
        #expect(try h.run(["mine", "mergers"], as: "opA").status == 65)
        #expect(try h.run(["mine", "mergers", "--format", "csv"], as: "aud").stdout.hasPrefix("id,from_licenses,into_license"))
        // the report takes a year, a day, or both (the year's figures, their rates as of the day)
        let both = try json(try h.run(["report", "restoration", "--year", "2025", "--as-of", "2026-01-01", "--format", "json"],
                                      as: "aud").stdout)
        #expect(both["year"] as? Int == 2025 && both["as_of"] as? String == "2026-01-01")
        #expect(try h.db.count("SELECT count(*) FROM closure_visits") + (try h.db.count("SELECT count(*) FROM mergers")) == 0)
    }

    /// Settings: everyone reads them, an administrator sets them within their bounds.
    @Test(arguments: CLIMode.allCases)
    func settings(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let list = try h.run(["settings", "list", "--format", "csv"], as: "aud")
        #expect(list.status == 0 && list.stdout.contains("closure.notice_days,30,30,30,365,calendar days,"), "\(list.stdout)")
        #expect(try h.run(["settings", "set", "closure.notice_days", "45"], as: "rev").status == 65)
        let low = try h.run(["settings", "set", "closure.notice_days", "10"], as: "boss")
        #expect(low.status == 65 && low.stderr.hasPrefix("error: value: closure.notice_days must be a whole number from 30 to 365"),
                "\(low.stderr)")
        #expect(try h.run(["settings", "set", "closure.nope", "10"], as: "boss").status == 65)
        let set = try h.run(["settings", "set", "closure.notice_days", "45"], as: "boss")
        #expect(set.status == 0 && set.stdout == "closure.notice_days = 45 (calendar days)\n", "\(set.stderr)")
        #expect(try h.db.count("SELECT count(*) FROM audit_log WHERE action = 'setting.set'") == 1)
    }
}
