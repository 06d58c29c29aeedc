import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Issue 31, dynamic monitoring (动态监测): the mines' reports, emergency
/// events, the bureau's inspections, and the upward summary.
@Suite struct MonitoringTests {
    static func example() throws -> MonitoringReportDocument {
        try MonitoringReportDocument.parse(try Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/monitoring-report.json")))
    }

    static var thisQuarter: MonitoringPeriod { MonitoringPeriod.of(Bureau.today) }

    @Test func aQuarterIsWrittenAsTheBureauWritesIt() throws {
        let q = try MonitoringPeriod.parse("2026q3")
        #expect(q.description == "2026Q3" && q.start.description == "2026-07-01" && q.end.description == "2026-09-30")
        #expect(try MonitoringPeriod.parse("2025Q4").end.description == "2025-12-31")
        for bad in ["2026Q5", "2026-3", "26Q1", "Q3"] {
            #expect(throws: ReclaimError.self) { try MonitoringPeriod.parse(bad) }
        }
    }

    @Test func aReportFileIsCheckedAndNamesWhatIsWrong() throws {
        let good = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/monitoring-report.json"), encoding: .utf8)
        for (bad, field, kind) in [
            (good.replacingOccurrences(of: #""threshold": "1.2", "crossed": true"#, with: #""threshold": "1.2", "crossed": false"#),
             "hazards[3].crossed", ReclaimError.Kind.ruleViolation),
            (good.replacingOccurrences(of: #""measurement": "18.5""#, with: #""measurement": "18,5""#), "hazards[0].measurement", .invalidInput),
            (good.replacingOccurrences(of: #""kind": "fissure""#, with: #""kind": "subsidence""#), "hazards", .ruleViolation),
            (good.replacingOccurrences(of: #""summary""#, with: #""summery""#), "summery", .invalidInput),
        ] {
            let e = #expect(throws: ReclaimError.self) { try MonitoringReportDocument.parse(Data(bad.utf8)) }
            #expect(e?.field == field && e?.kind == kind, "\(field): \(String(describing: e))")
        }
    }

    @Test func reportsEventsAndInspectionsByWhomTheRulesName() throws {
        let (db, conn) = try closureDatabase()
        let op = try #require(try Users.principal(named: "opA", on: conn))
        let r1 = try #require(try Users.principal(named: "r1", on: conn))
        let app = try db.connectAsApp()
        defer { app.close() }
        let q = Self.thisQuarter
        #expect(try Monitoring.missing(period: q, on: conn).map(\.license) == ["A", "B"])
        let sent = try Monitoring.Commands.report("A", period: q, try Self.example()).run(as: op, on: app)
        #expect(sent.version == 1 && sent.document.hazards.count == 6 && sent.document.hazards.contains { $0.kind == .waterLevel && $0.crossed })
        #expect(try Monitoring.missing(period: q, on: conn).map(\.license) == ["B"])
        // another mine's: refused by the policy, and by the database to the operator acting in their own name
        #expect(throws: ReclaimError.self) { try Monitoring.Commands.report("B", period: q, try Self.example()).run(as: op, on: app) }
        #expect(throws: ReclaimError.self) { try Monitoring.report("B", period: q, try Self.example(), by: try op.actor(), on: app) }
        // a quarter that has not begun, a report backdated by the service: refused
        let next = try MonitoringPeriod(year: Bureau.today.year + 1, quarter: 1)
        #expect(throws: ReclaimError.self) { try Monitoring.report("A", period: next, try Self.example(), by: try op.actor(), on: app) }
        #expect(throws: ReclaimError.self) {
            try Monitoring.report("A", period: q, try Self.example(), at: Date(timeIntervalSinceNow: -86_400), by: try op.actor(), on: app)
        }
        // an emergency: the operator records it at once, a reviewer closes it with the measures, once
        // a time as the bureau writes it is Beijing time
        #expect(try Monitoring.parseTime("2026-09-14 03:20", field: "t") == ISO8601DateFormatter().date(from: "2026-09-13T19:20:00Z"))
        #expect(try Monitoring.parseTime("2026-09-14T03:20+08:00", field: "t") == ISO8601DateFormatter().date(from: "2026-09-13T19:20:00Z"))
        #expect(try Monitoring.parseTime("2026-09-13T19:20:00Z", field: "t") == ISO8601DateFormatter().date(from: "2026-09-13T19:20:00Z"))
        for bad in ["2026-09-14 3:20 pm", "0562-02-18T09:56:15-06:39", "2026-09-14"] {
            #expect(throws: ReclaimError.self, "\(bad)") { try Monitoring.parseTime(bad, field: "t") }
        }
        let when = Date(timeIntervalSinceNow: -7200)
        let event = try Monitoring.Commands.event("A", kind: .subsidence, occurredAt: when, description: "采空区地面塌陷约 300 平方米",
                                                  casualties: 0, area: try Area.parseHectares("0.03")).run(as: op, on: app)
        #expect(event.open && event.area?.squareMetres == 300)
        #expect(try Monitoring.events(openOnly: true, on: conn).map(\.id) == [event.id])
        #expect(throws: ReclaimError.self) { try Monitoring.Commands.closeEvent(event.id, measures: "设置警示").run(as: op, on: app) }
        #expect(throws: ReclaimError.self) {
            try Monitoring.recordEvent("A", kind: .landslide, occurredAt: Date(timeIntervalSinceNow: 86_400), description: "future",
                                       casualties: 0, area: nil, by: try op.actor(), on: app)
        }
        let closed = try Monitoring.Commands.closeEvent(event.id, measures: "设置警戒线，回填塌陷区").run(as: r1, on: app)
        #expect(!closed.open && closed.closedBy == "r1" && closed.measures == "设置警戒线，回填塌陷区")
        let again = #expect(throws: ReclaimError.self) { try Monitoring.Commands.closeEvent(event.id, measures: "x").run(as: r1, on: app) }
        #expect(again?.kind == .conflict)
        #expect(try Monitoring.events(openOnly: true, on: conn).isEmpty)
        // the bureau's inspection: a reviewer's, for a day that has come
        _ = try Monitoring.Commands.inspect("B", date: Bureau.today, finding: "边坡稳定").run(as: r1, on: app)
        #expect(throws: ReclaimError.self) { try Monitoring.Commands.inspect("B", date: Bureau.today, finding: "x").run(as: op, on: app) }
        #expect(throws: ReclaimError.self) { try Monitoring.inspect("B", date: Bureau.today.adding(days: 2), finding: "x", by: try r1.actor(), on: app) }
        // a report's hazards are written with it, never added later
        #expect(throws: PQError.self) {
            try app.execute("""
                INSERT INTO monitoring_report_hazards (report_id, kind, measurement, unit, crossed)
                SELECT id, 'debris-flow', 1, 'm', false FROM monitoring_reports LIMIT 1
                """)
        }
        // the banner's summary, per hazard
        let summary = try Monitoring.summary(period: q, on: conn)
        #expect(summary.minesReporting == 1 && summary.minesMissing == 1 && summary.inspections == 1)
        let water = try #require(summary.lines.first { $0.kind == .waterLevel })
        let ground = try #require(summary.lines.first { $0.kind == .subsidence })
        #expect(water.minesMonitored == 1 && water.thresholdsCrossed == 1 && ground.events == 1 && ground.eventsOpen == 0)
        let export = try Monitoring.export(period: q, on: conn)
        #expect(export.format == "reclaim-monitoring-export-v1" && export.reports.count == 1 && export.events.count == 1
                && export.inspections.count == 1)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action LIKE 'monitoring.%'") == 4)
    }
}
