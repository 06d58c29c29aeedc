import Foundation

/// Exact decimal text to scaled integers, and back. No floating point
/// anywhere: "12.30" at scale 2 is exactly 1230.
public enum ExactDecimal {
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

    /// A decimal as a person types it: full-width digits and punctuation read
    /// as their ASCII forms (NFKC), blanks around it ignored, and thousands
    /// separators allowed where they belong (between groups of three digits);
    /// misplaced separators are refused saying so. The text without them.
    static func ungrouped(typed text: String, field: String, example: String) throws -> String {
        let t = text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
        guard t.contains(",") else { return t }
        let parts = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let sign = parts[0].hasPrefix("-") ? "-" : ""
        let groups = parts[0].dropFirst(sign.count).split(separator: ",", omittingEmptySubsequences: false)
        guard (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }),
              parts.count < 2 || !parts[1].contains(",")
        else {
            throw ReclaimError.invalid(field, "'\(text)': thousands separators go between groups of three digits, like \(example)")
        }
        return sign + groups.joined() + (parts.count == 2 ? "." + parts[1] : "")
    }

    /// A decimal as a clerk reads it: thousands separators in its whole part
    /// (`1033571542.40` → `1,033,571,542.40`); text that is no decimal as it is.
    public static func grouped(_ text: String) -> String {
        let negative = text.hasPrefix("-")
        let parts = (negative ? String(text.dropFirst()) : text).split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return text }
        var out = ""
        for (i, c) in whole.enumerated() {
            if i > 0, (whole.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (negative ? "-" : "") + out + (parts.count > 1 ? "." + parts[1] : "")
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
