/// Exact decimal text to scaled integers, and back. No floating point
/// anywhere: "12.30" at scale 2 is exactly 1230.
enum ExactDecimal {
    /// Parses unsigned decimal text (`123`, `123.4`, `0.05`) into an integer
    /// scaled by 10^scale. Refuses signs, exponents, separators, spaces,
    /// more fraction digits than `scale`, an empty part ("1.", ".5") and
    /// anything above `maximum`.
    static func parse(_ text: String, scale: Int, maximum: Int64) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var value: Int64 = 0
        var i = 0
        var intDigits = 0
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
            guard !o1, !o2 else { return nil }
            value = a
            i += 1
            intDigits += 1
        }
        guard intDigits > 0 else { return nil }
        var fracDigits = 0
        if i < bytes.count {
            guard bytes[i] == UInt8(ascii: "."), scale > 0 else { return nil }
            i += 1
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                fracDigits += 1
                guard fracDigits <= scale else { return nil }
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
                guard !o1, !o2 else { return nil }
                value = a
                i += 1
            }
            guard fracDigits > 0, i == bytes.count else { return nil }
        }
        for _ in fracDigits..<scale {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            value = m
        }
        guard value <= maximum else { return nil }
        return value
    }

    /// `parse`, with an optional leading minus: for reading back what
    /// `format` wrote, never for user input (amounts typed are positive).
    static func parseSigned(_ text: String, scale: Int, maximum: Int64) -> Int64? {
        guard text.hasPrefix("-") else { return parse(text, scale: scale, maximum: maximum) }
        return parse(String(text.dropFirst()), scale: scale, maximum: maximum).map { -$0 }
    }

    /// Formats a scaled integer with exactly `scale` fraction digits.
    static func format(_ value: Int64, scale: Int) -> String {
        let negative = value < 0
        // magnitude as UInt64 so Int64.min cannot trap
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let whole = magnitude / divisor
        var text = String(whole)
        if scale > 0 {
            let frac = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: scale - frac.count) + frac
        }
        return negative ? "-" + text : text
    }
}

/// An exact figure that is one decimal string in every JSON document
/// ("1500.50", "123.4500", "1.05", "120000.500"), written as `description`
/// and read back exactly: anything else is a corrupt document, never rounded.
public protocol DecimalText: Codable, CustomStringConvertible {
    /// Reads what `description` writes; nil for anything else.
    init?(decimalText: String)
}

extension DecimalText {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let value = Self(decimalText: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a \(Self.self)")
        }
        self = value
    }
}
