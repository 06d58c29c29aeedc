/// A SQLSTATE code. Codes are static lets, not a closed enum, so a code this
/// file does not name is still a value callers can compare.
public struct SQLState: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public init(_ code: String) { self.code = code }
    public var description: String { code }

    public static let uniqueViolation = SQLState("23505")
    public static let foreignKeyViolation = SQLState("23503")
    public static let checkViolation = SQLState("23514")
    public static let notNullViolation = SQLState("23502")
    public static let exclusionViolation = SQLState("23P01")
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    public static let raiseException = SQLState("P0001")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let numericValueOutOfRange = SQLState("22003")
    public static let insufficientPrivilege = SQLState("42501")
    public static let undefinedTable = SQLState("42P01")
    public static let adminShutdown = SQLState("57P01")
    public static let cannotConnectNow = SQLState("57P03")
    public static let queryCanceled = SQLState("57014")

    /// Class 08: the connection is gone; the work may be retried on a new one.
    public var isConnectionException: Bool { code.hasPrefix("08") }
    /// Class 40 codes that a transaction retry may cure.
    public var isRetryableTransactionFailure: Bool {
        self == .serializationFailure || self == .deadlockDetected
    }
}

/// An error from libpq or the server. It keeps the server's fields.
///
/// `description` is generic so that nothing of the data leaks into logs;
/// `debugDescription` has everything.
public struct PQError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server answered with an error (see `sqlState`).
        case server
        /// A value in a row could not become the Swift type asked for.
        case decoding
        /// The caller misused the API (wrong column name, nested transaction, ...).
        case client
        /// No pooled connection came free within the pool's acquire timeout.
        case timeout
    }

    public var kind: Kind
    public var sqlState: SQLState?
    public var message: String
    public var detail: String?
    public var hint: String?
    public var table: String?
    public var column: String?
    public var constraint: String?
    /// Which step failed, for errors inside a transaction scope ("BEGIN", "COMMIT", ...).
    public var phase: String?
    public var file: String
    public var line: Int

    public init(
        kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil,
        hint: String? = nil, table: String? = nil, column: String? = nil,
        constraint: String? = nil, phase: String? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.table = table
        self.column = column
        self.constraint = constraint
        self.phase = phase
        self.file = file
        self.line = line
    }

    /// True when the connection itself failed (not the statement).
    public var isConnectionFailure: Bool {
        kind == .connection || (sqlState?.isConnectionException ?? false)
            || sqlState == .adminShutdown || sqlState == .cannotConnectNow
    }

    public var description: String {
        switch kind {
        case .connection: return "PQError(connection failure)"
        case .server: return "PQError(server error \(sqlState?.code ?? "?"))"
        case .decoding: return "PQError(decoding failure)"
        case .client: return "PQError(client misuse)"
        case .timeout: return "PQError(no pooled connection in time)"
        }
    }

    public var debugDescription: String {
        var parts = ["\(kind)"]
        if let sqlState { parts.append("sqlstate=\(sqlState.code)") }
        parts.append("message=\(message)")
        if let detail { parts.append("detail=\(detail)") }
        if let hint { parts.append("hint=\(hint)") }
        if let table { parts.append("table=\(table)") }
        if let column { parts.append("column=\(column)") }
        if let constraint { parts.append("constraint=\(constraint)") }
        if let phase { parts.append("phase=\(phase)") }
        parts.append("at \(file):\(line)")
        return "PQError(" + parts.joined(separator: ", ") + ")"
    }
}
