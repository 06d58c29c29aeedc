import Foundation
public import PQKit

/// One mine's restoration in a year: what its approved annual plan planned,
/// what its year-end report says was treated, the treated area to date, and
/// the land reclamation rate (复垦率 = 已复垦面积 ÷ 应复垦面积) as of a date,
/// measured as the rules measure it (`restoration_land` in
/// sql/functions/closure.sql, the measure closure acceptance also reads).
public struct RestorationLine: Sendable, Equatable, Codable {
    public var license: String
    /// The approved annual plan's area for the year; nil without an approved plan.
    @Nullable public var planned: Area?
    /// The year's latest year-end report; zero when none.
    public var treated: Area
    /// Every year's latest report up to and including the year.
    public var cumulativeTreated: Area
    /// 应复垦面积: the plan in force's existing damage plus the new damage
    /// reported since its start; nil without an approved plan.
    @Nullable public var toReclaim: Area?
    /// 已复垦面积: the land accepted year-end reports record as reclaimed.
    @Nullable public var reclaimed: Area?
    /// 复垦率, in percent with two decimals; nil without an approved plan
    /// (100.00 when the plan leaves nothing to reclaim).
    @Nullable public var reclamationRatePercent: String?
    /// The plan's target rate; nil without an approved plan.
    @Nullable public var targetRatePercent: String?

    enum CodingKeys: String, CodingKey {
        case license
        case planned = "planned_hm2"
        case treated = "treated_hm2"
        case cumulativeTreated = "cumulative_treated_hm2"
        case toReclaim = "to_reclaim_hm2"
        case reclaimed = "reclaimed_hm2"
        case reclamationRatePercent = "reclamation_rate_percent"
        case targetRatePercent = "target_rate_percent"
    }
}

public struct RestorationTotals: Sendable, Equatable, Codable {
    public var planned: Area
    public var treated: Area
    public var cumulativeTreated: Area
    /// Over the mines with an approved plan.
    public var toReclaim: Area
    public var reclaimed: Area
    /// Over the mines with a plan: their reclaimed land ÷ their land to reclaim.
    @Nullable public var reclamationRatePercent: String?
    /// The master plan's target for 2025: 100 % (矿区土地应复垦率).
    public var targetRatePercent: String
    public var met: Bool
    /// Mines without an approved plan: listed with a null rate, counted here, never dropped.
    public var withoutPlan: Int
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
        case toReclaim = "to_reclaim_hm2"
        case reclaimed = "reclaimed_hm2"
        case reclamationRatePercent = "reclamation_rate_percent"
        case targetRatePercent = "target_rate_percent"
        case met
        case withoutPlan = "without_plan"
        case legacyTreated = "legacy_treated_hm2"
        case bannerBaseline2020 = "banner_baseline_2020_hm2"
        case bannerCumulativeTreated = "banner_cumulative_treated_hm2"
    }
}

/// The restoration report of a year (矿山地质环境治理恢复年度报告).
public struct RestorationReport: Sendable, Equatable, Codable {
    public var year: Int
    /// The date the rates are measured on (today unless asked).
    public var asOf: CalendarDate
    public var mines: [RestorationLine]
    public var totals: RestorationTotals

    enum CodingKeys: String, CodingKey {
        case year
        case asOf = "as_of"
        case mines, totals
    }
}

extension RestorationReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        let columns: [(String, ReportColumnKind)] = [
            ("license", .text), ("planned_hm2", .area), ("treated_hm2", .area), ("cumulative_treated_hm2", .area),
            ("to_reclaim_hm2", .area), ("reclaimed_hm2", .area), ("reclamation_rate_percent", .percent),
            ("target_rate_percent", .percent),
        ]
        let t = totals
        return ReportTable(columns, rows: mines.map {
            [$0.license, $0.planned?.hectares ?? "", $0.treated.hectares, $0.cumulativeTreated.hectares,
             $0.toReclaim?.hectares ?? "", $0.reclaimed?.hectares ?? "", $0.reclamationRatePercent ?? "",
             $0.targetRatePercent ?? ""]
        } + [
            ["total", t.planned.hectares, t.treated.hectares, t.cumulativeTreated.hectares, t.toReclaim.hectares,
             t.reclaimed.hectares, t.reclamationRatePercent ?? "", t.targetRatePercent],
            ["without_plan", "", "", "", "", "", "", String(t.withoutPlan)],
            ["legacy", "", "", t.legacyTreated.hectares, "", "", "", ""],
            ["banner", "", "", t.bannerCumulativeTreated.hectares, "", "", "", ""],
        ], labelers: ["license": ReportRowLabels.group])
    }
}

extension Reports {
    /// 2,650.90 hm² treated in the banner by the end of 2020 (master plan 2021–2025).
    public static let bannerTreatedBy2020 = Area(squareMetres: 26_509_000)
    /// 矿区土地应复垦率 target for 2025, in percent.
    public static let reclamationRateTarget: Int64 = 100

    /// The year's report, its rates as of `asOf` (default: today), rebuilt
    /// from the decisions recorded by that day.
    public static func restoration(year: Int, asOf: CalendarDate? = nil, only: [String]? = nil, on conn: Connection) throws
        -> RestorationReport
    {
        try Years.check(year)
        let asOf = asOf ?? Bureau.today
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
                ), land AS (
                    SELECT l.mine_id, sum(l.to_reclaim_m2)::bigint AS to_reclaim, sum(l.reclaimed_m2)::bigint AS reclaimed
                    FROM restoration_land(\(asOf)) l GROUP BY l.mine_id
                )
                SELECT m.license,
                       (SELECT f.area_approved_m2 FROM annual_plans_in_force f
                        WHERE f.mine_id = m.id AND f.year = \(y) AND f.approved_version_id IS NOT NULL) AS planned,
                       coalesce(pm.treated, 0)::bigint AS treated, coalesce(pm.cumulative, 0)::bigint AS cumulative,
                       coalesce(pm.since_2021, 0)::bigint AS since_2021,
                       pf.target_rate_bp, coalesce(ld.to_reclaim, 0)::bigint AS to_reclaim,
                       coalesce(ld.reclaimed, 0)::bigint AS reclaimed
                FROM mines m LEFT JOIN per_mine pm ON pm.mine_id = m.id
                LEFT JOIN plans_in_force(\(asOf)) pf ON pf.mine_id = m.id
                LEFT JOIN land ld ON ld.mine_id = m.id
                WHERE (\(only) IS NULL OR m.license = ANY (\(only)))
                ORDER BY m.license
                """).rows.map { r -> (RestorationLine, Int64) in
                let cumulative: Int64 = try r.decode("cumulative")
                let target: Int32? = try r.decode("target_rate_bp")
                let toReclaim: Int64 = try r.decode("to_reclaim")
                let reclaimed: Int64 = try r.decode("reclaimed")
                let hasPlan = target != nil
                return (RestorationLine(
                    license: try r.decode("license"), planned: try r.decode("planned", as: Int64?.self).map(Area.init),
                    treated: Area(squareMetres: try r.decode("treated")), cumulativeTreated: Area(squareMetres: cumulative),
                    toReclaim: hasPlan ? Area(squareMetres: toReclaim) : nil,
                    reclaimed: hasPlan ? Area(squareMetres: reclaimed) : nil,
                    reclamationRatePercent: hasPlan ? (toReclaim == 0 ? "100.00" : percent(reclaimed, of: toReclaim)) : nil,
                    targetRatePercent: target.map { ExactDecimal.format(Int64($0), scale: 2) }),
                        try r.decode("since_2021"))
            }
            let legacy: Int64 = try conn.queryFirst("""
                SELECT coalesce(sum(area_m2), 0)::bigint AS a FROM legacy_progress
                WHERE on_date >= DATE '2021-01-01' AND on_date <= make_date(\(Int32(year)), 12, 31)
                """)?.decode("a") ?? 0
            let mines = lines.map(\.0)
            func sum(_ areas: [Area?]) -> Int64 { areas.reduce(0) { $0 + ($1?.squareMetres ?? 0) } }
            let withPlan = mines.filter { $0.toReclaim != nil }
            let toReclaim = sum(withPlan.map(\.toReclaim))
            let reclaimed = sum(withPlan.map(\.reclaimed))
            let rateBP = basisPoints(reclaimed, of: toReclaim)
            let bannerSince2021 = lines.reduce(0) { $0 + $1.1 } + legacy
            return RestorationReport(year: year, asOf: asOf, mines: mines, totals: RestorationTotals(
                planned: Area(squareMetres: sum(mines.map(\.planned))), treated: Area(squareMetres: sum(mines.map(\.treated))),
                cumulativeTreated: Area(squareMetres: sum(mines.map(\.cumulativeTreated))),
                toReclaim: Area(squareMetres: toReclaim), reclaimed: Area(squareMetres: reclaimed),
                reclamationRatePercent: rateBP.map { ExactDecimal.format($0, scale: 2) },
                targetRatePercent: "\(reclamationRateTarget).00", met: (rateBP ?? 0) >= reclamationRateTarget * 100,
                withoutPlan: mines.count - withPlan.count, legacyTreated: Area(squareMetres: legacy),
                bannerBaseline2020: bannerTreatedBy2020,
                bannerCumulativeTreated: Area(squareMetres: bannerTreatedBy2020.squareMetres + bannerSince2021)))
        }
    }
}
