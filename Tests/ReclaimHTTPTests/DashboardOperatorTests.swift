import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 1, the operator's reports and filings in the browser:
/// last year's output, and the closure application with its checklist.
@Suite struct DashboardOperatorTests {
    @Test func outputIsReportedAndCorrectedFromItsForm() async throws {
        let s = try DashboardTests.service()
        let last = Bureau.today.year - 1
        try await s.application().test(.router) { client in
            var op = try await DashboardTests.signIn("opA", client)
            let page = try await client.execute(uri: "/output/A", method: .get, headers: op.header)
            #expect(page.status == .ok && page.text.contains(#"id="report-output""#) && page.text.contains(#"value="\#(last)""#))
            op.keep(page)
            func report(_ year: String, _ quantity: String) async throws -> TestResponse {
                try await client.execute(uri: "/output/A", method: .post, headers: op.header,
                                         body: DashboardTests.form([("csrf", op.csrf), ("year", year), ("quantity", quantity)]))
            }
            let tooFine = try await report(String(last), "1.2345")
            #expect(tooFine.status == .unprocessableContent && tooFine.text.contains(#"id="quantity-error""#))
            // separators where they belong, as for amounts: a misplaced one is said, not dropped
            let misgrouped = try await report(String(last), "1,20.5")
            #expect(misgrouped.status == .unprocessableContent && misgrouped.text.contains(#"id="quantity-error""#))
            let unfinished = try await report(String(Bureau.today.year), "10")
            #expect(unfinished.status == .unprocessableContent && unfinished.text.contains(#"id="year-error""#), "\(unfinished.text)")
            #expect(try await report(String(last), "１,200.5").headers[.location] == "/output/A?reported=1")
            #expect(try await report(String(last), "1300").headers[.location] == "/output/A?reported=1")
            let after = try await client.execute(uri: "/output/A", method: .get, headers: op.header)
            #expect(after.text.contains("1,300.000 t") && after.text.contains("1,200.500 t") && after.text.contains("已更正"), "\(after.text)")
            // another mine's: not theirs
            #expect(try await client.execute(uri: "/output/B", method: .get, headers: op.header).status == .forbidden)
            #expect(try await client.execute(uri: "/output/B", method: .post, headers: op.header,
                                             body: DashboardTests.form([("csrf", op.csrf), ("year", String(last)), ("quantity", "1")])).status
                    == .forbidden)
            // an auditor reads, reports nothing
            let aud = try await DashboardTests.signIn("aud", client)
            let read = try await client.execute(uri: "/output/A", method: .get, headers: aud.header)
            #expect(read.status == .ok && !read.text.contains(#"id="report-output""#))
        }
        #expect(try s.count("SELECT count(*) FROM output_reports") == 2)
        try await s.pool.shutdown()
    }

    @Test func aClosureFilingShowsItsChecklistAndIsRefusedWithEachUnmetCondition() async throws {
        let s = try DashboardTests.service()
        try await s.application().test(.router) { client in
            var op = try await DashboardTests.signIn("opA", client)
            let page = try await client.execute(uri: "/closure/A", method: .get, headers: op.header)
            #expect(page.status == .ok && page.text.contains("有经批准的矿山地质环境保护与土地复垦方案"), "\(page.text)")
            #expect(page.text.contains(#"<li class="unmet">"#) && page.text.contains(#"id="apply-closure""#))
            op.keep(page)
            let refused = try await client.execute(uri: "/closure/A", method: .post, headers: op.header, body: DashboardTests.form([
                ("csrf", op.csrf), ("evidence", "复垦验收报告 2026-01\n现场照片"), ("note", ""),
            ]))
            #expect(refused.status == .unprocessableContent && refused.text.contains("不予受理，以下条件未满足"), "\(refused.text)")
            #expect(refused.text.contains("有经批准的矿山地质环境保护与土地复垦方案") && refused.text.contains("复垦验收报告 2026-01"))
            #expect(try await client.execute(uri: "/closure/B", method: .get, headers: op.header).status == .forbidden)
        }
        #expect(try s.count("SELECT count(*) FROM closure_applications") == 0)
        try await s.pool.shutdown()
    }
}
