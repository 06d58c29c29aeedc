import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 1, the reviewer's closure work in the browser: the panel,
/// the site visit, the votes, the notice's objections and the confirmation,
/// each by whoever the rules give it to, on the application's own page.
@Suite struct DashboardClosureTests {
    /// Reviewers r1, r2 and experts e1, e2, with the dashboard's password.
    static func service() throws -> (TestService, Connection) {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        let setup = try Actor("setup")
        for (name, role) in [("r1", Role.reviewer), ("r2", .reviewer), ("e1", .expert), ("e2", .expert)] {
            _ = try Users.add(name, role: role, mines: [], org: role == .expert ? "旗林草局" : nil, by: setup, on: conn)
            try Passwords.set(name, password: DashboardTests.password, by: setup, on: conn)
        }
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("800")), by: try Actor("li", role: "finance"), on: conn)
        try restoreMine("A", by: try Actor("opA", role: "operator"),
                        reviewers: (try Actor("rev", role: "reviewer"), try Actor("rev", role: "reviewer")), on: conn)
        return (s, conn)
    }

    @Test func theWholeAcceptanceInTheBrowser() async throws {
        let (s, conn) = try Self.service()
        try await s.application().test(.router) { client in
            func post(_ b: inout DashboardTests.Browser, _ uri: String, _ pairs: [(String, String)]) async throws -> TestResponse {
                b.keep(try await client.execute(uri: "/", method: .get, headers: b.header))
                return try await client.execute(uri: uri, method: .post, headers: b.header,
                                                body: DashboardTests.form([("csrf", b.csrf)] + pairs))
            }
            var op = try await DashboardTests.signIn("opA", client)
            let filed = try await post(&op, "/closure/A", [("evidence", "复垦验收报告"), ("note", "")])
            let location = try #require(filed.headers[.location], "\(filed.status) \(filed.text)")
            let id = try #require(location.split(separator: "=").last.map(String.init))
            let path = "/closures/\(id)"

            // the reviewer finds it waiting for a panel, and sees who may sit on it: never the filer
            var rev = try await DashboardTests.signIn("rev", client)
            let list = try await client.execute(uri: "/closures", method: .get, headers: rev.header)
            #expect(list.status == .ok && list.text.contains(#"href="\#(path)""#) && list.text.contains("组织验收组"), "\(list.text)")
            let page = try await client.execute(uri: path, method: .get, headers: rev.header)
            #expect(page.status == .ok && page.text.contains(#"id="assign-panel""#) && page.text.contains(#"value="e1""#))
            #expect(!page.text.contains(#"value="opA""#) && DashboardTests.wellFormed(page.text))
            // too small a panel: said on the page, nothing assigned
            let small = try await post(&rev, path + "/panel", [("member", "r1")])
            #expect(small.status == .unprocessableContent && small.text.contains(#"role="alert""#), "\(small.text)")
            #expect(small.text.contains(#"id="r1" name="member" value="r1" checked="checked""#) || small.text.contains("checked=\"checked\""))
            #expect(try s.count("SELECT count(*) FROM closure_panel") == 0)
            let assigned = try await post(&rev, path + "/panel", [("member", "r1"), ("member", "r2"), ("member", "e1")])
            #expect(assigned.headers[.location] == path + "?done=1", "\(assigned.text)")

            // an expert on the panel sees it; one who is not, does not
            let e1 = try await DashboardTests.signIn("e1", client)
            #expect(try await client.execute(uri: "/closures", method: .get, headers: e1.header).text.contains(#"href="\#(path)""#))
            let e2 = try await DashboardTests.signIn("e2", client)
            #expect(try await client.execute(uri: path, method: .get, headers: e2.header).status == .notFound)

            // a vote asks first, and still waits for the visit
            var r1 = try await DashboardTests.signIn("r1", client)
            let asked = try await post(&r1, path + "/vote", [("decision", "pass"), ("text", "同意")])
            #expect(asked.status == .ok && asked.text.contains(#"name="confirmed" value="1""#) && asked.text.contains(#"href="\#(path)" id="cancel""#))
            let blind = try await post(&r1, path + "/vote", [("decision", "pass"), ("text", "同意"), ("confirmed", "1")])
            #expect(blind.status == .unprocessableContent && blind.text.contains("现场踏勘"), "\(blind.text)")
            let visit = try await post(&r1, path + "/visit", [("date", Bureau.today.description), ("participants", "r1\ne1"),
                                                              ("checked_hm2", "１,234.5"), ("finding", "复垦达标")])
            #expect(visit.headers[.location] == path + "?done=1", "\(visit.text)")
            for (name, browser) in [("r1", r1), ("e1", e1)] {
                var b = browser
                let v = try await post(&b, path + "/vote", [("decision", "pass"), ("text", "同意 \(name)"), ("confirmed", "1")])
                #expect(v.headers[.location] == path + "?done=1", "\(name): \(v.text)")
            }
            // once only: the form is gone, and a second vote is refused
            #expect(!(try await client.execute(uri: path, method: .get, headers: r1.header).text.contains(#"id="vote-pass""#)))
            #expect(try await post(&r1, path + "/vote", [("decision", "fail"), ("text", "改主意"), ("confirmed", "1")]).status
                    == .unprocessableContent)
            var r2 = try await DashboardTests.signIn("r2", client)
            #expect(try await post(&r2, path + "/vote", [("decision", "pass"), ("text", "同意 r2"), ("confirmed", "1")]).status == .seeOther)
            #expect(try s.count("SELECT count(*) FROM closure_votes") == 3)

            // the notice: the administrator records an objection, a panel reviewer dismisses it
            var boss = try await DashboardTests.signIn("boss", client)
            #expect(try await client.execute(uri: path, method: .get, headers: boss.header).text.contains(#"id="record-objection""#))
            #expect(try await post(&boss, path + "/objection", [("name", "王某"), ("contact", "13800000000"), ("text", "排土场裸露")])
                .headers[.location] == path + "?done=1")
            let objection = try conn.queryFirst("SELECT id FROM closure_objections")?.decode("id", as: Int64.self) ?? 0
            let shown = try await client.execute(uri: path, method: .get, headers: r2.header)
            #expect(shown.text.contains("排土场裸露") && shown.text.contains(#"id="dismiss-\#(objection)""#))
            #expect(!(try await client.execute(uri: path, method: .get, headers: op.header).text.contains("13800000000")))
            #expect(try await post(&r2, path + "/resolve", [("objection", String(objection)), ("decision", "dismiss"),
                                                            ("reason", "已核实无误")]).headers[.location] == path + "?done=1")

            // the confirmation waits for the notice to run, then closes the mine
            let early = try await post(&rev, path + "/confirm", [("text", "达自然资复验〔2026〕9号"), ("confirmed", "1")])
            #expect(early.status == .unprocessableContent && early.text.contains(#"role="alert""#))
            try conn.execute("ALTER TABLE closure_notices DISABLE TRIGGER USER")
            try conn.execute("UPDATE closure_notices SET starts_on = starts_on - 40, ends_on = ends_on - 40")
            try conn.execute("ALTER TABLE closure_notices ENABLE TRIGGER USER")
            let confirm = try await post(&rev, path + "/confirm", [("text", "达自然资复验〔2026〕9号")])
            #expect(confirm.status == .ok && confirm.text.contains("确认后矿山即为闭坑"))
            #expect(try await post(&rev, path + "/confirm", [("text", "达自然资复验〔2026〕9号"), ("confirmed", "1")])
                .headers[.location] == path + "?done=1")
            let done = try await client.execute(uri: path, method: .get, headers: op.header)
            #expect(done.text.contains("达自然资复验〔2026〕9号") && done.text.contains("1,234.5000"))
            #expect(!done.text.contains(#"id="confirm-closure""#) && DashboardTests.wellFormed(done.text))
        }
        #expect(try s.count("SELECT count(*) FROM closure_confirmations") == 1)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'closure-application.vote' AND actor IN ('r1', 'r2', 'e1')") == 3)
        #expect(try s.count("SELECT count(*) FROM closure_visits WHERE checked_m2 = 12345000") == 1)
        try await s.pool.shutdown()
    }
}
