public import Foundation
public import PQKit

/// The figures of one plan version (矿山地质环境保护与土地复垦方案), as a
/// mine's operator submits them (`plan submit --file PLAN.json`, the shape
/// of `examples/plan.json`), checked whole: the first inconsistency is
/// refused naming its field, and nothing is written.
public struct PlanDocument: Sendable, Equatable, Codable {
    public struct DamagedLand: Sendable, Equatable, Codable {
        public var landType: LandType
        public var existing: Area
        public var predicted: Area

        public init(landType: LandType, existing: Area, predicted: Area) {
            self.landType = landType
            self.existing = existing
            self.predicted = predicted
        }

        enum CodingKeys: String, CodingKey {
            case landType = "land_type"
            case existing = "existing_hm2"
            case predicted = "predicted_hm2"
        }
    }

    public var serviceFrom: Int
    public var serviceTo: Int
    public var damagedLand: [DamagedLand]
    /// 复垦责任范围
    public var responsibilityArea: Area
    public var plannedReclaimed: Area
    /// The target reclamation rate in hundredths of a percent (100.00 % = 10000).
    public var targetRateBasisPoints: Int
    /// The static cost estimate (静态投资), total and per year of the service period.
    public var costTotal: Money
    public var costByYear: [Int: Money]
    /// 治理责任书 signed on
    public var letterSignedOn: CalendarDate

    /// The target rate as written in the file: "100.00".
    public var targetRatePercent: String { ExactDecimal.format(Int64(targetRateBasisPoints), scale: 2) }

    enum CodingKeys: String, CodingKey {
        case servicePeriod = "service_period"
        case damagedLand = "damaged_land"
        case responsibilityArea = "responsibility_area_hm2"
        case plannedReclaimed = "planned_reclaimed_hm2"
        case targetRate = "target_rate_percent"
        case cost
        case letterSignedOn = "letter_signed_on"
    }

    struct Period: Codable { var from: Int; var to: Int }
    struct Cost: Codable {
        var total: String
        var byYear: [String: String]
        enum CodingKeys: String, CodingKey {
            case total
            case byYear = "by_year"
        }
    }

    public init(serviceFrom: Int, serviceTo: Int, damagedLand: [DamagedLand], responsibilityArea: Area,
                plannedReclaimed: Area, targetRateBasisPoints: Int, costTotal: Money, costByYear: [Int: Money],
                letterSignedOn: CalendarDate) throws
    {
        self.serviceFrom = serviceFrom
        self.serviceTo = serviceTo
        self.damagedLand = damagedLand
        self.responsibilityArea = responsibilityArea
        self.plannedReclaimed = plannedReclaimed
        self.targetRateBasisPoints = targetRateBasisPoints
        self.costTotal = costTotal
        self.costByYear = costByYear
        self.letterSignedOn = letterSignedOn
        try check()
    }

    /// The rules of a consistent plan, each refused naming its field: a
    /// well-formed document that breaks one is refused by a rule (HTTP 422).
    func check() throws {
        func refuse(_ field: String, _ message: String) -> ReclaimError {
            ReclaimError(.ruleViolation, field: field, message)
        }
        guard Years.range.contains(serviceFrom) else {
            throw refuse("service_period.from", "must be a year from \(Years.range.lowerBound) to \(Years.range.upperBound)")
        }
        guard serviceTo >= serviceFrom, serviceTo <= serviceFrom + 99 else {
            throw refuse("service_period.to", "must be a year from \(serviceFrom) to \(serviceFrom + 99)")
        }
        var seen: Set<LandType> = []
        for land in damagedLand where !seen.insert(land.landType).inserted {
            throw refuse("damaged_land", "names \(land.landType.rawValue) twice")
        }
        guard plannedReclaimed <= responsibilityArea else {
            throw refuse("planned_reclaimed_hm2",
                                       "\(plannedReclaimed.hectares) hm² cannot exceed the responsibility area of \(responsibilityArea.hectares) hm²")
        }
        guard (0...10_000).contains(targetRateBasisPoints) else {
            throw refuse("target_rate_percent", "must be from 0 to 100.00")
        }
        let years = Set(costByYear.keys)
        let period = Set(serviceFrom...serviceTo)
        if years != period {
            let missing = period.subtracting(years).sorted().map(String.init)
            let extra = years.subtracting(period).sorted().map(String.init)
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("outside it \(extra.joined(separator: ", "))") }
            throw refuse("cost.by_year", "must cover exactly the service period \(serviceFrom) to \(serviceTo) (\(parts.joined(separator: "; ")))")
        }
        let sum = costByYear.values.reduce(Int64(0)) { $0 + $1.fen }
        guard sum == costTotal.fen else {
            throw refuse("cost.by_year", "adds up to \(Money(fen: sum)) yuan, not the total \(costTotal) yuan")
        }
    }

    /// Reads a plan file: the shape of `examples/plan.json`. Unknown fields
    /// are refused (a misspelt field would otherwise vanish unnoticed).
    public static func parse(_ data: Data) throws -> PlanDocument {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw ReclaimError.invalid("plan", "is not a JSON object")
        }
        let known = Set(fields)
        if let unknown = top.keys.sorted().first(where: { !known.contains($0) }) {
            throw ReclaimError.invalid(unknown, "is not a field of a plan (fields: \(known.sorted().joined(separator: ", ")))")
        }
        do {
            return try ReclaimJSON.decode(PlanDocument.self, from: data)
        } catch let e as ReclaimError {
            throw e
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReclaimError.invalid(path(context.codingPath + [key]), "is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ReclaimError.invalid(path(context.codingPath), "has the wrong type (\(expected(context.codingPath)))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ReclaimError.invalid(path(context.codingPath), "must not be null")
        } catch let DecodingError.dataCorrupted(context) {
            throw ReclaimError.invalid(path(context.codingPath), "has the wrong type (\(expected(context.codingPath)))")
        } catch {
            throw ReclaimError.invalid("plan", "cannot be read")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        let parts = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return parts.enumerated().map { i, p in i == 0 || p.hasPrefix("[") ? p : "." + p }.joined()
    }

    static func expected(_ keys: [any CodingKey]) -> String {
        switch keys.last?.stringValue {
        case "from", "to": return "a whole year, like 2025"
        case "land_type": return "one of \(LandType.allCases.map(\.rawValue).joined(separator: ", "))"
        case "letter_signed_on": return "a date like 2025-01-05"
        default: return "see the plan file format in docs/accrual-and-plans.md"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let period = try c.decode(Period.self, forKey: .servicePeriod)
        let land = try c.decode([DamagedLand].self, forKey: .damagedLand)
        func hectares(_ key: CodingKeys) throws -> Area {
            try Area.parseHectares(try c.decode(String.self, forKey: key), field: key.rawValue)
        }
        let rateText = try c.decode(String.self, forKey: .targetRate)
        guard let rate = ExactDecimal.parse(rateText, scale: 2, maximum: 99_999) else {
            throw ReclaimError.invalid("target_rate_percent", "'\(rateText)' is not a percentage from 0 to 100.00 with at most two decimals")
        }
        let cost = try c.decode(Cost.self, forKey: .cost)
        var byYear: [Int: Money] = [:]
        for (key, value) in cost.byYear {
            guard key.utf8.count == 4, let year = Int(key) else {
                throw ReclaimError.invalid("cost.by_year.\(key)", "is not a year like 2025")
            }
            byYear[year] = try Self.yuan(value, field: "cost.by_year.\(key)")
        }
        try self.init(
            serviceFrom: period.from, serviceTo: period.to, damagedLand: land,
            responsibilityArea: try hectares(.responsibilityArea), plannedReclaimed: try hectares(.plannedReclaimed),
            targetRateBasisPoints: Int(rate), costTotal: try Self.yuan(cost.total, field: "cost.total"),
            costByYear: byYear, letterSignedOn: try c.decode(CalendarDate.self, forKey: .letterSignedOn))
    }

    /// Yuan with at most two decimals; zero allowed (a year without works).
    public static func yuan(_ text: String, field: String) throws -> Money {
        guard let fen = ExactDecimal.parse(text, scale: 2, maximum: Money.maximum.fen) else {
            throw ReclaimError.invalid(field, "'\(text)' is not a yuan amount with at most two decimals, like 100000.00")
        }
        return Money(fen: fen)
    }

    /// As a person types it into a form (`100,000.00`, full-width digits): the dashboard's plan form.
    public static func yuan(typed text: String, field: String) throws -> Money {
        try yuan(try ExactDecimal.ungrouped(typed: text, field: field, example: "100,000.00"), field: field)
    }

    /// A percentage as typed, in hundredths (100.00 % = 10000), as the file's `target_rate_percent` is read.
    public static func basisPoints(typed text: String, field: String) throws -> Int {
        let t = try ExactDecimal.ungrouped(typed: text, field: field, example: "95.5")
        guard let rate = ExactDecimal.parse(t, scale: 2, maximum: 99_999) else {
            throw ReclaimError.invalid(field, "'\(text)' is not a percentage from 0 to 100.00 with at most two decimals")
        }
        return Int(rate)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Period(from: serviceFrom, to: serviceTo), forKey: .servicePeriod)
        try c.encode(damagedLand, forKey: .damagedLand)
        try c.encode(responsibilityArea, forKey: .responsibilityArea)
        try c.encode(plannedReclaimed, forKey: .plannedReclaimed)
        try c.encode(targetRatePercent, forKey: .targetRate)
        try c.encode(Cost(total: costTotal.description,
                          byYear: Dictionary(uniqueKeysWithValues: costByYear.map { (String($0.key), $0.value.description) })),
                     forKey: .cost)
        try c.encode(letterSignedOn, forKey: .letterSignedOn)
    }
}

extension PlanDocument.CodingKeys: CaseIterable {}

extension PlanDocument.DamagedLand {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let typeText = try c.decode(String.self, forKey: .landType)
        guard let type = LandType(rawValue: typeText) else {
            throw ReclaimError.invalid("damaged_land.land_type",
                                       "'\(typeText)' is not one of \(LandType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        landType = type
        existing = try Area.parseHectares(try c.decode(String.self, forKey: .existing), field: "damaged_land.existing_hm2")
        predicted = try Area.parseHectares(try c.decode(String.self, forKey: .predicted), field: "damaged_land.predicted_hm2")
    }
}

extension PlanDocument: BodyShape {
    /// A plan file's fields (POST /mines/{license}/plans sends the file itself).
    public static var fields: [String] { CodingKeys.allCases.map(\.rawValue) }
}
