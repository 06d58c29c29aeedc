import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 1, the plan (方案) in the browser: the operator submits it
/// from a form, the reviewer reads it whole (a new version beside the one in
/// force) and decides after a confirmation step.
@Suite struct DashboardPlanTests {
    static let plan: [(String, String)] = [
        ("service_from", "2025"), ("service_to", "2027"), ("existing_grassland", "10"), ("predicted_grassland", "5"),
        ("existing_cropland", ""), ("predicted_cropland", ""), ("responsibility_area", "15"), ("planned_reclaimed", "15"),
        ("target_rate", "100"), ("cost_total", "300,000.00"), ("cost_by_year", "2025 100,000.00\n2026：１00000\n2027 100000.00"),
        ("letter_signed_on", "2025-01-05"),
    ]

    @Test func anOperatorSubmitsAndAReviewerReadsAndDecides() async throws {
        let s = try DashboardTests.service()
        try await s.application().test(.router) { client in
            func post(_ b: inout DashboardTests.Browser, _ uri: String, _ pairs: [(String, String)]) async throws -> TestResponse {
                b.keep(try await client.execute(uri: "/", method: .get, headers: b.header))
                return try await client.execute(uri: uri, method: .post, headers: b.header,
                                                body: DashboardTests.form([("csrf", b.csrf)] + pairs))
            }
            var op = try await DashboardTests.signIn("opA", client)
            #expect(try await client.execute(uri: "/mines/A", method: .get, headers: op.header).text.contains(#"href="/plans/A" id="submit-plan-link""#))
            let form = try await client.execute(uri: "/plans/A", method: .get, headers: op.header)
            #expect(form.status == .ok && form.text.contains(#"id="submit-plan""#) && DashboardTests.wellFormed(form.text))
            // a year's cost that does not add up: said, with everything typed kept, nothing stored
            let wrong = try await post(&op, "/plans/A", Self.plan.map { $0.0 == "cost_total" ? ($0.0, "300,000.01") : $0 })
            #expect(wrong.status == .unprocessableContent && wrong.text.contains(#"role="alert""#) && wrong.text.contains("300,000.01"),
                    "\(wrong.text)")
            #expect(try s.count("SELECT count(*) FROM plans") == 0)
            let submitted = try await post(&op, "/plans/A", Self.plan)
            #expect(submitted.headers[.location] == "/plans/A/1?submitted=1", "\(submitted.text)")
            // another mine's plan is not theirs to submit, nor an auditor's
            #expect(try await client.execute(uri: "/plans/B", method: .get, headers: op.header).status == .forbidden)
            let aud = try await DashboardTests.signIn("aud", client)
            #expect(try await client.execute(uri: "/plans/A", method: .get, headers: aud.header).status == .forbidden)

            // the reviewer reads it whole from the queue, then decides in two steps
            var rev = try await DashboardTests.signIn("rev", client)
            #expect(try await client.execute(uri: "/queue", method: .get, headers: rev.header).text.contains(#"href="/plans/A/1""#))
            let page = try await client.execute(uri: "/plans/A/1", method: .get, headers: rev.header)
            #expect(page.status == .ok && page.text.contains("300,000.00") && page.text.contains("100.00 %") && page.text.contains(#"id="approve-plan""#))
            #expect(DashboardTests.wellFormed(page.text))
            let asked = try await post(&rev, "/queue/plans/A/1", [("decision", "approve")])
            #expect(asked.status == .ok && asked.text.contains(#"name="confirmed" value="1""#))
            #expect(try await post(&rev, "/queue/plans/A/1", [("decision", "approve"), ("confirmed", "1")]).status == .seeOther)

            // a second version starts from the first; the reviewer sees what it changes
            let again = try await client.execute(uri: "/plans/A", method: .get, headers: op.header)
            #expect(again.text.contains(#"id="target_rate" name="target_rate" inputmode="decimal" value="100.00""#), "\(again.text)")
            #expect(try await post(&op, "/plans/A", Self.plan.map { $0.0 == "target_rate" ? ($0.0, "95.5") : $0 }).headers[.location]
                    == "/plans/A/2?submitted=1")
            let revision = try await client.execute(uri: "/plans/A/2", method: .get, headers: rev.header)
            #expect(revision.text.contains("v1") && revision.text.contains("95.50 %") && revision.text.contains("100.00 %"))
            #expect(revision.text.contains("土地复垦率目标（%） ✎") && !revision.text.contains("复垦责任范围（公顷） ✎"), "\(revision.text)")
        }
        #expect(try s.count("SELECT count(*) FROM plans") == 2)
        try await s.pool.shutdown()
    }

    /// An annual plan read whole by whoever reads the mine: the auditor sees
    /// its works and why it came back, the operator gets the editor's link.
    @Test func anAnnualPlanIsReadWholeWithItsHistory() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        try UnchangedFormTests.drafted(s, on: conn)
        _ = try AnnualPlans.decide("A", year: 2027, .submit, by: try Actor("opA", role: "operator"), on: conn)
        _ = try AnnualPlans.decide("A", year: 2027, .return, reason: "请补充排土场坐标", by: try Actor("rev", role: "reviewer"), on: conn)
        try await s.application().test(.router) { client in
            let aud = try await DashboardTests.signIn("aud", client)
            #expect(try await client.execute(uri: "/mines/A", method: .get, headers: aud.header).text.contains(#"href="/annual/A/2027/view""#))
            let page = try await client.execute(uri: "/annual/A/2027/view", method: .get, headers: aud.header)
            #expect(page.status == .ok && page.text.contains("pit 3 &amp; ditch") && page.text.contains("请补充排土场坐标"), "\(page.text)")
            #expect(page.text.contains("128,000.51") && !page.text.contains(#"id="edit-annual""#) && DashboardTests.wellFormed(page.text))
            let op = try await DashboardTests.signIn("opA", client)
            #expect(try await client.execute(uri: "/annual/A/2027/view", method: .get, headers: op.header).text.contains(#"id="edit-annual""#))
            #expect(try await client.execute(uri: "/annual/A/2026/view", method: .get, headers: aud.header).status == .notFound)
        }
        try await s.pool.shutdown()
    }
}
