import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import TestSupport
import Testing

/// The accrual and plan routes' statuses: 409 for a step the state does not
/// allow, 422 for a rule, 400 for a malformed body, 403 outside one's role or mines.
@Suite struct AccrualAPITests {
    static let rules = """
        {"name": "api-2026", "jurisdiction": "150600", "effective_from": "2026-01-01",
         "base_rate": {"solid-energy": "5.5"}, "method": {"open-pit-layered": "2.0"}, "land": {"grassland": "1.0"},
         "region": {"150621": "1.1"}, "coal_price": {"2026": "1.2"}}
        """

    @Test func statusesOfTheAccrualRoutes() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, _ user: String, _ json: String = "{}") async throws
                -> TestResponse
            {
                try await client.execute(uri: uri, method: method, headers: s.headers(user), body: body(json))
            }
            try await send(.post, "/v1/accrual/rule-sets", "li", Self.rules).problem(.forbidden)
            let loaded = try await send(.post, "/v1/accrual/rule-sets", "boss", Self.rules)
            #expect(loaded.status == .created, "\(loaded.text)")
            try await send(.post, "/v1/accrual/rule-sets", "boss", Self.rules).problem(.conflict)
            let bad = try await send(.post, "/v1/accrual/rule-sets", "boss", #"{"name": "x"}"#).problem(.badRequest)
            #expect((bad["detail"] as? String)?.hasPrefix("jurisdiction:") == true)

            #expect(try await send(.patch, "/v1/mines/A", "boss", #"{"method_detail": "open-pit-layered"}"#).status == .ok)
            try await send(.patch, "/v1/mines/A", "boss", #"{"method_detail": "non-solid"}"#).problem(.unprocessableContent)
            try await send(.put, "/v1/mines/B/output/2025", "opA", #"{"quantity": "1"}"#).problem(.forbidden)
            let out = try await send(.put, "/v1/mines/A/output/2025", "opA", #"{"quantity": "1000"}"#)
            #expect(out.status == .ok, "\(out.text)")
            #expect(try out.json()["quantity"] as? String == "1000.000")
            try await send(.put, "/v1/mines/A/output/20x5", "opA", #"{"quantity": "1"}"#).problem(.badRequest)

            try await send(.post, "/v1/mines/A/accruals/2026", "opA").problem(.forbidden)
            let assessed = try await send(.post, "/v1/mines/A/accruals/2026", "li")
            #expect(assessed.status == .created, "\(assessed.text)")
            #expect(try assessed.json()["amount"] as? String == "14520.00")
            let shown = try await send(.get, "/v1/mines/A/accruals/2026", "opA")
            #expect((try shown.json()["explanation"] as? [String])?.last == "amount: 14520.00 yuan (the formula counts)")
            try await send(.get, "/v1/mines/A/accruals/2031", "aud").problem(.notFound)
            // 2025: ordos-2025, which has no region coefficients: 422 naming it
            _ = try await send(.put, "/v1/mines/A/output/2024", "li", #"{"quantity": "1"}"#)
            let refused = try await send(.post, "/v1/mines/A/accruals/2025", "li").problem(.unprocessableContent)
            #expect(refused["detail"] as? String == "region coefficient for 150621 is not in rule set ordos-2025")

            let quote = try await send(.post, "/v1/accrual/quote", "opA", """
                {"year": 2026, "mineral_class": "solid-energy", "method_detail": "open-pit-layered",
                 "land_type": "grassland", "region_code": "150621", "coal": true, "output": "1000"}
                """)
            #expect(try quote.json()["amount"] as? String == "14520.00", "\(quote.text)")
            try await send(.post, "/v1/accrual/quote", "opA", #"{"year": "2026"}"#).problem(.badRequest)
            let page = try await send(.get, "/v1/accrual/shortfalls?year=2026", "aud")
            #expect((try page.json()["items"] as? [[String: Any]])?.first?["shortfall"] as? String == "14520.00")
        }
        try await s.pool.shutdown()
    }

    @Test func statusesOfThePlanRoutes() async throws {
        let s = try TestService.make()
        let plan = String(decoding: try Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/plan.json")), as: UTF8.self)
        try await s.application().test(.router) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, _ user: String, _ json: String = "{}") async throws
                -> TestResponse
            {
                try await client.execute(uri: uri, method: method, headers: s.headers(user), body: body(json))
            }
            try await send(.post, "/v1/mines/B/plans", "opA", plan).problem(.forbidden)
            try await send(.post, "/v1/mines/A/plans", "rev", plan).problem(.forbidden)
            let inconsistent = plan.replacingOccurrences(of: "\"2027\": \"100000.00\"", with: "\"2027\": \"1.00\"")
            let e = try await send(.post, "/v1/mines/A/plans", "opA", inconsistent).problem(.unprocessableContent)
            #expect((e["detail"] as? String)?.hasPrefix("cost.by_year: adds up to 200001.00 yuan") == true, "\(e)")
            try await send(.post, "/v1/mines/A/plans", "opA", #"{"service_period": 2025}"#).problem(.badRequest)
            let submitted = try await send(.post, "/v1/mines/A/plans", "opA", plan)
            #expect(submitted.status == .created, "\(submitted.text)")
            #expect(try submitted.json()["version"] as? Int == 1)
            #expect(try submitted.json()["state"] as? String == "submitted")
            try await send(.post, "/v1/mines/A/plans/1/approval", "opA").problem(.forbidden)
            try await send(.post, "/v1/mines/A/plans/1/return", "rev").problem(.badRequest)  // no reason
            let returned = try await send(.post, "/v1/mines/A/plans/1/return", "rev", #"{"reason": "incomplete"}"#)
            #expect(returned.status == .ok)
            let late = try await send(.post, "/v1/mines/A/plans/1/approval", "rev").problem(.conflict)
            #expect((late["detail"] as? String)?.contains("that is returned") == true)
            try await send(.get, "/v1/mines/A/plans/9", "aud").problem(.notFound)
            try await send(.get, "/v1/mines/A/plans/x1", "aud").problem(.badRequest)
            let current = try await send(.get, "/v1/mines/A/plans/current", "opA")
            #expect(try current.json()["version"] as? Int == 1)
            try await send(.get, "/v1/mines/B/plans", "opA").problem(.forbidden)
            let mine = try await send(.get, "/v1/plans?state=returned", "opA")
            #expect((try mine.json()["items"] as? [Any])?.count == 1)
            try await send(.get, "/v1/plans?state=lost", "aud").problem(.badRequest)
        }
        try await s.pool.shutdown()
    }
}
