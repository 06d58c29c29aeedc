import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 1, the administrator's reference data in the browser: rule
/// sets loaded from their file, a mistyped one corrected with a reason; the
/// holiday calendar a day at a time or from its published schedule.
@Suite struct DashboardRulesTests {
    static func send(_ b: DashboardTests.Browser, _ client: some TestClientProtocol, _ uri: String, _ fields: [(String, String)],
                     file: (String, Data)?) async throws -> TestResponse {
        let boundary = "----WebKitFormBoundary\(UUID().uuidString.prefix(16))"
        var h = b.header
        h[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await client.execute(uri: uri, method: .post, headers: h,
                                        body: DashboardDocumentTests.multipart([("csrf", b.csrf)] + fields, files: file.map { [$0] } ?? [],
                                                                               boundary: boundary))
    }

    @Test func aMistypedRuleSetIsCorrectedWithItsReason() async throws {
        let s = try DashboardTests.service()
        let original = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("sql/data/ordos-2025.json"), encoding: .utf8)
        let fixed = Data(original.replacingOccurrences(of: #""name": "ordos-2025""#, with: #""name": "ordos-2025-b""#)
            .replacingOccurrences(of: #""metal": "1.0""#, with: #""metal": "1.5""#).utf8)
        try await s.application().test(.router) { client in
            let boss = try await DashboardTests.signIn("boss", client)
            let page = try await client.execute(uri: "/rules", method: .get, headers: boss.header)
            #expect(page.status == .ok && page.text.contains("ordos-2025") && page.text.contains(#"id="load-rules""#))
            #expect(DashboardTests.wellFormed(page.text))
            // the same year and place again, not named as a correction: refused, saying how to correct
            let plain = try await Self.send(boss, client, "/rules", [("supersedes", ""), ("correction_reason", "")], file: ("ordos-b.json", fixed))
            #expect(plain.status == .unprocessableContent && plain.text.contains(#"role="alert""#), "\(plain.text)")
            // a correction without its reason: refused, the choice kept
            let bare = try await Self.send(boss, client, "/rules", [("supersedes", "ordos-2025"), ("correction_reason", "")],
                                           file: ("ordos-b.json", fixed))
            #expect(bare.status == .unprocessableContent && bare.text.contains(#"value="ordos-2025" selected="selected""#))
            #expect(try s.count("SELECT count(*) FROM accrual_rule_sets") == 1)
            let loaded = try await Self.send(boss, client, "/rules", [("supersedes", "ordos-2025"),
                                                                      ("correction_reason", "金属基础费率误录为1.0，应为1.5")],
                                             file: ("ordos-b.json", fixed))
            let location = try #require(loaded.headers[.location], "\(loaded.status) \(loaded.text)")
            #expect(location == "/rules?loaded=ordos%2D2025%2Db")
            let after = try await client.execute(uri: location, method: .get, headers: boss.header)
            #expect(after.text.contains("系数表 ordos-2025-b 已载入"))
            #expect(after.text.contains("已被更正为 ordos-2025-b") && after.text.contains("金属基础费率误录为1.0"), "\(after.text)")
            // finance reads rates in its assessments, never loads them
            let li = try await DashboardTests.signIn("li", client)
            #expect(try await client.execute(uri: "/rules", method: .get, headers: li.header).status == .forbidden)
            #expect(try await Self.send(li, client, "/rules", [], file: ("x.json", fixed)).status == .forbidden)
        }
        #expect(try s.count("SELECT count(*) FROM accrual_rule_sets WHERE supersedes = 'ordos-2025'") == 1)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'accrual.rules.load' AND actor = 'boss'") == 1)
        try await s.pool.shutdown()
    }

    @Test func theHolidayCalendarFromItsScheduleAndADayAtATime() async throws {
        let s = try DashboardTests.service()
        let schedule = try Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/calendar-2026.csv"))
        try await s.application().test(.router) { client in
            var boss = try await DashboardTests.signIn("boss", client)
            let empty = try await client.execute(uri: "/calendar?year=2030", method: .get, headers: boss.header)
            #expect(empty.status == .ok && empty.text.contains("2030 年尚未载入节假日安排") && DashboardTests.wellFormed(empty.text))
            // the schedule the installation ships (migration 0022) loaded again from its file: the days agree, nothing changes
            let loaded = try await Self.send(boss, client, "/calendar/load", [("source", "国办发明电〔2025〕7号")], file: ("calendar-2026.csv", schedule))
            #expect(loaded.headers[.location] == "/calendar?year=2026&done=1", "\(loaded.text)")
            let year = try await client.execute(uri: "/calendar?year=2026", method: .get, headers: boss.header)
            #expect(year.text.contains("元旦调休上班") && year.text.contains("调休工作日"))
            // a day the schedule lists otherwise: refused, named
            boss.keep(year)
            let clash = try await client.execute(uri: "/calendar/day", method: .post, headers: boss.header, body: DashboardTests.form([
                ("csrf", boss.csrf), ("day", "2026-01-01"), ("kind", "workday"), ("name", ""),
            ]))
            #expect(clash.status == .unprocessableContent && clash.text.contains("2026-01-01"), "\(clash.text)")
            let added = try await client.execute(uri: "/calendar/day", method: .post, headers: boss.header, body: DashboardTests.form([
                ("csrf", boss.csrf), ("day", "2027-01-01"), ("kind", "holiday"), ("name", "元旦"),
            ]))
            #expect(added.headers[.location] == "/calendar?year=2027&done=1", "\(added.text)")
            let rev = try await DashboardTests.signIn("rev", client)
            #expect(try await client.execute(uri: "/calendar", method: .get, headers: rev.header).status == .forbidden)
        }
        #expect(try s.count("SELECT count(*) FROM work_calendar_years WHERE year = 2026") == 1)
        #expect(try s.count("SELECT count(*) FROM work_calendar WHERE day = '2027-01-01' AND kind = 'holiday'") == 1)
        try await s.pool.shutdown()
    }
}
