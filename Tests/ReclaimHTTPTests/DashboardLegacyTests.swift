import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 1, legacy work end to end in the browser: a site surveyed
/// (typed or from the survey file), its notice with an objection and its
/// outcome, a project with its budget, site, steps, progress and money.
@Suite struct DashboardLegacyTests {
    @Test func aSiteFromSurveyToAnAcceptedProject() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        try await s.application().test(.router) { client in
            func post(_ b: inout DashboardTests.Browser, _ uri: String, _ pairs: [(String, String)]) async throws -> TestResponse {
                b.keep(try await client.execute(uri: "/", method: .get, headers: b.header))
                return try await client.execute(uri: uri, method: .post, headers: b.header,
                                                body: DashboardTests.form([("csrf", b.csrf)] + pairs))
            }
            var boss = try await DashboardTests.signIn("boss", client)
            let list = try await client.execute(uri: "/legacy", method: .get, headers: boss.header)
            #expect(list.status == .ok && list.text.contains(#"id="add-site""#) && list.text.contains(#"id="add-project""#))
            #expect(DashboardTests.wellFormed(list.text))
            let site: [(String, String)] = [("code", "L-1"), ("township", "纳林希里镇"), ("area_hm2", "12.5"), ("former_mine", "原某煤矿"),
                                            ("problem_subsidence", "1,200"), ("problem_other", "3")]
            // the other problem without its unit: said, everything typed kept, nothing stored
            let unitless = try await post(&boss, "/legacy/sites", site + [("unit_other", "")])
            #expect(unitless.status == .unprocessableContent && unitless.text.contains(#"value="纳林希里镇""#), "\(unitless.text)")
            #expect(try s.count("SELECT count(*) FROM legacy_sites") == 0)
            #expect(try await post(&boss, "/legacy/sites", site + [("unit_other", "处")]).headers[.location] == "/legacy/sites/L-1?done=1")
            let sitePage = try await client.execute(uri: "/legacy/sites/L-1", method: .get, headers: boss.header)
            #expect(sitePage.text.contains("采空塌陷") && sitePage.text.contains("1,200.000 m²") && sitePage.text.contains("3.000 处"), "\(sitePage.text)")
            // the survey file, uploaded
            let survey = Data("code,township,area_hm2,former_mine,problems,location\nL-2,纳林希里镇,2.5,,,\n".utf8)
            #expect(try await DashboardRulesTests.send(boss, client, "/legacy/sites/import", [], file: ("survey.csv", survey))
                .headers[.location] == "/legacy?imported=1")

            // the notice: opened, an objection, closed once it has run
            #expect(try await post(&boss, "/legacy/sites/L-1/notice", [("start", Bureau.today.description), ("days", "")])
                .headers[.location] == "/legacy/sites/L-1?done=1")
            #expect(try await post(&boss, "/legacy/sites/L-1/objection", [("text", "该地块曾由某公司承包")]).status == .seeOther)
            let early = try await post(&boss, "/legacy/sites/L-1/close", [("outcome", "ownerless"), ("owner", "")])
            #expect(early.status == .unprocessableContent && early.text.contains(#"role="alert""#))
            try conn.execute("ALTER TABLE legacy_notices DISABLE TRIGGER USER")
            try conn.execute("UPDATE legacy_notices SET start_on = start_on - 90")
            try conn.execute("ALTER TABLE legacy_notices ENABLE TRIGGER USER")
            #expect(try await post(&boss, "/legacy/sites/L-1/close", [("outcome", "ownerless"), ("owner", "")]).status == .seeOther)
            let closed = try await client.execute(uri: "/legacy/sites/L-1", method: .get, headers: boss.header)
            #expect(closed.text.contains("认定无主") && closed.text.contains("该地块曾由某公司承包"))

            // a project: its budget, its site, approved by a reviewer (never its manager) after a confirmation
            let added = try await post(&boss, "/legacy/projects", [("name", "纳林希里采空区治理"), ("approval", "伊发改〔2026〕3号"),
                                                                  ("contractor", "某建设公司"), ("budget_banner", "500,000")])
            let project = try #require(added.headers[.location], "\(added.text)")
            #expect(project.hasSuffix("?done=1"))
            let path = String(project.dropLast("?done=1".count))
            #expect(try await post(&boss, path + "/sites", [("code", "L-1")]).headers[.location] == project)
            #expect(!(try await client.execute(uri: path, method: .get, headers: boss.header).text.contains(#"id="step-approve""#)))
            var rev = try await DashboardTests.signIn("rev", client)
            let asked = try await post(&rev, path + "/step", [("decision", "approve"), ("text", "")])
            #expect(asked.status == .ok && asked.text.contains(#"name="confirmed" value="1""#))
            #expect(try await post(&rev, path + "/step", [("decision", "approve"), ("text", ""), ("confirmed", "1")]).headers[.location] == project)
            #expect(try await post(&boss, path + "/step", [("decision", "start"), ("text", "")]).headers[.location] == project)
            let tooMuch = try await post(&boss, path + "/progress", [("site", "L-1"), ("area_hm2", "13"), ("date", Bureau.today.description),
                                                                     ("evidence", "")])
            #expect(tooMuch.status == .unprocessableContent)
            #expect(try await post(&boss, path + "/progress", [("site", "L-1"), ("area_hm2", "12.5"), ("date", Bureau.today.description),
                                                               ("evidence", "照片 1\n监理日志")]).headers[.location] == project)

            // finance: money committed then paid, a double submission booked once
            var li = try await DashboardTests.signIn("li", client)
            let page = try await client.execute(uri: path, method: .get, headers: li.header)
            #expect(page.text.contains(#"id="book-legacy""#))
            let commit = try await post(&li, path + "/money", [("kind", "legacy-commit"), ("source", "banner"), ("amount", "100,000"),
                                                               ("value_date", Bureau.today.description), ("reference", "拨 1"), ("work", ""),
                                                               ("idempotency_key", "legacy-form-1")])
            #expect(commit.headers[.location]?.contains("booked=") == true, "\(commit.text)")
            let again = try await post(&li, path + "/money", [("kind", "legacy-commit"), ("source", "banner"), ("amount", "100,000"),
                                                              ("value_date", Bureau.today.description), ("reference", "拨 1"), ("work", ""),
                                                              ("idempotency_key", "legacy-form-1")])
            #expect(again.headers[.location]?.contains("replayed=") == true)
            let unpaid = try await post(&li, path + "/money", [("kind", "legacy-spend"), ("source", "banner"), ("amount", "50,000"),
                                                               ("value_date", ""), ("reference", ""), ("work", ""), ("idempotency_key", "legacy-form-2")])
            #expect(unpaid.status == .unprocessableContent && unpaid.text.contains(#"role="alert""#))
            #expect(try await post(&li, path + "/money", [("kind", "legacy-spend"), ("source", "banner"), ("amount", "50,000"), ("value_date", ""),
                                                          ("reference", ""), ("work", "采空区回填"), ("idempotency_key", "legacy-form-3")])
                .headers[.location]?.contains("booked=") == true)

            // completed, then accepted with its opinion
            #expect(try await post(&boss, path + "/step", [("decision", "complete"), ("text", "")]).headers[.location] == project)
            let blank = try await post(&rev, path + "/step", [("decision", "accept"), ("text", ""), ("confirmed", "1")])
            #expect(blank.status == .unprocessableContent)
            #expect(try await post(&rev, path + "/step", [("decision", "accept"), ("text", "治理达标"), ("confirmed", "1")]).headers[.location] == project)
            let done = try await client.execute(uri: path, method: .get, headers: rev.header)
            #expect(done.text.contains("治理达标") && done.text.contains("50,000.00") && DashboardTests.wellFormed(done.text))

            // an operator has no part in the programme
            let op = try await DashboardTests.signIn("opA", client)
            #expect(try await client.execute(uri: "/legacy", method: .get, headers: op.header).status == .forbidden)
            #expect(try await client.execute(uri: path, method: .get, headers: op.header).status == .forbidden)
        }
        #expect(try s.count("SELECT count(*) FROM legacy_sites") == 2)
        #expect(try s.count("SELECT count(*) FROM ledger_entries WHERE kind IN ('legacy-commit', 'legacy-spend')") == 2)
        try await s.pool.shutdown()
    }
}
