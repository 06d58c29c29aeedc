import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 31 (with issue 30's 待办): the green list on screen, overdue
/// disclosures at the top of the reviewer's queue and in each person's to-do.
@Suite struct DashboardGreenTests {
    @Test func overdueDisclosuresReachTheQueueAndTheToDoLists() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        let last = Bureau.today.year - 1
        let listedOn = try #require(CalendarDate(year: 2020, month: 12, day: 31))
        _ = try GreenMines.add("A", year: 2020, standard: "DZ/T 0315-2018", document: "内自然资字〔2020〕1号", dated: listedOn,
                               by: try Actor("boss", role: "admin"), on: conn)
        let overdue = GreenMines.isOverdue(year: last)
        try await s.application().test(.router) { client in
            let rev = try await DashboardTests.signIn("rev", client)
            let queue = try await client.execute(uri: "/queue", method: .get, headers: rev.header)
            #expect(queue.text.contains(#"id="green-overdue""#) == overdue && DashboardTests.wellFormed(queue.text))
            let page = try await client.execute(uri: "/green?year=\(last)", method: .get, headers: rev.header)
            #expect(page.status == .ok && page.text.contains("DZ/T 0315-2018") && page.text.contains("在册") && DashboardTests.wellFormed(page.text))
            #expect(page.text.contains(overdue ? "已逾期" : "未到期"))
            let op = try await DashboardTests.signIn("opA", client)
            let home = try await client.execute(uri: "/", method: .get, headers: op.header)
            #expect(home.text.contains(overdue ? "逾期未公示的绿色矿山" : "绿色矿山上年度信息公示待提交"), "\(home.text)")
            // once disclosed, nothing waits
            let document = try GreenDisclosureDocument.parse(try Data(contentsOf: TestEnvironment.repositoryRoot
                .appendingPathComponent("examples/green-disclosure.json")))
            _ = try GreenMines.disclose("A", year: last, document, by: try Actor("opA", role: "operator"), on: conn)
            #expect(!(try await client.execute(uri: "/queue", method: .get, headers: rev.header).text.contains(#"id="green-overdue""#)))
            #expect(try await client.execute(uri: "/green?year=\(last)", method: .get, headers: op.header).text.contains("88.0"))
        }
        try await s.pool.shutdown()
    }

    /// An emergency heads every reviewer's queue until one closes it with the measures taken.
    @Test func anEmergencyHeadsTheQueueUntilClosed() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        let event = try Monitoring.recordEvent("A", kind: .debrisFlow, occurredAt: Date(timeIntervalSinceNow: -3600), description: "暴雨引发泥石流",
                                               casualties: 0, area: nil, by: try Actor("opA", role: "operator"), on: conn)
        try await s.application().test(.router) { client in
            var rev = try await DashboardTests.signIn("rev", client)
            let queue = try await client.execute(uri: "/queue", method: .get, headers: rev.header)
            #expect(queue.text.contains(#"id="emergency-\#(event.id)""#) && queue.text.contains("泥石流") && DashboardTests.wellFormed(queue.text))
            rev.keep(queue)
            let closed = try await client.execute(uri: "/monitoring/events/\(event.id)/close", method: .post, headers: rev.header,
                                                  body: DashboardTests.form([("csrf", rev.csrf), ("measures", "疏通排洪沟，设置警戒")]))
            #expect(closed.headers[.location] == "/queue?done=1", "\(closed.text)")
            #expect(!(try await client.execute(uri: "/queue", method: .get, headers: rev.header).text.contains("emergency-\(event.id)")))
            // the operator's 待办 names last quarter's monitoring report not in
            let op = try await DashboardTests.signIn("opA", client)
            #expect(try await client.execute(uri: "/", method: .get, headers: op.header).text.contains("上季度动态监测报告尚未提交的矿山"))
        }
        #expect(try s.count("SELECT count(*) FROM monitoring_event_closures WHERE closed_by = 'rev'") == 1)
        try await s.pool.shutdown()
    }
}
