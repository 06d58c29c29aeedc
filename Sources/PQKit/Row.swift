import CLibPQ

/// The rows of one statement's result. Owns its `PGresult` and clears it
/// exactly once.
public final class QueryResult: @unchecked Sendable {
    // Immutable after init, and PGresult is read-only once produced, so
    // sharing across threads is safe.
    let handle: OpaquePointer
    public let columns: [String]
    public let count: Int
    private let columnIndex: [String: Int]

    init(handle: OpaquePointer) {
        self.handle = handle
        count = Int(PQntuples(handle))
        let n = Int(PQnfields(handle))
        var names = [String]()
        names.reserveCapacity(n)
        for i in 0..<n {
            names.append(PQfname(handle, Int32(i)).map { String(cString: $0) } ?? "?column?")
        }
        columns = names
        var index = [String: Int]()
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        columnIndex = index
    }

    deinit { PQclear(handle) }

    /// Rows affected by INSERT/UPDATE/DELETE, when the server reported it.
    public var affectedRows: Int {
        guard let s = PQcmdTuples(handle) else { return 0 }
        return Int(String(cString: s)) ?? 0
    }

    public var rows: [Row] { (0..<count).map { Row(result: self, index: $0) } }

    public var first: Row? { count > 0 ? Row(result: self, index: 0) : nil }

    func column(named name: String) throws -> Int {
        guard let i = columnIndex[name] else {
            throw PQError(kind: .client, message: "no column named \(name) in the result")
        }
        return i
    }

    func text(row: Int, column: Int) -> String? {
        if PQgetisnull(handle, Int32(row), Int32(column)) != 0 { return nil }
        guard let p = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        return String(cString: p)
    }
}

/// One row of a `QueryResult`. Columns are read by name or position and
/// decoded into the Swift type asked for; a failure names both.
public struct Row: Sendable {
    let result: QueryResult
    let index: Int

    public func decode<T: PGDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try decode(at: result.column(named: column), name: column, as: type)
    }

    public func decode<T: PGDecodable>(_ column: Int, as type: T.Type = T.self) throws -> T {
        guard column >= 0, column < result.columns.count else {
            throw PQError(kind: .client, message: "column index \(column) is out of range")
        }
        return try decode(at: column, name: result.columns[column], as: type)
    }

    private func decode<T: PGDecodable>(at column: Int, name: String, as type: T.Type) throws -> T {
        let text = result.text(row: index, column: column)
        do {
            return try T.pgDecode(text)
        } catch {
            let typeName = String(describing: T.self)
            let reason: String
            switch error {
            case .unexpectedNull: reason = "is NULL, but \(typeName) is not optional"
            case .invalid: reason = "cannot be decoded as \(typeName)"
            }
            throw PQError(kind: .decoding, message: "column \"\(name)\" \(reason)", column: name)
        }
    }

    /// Decodes a text column into a string-backed enum; a value the enum does
    /// not know is a decoding error naming the column.
    public func decodeEnum<E: RawRepresentable>(_ column: String, as type: E.Type = E.self) throws -> E
    where E.RawValue == String {
        let raw: String = try decode(column)
        guard let value = E(rawValue: raw) else {
            throw PQError(kind: .decoding, message: "column \"\(column)\" holds '\(raw)', not a \(E.self)",
                          column: column)
        }
        return value
    }

    /// The raw text of a column, nil for NULL.
    public func text(_ column: String) throws -> String? {
        result.text(row: index, column: try result.column(named: column))
    }
}
