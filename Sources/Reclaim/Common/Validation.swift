import Foundation

/// Checks for free-text fields typed by users: trimmed, bounded, no control
/// characters (a NUL could not even be stored).
enum Text {
    static func required(_ value: String, field: String, maxLength: Int = 200) throws -> String {
        let v = trimmed(value)
        guard !v.isEmpty else { throw ReclaimError.invalid(field, "must not be empty") }
        return try checked(v, field: field, maxLength: maxLength)
    }

    static func optional(_ value: String?, field: String, maxLength: Int = 500) throws -> String? {
        guard let value else { return nil }
        let v = trimmed(value)
        return v.isEmpty ? nil : try checked(v, field: field, maxLength: maxLength, allowNewlines: true)
    }

    /// `value` without leading and trailing blanks (what Foundation's
    /// `.whitespaces` names: tab and the space separators), in pure Swift:
    /// a bulk import trims millions of fields, and the common field has
    /// nothing to trim.
    static func trimmed(_ value: String) -> String {
        let scalars = value.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isBlank(first) || isBlank(last) else { return value }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isBlank(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isBlank(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    private static func isBlank(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || (s.value > 0x7F && s.properties.generalCategory == .spaceSeparator)
    }

    private static func checked(_ v: String, field: String, maxLength: Int, allowNewlines: Bool = false) throws -> String {
        // Printable ASCII, the usual case, needs no Unicode tables.
        if v.utf8.count <= maxLength, v.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return v }
        // Unicode scalars, not grapheme clusters: one "character" of a
        // thousand combining marks must not slip past a limit; and a byte
        // bound behind it, for the database's index limits.
        guard v.unicodeScalars.count <= maxLength, v.utf8.count <= maxLength * 4 else {
            throw ReclaimError.invalid(field, "must be at most \(maxLength) characters")
        }
        for s in v.unicodeScalars where s.properties.generalCategory == .control {
            if allowNewlines, s == "\n" || s == "\r" || s == "\t" { continue }
            throw ReclaimError.invalid(field, "must not contain control characters")
        }
        return v
    }
}

extension RawRepresentable where RawValue == String, Self: CaseIterable {
    /// Parses one of the enum's values, naming them all when it fails.
    public static func parse(_ text: String) throws -> Self {
        guard let v = Self(rawValue: text) else {
            throw ReclaimError(.invalidInput, "must be one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}
