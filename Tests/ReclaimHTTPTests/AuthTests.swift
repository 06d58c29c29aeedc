import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import TestSupport
import Testing

@Suite struct AuthTests {
    @Test func missingBadRevokedExpiredAndDisabledTokensAre401() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        let setup = try Actor("setup")
        _ = try Users.add("gone", role: .finance, mines: [], by: setup, on: conn)
        let disabledToken = try Users.issueToken(for: "gone", expiresInDays: nil, by: setup, on: conn).token
        try Users.disable("gone", by: setup, on: conn)
        let revoked = try Users.issueToken(for: "li", expiresInDays: nil, by: setup, on: conn)
        try Users.revokeToken(revoked.id, by: setup, on: conn)
        let expired = try Users.issueToken(for: "li", expiresInDays: 1, by: setup, on: conn)
        try conn.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = \(expired.id)")

        try await s.application().test(.router) { client in
            let none = try await client.execute(uri: "/v1/mines", method: .get)
            try none.problem(.unauthorized)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            for token in ["rcl_nonsense", "not-even-a-token", disabledToken, revoked.token, expired.token] {
                let r = try await client.execute(
                    uri: "/v1/mines/A/fund/deposits", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                    body: body(#"{"amount":"1"}"#))
                try r.problem(.unauthorized)
            }
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 0)
        try await s.pool.shutdown()
    }

    /// A booking may take its principal from the service's cache, but the
    /// token still has to prove it in the booking's own statement: revoking
    /// the token, or disabling its user, refuses the very next booking (401,
    /// 403) and books nothing, on every booking route.
    @Test func aCachedPrincipalDoesNotOutliveItsToken() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        let setup = try Actor("setup")
        try approvedAnnualPlan("A", on: conn)
        let merged = try merger("A", into: "B", on: conn)
        _ = try Users.add("zhao", role: .finance, mines: [], by: setup, on: conn)
        _ = try Users.add("qian", role: .finance, mines: [], by: setup, on: conn)
        let zhao = try Users.issueToken(for: "zhao", expiresInDays: nil, by: setup, on: conn)
        let qian = try Users.issueToken(for: "qian", expiresInDays: nil, by: setup, on: conn).token
        let routes = [("/v1/mines/A/fund/deposits", #"{"amount":"5.00"}"#),
                      ("/v1/mines/A/fund/withdrawals", #"{"amount":"1.00","annual_plan_year":2025}"#),
                      ("/v1/mines/A/fund/deposit-conversions", #"{"amount":"1.00"}"#),
                      ("/v1/fund/transfers", #"{"from_license":"A","to_license":"B","amount":"1.00","merger_id":\#(merged)}"#)]
        try await s.application().test(.router) { client in
            func book(_ token: String, _ uri: String, _ json: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post,
                                         headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                         body: body(json))
            }
            // twice each: the second goes through the cache
            for (uri, json) in routes + routes {
                let r = try await book(zhao.token, uri, json)
                #expect(r.status == .created, "\(uri): \(r.text)")
                _ = try await book(qian, uri, json)
            }
            let entries = try s.count("SELECT count(*) FROM ledger_entries")
            #expect(entries == 16)
            try Users.revokeToken(zhao.id, by: setup, on: conn)
            try Users.disable("qian", by: setup, on: conn)
            for (uri, json) in routes {
                try await book(zhao.token, uri, json).problem(.unauthorized)
                let refused = try await book(qian, uri, json)
                #expect(refused.status == .unauthorized || refused.status == .forbidden, "\(uri): \(refused.text)")
            }
            #expect(try s.count("SELECT count(*) FROM ledger_entries") == entries)
        }
        try await s.pool.shutdown()
    }

    /// Every mutation, by every role: allowed ones succeed, the others are
    /// 403 and write nothing, and each success leaves one audit record.
    @Test func eachRoleOnEachMutation() async throws {
        let s = try TestService.make()
        // fund A so withdrawals and transfers can succeed
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("100000")), by: try Actor("seed"), on: try s.db.connect())
        let seedEntry: Int64 = 1
        try approvedAnnualPlan("A", on: try s.db.connect())
        let merged = try merger("A", into: "B", on: try s.db.connect())
        struct Call {
            var method: HTTPRequest.Method
            var uri: String
            var body: String
            var allowed: String
            var ok: HTTPResponse.Status
        }
        let calls = [
            Call(method: .post, uri: "/v1/mines", body: #"{"license":"N1","name":"n","holder":"h","mineral":"sand","mineral_class":"building-nonmetal","scale":"small","method":"open-pit","status":"producing","area_hm2":"1","land_type":"other"}"#, allowed: "boss", ok: .created),
            Call(method: .patch, uri: "/v1/mines/B", body: #"{"status":"suspended"}"#, allowed: "boss", ok: .ok),
            Call(method: .post, uri: "/v1/mines/A/fund/deposits", body: #"{"amount":"10.00"}"#, allowed: "li", ok: .created),
            Call(method: .post, uri: "/v1/mines/A/fund/withdrawals", body: #"{"amount":"1.00","annual_plan_year":2025}"#, allowed: "li", ok: .created),
            Call(method: .post, uri: "/v1/mines/A/fund/deposit-conversions", body: #"{"amount":"2"}"#, allowed: "li", ok: .created),
            Call(method: .post, uri: "/v1/fund/transfers", body: #"{"from_license":"A","to_license":"B","amount":"3","merger_id":\#(merged)}"#, allowed: "li", ok: .created),
            Call(method: .post, uri: "/v1/fund/entries/\(seedEntry)/reversal", body: #"{"reason":"test"}"#, allowed: "li", ok: .created),
        ]
        try await s.application().test(.router) { client in
            for call in calls {
                for (user, _, _) in TestService.users where user != call.allowed {
                    let entries = try s.count("SELECT count(*) FROM ledger_entries")
                    let audits = try s.count("SELECT count(*) FROM audit_log")
                    let r = try await client.execute(uri: call.uri, method: call.method, headers: s.headers(user),
                                                     body: body(call.body))
                    try r.problem(.forbidden)
                    #expect(try s.count("SELECT count(*) FROM ledger_entries") == entries)
                    #expect(try s.count("SELECT count(*) FROM audit_log") == audits, "\(user) \(call.uri)")
                }
                let audits = try s.count("SELECT count(*) FROM audit_log")
                let r = try await client.execute(uri: call.uri, method: call.method, headers: s.headers(call.allowed),
                                                 body: body(call.body))
                #expect(r.status == call.ok, "\(call.uri): \(r.text)")
                #expect(try s.count("SELECT count(*) FROM audit_log") == audits + 1)
                let record = try #require(try s.db.connect().queryFirst(
                    "SELECT actor, role, request_id FROM audit_log ORDER BY id DESC LIMIT 1"))
                #expect(try record.decode("actor", as: String.self) == call.allowed)
                #expect(try record.decode("request_id", as: String?.self) == r.headers[.init("X-Request-Id")!])
            }
        }
        #expect(try s.count("SELECT count(*) FROM mines WHERE license = 'N1'") == 1)
        #expect(try FundLedger.verify(on: try s.db.connect()).isIntact)
        try await s.pool.shutdown()
    }

    @Test func operatorSeesOnlyTheirMines() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            #expect(try await client.execute(uri: "/v1/mines/A", method: .get, headers: s.headers("opA")).status == .ok)
            try await client.execute(uri: "/v1/mines/B", method: .get, headers: s.headers("opA")).problem(.forbidden)
            #expect(try await client.execute(uri: "/v1/mines/A/fund", method: .get, headers: s.headers("opA")).status == .ok)
            try await client.execute(uri: "/v1/mines/B/fund", method: .get, headers: s.headers("opA")).problem(.forbidden)
            try await client.execute(uri: "/v1/mines/B/fund/statement", method: .get, headers: s.headers("opA"))
                .problem(.forbidden)
            let list = try await client.execute(uri: "/v1/mines", method: .get, headers: s.headers("opA")).json()
            #expect((list["items"] as? [[String: Any]])?.compactMap { $0["license"] as? String } == ["A"])
            let balances = try await client.execute(uri: "/v1/fund/balances", method: .get, headers: s.headers("opA")).json()
            #expect((balances["items"] as? [[String: Any]])?.count == 1)
            // auditors and reviewers read everything, write nothing
            let all = try await client.execute(uri: "/v1/mines", method: .get, headers: s.headers("aud")).json()
            #expect((all["items"] as? [Any])?.count == 2)
            try await client.execute(uri: "/v1/audit", method: .get, headers: s.headers("rev")).problem(.forbidden)
            #expect(try await client.execute(uri: "/v1/audit", method: .get, headers: s.headers("aud")).status == .ok)
        }
        try await s.pool.shutdown()
    }
}
