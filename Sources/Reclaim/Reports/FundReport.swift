public import Foundation
public import PQKit

/// One line of the fund report: a mine's fund over a year, every movement by
/// the kind of booking it came from (a reversal counts against its
/// original's kind), so opening plus the movements is the closing balance.
public struct FundReportLine: Sendable, Equatable, Codable {
    public var license: String
    public var mineralClass: String
    public var regionCode: String
    public var opening: Money
    public var deposits: Money
    public var conversions: Money
    public var withdrawals: Money
    public var transfersIn: Money
    public var transfersOut: Money
    public var releases: Money
    public var closing: Money
    /// The year's latest assessment (zero when not assessed).
    public var assessed: Money
    /// assessed − deposits where positive.
    public var shortfall: Money

    enum CodingKeys: String, CodingKey {
        case license
        case mineralClass = "mineral_class"
        case regionCode = "region_code"
        case opening, deposits, conversions, withdrawals
        case transfersIn = "transfers_in"
        case transfersOut = "transfers_out"
        case releases, closing, assessed, shortfall
    }

    static func sum(_ lines: [FundReportLine], label: String) -> FundReportLine {
        func s(_ k: KeyPath<FundReportLine, Money>) -> Money { Money(fen: lines.reduce(0) { $0 + $1[keyPath: k].fen }) }
        return FundReportLine(license: label, mineralClass: "", regionCode: "", opening: s(\.opening), deposits: s(\.deposits),
                              conversions: s(\.conversions), withdrawals: s(\.withdrawals), transfersIn: s(\.transfersIn),
                              transfersOut: s(\.transfersOut), releases: s(\.releases), closing: s(\.closing),
                              assessed: s(\.assessed), shortfall: s(\.shortfall))
    }

    /// opening + deposits + conversions − withdrawals + transfers in − transfers out − releases.
    public var addsUp: Bool {
        opening.fen + deposits.fen + conversions.fen - withdrawals.fen + transfersIn.fen - transfersOut.fen - releases.fen
            == closing.fen
    }
}

/// The fund report of a year (基金年度报告): per mine, totals by mineral class,
/// by region code (the registry keeps a region code, not a township), and overall.
public struct FundReport: Sendable, Equatable, Codable {
    public var year: Int
    public var mines: [FundReportLine]
    public var byMineralClass: [FundReportLine]
    public var byRegion: [FundReportLine]
    public var totals: FundReportLine

    enum CodingKeys: String, CodingKey {
        case year, mines
        case byMineralClass = "by_mineral_class"
        case byRegion = "by_region"
        case totals
    }
}

public enum Reports {
    /// The fund report of `year`, read in one REPEATABLE READ snapshot so it
    /// adds up while bookings arrive. `only`: an operator's mines.
    public static func fund(year: Int, only: [String]? = nil, on conn: Connection) throws -> FundReport {
        try Years.check(year)
        return try snapshot(on: conn) { conn in
            let lines = try fundLines(year: year, only: only, on: conn)
            func grouped(_ key: (FundReportLine) -> String) -> [FundReportLine] {
                Dictionary(grouping: lines, by: key).sorted { $0.key < $1.key }.map { FundReportLine.sum($0.value, label: $0.key) }
            }
            return FundReport(year: year, mines: lines, byMineralClass: grouped(\.mineralClass), byRegion: grouped(\.regionCode),
                              totals: FundReportLine.sum(lines, label: "total"))
        }
    }

    /// The fund lines of `year`, in the caller's snapshot.
    static func fundLines(year: Int, only: [String]?, on conn: Connection) throws -> [FundReportLine] {
        guard let y = Int32(exactly: year) else { throw ReclaimError.invalid("year", "must be a year") }
        // Never the whole history, nor the year's postings: each fund
        // account's year at a glance (ledger_account_years, kept by the
        // postings trigger) holds the year's movements by kind, and the
        // opening and closing balances are the balance now less what is
        // dated in later years, in the same snapshot. One range of the
        // summary's primary key per account.
        let lines = try conn.query("""
            WITH per_mine AS (
                SELECT a.mine_id, a.balance - coalesce(y.from_year, 0) AS opening, a.balance - coalesce(y.after_year, 0) AS closing,
                       coalesce(y.deposits, 0) AS deposits, coalesce(y.conversions, 0) AS conversions,
                       coalesce(y.withdrawals, 0) AS withdrawals, coalesce(y.transfers_in, 0) AS transfers_in,
                       coalesce(y.transfers_out, 0) AS transfers_out, coalesce(y.releases, 0) AS releases
                FROM fund_accounts a
                CROSS JOIN LATERAL (
                    SELECT sum(s.amount) AS from_year,
                           sum(s.amount) FILTER (WHERE s.year > \(y)) AS after_year,
                           sum(s.amount) FILTER (WHERE s.year = \(y) AND s.kind = 'deposit') AS deposits,
                           sum(s.amount) FILTER (WHERE s.year = \(y) AND s.kind = 'deposit-conversion') AS conversions,
                           -sum(s.amount) FILTER (WHERE s.year = \(y) AND s.kind = 'withdrawal') AS withdrawals,
                           sum(s.amount) FILTER (WHERE s.year = \(y) AND s.kind = 'transfer-in') AS transfers_in,
                           -sum(s.amount) FILTER (WHERE s.year = \(y) AND s.kind = 'transfer-out') AS transfers_out,
                           -sum(s.amount) FILTER (WHERE s.year = \(y) AND s.kind = 'closure-release') AS releases
                    FROM ledger_account_years s WHERE s.account_id = a.id AND s.year >= \(y)
                ) y
                WHERE a.kind = 'fund'
            )
            SELECT m.license, m.mineral_class, m.region_code,
                   coalesce(pm.opening, 0)::bigint AS opening, coalesce(pm.deposits, 0)::bigint AS deposits,
                   coalesce(pm.conversions, 0)::bigint AS conversions, coalesce(pm.withdrawals, 0)::bigint AS withdrawals,
                   coalesce(pm.transfers_in, 0)::bigint AS transfers_in, coalesce(pm.transfers_out, 0)::bigint AS transfers_out,
                   coalesce(pm.releases, 0)::bigint AS releases, coalesce(pm.closing, 0)::bigint AS closing,
                   coalesce((SELECT a.amount FROM accrual_assessments a WHERE a.mine_id = m.id AND a.year = \(y)
                             ORDER BY a.version DESC LIMIT 1), 0) AS assessed
            FROM mines m LEFT JOIN per_mine pm ON pm.mine_id = m.id
            WHERE (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY m.license
            """).rows.map { r -> FundReportLine in
            let deposits: Int64 = try r.decode("deposits")
            let assessed: Int64 = try r.decode("assessed")
            return FundReportLine(
                license: try r.decode("license"), mineralClass: try r.decode("mineral_class"),
                regionCode: try r.decode("region_code"), opening: Money(fen: try r.decode("opening")),
                deposits: Money(fen: deposits), conversions: Money(fen: try r.decode("conversions")),
                withdrawals: Money(fen: try r.decode("withdrawals")), transfersIn: Money(fen: try r.decode("transfers_in")),
                transfersOut: Money(fen: try r.decode("transfers_out")), releases: Money(fen: try r.decode("releases")),
                closing: Money(fen: try r.decode("closing")), assessed: Money(fen: assessed),
                shortfall: Money(fen: max(0, assessed - deposits)))
        }
        guard lines.allSatisfy(\.addsUp) else {
            throw ReclaimError(.internal, "the fund report does not add up; run fund verify")
        }
        return lines
    }
}

extension FundReport: TabularReport {
    static let columns: [(String, ReportColumnKind)] = [("license", .text), ("mineral_class", .text), ("region_code", .text)]
        + ["opening", "deposits", "conversions", "withdrawals", "transfers_in", "transfers_out", "releases", "closing",
           "assessed", "shortfall"].map { ($0, .money) }

    /// Mines, then the totals by mineral class (`class:…`), by region (`region:…`) and overall.
    public func table(unit: Money.Unit) -> ReportTable {
        func cells(_ l: FundReportLine, _ label: String) -> [String] {
            [label, l.mineralClass, l.regionCode] + [l.opening, l.deposits, l.conversions, l.withdrawals, l.transfersIn,
                                                     l.transfersOut, l.releases, l.closing, l.assessed, l.shortfall]
                .map { $0.text(unit) }
        }
        return ReportTable(Self.columns, rows: mines.map { cells($0, $0.license) }
            + byMineralClass.map { cells($0, "class:" + $0.license) } + byRegion.map { cells($0, "region:" + $0.license) }
            + [cells(totals, "total")],
            labelers: ["license": ReportRowLabels.group, "mineral_class": MineralClass.labeler])
    }
}
