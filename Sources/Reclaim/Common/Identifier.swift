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
    /// are printed (C1500002011011120001), so `c150…` finds `C150…`. Inner
    /// blanks are kept (`C15011 2020/采-01`), any run of them as one space.
    /// A licence holds letters, digits, Chinese characters, blanks and
    /// `. / ( ) # _ , : -` only, typed in ASCII or full width (`Ｍ１` is `M1`);
    /// anything else — a look-alike from another script, a symbol, an
    /// invisible character — is refused rather than guessed at.
    public static func license(_ text: String, field: String = "license") throws -> String {
        let v = try normalized(text, field: field, maxScalars: 64)
        if let bad = text.unicodeScalars.first(where: { !isLicenseScalar($0) }) {
            let code = "U+" + String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)
            throw ReclaimError.invalid(field, "may hold only letters, digits, Chinese characters, blanks and . / ( ) # _ , : - (not \(code))")
        }
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

    static let licensePunctuation = Set(" ./()#_,:-".unicodeScalars)

    /// The licence alphabet, before normalisation: ASCII letters, digits and
    /// punctuation, their full-width forms, the ideographic space and CJK
    /// ideographs. openapi.yaml's License pattern says the same.
    static func isLicenseScalar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0x3000: return true
        case 0xFF01...0xFF5E: return isLicenseScalar(Unicode.Scalar(s.value - 0xFEE0) ?? " ")
        default: return licensePunctuation.contains(s)
        }
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
        guard v.unicodeScalars.count <= maxScalars, text.unicodeScalars.count <= maxScalars,
              v.utf8.count <= maxScalars * 4
        else {
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
