import Foundation

/// CSV as Reclaim writes it, everywhere: RFC 4180 quoting, and no cell that
/// a spreadsheet would run as a formula.
public enum CSV {
    /// A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return
    /// gets a leading apostrophe (OWASP's advice against CSV injection),
    /// unless it is a plain number such as `-12.50`. The same rule as the
    /// database's `csv_text` (sql/functions/common.sql), used by the
    /// statements that PostgreSQL writes itself.
    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
        return isPlainNumber(cell) ? cell : "'" + cell
    }

    static func isPlainNumber(_ s: String) -> Bool {
        var u = Substring(s).utf8
        if u.first == UInt8(ascii: "-") { u = u.dropFirst() }
        let parts = u.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty else { return false }
        let digits: (Substring.UTF8View.SubSequence) -> Bool = { $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        return digits(whole) && (parts.count == 1 || (!parts[1].isEmpty && digits(parts[1])))
    }

    /// One record: fields neutralised, then quoted when they hold a comma, a
    /// quote or a line break.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            let s = neutralised(field)
            if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return s
        }.joined(separator: ",")
    }
}
