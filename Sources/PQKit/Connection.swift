import CLibPQ
import Foundation

/// One PostgreSQL connection. Owns its `PGconn` and finishes it exactly once.
///
/// All calls block the calling thread. libpq forbids two threads using one
/// `PGconn` at once; `Connection` is `@unchecked Sendable` only so that
/// `ConnectionPool` can hand it from thread to thread, and the pool
/// guarantees a connection is used by one caller at a time. Code outside a
/// pool must keep that rule too.
public final class Connection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// SQL text and parameter types → name of the server-side prepared
    /// statement for them. Each distinct query is parsed once per connection
    /// and, after a few runs, planned once too; values still travel as
    /// parameters. The types are part of the key: the same text bound with
    /// other types is another statement (`$1` as text or as bigint).
    private var prepared: [PreparedKey: String] = [:]
    /// Set when the server sent FATAL or PANIC while no command was running:
    /// it is ending this session (a terminated backend, a shutdown), and the
    /// socket may not show the close yet.
    private var endedByServer = false

    struct PreparedKey: Hashable {
        var sql: String
        var types: [UInt32]
    }
    static let maxPrepared = 256

    /// Connects using a libpq conninfo string or a `postgres://` URL. An empty
    /// string uses the standard `PG*` environment variables.
    public init(
        _ conninfo: String = "", applicationName: String = "reclaim",
        file: String = #fileID, line: Int = #line
    ) throws {
        // Later keywords override earlier ones, and the expanded dbname
        // (the caller's conninfo) overrides the defaults before it.
        let keywords = ["application_name", "connect_timeout", "client_encoding", "dbname"]
        let values = [applicationName, "10", "UTF8", conninfo]
        let conn: OpaquePointer? = withNullTerminatedCStrings(keywords) { k in
            withNullTerminatedCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn else {
            throw PQError(kind: .connection, message: "out of memory while connecting", file: file, line: line)
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Connection.errorMessage(conn)
            PQfinish(conn)
            throw PQError(kind: .connection, message: message, file: file, line: line)
        }
        handle = conn
        // libpq prints NOTICEs on stderr by default; a CLI's output is its own.
        // The receiver only remembers a FATAL that arrived between commands,
        // which libpq reports as a notice. It runs inside this connection's
        // own libpq calls, so `self` is alive and on the calling thread.
        PQsetNoticeReceiver(conn, { arg, result in
            guard let arg, let result, let p = PQresultErrorField(result, CLibPQ_DIAG_SEVERITY) else { return }
            let severity = String(cString: p)
            if severity == "FATAL" || severity == "PANIC" {
                Unmanaged<Connection>.fromOpaque(arg).takeUnretainedValue().endedByServer = true
            }
        }, Unmanaged.passUnretained(self).toOpaque())
        // Fixed session settings so text values parse the same everywhere.
        try execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'")
    }

    deinit { close() }

    /// Closes the connection. Safe to call more than once.
    public func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    /// False once the connection is closed, broken, or left inside a
    /// transaction. Reads any pending input first without blocking, so a
    /// server that went away (restart, admin shutdown) is noticed before the
    /// connection is used.
    public var isHealthy: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        // A terminated backend sends its FATAL message and then closes. The
        // first read takes the message, and PQisBusy parses it (PQconsumeInput
        // only buffers), which hands it to the notice receiver; the second
        // read sees the end of the stream, or not yet, as the backend may
        // still be exiting. Each read returns at once when nothing waits.
        for _ in 0..<2 where PQconsumeInput(handle) == 1 && PQstatus(handle) == CONNECTION_OK {
            _ = PQisBusy(handle)
        }
        return PQstatus(handle) == CONNECTION_OK && !endedByServer && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// True inside BEGIN ... COMMIT.
    public var inTransaction: Bool {
        guard let handle else { return false }
        let s = PQtransactionStatus(handle)
        return s == PQTRANS_INTRANS || s == PQTRANS_INERROR
    }

    /// The server's process id for this session (useful to cancel or to test).
    public var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    // MARK: - Queries

    /// Runs one statement with bound parameters (`PQexecParams`) and returns its rows.
    @discardableResult
    public func query(_ query: Query, file: String = #fileID, line: Int = #line) throws -> QueryResult {
        let conn = try live(file: file, line: line)
        try Connection.refuseNUL(query.parameters, file: file, line: line)
        let count = Int32(query.parameters.count)
        let key = PreparedKey(sql: query.sql, types: query.types)
        var name = prepared[key]
        if name == nil, prepared.count < Connection.maxPrepared {
            let candidate = "pqkit_\(prepared.count)"
            let made: OpaquePointer? = query.types.withUnsafeBufferPointer { types in
                PQprepare(conn, candidate, query.sql, count, types.baseAddress)
            }
            _ = try check(made, file: file, line: line)  // a bad statement fails here, uncached
            prepared[key] = candidate
            name = candidate
        }
        let result: OpaquePointer? = withCStrings(query.parameters) { values in
            if let name {
                return PQexecPrepared(conn, name, count, values, nil, nil, 0)
            }
            return query.types.withUnsafeBufferPointer { types in
                PQexecParams(conn, query.sql, count, types.baseAddress, values, nil, nil, 0)
            }
        }
        return try check(result, file: file, line: line)
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: Query, file: String = #fileID, line: Int = #line) throws -> Int {
        if query.parameters.isEmpty {
            return try simple(query.sql, file: file, line: line).affectedRows
        }
        return try self.query(query, file: file, line: line).affectedRows
    }

    /// Runs SQL text without parameters, possibly several statements (a
    /// migration file). Never give it text that contains user input.
    @discardableResult
    public func simple(_ sql: String, file: String = #fileID, line: Int = #line) throws -> QueryResult {
        let conn = try live(file: file, line: line)
        return try check(PQexec(conn, sql), file: file, line: line)
    }

    /// The first row of a query, or nil when it returned none.
    public func queryFirst(_ query: Query, file: String = #fileID, line: Int = #line) throws -> Row? {
        try self.query(query, file: file, line: line).first
    }

    // MARK: - Transactions

    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Runs `body` inside BEGIN ... COMMIT. Any throw rolls back. A
    /// serialization failure (40001) or deadlock (40P01) re-runs the whole
    /// body, up to `maxAttempts` times, so `body` must have no side effects
    /// outside the database. A failed COMMIT never books anything, and a lost
    /// connection is never retried (the outcome would be unknown).
    public func withTransaction<T>(
        _ isolation: IsolationLevel = .readCommitted, maxAttempts: Int = 5,
        file: String = #fileID, line: Int = #line,
        _ body: (Connection) throws -> T
    ) throws -> T {
        guard !inTransaction else {
            throw PQError(kind: .client, message: "a transaction is already open on this connection",
                          file: file, line: line)
        }
        var attempt = 1
        while true {
            try phase("BEGIN", "BEGIN ISOLATION LEVEL \(isolation.rawValue)", file: file, line: line)
            do {
                let value = try body(self)
                try phase("COMMIT", "COMMIT", file: file, line: line)
                return value
            } catch let error as PQError {
                rollbackQuietly()
                if let state = error.sqlState, state.isRetryableTransactionFailure, attempt < maxAttempts {
                    attempt += 1
                    // Back off a little, with jitter, so the racers don't collide again.
                    usleep(UInt32.random(in: 1_000...5_000) * UInt32(attempt))
                    continue
                }
                throw error
            } catch {
                rollbackQuietly()
                throw error
            }
        }
    }

    /// Runs `body` in the transaction already open on this connection, or
    /// else in a new one (`withTransaction`), so that work composed of several
    /// steps still commits or rolls back as one.
    public func transactionally<T>(_ body: (Connection) throws -> T) throws -> T {
        if inTransaction { return try body(self) }
        return try withTransaction { try body($0) }
    }

    private func phase(_ name: String, _ sql: String, file: String, line: Int) throws {
        do {
            try simple(sql, file: file, line: line)
        } catch var error as PQError {
            error.phase = name
            throw error
        }
    }

    private func rollbackQuietly() {
        guard let handle, PQstatus(handle) == CONNECTION_OK, inTransaction else { return }
        if let r = PQexec(handle, "ROLLBACK") { PQclear(r) }
    }

    // MARK: - COPY

    /// Runs `COPY ... FROM STDIN` and lets `body` write the data. On a throw
    /// from `body` the COPY is aborted and nothing is loaded. Returns the
    /// number of rows the server loaded.
    @discardableResult
    public func copyIn(
        _ sql: String, file: String = #fileID, line: Int = #line,
        _ body: (CopyWriter) throws -> Void
    ) throws -> Int {
        let conn = try live(file: file, line: line)
        guard let start = PQexec(conn, sql) else {
            throw connectionError(conn, file: file, line: line)
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try check(start, file: file, line: line)
            throw PQError(kind: .client, message: "statement is not COPY FROM STDIN", file: file, line: line)
        }
        PQclear(start)
        let writer = CopyWriter(conn: conn)
        var failure: (any Error)?
        do {
            try body(writer)
            try writer.flush()
            guard PQputCopyEnd(conn, nil) == 1 else { throw connectionError(conn, file: file, line: line) }
        } catch {
            failure = error
            _ = PQputCopyEnd(conn, "aborted by the client")
        }
        return try finishCopy(conn, failure: failure, file: file, line: line)
    }

    /// Runs `COPY (...) TO STDOUT` and hands each row of data, in the COPY's
    /// format, to `body`. COPY takes no bind parameters, so the query's
    /// parameters are inlined as literals escaped by libpq
    /// (`PQescapeLiteral`); write each `$n` with an explicit cast. Returns the
    /// number of rows copied.
    @discardableResult
    public func copyOut(
        _ query: Query, file: String = #fileID, line: Int = #line,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        let conn = try live(file: file, line: line)
        try Connection.refuseNUL(query.parameters, file: file, line: line)
        let sql = try Connection.substitute(query.sql, query.parameters.count) { i in
            try literal(query.parameters[i], conn: conn, file: file, line: line)
        }
        guard let start = PQexec(conn, sql) else { throw connectionError(conn, file: file, line: line) }
        guard PQresultStatus(start) == PGRES_COPY_OUT else {
            _ = try check(start, file: file, line: line)
            throw PQError(kind: .client, message: "statement is not COPY TO STDOUT", file: file, line: line)
        }
        PQclear(start)
        var failure: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let n = PQgetCopyData(conn, &buffer, 0)
            if n > 0, let buffer {
                // After a failure keep draining, so the connection stays usable.
                if failure == nil {
                    do {
                        try body(UnsafeRawBufferPointer(start: buffer, count: Int(n)))
                    } catch {
                        failure = error
                    }
                }
                PQfreemem(buffer)
            } else if n == -1 {
                break
            } else {
                throw connectionError(conn, file: file, line: line)
            }
        }
        return try finishCopy(conn, failure: failure, file: file, line: line)
    }

    /// Drains every result after a COPY; the last one carries the outcome (rows
    /// copied). The caller's own failure, if any, wins.
    private func finishCopy(_ conn: OpaquePointer, failure: (any Error)?, file: String, line: Int) throws -> Int {
        var outcome: Result<Int, any Error> = .success(0)
        while let r = PQgetResult(conn) {
            do {
                outcome = .success(try check(r, file: file, line: line).affectedRows)
            } catch {
                outcome = .failure(error)
            }
        }
        if let failure { throw failure }
        return try outcome.get()
    }

    private func literal(_ value: String?, conn: OpaquePointer, file: String, line: Int) throws -> String {
        guard let value else { return "NULL" }
        guard let escaped = PQescapeLiteral(conn, value, value.utf8.count) else {
            throw PQError(kind: .client, message: Connection.errorMessage(conn), file: file, line: line)
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// `sql` with each `$n` (n from 1 to `count`) replaced by `literal(n - 1)`,
    /// in one pass over the original text: what was inserted is never scanned
    /// again, so a value holding `$2` stays a value.
    static func substitute(_ sql: String, _ count: Int, _ literal: (Int) throws -> String) throws -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count)
        var i = sql.startIndex
        while i < sql.endIndex {
            let c = sql[i]
            guard c == "$" else {
                out.append(c)
                i = sql.index(after: i)
                continue
            }
            var j = sql.index(after: i)
            var n = 0
            while j < sql.endIndex, let d = sql[j].wholeNumberValue, sql[j].isASCII, n < 100_000 {
                n = n * 10 + d
                j = sql.index(after: j)
            }
            if j > sql.index(after: i), (1...count).contains(n) {
                out += try literal(n - 1)
            } else {
                out += sql[i..<j]
            }
            i = j
        }
        return out
    }

    /// PostgreSQL text cannot hold NUL, and libpq would silently cut the
    /// value there; refuse it instead.
    static func refuseNUL(_ parameters: [String?], file: String, line: Int) throws {
        for (i, p) in parameters.enumerated() where p?.utf8.contains(0) == true {
            throw PQError(kind: .client, sqlState: SQLState("22021"),
                          message: "parameter $\(i + 1) contains a NUL character, which PostgreSQL text cannot hold",
                          file: file, line: line)
        }
    }

    // MARK: - Internals

    private func live(file: String, line: Int) throws -> OpaquePointer {
        guard let handle else {
            throw PQError(kind: .connection, message: "connection is closed", file: file, line: line)
        }
        return handle
    }

    private func check(_ result: OpaquePointer?, file: String, line: Int) throws -> QueryResult {
        guard let handle else {
            if let result { PQclear(result) }
            throw PQError(kind: .connection, message: "connection is closed", file: file, line: line)
        }
        guard let result else { throw connectionError(handle, file: file, line: line) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            return QueryResult(handle: result)
        default:
            let error = Connection.serverError(result, conn: handle, file: file, line: line)
            PQclear(result)
            throw error
        }
    }

    private func connectionError(_ conn: OpaquePointer, file: String, line: Int) -> PQError {
        PQError(kind: .connection, message: Connection.errorMessage(conn), file: file, line: line)
    }

    static func errorMessage(_ conn: OpaquePointer) -> String {
        guard let p = PQerrorMessage(conn) else { return "unknown libpq error" }
        let s = String(cString: p).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? "unknown libpq error" : s
    }

    static func serverError(_ result: OpaquePointer, conn: OpaquePointer, file: String, line: Int) -> PQError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlState = field(CLibPQ_DIAG_SQLSTATE).map(SQLState.init)
        var message = field(CLibPQ_DIAG_MESSAGE_PRIMARY)
        if message == nil, let p = PQresultErrorMessage(result) {
            message = String(cString: p).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let broken = PQstatus(conn) != CONNECTION_OK
        return PQError(
            kind: broken || sqlState == nil ? .connection : .server,
            sqlState: sqlState,
            message: message ?? "unknown server error",
            detail: field(CLibPQ_DIAG_MESSAGE_DETAIL),
            hint: field(CLibPQ_DIAG_MESSAGE_HINT),
            table: field(CLibPQ_DIAG_TABLE_NAME),
            column: field(CLibPQ_DIAG_COLUMN_NAME),
            constraint: field(CLibPQ_DIAG_CONSTRAINT_NAME),
            file: file, line: line)
    }
}

/// Writes COPY data in chunks. Only valid inside `Connection.copyIn`.
public final class CopyWriter {
    private let conn: OpaquePointer
    // Appended to byte by byte from one thread: without this, exclusivity
    // checks on every append dominate a bulk COPY's client time.
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    private let chunk = 1 << 16

    init(conn: OpaquePointer) {
        self.conn = conn
        buffer.reserveCapacity(chunk + 4096)
    }

    /// Appends raw bytes in the COPY statement's format.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= chunk { try flush() }
    }

    /// Appends one row in COPY's text format (tab-separated, `\N` for NULL),
    /// escaping backslashes, tabs and line breaks inside values.
    public func writeRow(_ fields: [String?]) throws {
        for (i, field) in fields.enumerated() {
            if i > 0 { buffer.append(0x09) }
            guard let field else {
                buffer.append(0x5C)
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            for b in field.utf8 {
                switch b {
                case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
                case 0x09: buffer.append(0x5C); buffer.append(UInt8(ascii: "t"))
                case 0x0A: buffer.append(0x5C); buffer.append(UInt8(ascii: "n"))
                case 0x0D: buffer.append(0x5C); buffer.append(UInt8(ascii: "r"))
                default: buffer.append(b)
                }
            }
        }
        buffer.append(0x0A)
        if buffer.count >= chunk { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let ok = buffer.withUnsafeBufferPointer { p -> Int32 in
            guard let base = p.baseAddress else { return 1 }
            return base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                PQputCopyData(conn, $0, Int32(p.count))
            }
        }
        buffer.removeAll(keepingCapacity: true)
        guard ok == 1 else {
            throw PQError(kind: .connection, message: Connection.errorMessage(conn))
        }
    }
}

/// Gives C an array of NUL-terminated strings (nil entries stay NULL) that
/// lives only for the duration of `body`.
func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { s in s.flatMap { strdup($0) } }
    defer { for p in copies { free(p) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}

func withNullTerminatedCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for p in copies { free(p) } }
    return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
}
