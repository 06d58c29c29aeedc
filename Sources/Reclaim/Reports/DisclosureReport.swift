import Foundation
public import PQKit

/// One work of the annual plan as disclosed: what was planned and what was done.
public struct DisclosedWork: Sendable, Equatable, Codable {
    public var work: Int
    public var type: WorkType
    public var location: String
    /// "12.5000 hm²" or "3000.000 m3"
    public var planned: String
    public var budget: Money
    /// What the year-end report says was done; nil when not reported.
    @Nullable public var done: String?
    @Nullable public var spent: Money?
}

/// The annual plan's execution as disclosed.
public struct DisclosedAnnualPlan: Sendable, Equatable, Codable {
    public var state: AnnualPlanState
    public var budget: Money
    public var withdrawn: Money
    public var remaining: Money
    public var planned: Area
    public var reported: Area
    public var reportedSpent: Money
    public var works: [DisclosedWork]

    enum CodingKeys: String, CodingKey {
        case state, budget, withdrawn, remaining
        case planned = "planned_hm2"
        case reported = "reported_hm2"
        case reportedSpent = "reported_spent"
        case works
    }
}

/// The yearly public summary a company publishes (基金计提、使用及年度治理计划
/// 执行情况公示): the fund's accrual, use and balance, and the annual plan's
/// execution. Its fund figures are the fund report's line for the mine, read
/// in the same snapshot.
/// The public part of a listed green mine's year (绿色矿山): its listing,
/// its own disclosure's score, and the spot check's result when drawn.
public struct DisclosedGreen: Sendable, Equatable, Codable {
    public var standard: String
    /// listed at the year's end, or the cause it left the list by during the year.
    public var status: String
    @Nullable public var score: String?
    public var late: Bool
    @Nullable public var checkResult: GreenCheckResult?
    @Nullable public var checkFinding: String?

    enum CodingKeys: String, CodingKey {
        case standard, status, score, late
        case checkResult = "check_result"
        case checkFinding = "check_finding"
    }
}

public struct DisclosureReport: Sendable, Equatable, Codable {
    public var license: String
    public var name: String
    public var holder: String
    public var mineral: String
    public var year: Int
    public var fund: FundReportLine
    /// Nil when the mine filed no annual plan for the year.
    @Nullable public var annualPlan: DisclosedAnnualPlan?
    /// Nil when the mine was not on the green list that year.
    @Nullable public var green: DisclosedGreen?

    enum CodingKeys: String, CodingKey {
        case license, name, holder, mineral, year, fund
        case annualPlan = "annual_plan"
        case green
    }

    /// The money items in the order a reader follows them.
    var fundItems: [(String, Money)] {
        [("opening", fund.opening), ("assessed", fund.assessed), ("deposits", fund.deposits),
         ("conversions", fund.conversions), ("withdrawals", fund.withdrawals), ("transfers_in", fund.transfersIn),
         ("transfers_out", fund.transfersOut), ("releases", fund.releases), ("closing", fund.closing),
         ("shortfall", fund.shortfall)]
    }
}

extension DisclosureReport: TabularReport {
    /// Item and value, one per line; the works as `work:N` lines.
    public func table(unit: Money.Unit) -> ReportTable {
        var rows: [[String]] = [["license", license], ["name", name], ["holder", holder], ["mineral", mineral],
                                ["year", String(year)]]
        rows += fundItems.map { [$0.0, $0.1.text(unit)] }
        if let p = annualPlan {
            rows += [["state", p.state.rawValue], ["budget", p.budget.text(unit)], ["withdrawn", p.withdrawn.text(unit)],
                     ["planned_hm2", p.planned.hectares], ["reported_hm2", p.reported.hectares],
                     ["reported_spent", p.reportedSpent.text(unit)]]
            rows += p.works.map {
                ["work:\($0.work)", "\($0.type.rawValue) @ \($0.location): planned \($0.planned), budget \($0.budget.text(unit))"
                    + ($0.done.map { ", done \($0)" } ?? "") + ($0.spent.map { ", spent \($0.text(unit))" } ?? "")]
            }
        } else {
            rows.append(["state", "none"])
        }
        if let g = green {
            rows += [["green_status", g.status], ["green_standard", g.standard], ["green_score", g.score ?? "missing"],
                     ["green_late", String(g.late)], ["green_check", g.checkResult?.rawValue ?? ""], ["green_finding", g.checkFinding ?? ""]]
        }
        return ReportTable([("item", .text), ("value", .text)], rows: rows)
    }
}

extension Reports {
    public static func disclosure(_ license: String, year: Int, on conn: Connection) throws -> DisclosureReport {
        try Years.check(year)
        let license = try Identifier.license(license)
        return try snapshot(on: conn) { conn in
            let mine = try MineRegistry.find(license, on: conn)
            guard let fund = try fundLines(year: year, only: [license], on: conn).first else {
                throw MineRegistry.notFound(license)
            }
            var plan: DisclosedAnnualPlan?
            do {
                let a = try AnnualPlans.find(license, year: year, on: conn)
                let works = a.works.map { w in
                    DisclosedWork(
                        work: w.work, type: w.planned.type, location: w.planned.location,
                        planned: w.planned.area.map { "\($0.hectares) hm²" } ?? "\(w.planned.quantity?.description ?? "0") \(w.planned.unit ?? "")",
                        budget: w.planned.budget,
                        done: w.done.map { d in d.area.map { "\($0.hectares) hm²" } ?? "\(d.quantity?.description ?? "0") \(w.planned.unit ?? "")" },
                        spent: w.done?.spent)
                }
                plan = DisclosedAnnualPlan(
                    state: a.state, budget: a.budget, withdrawn: a.withdrawn, remaining: a.remaining, planned: a.area,
                    reported: Area(squareMetres: a.works.reduce(0) { $0 + ($1.done?.area?.squareMetres ?? 0) }),
                    reportedSpent: Money(fen: a.works.reduce(0) { $0 + ($1.done?.spent.fen ?? 0) }), works: works)
            } catch let e as ReclaimError where e.kind == .notFound {
                plan = nil
            }
            // the green list's public part: the year's line of `report green`, when the mine was on the list
            let green = try GreenMines.report(year: year, only: [license], on: conn).lines.last.map { l in
                DisclosedGreen(standard: l.standard, status: l.status, score: l.score, late: l.late, checkResult: l.result, checkFinding: l.finding)
            }
            return DisclosureReport(license: license, name: mine.name, holder: mine.holder, mineral: mine.mineral, year: year,
                                    fund: fund, annualPlan: plan, green: green)
        }
    }
}
