public import Foundation
public import PQKit

/// One audit record: who did what to which target, when, and a digest of the input.
public struct AuditRecord: Sendable, Codable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var role: String?
    public var action: String
    public var target: String
    public var requestID: String?
    public var inputDigest: String
    /// The PostgreSQL session that wrote the record (nil before migration 0010).
    public var databaseUser: String?

    enum CodingKeys: String, CodingKey {
        case id, at, actor, role, action, target
        case requestID = "request_id"
        case inputDigest = "input_digest"
        case databaseUser = "db_user"
    }
}

/// The append-only audit trail. Every mutation records one entry in the
/// same transaction as the change itself, so there is no change without its
/// record and no record of a change that was rolled back.
public enum AuditLog {
    static func record(action: String, target: String, input: String, by actor: Actor, on conn: Connection) throws {
        try conn.execute("""
            SELECT audit_record(\(actor.name), \(actor.role), \(action), \(target), \(actor.requestID), \(input))
            """)
    }

    public struct Filter: Sendable {
        public var actor: String?
        public var target: String?
        public var from: Date?
        public var to: Date?
        public var afterID: Int64?
        public var limit: Int

        public init(actor: String? = nil, target: String? = nil, from: Date? = nil, to: Date? = nil,
                    afterID: Int64? = nil, limit: Int = 100) {
            self.actor = actor
            self.target = target
            self.from = from
            self.to = to
            self.afterID = afterID
            self.limit = limit
        }
    }

    /// The filter's newest rows (up to its limit) below `before`, newest first: a page of the trail.
    public static func latest(_ filter: Filter, before: Int64?, on conn: Connection) throws -> [AuditRecord] {
        try rows(filter, before: before, newestFirst: true, on: conn)
    }

    /// The filter's rows after `filter.afterID`, oldest first.
    public static func list(_ filter: Filter, on conn: Connection) throws -> [AuditRecord] {
        try rows(filter, before: nil, newestFirst: false, on: conn)
    }

    private static func rows(_ filter: Filter, before: Int64?, newestFirst: Bool, on conn: Connection) throws -> [AuditRecord] {
        try conn.query("""
            SELECT id, at, actor, role, action, target, request_id, encode(input_digest, 'hex') AS digest, db_user
            FROM audit_log
            WHERE (\(filter.actor) IS NULL OR actor = \(filter.actor))
              AND (\(filter.target) IS NULL OR target = \(filter.target))
              AND (\(filter.from) IS NULL OR at >= \(filter.from))
              AND (\(filter.to) IS NULL OR at < \(filter.to))
              AND (\(filter.afterID) IS NULL OR id > \(filter.afterID))
              AND (\(before) IS NULL OR id < \(before))
            ORDER BY id \(unescaped: newestFirst ? "DESC" : "ASC") LIMIT \(Int64(max(1, min(filter.limit, 10_000))))
            """).rows.map(AuditRecord.init(row:))
    }
}

extension AuditRecord {
    init(row r: Row) throws {
        self.init(id: try r.decode("id"), at: try r.decode("at"), actor: try r.decode("actor"),
                  role: try r.decode("role"), action: try r.decode("action"), target: try r.decode("target"),
                  requestID: try r.decode("request_id"), inputDigest: try r.decode("digest"),
                  databaseUser: try r.decode("db_user"))
    }
}
