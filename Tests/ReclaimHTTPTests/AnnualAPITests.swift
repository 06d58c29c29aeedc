import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import TestSupport
import Testing

/// The annual-plan routes' statuses, and a withdrawal paying for approved works over HTTP.
@Suite struct AnnualAPITests {
    static let works = #"{"works": [{"type": "revegetation", "location": "dump", "area_hm2": "1", "budget": "1000.00", "start_month": "2025-04", "end_month": "2025-05"}]}"#

    @Test func statusesOfTheAnnualPlanRoutes() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        let v = try Plans.submit("A", try PlanDocument.parse(try Data(contentsOf: TestEnvironment.repositoryRoot
            .appendingPathComponent("examples/plan.json"))), by: try Actor("setup-op"), on: conn)
        _ = try Plans.decide("A", version: v.version, .approve, reason: nil, by: try Actor("setup-rev"), on: conn)
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("5000")), by: try Actor("seed"), on: conn)
        try await s.application().test(.router) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, _ user: String, _ json: String = "{}") async throws
                -> TestResponse
            {
                try await client.execute(uri: uri, method: method, headers: s.headers(user), body: body(json))
            }
            let base = "/v1/mines/A/annual-plans/2025"
            try await send(.put, "/v1/mines/B/annual-plans/2025/draft", "opA", Self.works).problem(.forbidden)
            try await send(.put, base + "/draft", "opA", #"{"works": [{"type": 1}]}"#).problem(.badRequest)
            try await send(.put, base + "/draft", "opA", Self.works.replacingOccurrences(of: "2025-05", with: "2026-05"))
                .problem(.unprocessableContent)
            let drafted = try await send(.put, base + "/draft", "opA", Self.works)
            #expect(drafted.status == .ok, "\(drafted.text)")
            try await send(.post, base + "/approval", "rev").problem(.conflict)  // a draft is not approved
            #expect(try await send(.post, base + "/submission", "opA").status == .ok)
            try await send(.post, base + "/approval", "opA").problem(.forbidden)
            #expect(try await send(.post, base + "/approval", "rev").status == .ok)
            let queue = try await send(.get, "/v1/annual-plans?state=approved", "aud")
            #expect((try queue.json()["items"] as? [[String: Any]])?.first?["license"] as? String == "A")
            try await send(.get, "/v1/annual-plans?state=lost", "aud").problem(.badRequest)
            let missing = try await send(.get, "/v1/annual-plans/missing?year=2025", "aud")
            #expect((try missing.json()["items"] as? [[String: Any]])?.map { $0["license"] as? String } == ["B"])

            let paid = try await send(.post, "/v1/mines/A/fund/withdrawals", "li", #"{"amount": "600", "annual_plan_year": 2025}"#)
            #expect(paid.status == .created, "\(paid.text)")
            #expect(try paid.json()["annual_plan_year"] as? Int == 2025)
            let over = try await send(.post, "/v1/mines/A/fund/withdrawals", "li", #"{"amount": "400.01", "annual_plan_year": 2025}"#)
                .problem(.unprocessableContent)
            #expect((over["detail"] as? String)?.contains("400.00 yuan of 1000.00 yuan left") == true)
            let shown = try await send(.get, base, "opA")
            #expect(try shown.json()["remaining"] as? String == "400.00")
            try await send(.post, base + "/failure", "rev", #"{"items": ["x"]}"#).problem(.conflict)  // not reported
            try await send(.post, base + "/return", "rev").problem(.badRequest)  // no reason
        }
        try await s.pool.shutdown()
    }
}
