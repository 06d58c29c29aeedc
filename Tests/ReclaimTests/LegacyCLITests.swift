import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// The legacy programme from the CLI, both ways (see `MineCLITests`).
@Suite struct LegacyCLITests {
    @Test(arguments: CLIMode.allCases)
    func aProjectFromSurveyToAcceptance(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let survey = try writeCSV("code,township,area_hm2,former_mine,problems,location\nL1,树林召镇,3,,waste-dump=1200;opening=2,\nL2,王爱召镇,2,老窑,\"subsidence=500\",\n")
        defer { try? FileManager.default.removeItem(atPath: survey) }
        #expect(try h.run(["legacy", "site", "import", survey], as: "li").status == 65)  // finance manages no sites
        let imported = try h.run(["legacy", "site", "import", survey], as: "boss")
        #expect(imported.stdout == "added 2 sites\n", "\(imported.stderr)")
        let added = try h.run(["legacy", "site", "add", "L3", "--township", "t", "--area-hm2", "1", "--problem", "other=3:pits",
                               "--location", #"{"type": "Point", "coordinates": [110, 40]}"#, "--format", "json"], as: "rev")
        #expect(try json(added.stdout)["notice_state"] as? String == "none", "\(added.stderr)")
        // operators see nothing of the programme
        #expect(try h.run(["legacy", "site", "list"], as: "opA").status == 65)

        // what was seen: a notice started in the past for one day declared a site ownerless at once
        if mode == .service {
            let past = try h.run(["legacy", "notice", "open", "L1", "--days", "30", "--start", "2026-01-01"], as: "boss")
            #expect(past.status == 65 && past.stderr.hasPrefix("error: start: a public notice starts today"), "\(past.stderr)")
            let short = try h.run(["legacy", "notice", "open", "L1", "--days", "1"], as: "boss")
            #expect(short.status == 65 && short.stderr.hasPrefix("error: days: a public notice runs at least 30 days"), "\(short.stderr)")
        }
        // notices of the past, recorded by the owner with their dates
        let conn = try h.db.connect()
        for code in ["L1", "L2"] {
            _ = try LegacySites.openNotice(code, days: 10, start: CalendarDate(iso: "2026-01-01"), by: try Actor("boss", role: "admin"),
                                           on: conn)
        }
        #expect(try h.run(["legacy", "notice", "objection", "L1", "--text", "有主"], as: "aud").status == 65)  // an auditor writes nothing
        let late = try h.run(["legacy", "notice", "objection", "L1", "--text", "有主"], as: "boss")
        #expect(late.status == 65 && late.stderr.contains("2026-01-10"), "\(late.stderr)")
        #expect(try h.run(["legacy", "notice", "close", "L1", "--outcome", "ownerless"], as: "boss").status == 0)
        #expect(try h.run(["legacy", "notice", "close", "L2", "--outcome", "owner-found", "--owner", "某公司"], as: "boss").status == 0)
        let list = try h.run(["legacy", "site", "list", "--format", "csv"], as: "aud")
        #expect(list.stdout.contains("L1,树林召镇,3.0000,ownerless,,no") && list.stdout.contains("L2,王爱召镇,2.0000,owner-found,,no"))

        let id = try h.run(["legacy", "project", "add", "示范项目", "--approval", "自然资字〔2021〕346号", "--contractor", "某公司",
                            "--budget", "central=100000", "--budget", "banner=20000"], as: "boss").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(id) != nil, "\(id)")
        #expect(try h.run(["legacy", "project", "add-site", id, "L2"], as: "boss").status == 65)  // an owner was found
        #expect(try h.run(["legacy", "project", "add-site", id, "L1"], as: "boss").status == 0)
        #expect(try h.run(["legacy", "fund", "commit", id, "--source", "central", "50000"], as: "li").status == 0)
        let early = try h.run(["legacy", "fund", "spend", id, "--source", "central", "1", "--work", "x"], as: "li")
        #expect(early.status == 65 && early.stderr.contains("payments follow its approval"), "\(early.stderr)")
        #expect(try h.run(["legacy", "project", "approve", id], as: "boss").status == 65)  // reviewers approve
        #expect(try h.run(["legacy", "project", "approve", id], as: "rev").status == 0)
        #expect(try h.run(["legacy", "project", "start", id], as: "boss").status == 0)
        #expect(try h.run(["legacy", "fund", "spend", id, "--source", "central", "30000", "--work", "削坡", "--idempotency-key", "p1"], as: "li").status == 0)
        let over = try h.run(["legacy", "fund", "spend", id, "--source", "central", "20000.01", "--work", "覆土"], as: "li")
        #expect(over.stderr == "error: amount: the central source has 20000.00 yuan committed and unspent in legacy project \(id), 20000.01 yuan asked\n")
        #expect(try h.run(["legacy", "progress", id, "--site", "L1", "--area-hm2", "3", "--date", "2026-06-01", "--evidence", "p-1"], as: "boss").status == 0)
        #expect(try h.run(["legacy", "project", "complete", id], as: "boss").status == 0)
        #expect(try h.run(["legacy", "accept", id, "--opinion", "验收合格"], as: "rev").status == 0)
        let shown = try json(try h.run(["legacy", "project", "show", id, "--format", "json"], as: "aud").stdout)
        #expect(shown["state"] as? String == "accepted" && shown["sites"] as? [String] == ["L1"])
        #expect(shown["treated_hm2"] as? String == "3.0000" && shown["committed"] as? String == "50000.00" && shown["spent"] as? String == "30000.00")
        let funding = try #require(shown["funding"] as? [[String: Any]])
        #expect(funding.map { $0["source"] as? String } == ["central", "banner"])
        #expect(funding.first?["planned"] as? String == "100000.00" && funding.first?["spent"] as? String == "30000.00")
        #expect(try CLI.run(["fund", "verify"], database: h.db).status == 0)
    }
}
