import Foundation
public import PQKit

/// One closure application in the closure report.
public struct ClosureReportLine: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var state: ClosureState
    public var filedOn: CalendarDate
    /// 60 working days after filing (the work calendar's days).
    public var dueDate: CalendarDate
    public var workingDaysLeft: Int
    public var overdue: Bool

    enum CodingKeys: String, CodingKey {
        case id, license, state
        case filedOn = "filed_on"
        case dueDate = "due_date"
        case workingDaysLeft = "working_days_left"
        case overdue
    }
}

/// The closure report (闭坑验收办理情况): applications by state, overdue first.
public struct ClosureReport: Sendable, Equatable, Codable {
    public var counts: [String: Int]
    public var applications: [ClosureReportLine]

    /// The counts in the workflow's order, for a line under the table.
    public var summary: String {
        ClosureState.allCases.map { "\($0.rawValue) \(counts[$0.rawValue] ?? 0)" }.joined(separator: ", ")
    }
}

extension ClosureReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        let columns: [(String, ReportColumnKind)] = [
            ("id", .text), ("license", .text), ("state", .text), ("filed_on", .text), ("due_date", .text),
            ("working_days_left", .text), ("overdue", .text),
        ]
        return ReportTable(columns, rows: applications.map {
            [String($0.id), $0.license, $0.state.rawValue, $0.filedOn.description, $0.dueDate.description,
             String($0.workingDaysLeft), String($0.overdue)]
        }, labelers: ["state": ClosureState.labeler, "overdue": ReportRowLabels.yesNo])
    }
}

/// One legacy project in the legacy report, money by funding source.
public struct LegacyProjectReportLine: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var state: LegacyProjectState
    public var area: Area
    public var treated: Area
    public var funding: [SourceFunding]
    public var planned: Money
    public var committed: Money
    public var spent: Money

    enum CodingKeys: String, CodingKey {
        case id, name, state
        case area = "area_hm2"
        case treated = "treated_hm2"
        case funding, planned, committed, spent
    }
}

/// The legacy report (历史遗留矿山治理情况): sites by notice state; projects by
/// state with their treated area and money by source.
public struct LegacyReport: Sendable, Equatable, Codable {
    public var siteCounts: [String: Int]
    public var projectCounts: [String: Int]
    public var projects: [LegacyProjectReportLine]
    /// Each funding source across every project (the projects' own per-source shape).
    public var bySource: [SourceFunding]
    public var treated: Area
    public var committed: Money
    public var spent: Money

    enum CodingKeys: String, CodingKey {
        case siteCounts = "site_counts"
        case projectCounts = "project_counts"
        case projects
        case bySource = "by_source"
        case treated = "treated_hm2"
        case committed, spent
    }

    public static let noticeStates = ["none", "open", "ownerless", "owner-found"]
}

extension LegacyReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        let columns: [(String, ReportColumnKind)] = [
            ("item", .text), ("state", .text), ("count", .text), ("area_hm2", .area), ("treated_hm2", .area),
            ("planned", .money), ("committed", .money), ("spent", .money),
        ]
        return ReportTable(columns, rows:
            Self.noticeStates.map { ["sites", $0, String(siteCounts[$0] ?? 0), "", "", "", "", ""] }
            + projects.map {
                ["project:\($0.id) \($0.name)", $0.state.rawValue, "", $0.area.hectares, $0.treated.hectares,
                 $0.planned.text(unit), $0.committed.text(unit), $0.spent.text(unit)]
            }
            + bySource.map { ["source:" + $0.source.rawValue, "", "", "", "", $0.planned.text(unit), $0.committed.text(unit),
                              $0.spent.text(unit)] }
            + [["total", "", String(projects.count), "", treated.hectares, "", committed.text(unit), spent.text(unit)]],
            labelers: ["item": ReportRowLabels.group, "state": ReportRowLabels.state])
    }
}

extension Reports {
    public static func closure(only: [String]? = nil, on conn: Connection) throws -> ClosureReport {
        try snapshot(on: conn) { conn in
            let apps = try Closures.list(only: only, on: conn).map {
                ClosureReportLine(id: $0.id, license: $0.license, state: $0.state, filedOn: $0.filedOn, dueDate: $0.dueDate,
                                  workingDaysLeft: $0.workingDaysLeft, overdue: $0.overdue)
            }.sorted { ($0.overdue ? 0 : 1, $0.dueDate, $0.id) < ($1.overdue ? 0 : 1, $1.dueDate, $1.id) }
            var counts = Dictionary(uniqueKeysWithValues: ClosureState.allCases.map { ($0.rawValue, 0) })
            for a in apps { counts[a.state.rawValue, default: 0] += 1 }
            return ClosureReport(counts: counts, applications: apps)
        }
    }

    public static func legacy(on conn: Connection) throws -> LegacyReport {
        try snapshot(on: conn) { conn in
            var siteCounts = Dictionary(uniqueKeysWithValues: LegacyReport.noticeStates.map { ($0, 0) })
            for s in try LegacySites.list(on: conn) { siteCounts[s.noticeState, default: 0] += 1 }
            let projects = try LegacyProjects.list(on: conn).map {
                LegacyProjectReportLine(id: $0.id, name: $0.name, state: $0.state, area: $0.area, treated: $0.treated,
                                        funding: $0.funding, planned: $0.planned, committed: $0.committed, spent: $0.spent)
            }
            var projectCounts = Dictionary(uniqueKeysWithValues: LegacyProjectState.allCases.map { ($0.rawValue, 0) })
            for p in projects { projectCounts[p.state.rawValue, default: 0] += 1 }
            let bySource = FundingSource.allCases.compactMap { source -> SourceFunding? in
                let f = projects.flatMap(\.funding).filter { $0.source == source }
                guard !f.isEmpty else { return nil }
                func sum(_ k: KeyPath<SourceFunding, Money>) -> Money { Money(fen: f.reduce(0) { $0 + $1[keyPath: k].fen }) }
                return SourceFunding(source: source, planned: sum(\.planned), committed: sum(\.committed), spent: sum(\.spent),
                                     remaining: sum(\.remaining))
            }
            return LegacyReport(
                siteCounts: siteCounts, projectCounts: projectCounts, projects: projects, bySource: bySource,
                treated: Area(squareMetres: projects.reduce(0) { $0 + $1.treated.squareMetres }),
                committed: Money(fen: projects.reduce(0) { $0 + $1.committed.fen }),
                spent: Money(fen: projects.reduce(0) { $0 + $1.spent.fen }))
        }
    }
}
