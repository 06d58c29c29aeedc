import Foundation
import PQKit
import Reclaim

/// Something that prints as rows of a table or CSV.
protocol Tabular {
    static var headers: [String] { get }
    var cells: [String] { get }
}

enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Stable, machine-readable JSON: snake_case keys (set by the domain's
    /// coding keys), sorted, ISO 8601 dates.
    static func json<T: Encodable>(_ value: T) throws {
        write(String(decoding: try ReclaimJSON.encode(value, pretty: true), as: UTF8.self) + "\n")
    }

    static func rows<T: Tabular & Encodable>(_ items: [T], format: OutputFormat) throws {
        switch format {
        case .json: try json(items)
        case .csv: write(csv(headers: T.headers, rows: items.map(\.cells)))
        case .table: write(table(headers: T.headers, rows: items.map(\.cells)))
        }
    }

    /// RFC 4180, with formula-like cells neutralised (`CSV.line`).
    static func csv(headers: [String], rows: [[String]]) -> String {
        ([headers] + rows).map(CSV.line).joined(separator: "\n") + "\n"
    }

    /// Columns padded to their widest cell; East Asian characters count double.
    static func table(headers: [String], rows: [[String]]) -> String {
        func width(_ s: String) -> Int {
            s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && $1.properties.isIdeographic ? 2 : 1) }
        }
        var widths = headers.map(width)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], width(cell)) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                c + String(repeating: " ", count: max(0, widths[i] - width(c)))
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = line(headers) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { out += line(row) + "\n" }
        return out
    }

    /// Key: value lines for one record.
    static func keyValues(_ pairs: [(String, String)]) -> String {
        let w = pairs.map(\.0.count).max() ?? 0
        // an empty value leaves no trailing spaces
        return pairs.map { $0.1.isEmpty ? $0.0 + ":" : $0.0 + ":" + String(repeating: " ", count: w - $0.0.count + 1) + $0.1 }
            .joined(separator: "\n") + "\n"
    }
}

extension Mine: Tabular {
    static var headers: [String] {
        ["license", "name", "holder", "mineral", "mineral_class", "scale", "method", "status", "area_hm2",
         "land_type", "region_code", "method_detail", "licensed_on"]
    }
    var cells: [String] {
        [license, name, holder, mineral, mineralClass.rawValue, scale.rawValue, method.rawValue, status.rawValue,
         area.hectares, landType.rawValue, regionCode, methodDetail?.rawValue ?? "", licensedOn.description]
    }
}
