import Foundation
public import PQKit

/// One year's deposits, withdrawals and treated area, for the yearly chart.
public struct YearFigures: Sendable, Equatable, Codable {
    public var year: Int
    /// Deposits and deposit conversions, net of their reversals.
    public var deposits: Money
    /// Withdrawals, net of their reversals.
    public var withdrawals: Money
    /// Treated area by the year's latest year-end reports.
    public var treated: Area

    public init(year: Int, deposits: Money, withdrawals: Money, treated: Area) {
        self.year = year
        self.deposits = deposits
        self.withdrawals = withdrawals
        self.treated = treated
    }
}

/// The figures at a glance (总览) that the dashboard's home page shows, for
/// the mines a principal may see, in one snapshot.
public struct Overview: Sendable, Equatable, Codable {
    public var year: Int
    /// The mines the figures cover (each has one fund).
    public var mines: Int
    /// Every fund's balance now.
    public var fundTotal: Money
    public var deposits: Money
    public var withdrawals: Money
    /// Mines that owe part of their accrual: assessed up to the end of the
    /// year beyond what they deposited (any year, not only this one).
    public var shortfalls: Int
    /// Plans, annual plans and closure applications waiting for a reviewer.
    public var waiting: Int
    public var closuresOverdue: Int
    /// Closure applications still open and due within `Reminders.closureDays` working days (overdue included).
    public var closuresDueSoon: Int
    public var restoration: RestorationTotals
    /// Listed green mines whose disclosure of last year has not come (due by 31 March).
    public var greenDisclosuresMissing: Int
    /// Whether those are overdue (after 31 March, Beijing time).
    public var greenDisclosuresOverdue: Bool
    /// The last six years, oldest first.
    public var years: [YearFigures]
}

extension Reports {
    public static func overview(year: Int, only: [String]? = nil, on conn: Connection) throws -> Overview {
        try Years.check(year)
        return try snapshot(on: conn) { conn in
            let fund = try fundLines(year: year, only: only, on: conn)
            let total: Int64 = try conn.queryFirst("""
                SELECT coalesce(sum(a.balance), 0)::bigint AS t FROM fund_accounts a JOIN mines m ON m.id = a.mine_id
                WHERE a.kind = 'fund' AND (\(only) IS NULL OR m.license = ANY (\(only)))
                """)?.decode("t") ?? 0
            let first = year - 5
            var years = Dictionary(uniqueKeysWithValues: (first...year).map {
                ($0, YearFigures(year: $0, deposits: .zero, withdrawals: .zero, treated: Area(squareMetres: 0)))
            })
            // A deposit's other leg is the mine's contributions (or converted
            // deposits) account, a withdrawal's its works account, and a
            // reversal posts back to the same account: so the year's deposits
            // and withdrawals, reversals netted, are what those accounts'
            // years add up to (ledger_account_years), whatever their kinds.
            for r in try conn.query("""
                SELECT s.year AS y,
                       coalesce(-sum(s.amount) FILTER (WHERE a.kind IN ('contributions', 'converted-deposits')), 0)::bigint AS d,
                       coalesce(sum(s.amount) FILTER (WHERE a.kind = 'works'), 0)::bigint AS w
                FROM fund_accounts a JOIN mines m ON m.id = a.mine_id
                JOIN ledger_account_years s ON s.account_id = a.id
                WHERE a.kind IN ('contributions', 'converted-deposits', 'works')
                  AND s.year BETWEEN \(Int32(first)) AND \(Int32(year))
                  AND (\(only) IS NULL OR m.license = ANY (\(only)))
                GROUP BY 1
                """).rows {
                let y = Int(try r.decode("y", as: Int32.self))
                years[y]?.deposits = Money(fen: try r.decode("d"))
                years[y]?.withdrawals = Money(fen: try r.decode("w"))
            }
            for r in try conn.query("""
                SELECT a.year AS y, coalesce(sum(l.area_m2), 0)::bigint AS t
                FROM annual_plans a JOIN mines m ON m.id = a.mine_id
                JOIN annual_plan_report_lines l
                  ON l.report_id = (SELECT max(r.id) FROM annual_plan_reports r WHERE r.annual_plan_id = a.id)
                WHERE a.year BETWEEN \(Int32(first)) AND \(Int32(year)) AND (\(only) IS NULL OR m.license = ANY (\(only)))
                GROUP BY a.year
                """).rows {
                years[Int(try r.decode("y", as: Int32.self))]?.treated = Area(squareMetres: try r.decode("t"))
            }
            let waiting: Int64 = try conn.queryFirst("""
                SELECT count(*) AS n FROM review_records r
                LEFT JOIN plans p ON r.record_type = 'plan' AND p.id = r.record_id
                LEFT JOIN annual_plans a ON r.record_type = 'annual-plan' AND a.id = r.record_id
                LEFT JOIN closure_applications c ON r.record_type = 'closure-application' AND c.id = r.record_id
                JOIN mines m ON m.id = coalesce(p.mine_id, a.mine_id, c.mine_id)
                WHERE ((r.record_type = 'plan' AND r.state = 'submitted')
                    OR (r.record_type = 'annual-plan' AND r.state IN ('submitted', 'revision-submitted', 'reported'))
                    OR (r.record_type = 'closure-application' AND r.state IN ('filed', 'under-review')))
                  AND (\(only) IS NULL OR m.license = ANY (\(only)))
                """)?.decode("n") ?? 0
            let closures = try Closures.list(only: only, on: conn)
            return Overview(
                year: year, mines: fund.count, fundTotal: Money(fen: total),
                deposits: Money(fen: fund.reduce(0) { $0 + $1.deposits.fen + $1.conversions.fen }),
                withdrawals: Money(fen: fund.reduce(0) { $0 + $1.withdrawals.fen }),
                // what the mines still owe, any year up to this one: a card counting only this year's
                // assessments read 0 in January while last year's shortfalls stood unpaid
                shortfalls: try Accruals.shortfalls(year: year, only: only, on: conn).filter { $0.cumulativeShortfall.fen > 0 }.count,
                waiting: Int(waiting),
                closuresOverdue: closures.filter(\.overdue).count,
                closuresDueSoon: closures.filter {
                    [.filed, .underReview, .noticed].contains($0.state) && $0.workingDaysLeft <= Reminders.closureDays
                }.count,
                restoration: try restoration(year: year, only: only, on: conn).totals,
                greenDisclosuresMissing: try GreenMines.missing(year: year - 1, only: only, on: conn).count,
                greenDisclosuresOverdue: GreenMines.isOverdue(year: year - 1),
                years: years.values.sorted { $0.year < $1.year })
        }
    }
}
