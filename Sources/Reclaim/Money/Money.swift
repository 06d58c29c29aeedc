import Foundation

/// An amount of money in fen (分), exact. 1 元 = 100 fen; 1 万元 = 1,000,000 fen.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var fen: Int64

    public init(fen: Int64) { self.fen = fen }

    /// The largest amount a single booking may carry: 10^13 yuan.
    public static let maximum = Money(fen: 1_000_000_000_000_000)
    public static let zero = Money(fen: 0)

    /// The unit an amount is typed in.
    public enum Unit: String, Sendable, CaseIterable {
        /// 元, at most two decimals
        case yuan
        /// 万元, at most six decimals
        case wan
    }

    /// Parses a positive amount exactly: yuan with at most two decimals
    /// ("1500", "1500.5", "1500.50") or 万元 with at most six. Refuses signs,
    /// exponents, separators, zero, NaN and anything above 10^13 yuan.
    public static func parse(_ text: String, unit: Unit = .yuan, field: String = "amount") throws -> Money {
        let scale = unit == .yuan ? 2 : 6
        // For 万元 the scaled value is already fen (1 万元 = 10^6 fen).
        guard let fen = ExactDecimal.parse(text, scale: scale, maximum: maximum.fen) else {
            let shape = unit == .yuan
                ? "a positive yuan amount with at most two decimals, like 1500 or 1500.50"
                : "a positive 万元 amount with at most six decimals, like 12.5"
            throw ReclaimError.invalid(field, "'\(text)' is not \(shape) (at most 10^13 yuan)")
        }
        guard fen > 0 else { throw ReclaimError.invalid(field, "must be greater than zero") }
        return Money(fen: fen)
    }

    /// An amount as a person types it into a form: full-width digits and
    /// punctuation read as their ASCII forms (NFKC), blanks around it
    /// ignored, and thousands separators allowed where they belong (between
    /// groups of three digits: `1,500.00`, `1,234,567.89`); anything else is
    /// refused saying what is wrong. The API and the CLI keep the strict
    /// form of `parse`, which scripts are written against.
    public static func parse(typed text: String, unit: Unit = .yuan, field: String = "amount") throws -> Money {
        try parse(try ExactDecimal.ungrouped(typed: text, field: field, example: "1,500.00"), unit: unit, field: field)
    }

    /// As a clerk reads it: thousands separated, in yuan with two decimals
    /// ("1,033,571,542.40") or in 万元 rounded half up to two
    /// ("103,357.15"). For people only; files and the API keep `description`.
    public func display(_ unit: Unit) -> String {
        let text: String
        if unit == .wan {
            // hundredths of 万元 = fen / 10,000, rounded half away from zero
            let hundredths = (fen >= 0 ? fen + 5_000 : fen - 5_000) / 10_000
            text = ExactDecimal.format(hundredths, scale: 2)
        } else {
            text = description
        }
        return ExactDecimal.grouped(text)
    }

    /// Yuan with two decimals: "1234.50", "-12.00".
    public var description: String { ExactDecimal.format(fen, scale: 2) }

    /// 万元 with six decimals, for reports.
    public var wan: String { ExactDecimal.format(fen, scale: 6) }

    public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }
    public static func + (a: Money, b: Money) -> Money { Money(fen: a.fen + b.fen) }
    public static func - (a: Money, b: Money) -> Money { Money(fen: a.fen - b.fen) }
    public static prefix func - (a: Money) -> Money { Money(fen: -a.fen) }
}

/// Money is a string with two decimals in every JSON document; read back
/// signed (statements carry negative lines).
extension Money: DecimalText {
    public init?(decimalText: String) {
        guard let fen = ExactDecimal.parseSigned(decimalText, scale: 2, maximum: Int64.max / 10) else { return nil }
        self.init(fen: fen)
    }
}

/// An area in square metres, exact. 1 hm² (公顷) = 10,000 m².
public struct Area: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var squareMetres: Int64

    public init(squareMetres: Int64) { self.squareMetres = squareMetres }

    /// Parses hectares with at most four decimals (exact to the square metre).
    public static func parseHectares(_ text: String, field: String = "area_hm2") throws -> Area {
        // 10^8 hm² is far beyond any licence; it keeps the arithmetic safe.
        guard let m2 = ExactDecimal.parse(text, scale: 4, maximum: 1_000_000_000_000) else {
            throw ReclaimError.invalid(
                field, "'\(text)' is not a non-negative hectare figure with at most four decimals, like 123.45")
        }
        return Area(squareMetres: m2)
    }

    /// As a person types it into a form (full-width digits, `1,234.5`), as `Money.parse(typed:)` reads amounts.
    public static func parseHectares(typed text: String, field: String = "area_hm2") throws -> Area {
        try parseHectares(try ExactDecimal.ungrouped(typed: text, field: field, example: "1,234.5"), field: field)
    }

    /// Hectares with four decimals: "123.4500".
    public var hectares: String { ExactDecimal.format(squareMetres, scale: 4) }
    public var description: String { hectares }

    public static func < (a: Area, b: Area) -> Bool { a.squareMetres < b.squareMetres }
}

/// Areas are hectare strings with four decimals in every JSON document.
extension Area: DecimalText {
    public init?(decimalText: String) {
        guard let m2 = ExactDecimal.parse(decimalText, scale: 4, maximum: Int64.max / 10) else { return nil }
        self.init(squareMetres: m2)
    }
}
