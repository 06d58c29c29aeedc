public import Foundation
public import PQKit

/// What kind of restoration a work is (治理工程类型).
public enum WorkType: String, Sendable, CaseIterable, Codable {
    /// 削坡整形
    case slopeRegrading = "slope-regrading"
    /// 采坑回填
    case pitBackfill = "pit-backfill"
    /// 覆土
    case soilCover = "soil-cover"
    /// 植被恢复
    case revegetation
    /// 塌陷区充填
    case subsidenceFill = "subsidence-fill"
    /// 地裂缝充填
    case fissureFill = "fissure-fill"
    /// 排水
    case drainage
    /// 监测
    case monitoring
    case other
}

/// A calendar month, `YYYY-MM`.
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int

    public init?(_ text: String) {
        let u = Array(text.utf8)
        guard u.count == 7, u[4] == UInt8(ascii: "-"), u.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= 48 && $0 <= 57) }),
              let y = Int(String(decoding: u[0..<4], as: UTF8.self)), let m = Int(String(decoding: u[5..<7], as: UTF8.self)),
              (1...12).contains(m), Years.range.contains(y)
        else { return nil }
        year = y
        month = m
    }

    public var description: String { String(format: "%04d-%02d", year, month) }
    /// The first day, as stored.
    public var firstDay: CalendarDate { CalendarDate(year: year, month: month, day: 1) ?? CalendarDate.today() }
    public init(_ date: CalendarDate) { year = date.year; month = date.month }

    public static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let m = Month(text) else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not YYYY-MM") }
        self = m
    }
}

/// One planned work of an annual plan.
public struct AnnualWork: Sendable, Equatable, Codable {
    public var type: WorkType
    public var location: String
    /// A GeoJSON Point or Polygon, as canonical JSON text (keys sorted).
    public var geometry: String?
    /// The area, or else a quantity with its unit.
    public var area: Area?
    public var quantity: Quantity?
    public var unit: String?
    public var budget: Money
    public var startMonth: Month
    public var endMonth: Month

    enum CodingKeys: String, CodingKey {
        case type, location, geometry
        case area = "area_hm2"
        case quantity, unit, budget
        case startMonth = "start_month"
        case endMonth = "end_month"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(location, forKey: .location)
        try c.encode(geometry.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }.map(JSONValue.init), forKey: .geometry)
        try c.encode(area, forKey: .area)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(unit, forKey: .unit)
        try c.encode(budget, forKey: .budget)
        try c.encode(startMonth, forKey: .startMonth)
        try c.encode(endMonth, forKey: .endMonth)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(WorkType.self, forKey: .type)
        location = try c.decode(String.self, forKey: .location)
        geometry = try c.decodeIfPresent(JSONValue.self, forKey: .geometry).flatMap { $0.canonicalText }
        area = try c.decodeIfPresent(Area.self, forKey: .area)
        quantity = try c.decodeIfPresent(Quantity.self, forKey: .quantity)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        budget = try c.decode(Money.self, forKey: .budget)
        startMonth = try c.decode(Month.self, forKey: .startMonth)
        endMonth = try c.decode(Month.self, forKey: .endMonth)
    }

    init(type: WorkType, location: String, geometry: String?, area: Area?, quantity: Quantity?, unit: String?,
         budget: Money, startMonth: Month, endMonth: Month)
    {
        self.type = type
        self.location = location
        self.geometry = geometry
        self.area = area
        self.quantity = quantity
        self.unit = unit
        self.budget = budget
        self.startMonth = startMonth
        self.endMonth = endMonth
    }
}

/// The works of an annual plan (`annual draft` / `annual revise --file
/// WORKS.json`), checked whole; totals are derived, never typed.
public struct AnnualWorks: Sendable, Equatable {
    public var works: [AnnualWork]

    public var budget: Money { Money(fen: works.reduce(0) { $0 + $1.budget.fen }) }
    public var area: Area { Area(squareMetres: works.reduce(0) { $0 + ($1.area?.squareMetres ?? 0) }) }

    /// Reads a works file for the plan of `year`: every work within the
    /// year, an area or a quantity with its unit, a valid GeoJSON point or
    /// polygon if given. The first problem is refused naming its place
    /// (`works[2].end_month`).
    public static func parse(_ data: Data, year: Int) throws -> AnnualWorks {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw ReclaimError.invalid("works", "the file is not a JSON object")
        }
        if let unknown = top.keys.sorted().first(where: { !fields.contains($0) }) {
            throw ReclaimError.invalid(unknown, "is not a field of a works file (it has works only)")
        }
        guard let list = top["works"] as? [Any], !list.isEmpty else {
            throw ReclaimError.invalid("works", "must be a non-empty list of works")
        }
        guard list.count <= 500 else { throw ReclaimError.invalid("works", "at most 500 works") }
        let known: Set<String> = ["type", "location", "geometry", "area_hm2", "quantity", "unit", "budget",
                                  "start_month", "end_month"]
        var works: [AnnualWork] = []
        for (i, item) in list.enumerated() {
            let at = "works[\(i + 1)]"
            guard let w = item as? [String: Any] else { throw ReclaimError.invalid(at, "must be an object") }
            if let unknown = w.keys.sorted().first(where: { !known.contains($0) }) {
                throw ReclaimError.invalid("\(at).\(unknown)", "is not a field of a work")
            }
            func text(_ key: String, required: Bool = true) throws -> String? {
                switch w[key] {
                case nil, is NSNull:
                    if required { throw ReclaimError.invalid("\(at).\(key)", "is required") }
                    return nil
                case let s as String: return s
                default: throw ReclaimError.invalid("\(at).\(key)", "must be a string")
                }
            }
            let typeText = try text("type") ?? ""
            guard let type = WorkType(rawValue: typeText) else {
                throw ReclaimError.invalid("\(at).type", "'\(typeText)' is not one of \(WorkType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let location = try Text.required(try text("location") ?? "", field: "\(at).location", maxLength: 500)
            let geometry = try w["geometry"].flatMap { $0 is NSNull ? nil : try GeoJSON.canonical($0, field: "\(at).geometry") }
            let area = try text("area_hm2", required: false).map { try Area.parseHectares($0, field: "\(at).area_hm2") }
            let quantity = try text("quantity", required: false).map { try Quantity.parse($0, field: "\(at).quantity") }
            let unit = try text("unit", required: false).map { try Text.required($0, field: "\(at).unit", maxLength: 20) }
            // well-formed values that do not go together: refused by a rule (HTTP 422)
            func rule(_ field: String, _ message: String) -> ReclaimError {
                ReclaimError(.ruleViolation, field: field, message)
            }
            if (area == nil) == (quantity == nil) {
                throw rule(at, "give either area_hm2, or quantity with its unit")
            }
            if (quantity == nil) != (unit == nil) {
                throw rule("\(at).unit", quantity == nil ? "goes with a quantity only" : "is required with a quantity")
            }
            let budgetText = try text("budget") ?? ""
            guard let fen = ExactDecimal.parse(budgetText, scale: 2, maximum: Money.maximum.fen) else {
                throw ReclaimError.invalid("\(at).budget", "'\(budgetText)' is not a yuan amount with at most two decimals")
            }
            guard let start = Month(try text("start_month") ?? "") else {
                throw ReclaimError.invalid("\(at).start_month", "must be a month like \(year)-04")
            }
            guard let end = Month(try text("end_month") ?? "") else {
                throw ReclaimError.invalid("\(at).end_month", "must be a month like \(year)-09")
            }
            guard start.year == year else { throw rule("\(at).start_month", "must be a month of \(year)") }
            guard end.year == year else { throw rule("\(at).end_month", "must be a month of \(year)") }
            guard start <= end else { throw rule("\(at).end_month", "is before the start month \(start)") }
            works.append(AnnualWork(type: type, location: location, geometry: geometry, area: area, quantity: quantity,
                                    unit: unit, budget: Money(fen: fen), startMonth: start, endMonth: end))
        }
        let total = works.reduce(Int64(0)) { $0 + $1.budget.fen }
        guard total <= Money.maximum.fen else { throw ReclaimError.invalid("works", "the total budget is too large") }
        return AnnualWorks(works: works)
    }
}

/// GeoJSON geometries a work's location may carry: a Point or a Polygon in
/// WGS 84 longitude and latitude (RFC 7946).
enum GeoJSON {
    /// A value that is no object is malformed (400); an object that is no
    /// valid Point or Polygon is refused by the rule (422).
    static func canonical(_ value: Any, field: String) throws -> String {
        guard let g = value as? [String: Any] else {
            throw ReclaimError.invalid(field, "must be a GeoJSON Point or Polygon object")
        }
        func rule(_ field: String, _ message: String) -> ReclaimError { ReclaimError(.ruleViolation, field: field, message) }
        guard let type = g["type"] as? String else { throw rule(field, "a GeoJSON geometry has a type") }
        func position(_ p: Any) -> Bool {
            guard let c = p as? [Any], c.count == 2 || c.count == 3,
                  let lon = (c[0] as? NSNumber).map({ $0.doubleValue }), let lat = (c[1] as? NSNumber).map({ $0.doubleValue })
            else { return false }
            return (-180...180).contains(lon) && (-90...90).contains(lat)
        }
        switch type {
        case "Point":
            guard let c = g["coordinates"], position(c) else {
                throw rule(field, "a Point's coordinates are [longitude, latitude] in degrees")
            }
        case "Polygon":
            guard let rings = g["coordinates"] as? [Any], !rings.isEmpty else {
                throw rule(field, "a Polygon's coordinates are a list of linear rings")
            }
            for ring in rings {
                guard let r = ring as? [Any], r.count >= 4, r.allSatisfy(position),
                      let first = r.first as? [NSNumber], let last = r.last as? [NSNumber], first == last
                else {
                    throw rule(field, "each ring has four or more [longitude, latitude] positions and ends where it starts")
                }
            }
        default:
            throw rule(field, "must be a GeoJSON Point or Polygon, not \(type)")
        }
        if let unknown = g.keys.sorted().first(where: { !["type", "coordinates", "bbox"].contains($0) }) {
            throw rule("\(field).\(unknown)", "is not a member of a GeoJSON geometry")
        }
        let data = try JSONSerialization.data(withJSONObject: g, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

extension AnnualWorks: BodyShape {
    /// A works file's fields (the draft and the revision send the file itself).
    public static var fields: [String] { ["works"] }
}
