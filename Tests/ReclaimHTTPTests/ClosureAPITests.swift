import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import TestSupport
import Testing

/// Closure acceptance over the API, step by step, as each person would.
@Suite struct ClosureAPITests {
    /// Reviewers r1, r2, r3 and experts e1, e2 with tokens, beside TestService's users.
    static func panelUsers(_ s: TestService) throws -> [String: HTTPFields] {
        let conn = try s.db.connect()
        let setup = try Actor("setup")
        var headers: [String: HTTPFields] = [:]
        for (name, role) in [("r1", Role.reviewer), ("r2", .reviewer), ("r3", .reviewer), ("e1", .expert), ("e2", .expert)] {
            _ = try Users.add(name, role: role, mines: [], org: role == .expert ? "旗林草局" : nil, by: setup, on: conn)
            var h = s.headers(nil)
            h[.authorization] = "Bearer \(try Users.issueToken(for: name, by: setup, on: conn).token)"
            headers[name] = h
        }
        return headers
    }

    @Test func theWholeAcceptanceOverTheAPI() async throws {
        let s = try TestService.make()
        let as_ = try Self.panelUsers(s)
        let conn = try s.db.connect()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("800")), by: try Actor("li", role: "finance"), on: conn)
        try await s.application().test(.router) { client in
            // what was seen: a mine with nothing restored was accepted. Now every unmet condition, by kind
            let refused = try await client.execute(uri: "/v1/mines/A/closure-applications", method: .post, headers: s.headers("opA"),
                                                   body: body(#"{"evidence": ["photo-1"]}"#))
            let problem = try refused.problem(.unprocessableContent)
            let unmet = try #require(problem["unmet"] as? [[String: Any]])
            #expect(unmet.map { $0["kind"] as? String } == ["no-approved-plan"])
            #expect(refused.headers[.contentType] == "application/problem+json")

            try restoreMine("A", by: try Actor("opA", role: "operator"),
                            reviewers: (try Actor("r1", role: "reviewer"), try Actor("r2", role: "reviewer")), on: conn)
            let filed = try await client.execute(uri: "/v1/mines/A/closure-applications", method: .post, headers: s.headers("opA"),
                                                 body: body(#"{"evidence": ["photo-1"], "note": "复垦完成"}"#))
            #expect(filed.status == .created, "\(filed.text)")
            let id = try #require(try filed.json()["id"] as? Int)
            let path = "/v1/closure-applications/\(id)"
            let panel = try await client.execute(uri: path + "/panel", method: .post, headers: s.headers("rev"),
                                                 body: body(#"{"members": ["r1", "r2", "e1"]}"#))
            #expect(panel.status == .ok, "\(panel.text)")
            // an expert sees the applications of their panels only, and votes on them
            let e1List = try await client.execute(uri: "/v1/closure-applications", method: .get, headers: try #require(as_["e1"])).json()
            #expect((e1List["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
            let e2List = try await client.execute(uri: "/v1/closure-applications", method: .get, headers: try #require(as_["e2"])).json()
            #expect((e2List["items"] as? [Any])?.isEmpty == true)
            try await client.execute(uri: path, method: .get, headers: try #require(as_["e2"])).problem(.notFound)
            try await client.execute(uri: "/v1/mines/A", method: .get, headers: try #require(as_["e1"])).problem(.forbidden)
            // the visit, then the votes
            let blind = try await client.execute(uri: path + "/votes", method: .post, headers: try #require(as_["r1"]),
                                                 body: body(#"{"pass": true, "opinion": "ok"}"#))
            #expect(try blind.problem(.unprocessableContent)["detail"] as? String == "visit: closure application \(id): no vote before the site visit (现场踏勘) is recorded")
            let visit = try await client.execute(uri: path + "/visits", method: .post, headers: try #require(as_["r1"]), body: body(
                #"{"date": "\#(Bureau.today)", "participants": ["r1", "e1"], "checked_hm2": "10", "finding": "达标"}"#))
            #expect(visit.status == .created, "\(visit.text)")
            for name in ["r1", "r2", "e1"] {
                let v = try await client.execute(uri: path + "/votes", method: .post, headers: try #require(as_[name]),
                                                 body: body(#"{"pass": true, "opinion": "同意 \#(name)"}"#))
                #expect(v.status == .created, "\(v.text)")
            }
            let noticed = try await client.execute(uri: path, method: .get, headers: s.headers("aud")).json()
            #expect(noticed["state"] as? String == "noticed" && noticed["notice_ends_on"] as? String == Bureau.today.adding(days: 29).description)
            // during the notice: an objection (the administrator's record), no confirmation, no release
            let objected = try await client.execute(uri: path + "/objections", method: .post, headers: s.headers("boss"),
                                                    body: body(#"{"name": "王某", "contact": "13800000000", "text": "排土场裸露"}"#)).json()
            let objection = try #require((objected["objections"] as? [[String: Any]])?.first?["id"] as? Int)
            // the objector's contact is the bureau's to see, not the operator's nor the public's
            #expect((objected["objections"] as? [[String: Any]])?.first?["contact"] as? String == "13800000000")
            for user in ["opA", "aud"] {
                let seen = try await client.execute(uri: path, method: .get, headers: s.headers(user)).json()
                #expect((seen["objections"] as? [[String: Any]])?.first?["contact"] is NSNull, "\(user)")
            }
            try await client.execute(uri: path + "/confirmation", method: .post, headers: try #require(as_["r3"]),
                                     body: body(#"{"number": "N-1"}"#)).problem(.unprocessableContent)
            try await client.execute(uri: "/v1/mines/A/fund/release", method: .post, headers: s.headers("li"),
                                     body: body("{}")).problem(.unprocessableContent)
            let dismissed = try await client.execute(uri: path + "/objections/\(objection)/outcome", method: .post,
                                                     headers: try #require(as_["r2"]), body: body(#"{"upheld": false, "reason": "已核实无误"}"#))
            #expect(dismissed.status == .created, "\(dismissed.text)")
            // the notice has run (moved back as the owner would record an old one); confirmed; released
            try conn.execute("ALTER TABLE closure_notices DISABLE TRIGGER USER")
            try conn.execute("UPDATE closure_notices SET starts_on = starts_on - 40, ends_on = ends_on - 40")
            try conn.execute("ALTER TABLE closure_notices ENABLE TRIGGER USER")
            var r3Key = try #require(as_["r3"])
            if let name = HTTPField.Name("Idempotency-Key") { r3Key[name] = "confirm-1" }
            let confirmed = try await client.execute(uri: path + "/confirmation", method: .post, headers: r3Key,
                                                     body: body(#"{"number": "达自然资复验〔2026〕9号"}"#))
            #expect(confirmed.status == .created, "\(confirmed.text)")
            // a retry with the same key (the answer was lost) gets the same answer, and confirms nothing twice
            let retried = try await client.execute(uri: path + "/confirmation", method: .post, headers: r3Key,
                                                   body: body(#"{"number": "达自然资复验〔2026〕9号"}"#))
            #expect(retried.status == .created && retried.text == confirmed.text)
            let accepted = try confirmed.json()
            #expect(accepted["state"] as? String == "accepted" && accepted["confirmation_number"] as? String == "达自然资复验〔2026〕9号")
            let released = try await client.execute(uri: "/v1/mines/A/fund/release", method: .post, headers: s.headers("li"),
                                                    body: body("{}"))
            #expect(released.status == .created, "\(released.text)")
            #expect(try released.json()["amount"] as? String == "800.00")
        }
        #expect(try s.count("SELECT count(*) FROM closure_confirmations") == 1)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'closure-application.confirm'") == 1)
        try await s.pool.shutdown()
    }
}
