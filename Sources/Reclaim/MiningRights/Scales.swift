public import Foundation
public import PQKit

/// One mine against the master plan's minimum production scale (最低开采规模,
/// 专栏10 and the concentrated mining zones' 5 and 6 万m³ a year): the
/// minimums as a rule set (`minimum_scales`), the mine's capacity in its
/// licence's unit, the minimum in that unit (converted at the mineral's bulk
/// density when the plan states it in the other).
public struct ScaleLine: Sendable, Equatable, Codable {
    public var license: String
    public var name: String
    public var mineral: String
    public var unit: String
    /// 万 units a year; nil when not recorded (the mine cannot be judged).
    @Nullable public var capacity: Capacity?
    public var minimum: Capacity
    /// `banner`, or the zone the minimum is set for.
    public var appliesIn: String
    /// Below its minimum; nil without a recorded capacity.
    @Nullable public var below: Bool?
    @Nullable public var note: String?

    enum CodingKeys: String, CodingKey {
        case license, name, mineral, unit, capacity, minimum
        case appliesIn = "applies_in"
        case below, note
    }
}

public struct ScalesReport: Sendable, Equatable, Codable {
    public var ruleSet: String
    public var source: String
    /// Every mine holding its right with a minimum for its mineral: those below first, then without a capacity.
    public var mines: [ScaleLine]
    public var belowCount: Int
    public var unknownCount: Int

    enum CodingKeys: String, CodingKey {
        case ruleSet = "rule_set", source, mines
        case belowCount = "below_count"
        case unknownCount = "unknown_count"
    }
}

extension ScalesReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        ReportTable([("license", .text), ("name", .text), ("mineral", .text), ("output_unit", .text), ("capacity", .text),
                     ("minimum_capacity", .text), ("applies_in", .text), ("below_minimum", .text), ("note", .text)],
                    rows: mines.map {
                        [$0.license, $0.name, $0.mineral, $0.unit, $0.capacity?.description ?? "", $0.minimum.description,
                         $0.appliesIn, $0.below.map { String($0) } ?? "", $0.note ?? ""]
                    })
    }
}

extension Reports {
    /// The mines (holding their right today, `only` for an operator's) whose
    /// mineral has a minimum in the rule set in force: below it first, then
    /// those with no capacity recorded, then the rest.
    public static func scales(only: [String]? = nil, on conn: Connection) throws -> ScalesReport {
        try snapshot(on: conn) { conn in
            guard let set = try conn.queryFirst("""
                SELECT name, source FROM minimum_scale_rule_sets ORDER BY loaded_at DESC, name DESC LIMIT 1
                """) else { throw ReclaimError(.notFound, field: "rule_set", "no minimum-scale rule set is loaded") }
            let ruleSet: String = try set.decode("name")
            let minimums = try conn.query("""
                SELECT mineral, zone, unit, minimum::text AS minimum FROM minimum_scales WHERE rule_set = \(ruleSet)
                ORDER BY zone, mineral
                """).rows.map { r in
                (mineral: try r.decode("mineral", as: String.self), zone: try r.decode("zone", as: String.self),
                 unit: try r.decode("unit", as: String.self), minimum: try Capacity.parse(try r.decode("minimum")))
            }
            var lines: [ScaleLine] = []
            var densities: [String: BulkDensity] = [:]  // a setting read once per mineral, not once per mine
            for r in try conn.query("""
                SELECT m.license, m.name, m.mineral, m.output_unit, m.capacity::text AS capacity
                FROM registry_as_of(bureau_date(now())) h JOIN mines m ON m.id = h.mine_id
                WHERE \(only) IS NULL OR m.license = ANY (\(only))
                ORDER BY m.license
                """).rows {
                let mineral: String = try r.decode("mineral")
                // the banner's own minimum first; a zone's where the plan sets only that
                let rules = minimums.filter { Minerals.same($0.mineral, mineral) }
                guard let rule = rules.first(where: { $0.zone.isEmpty }) ?? rules.first else { continue }
                let license: String = try r.decode("license")
                let unit: String = try r.decode("output_unit")
                var minimum = rule.minimum
                var note: String?
                if rule.unit != unit {
                    // the plan's minimum in the other unit: weighed at the mineral's bulk density
                    let density = try densities[mineral] ?? Accruals.bulkDensity(of: mineral, license: license, on: conn)
                    densities[mineral] = density
                    minimum = Capacity(hundredths: rule.unit == "t"
                        ? SandAndGravel.cubicMetres(fromTonnes: rule.minimum.hundredths, kgPerM3: density.kgPerM3)
                        : SandAndGravel.tonnes(fromCubicMetres: rule.minimum.hundredths, kgPerM3: density.kgPerM3))
                    note = "the plan's \(rule.minimum) 万\(rule.unit == "t" ? "t" : "m³")/a at \(ExactDecimal.format(Int64(density.kgPerM3), scale: 3)) t/m³ (\(density.setting))"
                }
                let capacity = try r.decode("capacity", as: String?.self).flatMap(Capacity.init(decimalText:))
                lines.append(ScaleLine(license: license, name: try r.decode("name"), mineral: mineral, unit: unit, capacity: capacity,
                                       minimum: minimum, appliesIn: rule.zone.isEmpty ? "banner" : rule.zone,
                                       below: capacity.map { $0 < minimum }, note: note))
            }
            lines.sort { a, b in
                func rank(_ l: ScaleLine) -> Int { l.below == true ? 0 : l.below == nil ? 1 : 2 }
                return (rank(a), a.license) < (rank(b), b.license)
            }
            return ScalesReport(ruleSet: ruleSet, source: try set.decode("source"), mines: lines,
                                belowCount: lines.filter { $0.below == true }.count,
                                unknownCount: lines.filter { $0.below == nil }.count)
        }
    }
}
