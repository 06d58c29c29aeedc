import Foundation

/// A streaming RFC 4180 reader: UTF-8 with an optional BOM, quoted fields
/// holding commas, quotes ("") and line breaks, CRLF or LF. It reads the file
/// in chunks and never holds more than one record.
final class CSVReader {
    struct Record {
        /// The physical line the record starts on (1-based).
        var line: Int
        var fields: [String]
        /// Set when the record is malformed; `fields` is then incomplete.
        var problem: String?
    }

    private let handle: FileHandle
    // Read byte by byte by one caller at a time: the per-access exclusivity
    // checks on these two cost a fifth of a bulk import's client time.
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    @exclusivity(unchecked) private var position = 0
    private var atEOF = false
    private var line = 1
    private var first = true
    private var path = ""

    init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReclaimError(.unreadableInput, field: "file", "\(path) does not exist")
        }
        guard !isDirectory.boolValue else {
            throw ReclaimError(.unreadableInput, field: "file", "\(path) is a directory, not a CSV file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReclaimError(.unreadableInput, field: "file", "cannot open \(path) for reading")
        }
        self.handle = handle
        self.path = path
    }

    deinit { try? handle.close() }

    private func nextByte() throws -> UInt8? {
        if position == buffer.count {
            if atEOF { return nil }
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw ReclaimError(.unreadableInput, field: "file", "cannot read \(path)")
            }
            if chunk.isEmpty {
                atEOF = true
                return nil
            }
            buffer = Array(chunk)
            position = 0
            if first {
                first = false
                if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
                if position == buffer.count { return try nextByte() }
            }
        }
        defer { position += 1 }
        return buffer[position]
    }

    private func peekByte() throws -> UInt8? {
        guard let b = try nextByte() else { return nil }
        position -= 1
        return b
    }

    /// The next non-blank record, or nil at the end of the file.
    func next() throws -> Record? {
        while true {
            guard let record = try readRecord() else { return nil }
            if record.problem == nil, record.fields.count == 1, record.fields[0].isEmpty { continue }  // blank line
            return record
        }
    }

    private func readRecord() throws -> Record? {
        let start = line
        var fields: [String] = []
        var field: [UInt8] = []
        var problem: String?
        var sawAnything = false

        func finishField() {
            if let s = String(validating: field, as: UTF8.self) {
                fields.append(s)
            } else {
                problem = problem ?? "field \(fields.count + 1) is not valid UTF-8"
                fields.append("")
            }
            field.removeAll(keepingCapacity: true)
        }

        while true {
            guard let b = try nextByte() else {
                if !sawAnything { return nil }
                finishField()
                return Record(line: start, fields: fields, problem: problem)
            }
            sawAnything = true
            switch b {
            case UInt8(ascii: ","):
                finishField()
            case UInt8(ascii: "\n"):
                line += 1
                finishField()
                return Record(line: start, fields: fields, problem: problem)
            case UInt8(ascii: "\r"):
                // CRLF ends a record (the LF does); a CR alone would otherwise
                // vanish from the field without anyone knowing.
                if let after = try peekByte(), after != UInt8(ascii: "\n") {
                    problem = problem ?? "a carriage return (CR) without a line feed in field \(fields.count + 1); quote the field"
                }
            case UInt8(ascii: "\"") where field.isEmpty:
                // a quoted field: up to the closing quote
                quoted: while true {
                    guard let q = try nextByte() else {
                        problem = problem ?? "a quoted field is never closed"
                        finishField()
                        return Record(line: start, fields: fields, problem: problem)
                    }
                    if q == UInt8(ascii: "\"") {
                        if try peekByte() == UInt8(ascii: "\"") {
                            _ = try nextByte()
                            field.append(q)
                        } else {
                            break quoted
                        }
                    } else {
                        if q == UInt8(ascii: "\n") { line += 1 }
                        field.append(q)
                    }
                }
                // after the closing quote only a separator or the end of the record may follow
                if let after = try peekByte(), after != UInt8(ascii: ","), after != UInt8(ascii: "\n"),
                   after != UInt8(ascii: "\r") {
                    problem = problem ?? "text after a closing quote in field \(fields.count + 1)"
                }
            case UInt8(ascii: "\""):
                problem = problem ?? "a quote inside an unquoted field \(fields.count + 1)"
                field.append(b)
            default:
                field.append(b)
            }
        }
    }
}
