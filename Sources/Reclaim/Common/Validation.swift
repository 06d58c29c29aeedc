import Foundation

/// Checks for free-text fields typed by users: trimmed, bounded, no control
/// characters (a NUL could not even be stored).
enum Text {
    static func required(_ value: String, field: String, maxLength: Int = 200) throws -> String {
        let v = value.trimmingCharacters(in: .whitespaces)
        guard !v.isEmpty else { throw ReclaimError.invalid(field, "must not be empty") }
        return try checked(v, field: field, maxLength: maxLength)
    }

    static func optional(_ value: String?, field: String, maxLength: Int = 500) throws -> String? {
        guard let value else { return nil }
        let v = value.trimmingCharacters(in: .whitespaces)
        return v.isEmpty ? nil : try checked(v, field: field, maxLength: maxLength, allowNewlines: true)
    }

    private static func checked(_ v: String, field: String, maxLength: Int, allowNewlines: Bool = false) throws -> String {
        guard v.count <= maxLength else {
            throw ReclaimError.invalid(field, "must be at most \(maxLength) characters")
        }
        for s in v.unicodeScalars where s.properties.generalCategory == .control {
            if allowNewlines, s == "\n" || s == "\r" || s == "\t" { continue }
            throw ReclaimError.invalid(field, "must not contain control characters")
        }
        return v
    }
}
