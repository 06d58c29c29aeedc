/// A coefficient or rate of a rule set (计提系数), exact: "1.2" is 12 at
/// scale 1, never a binary fraction. Positive, at most four decimals, at most 1000.
public struct Coefficient: Hashable, Sendable, DecimalText {
    public let units: Int64
    public let scale: Int

    public static let maximumScale = 4

    /// Parses "2", "2.5", "0.8", "1.0500" exactly; keeps the digits as written.
    public static func parse(_ text: String, field: String) throws -> Coefficient {
        let digits = text.split(separator: ".", omittingEmptySubsequences: false)
        let scale = digits.count == 2 ? digits[1].count : 0
        guard scale <= maximumScale, let units = ExactDecimal.parse(text, scale: scale, maximum: 1000 * 10_000),
              units > 0, units <= 1000 * Self.power(scale)
        else {
            throw ReclaimError.invalid(field, "'\(text)' is not a positive decimal of at most four decimals, up to 1000")
        }
        return Coefficient(units: units, scale: scale)
    }

    init(units: Int64, scale: Int) {
        self.units = units
        self.scale = scale
    }

    static func power(_ n: Int) -> Int64 {
        var p: Int64 = 1
        for _ in 0..<n { p *= 10 }
        return p
    }

    public var description: String { ExactDecimal.format(units, scale: scale) }

    /// The same value: "1.0" equals "1.00".
    public func sameValue(as other: Coefficient) -> Bool {
        let s = max(scale, other.scale)
        return units * Self.power(s - scale) == other.units * Self.power(s - other.scale)
    }

    public init?(decimalText: String) {
        guard let c = try? Coefficient.parse(decimalText, field: "coefficient") else { return nil }
        self = c
    }
}

/// A year's production: tonnes (m³ for mineral water and geothermal), exact
/// to three decimals, stored as thousandths.
public struct Quantity: Hashable, Sendable, DecimalText {
    public let thousandths: Int64

    public init(thousandths: Int64) { self.thousandths = thousandths }

    /// Up to three decimals; zero is a real report (a mine that produced nothing).
    public static func parse(_ text: String, field: String = "quantity") throws -> Quantity {
        guard let v = ExactDecimal.parse(text, scale: 3, maximum: 999_999_999_999_999) else {
            throw ReclaimError.invalid(field, "'\(text)' is not a non-negative quantity with at most three decimals, like 120000.5")
        }
        return Quantity(thousandths: v)
    }

    /// As a person types it into a form (full-width digits, `1,200.5`), as `Money.parse(typed:)` reads amounts.
    public static func parse(typed text: String, field: String = "quantity") throws -> Quantity {
        try parse(try ExactDecimal.ungrouped(typed: text, field: field, example: "1,200.5"), field: field)
    }

    /// "120000.500"
    public var description: String { ExactDecimal.format(thousandths, scale: 3) }

    public init?(decimalText: String) {
        guard let v = ExactDecimal.parse(decimalText, scale: 3, maximum: Int64.max / 10) else { return nil }
        thousandths = v
    }
}

/// An exact product of decimals, in 128 bits: five coefficients of at most
/// four decimals and a quantity of three need at most 23 decimals, and
/// anything a mine can owe stays far below 10^38. Overflow is refused,
/// never wrapped.
struct ExactProduct: Sendable, Equatable {
    private(set) var units: Int128 = 1
    private(set) var scale: Int = 0

    mutating func multiply(by value: Int64, scale s: Int) throws {
        let (p, overflow) = units.multipliedReportingOverflow(by: Int128(value))
        guard !overflow, scale + s <= 30 else {
            throw ReclaimError(.ruleViolation, field: "output", "the accrual is too large to compute")
        }
        units = p
        scale += s
    }

    /// Fen, rounded once, half up (the product is never negative).
    func roundedFen() throws -> Int64 {
        // yuan × 100 = fen: the scale drops by two
        var divisor: Int128 = 1
        var multiplier: Int128 = 1
        if scale >= 2 {
            for _ in 0..<(scale - 2) { divisor *= 10 }
        } else {
            for _ in 0..<(2 - scale) { multiplier *= 10 }
        }
        let scaled = units * multiplier
        let fen = (scaled + divisor / 2) / divisor
        guard let result = Int64(exactly: fen) else {
            throw ReclaimError(.ruleViolation, field: "output", "the accrual is too large to compute")
        }
        return result
    }

    /// The exact value as decimal text, every digit ("1234.5678000").
    var exactText: String {
        var digits = String(units.magnitude)
        if scale == 0 { return (units < 0 ? "-" : "") + digits }
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let cut = digits.index(digits.endIndex, offsetBy: -scale)
        return (units < 0 ? "-" : "") + digits[..<cut] + "." + digits[cut...]
    }
}

/// A licence's production capacity (生产规模): 万 output units a year (万t/a,
/// or 万m³/a for sand, gravel and building stone), two decimals, exact.
public struct Capacity: Hashable, Comparable, Sendable, DecimalText {
    public let hundredths: Int64

    public init(hundredths: Int64) { self.hundredths = hundredths }

    public static func parse(_ text: String, field: String = "capacity") throws -> Capacity {
        guard let v = ExactDecimal.parse(text, scale: 2, maximum: 99_999_999_999), v > 0 else {
            throw ReclaimError.invalid(field, "'\(text)' is not a capacity in 万 units a year with at most two decimals, like 30 or 4.5")
        }
        return Capacity(hundredths: v)
    }

    public static func < (a: Capacity, b: Capacity) -> Bool { a.hundredths < b.hundredths }

    /// "30.00"
    public var description: String { ExactDecimal.format(hundredths, scale: 2) }

    public init?(decimalText: String) {
        guard let v = ExactDecimal.parse(decimalText, scale: 2, maximum: 99_999_999_999) else { return nil }
        hundredths = v
    }
}
