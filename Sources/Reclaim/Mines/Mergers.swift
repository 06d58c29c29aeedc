public import Foundation
public import PQKit

/// A merger of mining rights (整合重组): `from`'s right integrated into
/// `into`'s. The only reason fund money moves between two mines' funds: a
/// transfer names its merger, and the database refuses one that does not.
public struct Merger: Sendable, Equatable, Codable {
    public var id: Int64
    public var from: String
    public var into: String
    public var approvedOn: CalendarDate
    public var document: String
    public var recordedBy: String
    public var recordedAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case from = "from_license"
        case into = "into_license"
        case approvedOn = "approved_on"
        case document
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
    }
}

public enum Mergers {
    /// Records an approved merger (an administrator's, audited).
    public static func record(from: String, into: String, approvedOn: CalendarDate, document: String, by actor: Actor,
                              on conn: Connection) throws -> Merger
    {
        let from = try Identifier.license(from, field: "from_license")
        let into = try Identifier.license(into, field: "into_license")
        guard from != into else { throw ReclaimError(.ruleViolation, field: "into_license", "must differ from from_license") }
        let document = try Text.required(document, field: "document", maxLength: 200)
        guard approvedOn <= Bureau.today else {
            throw ReclaimError(.ruleViolation, field: "approved_on", "a merger is recorded once approved, not for \(approvedOn)")
        }
        return try conn.transactionally { conn in
            for (license, field) in [(from, "from_license"), (into, "into_license")] {
                guard try conn.queryFirst("SELECT 1 AS one FROM mines WHERE license = \(license)") != nil else {
                    throw MineRegistry.notFound(license, field: field)
                }
            }
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO mergers (from_mine_id, into_mine_id, approved_on, document, recorded_by)
                    SELECT f.id, t.id, \(approvedOn), \(document), \(actor.name)
                    FROM mines f, mines t WHERE f.license = \(from) AND t.license = \(into)
                    RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the merger was not stored") }
            let id: Int64 = try row.decode("id")
            try AuditLog.record(action: "mine.merge", target: "merger:\(id)",
                                input: "\(from) -> \(into)\n\(approvedOn) \(document)", by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    public static func find(_ id: Int64, on conn: Connection) throws -> Merger {
        guard let m = try list(id: id, on: conn).first else { throw ReclaimError(.notFound, field: "merger_id", "no merger \(id)") }
        return m
    }

    public static func list(id: Int64? = nil, on conn: Connection) throws -> [Merger] {
        try conn.query("""
            SELECT g.id, f.license AS from_license, t.license AS into_license, g.approved_on, g.document, g.recorded_by,
                   g.recorded_at
            FROM mergers g JOIN mines f ON f.id = g.from_mine_id JOIN mines t ON t.id = g.into_mine_id
            WHERE \(id) IS NULL OR g.id = \(id) ORDER BY g.id
            """).rows.map { r in
            Merger(id: try r.decode("id"), from: try r.decode("from_license"), into: try r.decode("into_license"),
                   approvedOn: try r.decode("approved_on"), document: try r.decode("document"),
                   recordedBy: try r.decode("recorded_by"), recordedAt: try r.decode("recorded_at"))
        }
    }
}
