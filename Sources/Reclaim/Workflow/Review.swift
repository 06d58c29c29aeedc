public import Foundation
public import PQKit

/// One recorded decision on a reviewed record.
public struct ReviewDecision: Sendable, Equatable, Codable {
    public var seq: Int
    public var from: String
    public var action: String
    public var to: String
    public var actor: String
    public var role: String?
    public var note: String?
    public var decidedAt: Date

    enum CodingKeys: String, CodingKey {
        case seq, from, action, to, actor, role, note
        case decidedAt = "decided_at"
    }
}

/// The database half of the shared review workflow (`review_open` and
/// `review_apply` in sql/functions/review.sql). Each call runs in the
/// caller's connection, so a record type's own change (its row, its
/// figures) and the decision commit together, with the audit record that
/// `review_apply` writes: one user action, one transaction.
public enum Review {
    /// Starts a new record of `workflow` in its initial state.
    public static func open<S, A>(_ workflow: Workflow<S, A>, id: Int64, by actor: Actor, on conn: Connection) throws {
        _ = try DatabaseRefusal.mapping {
            try conn.execute("""
                SELECT review_open(\(workflow.recordType), \(id), \(actor.name), \(actor.role))
                """)
        }
    }

    /// The record's current state.
    public static func state<S, A>(_ workflow: Workflow<S, A>, id: Int64, on conn: Connection) throws -> S {
        guard let row = try conn.queryFirst("""
            SELECT state FROM review_records WHERE record_type = \(workflow.recordType) AND record_id = \(id)
            """)
        else { throw ReclaimError(.notFound, "no \(workflow.noun) \(id)") }
        return try row.decodeEnum("state")
    }

    /// Does `action` to record `id`: the workflow says what it leads to
    /// (or refuses it); the database records it once. Two people deciding at
    /// once: one wins, the other gets a conflict naming the state the record
    /// is in now. A review step by the record's submitter is refused.
    @discardableResult
    public static func apply<S, A>(
        _ workflow: Workflow<S, A>, id: Int64, _ action: A, note: String? = nil, by actor: Actor, on conn: Connection
    ) throws -> ReviewDecision {
        let note = try Text.optional(note, field: "note", maxLength: 2000)
        let current = try state(workflow, id: id, on: conn)
        let t = try workflow.transition(from: current, action)
        let seq: Int32 = try DatabaseRefusal.mapping {
            try conn.queryFirst("""
                SELECT review_apply(\(workflow.recordType), \(id), \(t.from.rawValue), \(action.rawValue),
                                    \(actor.name), \(actor.role), \(actor.requestID), \(note)) AS seq
                """)?.decode("seq") ?? 0
        }
        return ReviewDecision(seq: Int(seq), from: t.from.rawValue, action: action.rawValue, to: t.to.rawValue,
                              actor: actor.name, role: actor.role, note: note, decidedAt: Date())
    }

    /// The latest decision on each of the records `ids` that has one, in one read.
    public static func latest<S, A>(_ workflow: Workflow<S, A>, ids: [Int64], on conn: Connection) throws
        -> [Int64: ReviewDecision]
    {
        var out: [Int64: ReviewDecision] = [:]
        for r in try conn.query("""
            SELECT DISTINCT ON (record_id) record_id, seq, from_state, action, to_state, actor, role, note, decided_at
            FROM review_decisions
            WHERE record_type = \(workflow.recordType) AND record_id = ANY (\(ids.map(String.init))::bigint[])
            ORDER BY record_id, seq DESC
            """).rows {
            out[try r.decode("record_id")] = try decision(r)
        }
        return out
    }

    private static func decision(_ r: Row) throws -> ReviewDecision {
        ReviewDecision(seq: Int(try r.decode("seq", as: Int32.self)), from: try r.decode("from_state"),
                       action: try r.decode("action"), to: try r.decode("to_state"), actor: try r.decode("actor"),
                       role: try r.decode("role"), note: try r.decode("note"), decidedAt: try r.decode("decided_at"))
    }

    /// Every decision on record `id`, oldest first.
    public static func history<S, A>(_ workflow: Workflow<S, A>, id: Int64, on conn: Connection) throws
        -> [ReviewDecision]
    {
        try conn.query("""
            SELECT seq, from_state, action, to_state, actor, role, note, decided_at FROM review_decisions
            WHERE record_type = \(workflow.recordType) AND record_id = \(id) ORDER BY seq
            """).rows.map(decision)
    }
}

/// A review's return (退回), with the reason the submitter will read: POST
/// …/return of a plan and of an annual plan.
public struct ReturnRequest: APIRequest {
    public var reason: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    public init(reason: String) { self.reason = reason }
}
