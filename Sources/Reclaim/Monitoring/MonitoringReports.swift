public import Foundation
public import PQKit

/// The banner's summary of a quarter's monitoring, in the shape the city
/// (市) and the region (自治区) ask for: per hazard kind, the mines that
/// monitored it, how many crossed a threshold, the emergency events and how
/// many are still open; with the mines that owe the report and the bureau's
/// inspections counted (`report monitoring --period 2026Q3 --level banner`).
public struct MonitoringSummary: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var kind: HazardKind
        public var minesMonitored: Int
        public var thresholdsCrossed: Int
        public var events: Int
        public var eventsOpen: Int

        enum CodingKeys: String, CodingKey {
            case kind
            case minesMonitored = "mines_monitored"
            case thresholdsCrossed = "thresholds_crossed"
            case events
            case eventsOpen = "events_open"
        }
    }

    public var period: MonitoringPeriod
    public var level: String
    public var regionCode: String
    public var minesReporting: Int
    public var minesMissing: Int
    public var inspections: Int
    public var lines: [Line]

    enum CodingKeys: String, CodingKey {
        case period, level
        case regionCode = "region_code"
        case minesReporting = "mines_reporting"
        case minesMissing = "mines_missing"
        case inspections, lines
    }
}

extension MonitoringSummary: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        ReportTable([("hazard", .text), ("mines_monitored", .text), ("thresholds_crossed", .text), ("events", .text), ("events_open", .text)],
                    rows: lines.map { [$0.kind.rawValue, String($0.minesMonitored), String($0.thresholdsCrossed), String($0.events), String($0.eventsOpen)] }
                        + [["total", String(minesReporting), String(lines.map(\.thresholdsCrossed).reduce(0, +)),
                            String(lines.map(\.events).reduce(0, +)), String(lines.map(\.eventsOpen).reduce(0, +))]],
                    labelers: ["hazard": { code, lang in HazardKind(rawValue: code)?.label(lang) ?? ReportRowLabels.group(code, lang) }])
    }
}

/// The quarter's underlying records for the region's database: every
/// report with its hazards, every event, every inspection. Its shape is
/// documented in docs/green-mines.md (and is this type's JSON).
public struct MonitoringExport: Sendable, Equatable, Codable {
    public var format: String
    public var period: MonitoringPeriod
    public var regionCode: String
    public var generatedAt: Date
    public var reports: [MonitoringReport]
    public var events: [MonitoringEvent]
    public var inspections: [MonitoringInspection]

    public static let formatName = "reclaim-monitoring-export-v1"

    enum CodingKeys: String, CodingKey {
        case format, period
        case regionCode = "region_code"
        case generatedAt = "generated_at"
        case reports, events, inspections
    }
}

extension Monitoring {
    /// The banner of this installation (达拉特旗).
    public static let regionCode = "150621"

    public static func summary(period: MonitoringPeriod, only: [String]? = nil, on conn: Connection) throws -> MonitoringSummary {
        try Reports.snapshot(on: conn) { conn in
            let reports = try reports(period: period, only: only, on: conn)
            let events = try events(period: period, only: only, on: conn)
            let lines = HazardKind.allCases.map { kind in
                let watched = reports.filter { $0.document.hazards.contains { $0.kind == kind } }
                let crossed = reports.filter { $0.document.hazards.contains { $0.kind == kind && $0.crossed } }
                let happened = events.filter { $0.kind == kind }
                return MonitoringSummary.Line(kind: kind, minesMonitored: watched.count, thresholdsCrossed: crossed.count,
                                              events: happened.count, eventsOpen: happened.filter(\.open).count)
            }
            return MonitoringSummary(period: period, level: "banner", regionCode: regionCode, minesReporting: reports.count,
                                     minesMissing: try missing(period: period, only: only, on: conn).count,
                                     inspections: try inspections(period: period, only: only, on: conn).count, lines: lines)
        }
    }

    public static func export(period: MonitoringPeriod, only: [String]? = nil, on conn: Connection) throws -> MonitoringExport {
        try Reports.snapshot(on: conn) { conn in
            MonitoringExport(format: MonitoringExport.formatName, period: period, regionCode: regionCode, generatedAt: Date(),
                             reports: try reports(period: period, only: only, on: conn),
                             events: try events(period: period, only: only, on: conn),
                             inspections: try inspections(period: period, only: only, on: conn))
        }
    }
}
