import Foundation

/// Identifiers typed by people (licences, user names, keys) are compared by
/// what they look like, not by their bytes: `M1`, `Ｍ1` (full-width) and `M1`
/// followed by a zero-width space must not be three mines. Every identifier
/// is NFKC-normalised and trimmed; invisible characters (format characters,
/// default-ignorable code points such as the byte-order mark or a direction
/// mark), control characters and combining marks are refused, and lengths
/// are counted in Unicode scalars, with a byte bound behind them.
public enum Identifier {
    /// A mining licence number (采矿许可证号) as stored and looked up. Latin
    /// letters are case-insensitive: a–z become A–Z, the way licence numbers
    /// are printed (C1500002011011120001), so `c150…` finds `C150…`.
    /// Inner blanks are kept (`C15011 2020/采-01`), any run of them as one space.
    public static func license(_ text: String, field: String = "license") throws -> String {
        let v = try normalized(text, field: field, maxScalars: 64)
        // The usual licence has no lower-case letter and no double blank.
        var previous: UInt8 = 0
        if v.utf8.allSatisfy({ b in
            defer { previous = b }
            return !(b >= 0x61 && b <= 0x7A) && !(b == 0x20 && previous == 0x20)
        }) {
            return v
        }
        var out = String.UnicodeScalarView()
        var lastWasSpace = false
        for s in v.unicodeScalars {
            if s == " " {
                if !lastWasSpace { out.append(s) }
                lastWasSpace = true
                continue
            }
            lastWasSpace = false
            out.append(("a"..."z").contains(s) ? Unicode.Scalar(s.value - 32) ?? s : s)
        }
        return String(out)
    }

    /// A user's name: NFKC, trimmed, visible characters only, case kept.
    public static func userName(_ text: String, field: String = "name") throws -> String {
        try normalized(text, field: field, maxScalars: 100)
    }

    /// NFKC, trimmed, non-empty, at most `maxScalars` scalars (and four bytes
    /// each), with nothing invisible. The one check behind every identifier.
    static func normalized(_ text: String, field: String, maxScalars: Int) throws -> String {
        // Printable ASCII, the common case, is already normal.
        let ascii = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        let v = Text.trimmed(ascii ? text : text.precomposedStringWithCompatibilityMapping)
        guard !v.isEmpty else { throw ReclaimError.invalid(field, "must not be empty") }
        guard v.unicodeScalars.count <= maxScalars, v.utf8.count <= maxScalars * 4 else {
            throw ReclaimError.invalid(field, "must be at most \(maxScalars) characters")
        }
        // Checked on what was typed as well as on its normal form: NFKC would
        // fold `A` + a combining accent into `Á`, a look-alike of its own.
        if !ascii, let bad = text.unicodeScalars.first(where: { $0 != "\u{3000}" && isInvisible($0) })
            ?? v.unicodeScalars.first(where: isInvisible) {
            let code = "U+" + String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)
            throw ReclaimError.invalid(field, "must not contain invisible, control or combining characters (\(code))")
        }
        return v
    }

    /// Characters that do not show, or change how their neighbour shows.
    static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        if s == " " { return false }
        let p = s.properties
        if p.isDefaultIgnorableCodePoint || p.isWhitespace || p.isVariationSelector { return true }
        switch p.generalCategory {
        case .control, .format, .nonspacingMark, .spacingMark, .enclosingMark, .lineSeparator, .paragraphSeparator,
             .privateUse, .surrogate, .unassigned:
            return true
        default:
            return false
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
