import Foundation
public import PQKit

/// Which registered minerals count as sand and gravel (砂石) for the master
/// plan's targets: construction sand and gravel and building stone, matched
/// on the registry's `mineral` text, trimmed and lower-cased, English or
/// Chinese. Foundry sand and glass sand are industrial minerals, not 砂石.
/// The 2020 baseline of 38 such mines is Dalad's 35 construction-sand
/// mines plus its 3 building-stone limestone quarries (plan ch. 2).
public enum SandAndGravel {
    /// The minerals that count, by the conversion setting each one's output takes.
    public static let groups: [(setting: String, minerals: [String])] = [
        ("conversion.kg_per_m3.construction-sand", ["construction sand", "建筑用砂"]),
        ("conversion.kg_per_m3.sand-and-gravel", ["construction gravel", "sand and gravel", "construction sand and gravel",
                                                  "gravel", "建筑用砂石", "砂石", "砂砾石"]),
        ("conversion.kg_per_m3.building-stone", ["building stone", "building-stone limestone", "construction stone",
                                                 "建筑石料", "建筑用石料", "建筑石料用灰岩"]),
    ]
    public static let minerals: [String] = groups.flatMap(\.minerals)

    /// Output is reported in tonnes; the target is in m³. Each group converts
    /// at its bulk density, a setting (default 1,500 kg/m³, the figure commonly
    /// used for sand and gravel in Chinese output statistics) that every
    /// figure using it states in its note.
    /// Tonnes (thousandths) to m³ (thousandths) at `kgPerM3`, rounded half up.
    static func cubicMetres(fromTonnes t: Int64, kgPerM3: Int) -> Int64 {
        let density = Int128(kgPerM3)
        return Int64((Int128(t) * 1000 * 2 + density) / (2 * density))
    }

    /// m³ to tonnes at `kgPerM3`, in the same fixed-point scale, rounded half up.
    static func tonnes(fromCubicMetres m3: Int64, kgPerM3: Int) -> Int64 {
        Int64((Int128(m3) * Int128(kgPerM3) * 2 + 1000) / 2000)
    }

    public static func matches(_ mineral: String) -> Bool {
        minerals.contains(mineral.trimmingCharacters(in: .whitespaces).lowercased())
    }
}

/// One master-plan target (规划指标) with the registry's current figure.
public struct TargetFigure: Sendable, Equatable, Codable {
    public var name: String
    /// Exact decimal text (a count, a percent with two decimals, m³ with three).
    public var value: String
    public var target: String
    /// `at_most` or `at_least`.
    public var comparison: String
    public var met: Bool
    @Nullable public var baseline2020: String?
    /// The output year, for figures computed from output reports.
    @Nullable public var year: Int?
    /// An assumption the figure rests on, when it does.
    @Nullable public var note: String?
    /// The master plan's targets are indicative (预期性), not binding (约束性).
    public var binding = false
    /// The day the registry was rebuilt as of.
    public var asOf: CalendarDate

    enum CodingKeys: String, CodingKey {
        case name, value, target, comparison, met
        case baseline2020 = "baseline_2020"
        case year, note, binding
        case asOf = "as_of"
    }
}

/// The master plan's 2025 targets (达拉特旗矿产资源总体规划 2021–2025, 主要指标).
public struct TargetsReport: Sendable, Equatable, Codable {
    public var targets: [TargetFigure]

    public init(from decoder: any Decoder) throws { targets = try [TargetFigure](from: decoder) }
    public func encode(to encoder: any Encoder) throws { try targets.encode(to: encoder) }
    init(targets: [TargetFigure]) { self.targets = targets }
}

extension TargetsReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        ReportTable([("name", .text), ("value", .text), ("target", .text), ("met", .text), ("baseline_2020", .text),
                     ("as_of", .text), ("year", .text), ("binding", .text), ("note", .text)],
                    rows: targets.map {
                        [$0.name, $0.value, ($0.comparison == "at_most" ? "<= " : ">= ") + $0.target, String($0.met),
                         $0.baseline2020 ?? "", $0.asOf.description, $0.year.map(String.init) ?? "",
                         $0.binding ? "binding" : "indicative", $0.note ?? ""]
                    })
    }
}

extension Reports {
    /// The targets with the registry rebuilt as of the end of `asOf`
    /// (default: today; the plan's mid-term and final dates are 2023-12-31
    /// and 2025-12-31): the mines counted the way the plan's 2020 baseline
    /// counts them (`registry_as_of` in sql/functions/mines.sql), with the
    /// mineral and scale each had then. Sand-and-gravel output is that of
    /// `year`; by default the last year ended by `asOf` when one is given,
    /// else the latest year any output was reported. Tonnes convert to m³ at
    /// each mineral's bulk-density setting, which the figure's note names.
    public static func targets(year: Int? = nil, asOf: CalendarDate? = nil, on conn: Connection) throws -> TargetsReport {
        if let year { try Years.check(year) }
        let today = Bureau.today
        if let asOf, asOf.year < 1986 || asOf > today {
            throw ReclaimError(.ruleViolation, field: "as_of", "\(asOf) is not a day the registry can be rebuilt for (1986-01-01 to today)")
        }
        let day = asOf ?? today
        return try snapshot(on: conn) { conn in
            guard let row = try conn.queryFirst("""
                SELECT count(*) AS mines,
                       count(*) FILTER (WHERE scale IN ('large', 'medium')) AS large_medium,
                       count(*) FILTER (WHERE lower(btrim(mineral)) = ANY (\(SandAndGravel.minerals))) AS sand_gravel
                FROM registry_as_of(\(day))
                """) else { throw ReclaimError(.internal, "the registry could not be counted") }
            let mines: Int64 = try row.decode("mines")
            let largeMedium: Int64 = try row.decode("large_medium")
            let sandGravel: Int64 = try row.decode("sand_gravel")
            let lastEnded = day.month == 12 && day.day == 31 ? day.year : day.year - 1
            let outputYear: Int? = try year ?? (asOf == nil
                ? conn.queryFirst("SELECT max(year) AS y FROM output_reports")?.decode("y", as: Int32?.self).map(Int.init)
                : lastEnded)
            // the latest report of each mine for the year (corrections supersede), by conversion group
            var m3 = Int64(0)
            var converted: [String] = []
            for group in SandAndGravel.groups {
                let output = try conn.queryFirst("""
                    SELECT coalesce(sum(o.quantity) FILTER (WHERE o.unit = 'm3'), 0)::text AS m3,
                           coalesce(sum(o.quantity) FILTER (WHERE o.unit = 't'), 0)::text AS t
                    FROM mines m JOIN LATERAL (SELECT quantity, unit FROM output_reports r
                                               WHERE r.mine_id = m.id AND r.year = \(outputYear.map(Int64.init))
                                               ORDER BY r.id DESC LIMIT 1) o ON true
                    WHERE lower(btrim(m.mineral)) = ANY (\(group.minerals))
                    """)
                let tonnes = try Quantity.parse(try output?.decode("t", as: String.self) ?? "0")
                let density = try Settings.int(group.setting, on: conn)
                m3 += try Quantity.parse(try output?.decode("m3", as: String.self) ?? "0").thousandths
                    + SandAndGravel.cubicMetres(fromTonnes: tonnes.thousandths, kgPerM3: density)
                if tonnes.thousandths > 0 {
                    converted.append("\(tonnes) t converted at \(ExactDecimal.format(Int64(density), scale: 3)) t/m³ (\(group.setting))")
                }
            }
            let total = Quantity(thousandths: m3)
            let share = basisPoints(largeMedium * 100, of: mines * 100) ?? 0
            let counted = "rights held on \(day): licensed by then, not merged away, closure not confirmed (闭坑 mines count, as in the 2020 baseline)"
            return TargetsReport(targets: [
                TargetFigure(name: "mine_count", value: String(mines), target: "68", comparison: "at_most", met: mines <= 68,
                             baseline2020: "78", year: nil, note: counted, asOf: day),
                TargetFigure(name: "sand_gravel_mines", value: String(sandGravel), target: "21", comparison: "at_most",
                             met: sandGravel <= 21, baseline2020: "38", year: nil, note: nil, asOf: day),
                TargetFigure(name: "large_medium_share_percent", value: ExactDecimal.format(share, scale: 2), target: "60.00",
                             comparison: "at_least", met: share >= 6000, baseline2020: "20.4", year: nil, note: nil,
                             asOf: day),
                TargetFigure(name: "sand_gravel_output_m3", value: total.description, target: "1280000.000",
                             comparison: "at_most", met: total.thousandths <= 1_280_000_000, baseline2020: nil, year: outputYear,
                             note: converted.isEmpty ? nil : converted.joined(separator: "; "), asOf: day),
            ])
        }
    }
}
