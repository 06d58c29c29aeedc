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
        try OutputReports.checkYear(year)
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
        guard let jan1 = CalendarDate(year: year, month: 1, day: 1), let dec31 = CalendarDate(year: year, month: 12, day: 31)
        else { throw ReclaimError.invalid("year", "must be a year") }
        // Never the whole history: the opening and closing balances are the
        // account's balance now less what is dated from 1 January (after 31
        // December) on, in the same snapshot, summed from the (account, value
        // date) index that carries the amount. Only the year's own postings
        // are read with their entries' kinds, one primary-key probe each.
        // (OFFSET 0 keeps each lookup a per-account index range scan.)
        let lines = try conn.query("""
            WITH moves AS (
                SELECT a.mine_id, p.amount, coalesce(o.kind, e.kind) AS kind,
                       -- a transfer's direction on this account: its original posting's sign
                       (p.amount > 0) <> (e.kind = 'reversal') AS inward
                FROM fund_accounts a
                CROSS JOIN LATERAL (SELECT q.amount, q.entry_id FROM ledger_postings q WHERE q.account_id = a.id
                                    AND q.value_date >= \(jan1) AND q.value_date <= \(dec31) OFFSET 0) p
                CROSS JOIN LATERAL (SELECT x.kind, x.reverses FROM ledger_entries x WHERE x.id = p.entry_id LIMIT 1) e
                LEFT JOIN LATERAL (SELECT x.kind FROM ledger_entries x WHERE x.id = e.reverses LIMIT 1) o ON true
                WHERE a.kind = 'fund'
            ), per_mine AS (
                SELECT a.mine_id,
                       a.balance - (SELECT coalesce(sum(q.amount), 0) FROM ledger_postings q
                                    WHERE q.account_id = a.id AND q.value_date >= \(jan1)) AS opening,
                       coalesce(y.deposits, 0) AS deposits, coalesce(y.conversions, 0) AS conversions,
                       coalesce(y.withdrawals, 0) AS withdrawals, coalesce(y.transfers_in, 0) AS transfers_in,
                       coalesce(y.transfers_out, 0) AS transfers_out, coalesce(y.releases, 0) AS releases,
                       a.balance - (SELECT coalesce(sum(q.amount), 0) FROM ledger_postings q
                                    WHERE q.account_id = a.id AND q.value_date > \(dec31)) AS closing
                FROM fund_accounts a
                LEFT JOIN (
                    SELECT mine_id,
                           sum(amount) FILTER (WHERE kind = 'deposit') AS deposits,
                           sum(amount) FILTER (WHERE kind = 'deposit-conversion') AS conversions,
                           -sum(amount) FILTER (WHERE kind = 'withdrawal') AS withdrawals,
                           sum(amount) FILTER (WHERE kind = 'transfer' AND inward) AS transfers_in,
                           -sum(amount) FILTER (WHERE kind = 'transfer' AND NOT inward) AS transfers_out,
                           -sum(amount) FILTER (WHERE kind = 'closure-release') AS releases
                    FROM moves GROUP BY mine_id
                ) y ON y.mine_id = a.mine_id
                WHERE a.kind = 'fund'
            )
            SELECT m.license, m.mineral_class, m.region_code,
                   coalesce(pm.opening, 0)::bigint AS opening, coalesce(pm.deposits, 0)::bigint AS deposits,
                   coalesce(pm.conversions, 0)::bigint AS conversions, coalesce(pm.withdrawals, 0)::bigint AS withdrawals,
                   coalesce(pm.transfers_in, 0)::bigint AS transfers_in, coalesce(pm.transfers_out, 0)::bigint AS transfers_out,
                   coalesce(pm.releases, 0)::bigint AS releases, coalesce(pm.closing, 0)::bigint AS closing,
                   coalesce((SELECT a.amount FROM accrual_assessments a WHERE a.mine_id = m.id AND a.year = \(Int64(year))
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
            + [cells(totals, "total")])
    }
}
