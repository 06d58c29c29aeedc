import Foundation
import Reclaim

/// A `multipart/form-data` body (RFC 7578), as a browser sends a form with
/// files: the dashboard has no script, so an upload is a plain form post.
/// Only what such a form needs is read: each part's `name`, `filename` and
/// bytes; a part without a name, or a body that is not well formed, is refused.
struct Multipart: Sendable {
    struct Part: Sendable {
        var name: String
        /// Set for a file input's part (empty when no file was chosen).
        var fileName: String?
        var data: Data
    }

    var parts: [Part]

    /// The text of the first part called `name`.
    subscript(_ name: String) -> String? {
        parts.first { $0.name == name && $0.fileName == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// The form's text fields, for the CSRF check.
    var form: Form { Form(pairs: parts.filter { $0.fileName == nil }.map { ($0.name, String(decoding: $0.data, as: UTF8.self)) }) }

    /// The boundary of a `multipart/form-data` content type, else nil.
    static func boundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = String(p.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return (1...70).contains(b.utf8.count) ? b : nil
        }
        return nil
    }

    static func parse(_ body: Data, boundary: String) throws -> Multipart {
        let bad = ReclaimError.invalid("form", "is not a well-formed multipart form")
        let delimiter = Data("--\(boundary)".utf8)
        let bytes = body
        guard var start = bytes.range(of: delimiter)?.upperBound else { throw bad }
        var parts: [Part] = []
        while true {
            // after a delimiter: "--" ends the body, CRLF starts a part
            if bytes[start...].starts(with: Data("--".utf8)) { break }
            guard bytes[start...].starts(with: Data("\r\n".utf8)) else { throw bad }
            let headStart = start + 2
            guard let headEnd = bytes.range(of: Data("\r\n\r\n".utf8), in: headStart..<bytes.endIndex) else { throw bad }
            let head = String(decoding: bytes[headStart..<headEnd.lowerBound], as: UTF8.self)
            guard let next = bytes.range(of: Data("\r\n--\(boundary)".utf8), in: headEnd.upperBound..<bytes.endIndex) else { throw bad }
            let data = Data(bytes[headEnd.upperBound..<next.lowerBound])
            guard let disposition = head.split(separator: "\r\n").first(where: {
                $0.lowercased().hasPrefix("content-disposition:")
            }) else { throw bad }
            let params = Self.parameters(String(disposition))
            guard let name = params["name"] else { throw bad }
            parts.append(Part(name: name, fileName: params["filename"], data: data))
            start = next.upperBound
        }
        return Multipart(parts: parts)
    }

    /// `name="csrf"; filename="方案.pdf"` → its values (quoted strings, as browsers send them).
    private static func parameters(_ header: String) -> [String: String] {
        var out: [String: String] = [:]
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].lowercased()
            var value = rest[rest.index(after: eq)...]
            if value.first == "\"" {
                value = value.dropFirst()
                var text = ""
                var escaped = false
                var end = value.endIndex
                for i in value.indices {
                    let c = value[i]
                    if escaped { text.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" {
                        end = i
                        break
                    } else { text.append(c) }
                }
                out[key] = text
                rest = end < value.endIndex ? value[value.index(after: end)...] : ""
            } else {
                let end = value.firstIndex(of: ";") ?? value.endIndex
                out[key] = String(value[..<end]).trimmingCharacters(in: .whitespaces)
                rest = value[end...]
            }
        }
        return out
    }
}
