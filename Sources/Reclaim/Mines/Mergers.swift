public import Foundation
public import PQKit

/// A merger of mining rights (整合重组): the rights of `from` integrated
/// into `into`'s. The merged licences are cancelled (注销) and their funds'
/// whole balances moved into the surviving mine's in the same transaction,
/// each by a transfer entry that names the merger (`moved`). Older mergers,
/// recorded before money moved with them, name one licence and no entry:
/// transfers that name them were booked on their own.
public struct Merger: Sendable, Equatable, Codable {
    public var id: Int64
    public var from: [String]
    public var into: String
    public var approvedOn: CalendarDate
    public var document: String
    public var recordedBy: String
    public var recordedAt: Date
    public var moved: [MergedFund]

    enum CodingKeys: String, CodingKey {
        case id
        case from = "from_licenses"
        case into = "into_license"
        case approvedOn = "approved_on"
        case document
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
        case moved
    }
}

/// One merged licence's fund, moved into the surviving mine's.
public struct MergedFund: Sendable, Equatable, Codable {
    public var license: String
    public var amount: Money
    /// The transfer entry that moved it; none when the fund was empty.
    public var entryID: Int64?

    enum CodingKeys: String, CodingKey {
        case license, amount
        case entryID = "entry_id"
    }
}

public enum Mergers {
    /// Records an approved merger (an administrator's) and carries it out,
    /// all in the database's `mine_merge`: one transaction, rows locked, a
    /// licence merged once (a retry or a concurrent second merger is refused
    /// and moves nothing).
    public static func record(from: [String], into: String, approvedOn: CalendarDate, document: String, by actor: Actor,
                              on conn: Connection) throws -> Merger
    {
        var check = FieldCheck()
        let from = from.enumerated().compactMap { i, l in check.parse("from_licenses[\(i)]", l) { try Identifier.license($0, field: "from_licenses") } }
        let into = check.parse("into_license", into) { try Identifier.license($0, field: "into_license") }
        let document = check.parse("document", document) { try Text.required($0, field: "document", maxLength: 200) }
        try check.finish()
        guard let into, let document else { throw ReclaimError(.internal, "checked fields are missing") }
        guard from.count <= 50 else { throw ReclaimError(.ruleViolation, field: "from_licenses", "names at most 50 licences") }
        // the rules (licences named once, not merged into themselves, approved
        // by today, each merged once) are mine_merge's and mergers_guard's
        return try conn.transactionally { conn in
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    SELECT mine_merge(\(from), \(into), \(approvedOn), \(document), \(actor.name), \(actor.role),
                                      \(actor.requestID)) AS id
                    """)
            }) else { throw ReclaimError(.internal, "the merger was not stored") }
            return try find(try row.decode("id"), on: conn)
        }
    }

    public static func find(_ id: Int64, on conn: Connection) throws -> Merger {
        guard let m = try list(id: id, on: conn).first else { throw ReclaimError(.notFound, field: "merger_id", "no merger \(id)") }
        return m
    }

    public static func list(id: Int64? = nil, on conn: Connection) throws -> [Merger] {
        try conn.query("""
            SELECT g.id, t.license AS into_license, g.approved_on, g.document, g.recorded_by, g.recorded_at,
                   array_agg(f.license ORDER BY f.id) AS from_licenses,
                   array_agg(x.moved_fen::text ORDER BY f.id) AS moved_fen,
                   array_agg(coalesce(x.entry_id, 0)::text ORDER BY f.id) AS entry_ids
            FROM mergers g JOIN mines t ON t.id = g.into_mine_id
            JOIN merger_mines x ON x.merger_id = g.id JOIN mines f ON f.id = x.mine_id
            WHERE \(id)::bigint IS NULL OR g.id = \(id)
            GROUP BY g.id, t.license ORDER BY g.id
            """).rows.map { r in
            let from: [String] = try r.decode("from_licenses")
            func integers(_ column: String) throws -> [Int64] {
                try (try r.decode(column, as: [String].self)).map { text in
                    guard let n = Int64(text) else { throw ReclaimError(.internal, "merger \(column) is no integer") }
                    return n
                }
            }
            let moved = zip(from, zip(try integers("moved_fen"), try integers("entry_ids"))).map { l, m in
                MergedFund(license: l, amount: Money(fen: m.0), entryID: m.1 == 0 ? nil : m.1)
            }
            return Merger(id: try r.decode("id"), from: from, into: try r.decode("into_license"),
                          approvedOn: try r.decode("approved_on"), document: try r.decode("document"),
                          recordedBy: try r.decode("recorded_by"), recordedAt: try r.decode("recorded_at"), moved: moved)
        }
    }
}
