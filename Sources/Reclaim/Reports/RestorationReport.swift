import Foundation
public import PQKit

/// One mine's restoration in a year: what its approved annual plan planned,
/// what its year-end report says was treated, the treated area to date, and
/// the land reclamation rate (矿区土地应复垦率) against its current plan.
public struct RestorationLine: Sendable, Equatable, Codable {
    public var license: String
    /// The approved annual plan's area for the year; nil without an approved plan.
    @Nullable public var planned: Area?
    /// The year's latest year-end report; zero when none.
    public var treated: Area
    /// Every year's latest report up to and including the year.
    public var cumulativeTreated: Area
    /// The current (last approved) plan's planned reclamation area: the land
    /// due for reclamation in its responsibility area. Nil without a plan.
    @Nullable public var dueForReclamation: Area?
    /// cumulative treated ÷ due for reclamation, in percent with two decimals.
    @Nullable public var reclamationRatePercent: String?

    enum CodingKeys: String, CodingKey {
        case license
        case planned = "planned_hm2"
        case treated = "treated_hm2"
        case cumulativeTreated = "cumulative_treated_hm2"
        case dueForReclamation = "due_for_reclamation_hm2"
        case reclamationRatePercent = "reclamation_rate_percent"
    }
}

public struct RestorationTotals: Sendable, Equatable, Codable {
    public var planned: Area
    public var treated: Area
    public var cumulativeTreated: Area
    public var dueForReclamation: Area
    /// Over the mines with a plan: their treated area ÷ their land due.
    @Nullable public var reclamationRatePercent: String?
    /// The master plan's target for 2025: 100 %.
    public var targetRatePercent: String
    public var met: Bool
    /// Legacy projects' treated area from 2021 to the year.
    public var legacyTreated: Area
    /// The banner's cumulative treated area at the end of 2020 (2,650.90 hm²).
    public var bannerBaseline2020: Area
    /// The baseline plus what mines and legacy projects treated from 2021 to the year.
    public var bannerCumulativeTreated: Area

    enum CodingKeys: String, CodingKey {
        case planned = "planned_hm2"
        case treated = "treated_hm2"
        case cumulativeTreated = "cumulative_treated_hm2"
        case dueForReclamation = "due_for_reclamation_hm2"
        case reclamationRatePercent = "reclamation_rate_percent"
        case targetRatePercent = "target_rate_percent"
        case met
        case legacyTreated = "legacy_treated_hm2"
        case bannerBaseline2020 = "banner_baseline_2020_hm2"
        case bannerCumulativeTreated = "banner_cumulative_treated_hm2"
    }
}

/// The restoration report of a year (矿山地质环境治理恢复年度报告).
public struct RestorationReport: Sendable, Equatable, Codable {
    public var year: Int
    public var mines: [RestorationLine]
    public var totals: RestorationTotals
}

extension RestorationReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        let columns: [(String, ReportColumnKind)] = [
            ("license", .text), ("planned_hm2", .area), ("treated_hm2", .area), ("cumulative_treated_hm2", .area),
            ("due_for_reclamation_hm2", .area), ("reclamation_rate_percent", .percent),
        ]
        let t = totals
        return ReportTable(columns, rows: mines.map {
            [$0.license, $0.planned?.hectares ?? "", $0.treated.hectares, $0.cumulativeTreated.hectares,
             $0.dueForReclamation?.hectares ?? "", $0.reclamationRatePercent ?? ""]
        } + [
            ["total", t.planned.hectares, t.treated.hectares, t.cumulativeTreated.hectares, t.dueForReclamation.hectares,
             t.reclamationRatePercent ?? ""],
            ["legacy", "", "", t.legacyTreated.hectares, "", ""],
            ["banner", "", "", t.bannerCumulativeTreated.hectares, "", ""],
        ])
    }
}

extension Reports {
    /// 2,650.90 hm² treated in the banner by the end of 2020 (master plan 2021–2025).
    public static let bannerTreatedBy2020 = Area(squareMetres: 26_509_000)
    /// 矿区土地应复垦率 target for 2025, in percent.
    public static let reclamationRateTarget: Int64 = 100

    public static func restoration(year: Int, only: [String]? = nil, on conn: Connection) throws -> RestorationReport {
        try OutputReports.checkYear(year)
        return try snapshot(on: conn) { conn in
            let y = Int64(year)
            let lines = try conn.query("""
                WITH reported AS (
                    -- each annual plan's latest year-end report, by area
                    SELECT a.mine_id, a.year,
                           coalesce((SELECT sum(l.area_m2) FROM annual_plan_report_lines l
                                     WHERE l.report_id = (SELECT max(r.id) FROM annual_plan_reports r
                                                          WHERE r.annual_plan_id = a.id)), 0) AS area
                    FROM annual_plans a WHERE a.year <= \(y)
                ), per_mine AS (
                    -- once per mine, not a scan of every plan's report for each mine
                    SELECT r.mine_id, sum(r.area) FILTER (WHERE r.year = \(y)) AS treated, sum(r.area) AS cumulative,
                           sum(r.area) FILTER (WHERE r.year >= 2021) AS since_2021
                    FROM reported r GROUP BY r.mine_id
                )
                SELECT m.license,
                       (SELECT v.area_m2 FROM annual_plans a
                        JOIN annual_plan_approvals ap ON ap.annual_plan_id = a.id
                        JOIN annual_plan_versions v ON v.id = ap.version_id
                        WHERE a.mine_id = m.id AND a.year = \(y)
                        ORDER BY ap.decision_seq DESC LIMIT 1) AS planned,
                       coalesce(pm.treated, 0)::bigint AS treated, coalesce(pm.cumulative, 0)::bigint AS cumulative,
                       coalesce(pm.since_2021, 0)::bigint AS since_2021,
                       (SELECT p.planned_reclaimed_m2 FROM plans p
                        JOIN review_records rr ON rr.record_type = 'plan' AND rr.record_id = p.id AND rr.state = 'approved'
                        WHERE p.mine_id = m.id ORDER BY p.version DESC LIMIT 1) AS due
                FROM mines m LEFT JOIN per_mine pm ON pm.mine_id = m.id
                WHERE (\(only) IS NULL OR m.license = ANY (\(only)))
                ORDER BY m.license
                """).rows.map { r -> (RestorationLine, Int64) in
                let cumulative: Int64 = try r.decode("cumulative")
                let due: Int64? = try r.decode("due")
                return (RestorationLine(
                    license: try r.decode("license"), planned: try r.decode("planned", as: Int64?.self).map(Area.init),
                    treated: Area(squareMetres: try r.decode("treated")), cumulativeTreated: Area(squareMetres: cumulative),
                    dueForReclamation: due.map(Area.init), reclamationRatePercent: due.flatMap { percent(cumulative, of: $0) }),
                        try r.decode("since_2021"))
            }
            let legacy: Int64 = try conn.queryFirst("""
                SELECT coalesce(sum(area_m2), 0)::bigint AS a FROM legacy_progress
                WHERE on_date >= DATE '2021-01-01' AND on_date <= make_date(\(Int32(year)), 12, 31)
                """)?.decode("a") ?? 0
            let mines = lines.map(\.0)
            func sum(_ areas: [Area?]) -> Int64 { areas.reduce(0) { $0 + ($1?.squareMetres ?? 0) } }
            let withPlan = mines.filter { ($0.dueForReclamation?.squareMetres ?? 0) > 0 }
            let rateBP = basisPoints(sum(withPlan.map(\.cumulativeTreated)), of: sum(withPlan.map(\.dueForReclamation)))
            let bannerSince2021 = lines.reduce(0) { $0 + $1.1 } + legacy
            return RestorationReport(year: year, mines: mines, totals: RestorationTotals(
                planned: Area(squareMetres: sum(mines.map(\.planned))), treated: Area(squareMetres: sum(mines.map(\.treated))),
                cumulativeTreated: Area(squareMetres: sum(mines.map(\.cumulativeTreated))),
                dueForReclamation: Area(squareMetres: sum(mines.map(\.dueForReclamation))), reclamationRatePercent: rateBP.map { ExactDecimal.format($0, scale: 2) },
                targetRatePercent: "\(reclamationRateTarget).00", met: (rateBP ?? 0) >= reclamationRateTarget * 100, legacyTreated: Area(squareMetres: legacy),
                bannerBaseline2020: bannerTreatedBy2020,
                bannerCumulativeTreated: Area(squareMetres: bannerTreatedBy2020.squareMetres + bannerSince2021)))
        }
    }
}
