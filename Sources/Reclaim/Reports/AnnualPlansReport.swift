import Foundation
public import PQKit

/// One mine's annual plan of the year in the annual-plans report, or the
/// plan it owes (`missing`): producing and under-construction mines must file one.
public struct AnnualPlanReportLine: Sendable, Equatable, Codable {
    public var license: String
    /// An annual plan state, or `missing`.
    public var state: String
    /// The budget of the version last approved; zero when never approved.
    public var budgetApproved: Money
    /// Withdrawals bound to the plan, net of their reversals.
    public var withdrawn: Money
    /// Spent by the latest year-end report; zero when not reported.
    public var reportedSpent: Money
    public var planned: Area
    public var reported: Area

    enum CodingKeys: String, CodingKey {
        case license, state
        case budgetApproved = "budget_approved"
        case withdrawn
        case reportedSpent = "reported_spent"
        case planned = "planned_hm2"
        case reported = "reported_hm2"
    }
}

public struct AnnualPlansTotals: Sendable, Equatable, Codable {
    public var budgetApproved: Money
    public var withdrawn: Money
    public var reportedSpent: Money

    enum CodingKeys: String, CodingKey {
        case budgetApproved = "budget_approved"
        case withdrawn
        case reportedSpent = "reported_spent"
    }
}

/// The annual-plans report of a year (年度治理计划执行情况).
public struct AnnualPlansReport: Sendable, Equatable, Codable {
    public var year: Int
    /// Every state (and `missing`) with its number of plans, zeros included.
    public var counts: [String: Int]
    public var plans: [AnnualPlanReportLine]
    public var totals: AnnualPlansTotals

    /// `missing`, then the workflow's states in their order.
    public static let states = ["missing"] + AnnualPlanState.allCases.map(\.rawValue)

    /// The counts in that order, for a line under the table.
    public var summary: String { Self.states.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", ") }
}

extension AnnualPlansReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        let columns: [(String, ReportColumnKind)] = [
            ("license", .text), ("state", .text), ("budget_approved", .money), ("withdrawn", .money),
            ("reported_spent", .money), ("planned_hm2", .area), ("reported_hm2", .area),
        ]
        return ReportTable(columns, rows: plans.map {
            [$0.license, $0.state, $0.budgetApproved.text(unit), $0.withdrawn.text(unit), $0.reportedSpent.text(unit),
             $0.planned.hectares, $0.reported.hectares]
        } + [["total", "", totals.budgetApproved.text(unit), totals.withdrawn.text(unit), totals.reportedSpent.text(unit), "", ""]],
        labelers: ["license": ReportRowLabels.group, "state": ReportRowLabels.state])
    }
}

extension Reports {
    public static func annualPlans(year: Int, only: [String]? = nil, on conn: Connection) throws -> AnnualPlansReport {
        try Years.check(year)
        return try snapshot(on: conn) { conn in
            let y = Int64(year)
            let plans = try conn.query("""
                WITH plan AS (
                    SELECT a.annual_plan_id AS id, m.license, a.state, a.budget_approved, a.area_approved_m2, a.withdrawn,
                           (SELECT max(r2.id) FROM annual_plan_reports r2 WHERE r2.annual_plan_id = a.annual_plan_id) AS report
                    FROM annual_plans_in_force a JOIN mines m ON m.id = a.mine_id
                    WHERE a.year = \(y) AND (\(only) IS NULL OR m.license = ANY (\(only)))
                )
                SELECT p.license, p.state, p.budget_approved AS budget, p.area_approved_m2 AS planned, p.withdrawn,
                       coalesce((SELECT sum(l.spent) FROM annual_plan_report_lines l WHERE l.report_id = p.report), 0)::bigint AS spent,
                       coalesce((SELECT sum(l.area_m2) FROM annual_plan_report_lines l WHERE l.report_id = p.report), 0)::bigint AS reported
                FROM plan p
                UNION ALL
                SELECT m.license, 'missing', 0, 0, 0, 0, 0 FROM mines m
                WHERE m.status IN ('producing', 'under-construction') AND (\(only) IS NULL OR m.license = ANY (\(only)))
                  AND NOT EXISTS (SELECT 1 FROM annual_plans a WHERE a.mine_id = m.id AND a.year = \(y))
                ORDER BY license
                """).rows.map { r in
                AnnualPlanReportLine(
                    license: try r.decode("license"), state: try r.decode("state"), budgetApproved: Money(fen: try r.decode("budget")),
                    withdrawn: Money(fen: try r.decode("withdrawn")), reportedSpent: Money(fen: try r.decode("spent")),
                    planned: Area(squareMetres: try r.decode("planned")), reported: Area(squareMetres: try r.decode("reported")))
            }
            var counts = Dictionary(uniqueKeysWithValues: AnnualPlansReport.states.map { ($0, 0) })
            for p in plans { counts[p.state, default: 0] += 1 }
            func sum(_ k: KeyPath<AnnualPlanReportLine, Money>) -> Money { Money(fen: plans.reduce(0) { $0 + $1[keyPath: k].fen }) }
            return AnnualPlansReport(year: year, counts: counts, plans: plans, totals: AnnualPlansTotals(
                budgetApproved: sum(\.budgetApproved), withdrawn: sum(\.withdrawn), reportedSpent: sum(\.reportedSpent)))
        }
    }
}
