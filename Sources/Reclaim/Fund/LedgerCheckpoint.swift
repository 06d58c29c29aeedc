public import Foundation
public import PQKit

/// A published anchor of the ledger (migration 0012): the head of every
/// account and one SHA-256 over all of them. Printed to be published outside
/// the database (the yearly disclosure, paper, another system); `fund verify
/// --checkpoint DIGEST` then proves the ledger still extends it.
public struct LedgerCheckpoint: Sendable, Encodable {
    public var id: Int64
    /// SHA-256 over the heads, hex: what is published.
    public var digest: String
    public var takenAt: Date
    public var takenBy: String
    public var accounts: Int

    enum CodingKeys: String, CodingKey {
        case id, digest, accounts
        case takenAt = "taken_at"
        case takenBy = "taken_by"
    }
}

/// One account's head in a checkpoint.
struct CheckpointHead {
    var accountID: Int64
    var license: String
    var kind: String
    var seq: Int64
    var balance: Int64
    var lastHash: [UInt8]

    init(row r: Row) throws {
        accountID = try r.decode("account_id")
        license = try r.decode("license")
        kind = try r.decode("kind")
        seq = try r.decode("seq")
        balance = try r.decode("balance")
        lastHash = try r.decode("last_hash", as: ByteA.self).bytes
    }

    /// One line of the digested text; the fields are length-prefixed like
    /// every other hashed text of Reclaim's.
    var line: String {
        [String(accountID), LedgerHash.text(license), LedgerHash.text(kind), String(seq), String(balance),
         LedgerHash.hex(lastHash)].joined(separator: "|") + "\n"
    }

    /// The digest over heads in account order, computed here, never by the database.
    static func digest(_ heads: [CheckpointHead]) -> [UInt8] {
        LedgerHash.sha256(Array(heads.sorted { $0.accountID < $1.accountID }.map(\.line).joined().utf8))
    }
}

extension FundLedger {
    /// Records a checkpoint of every account's head, in one snapshot, with
    /// its audit record; returns it with the digest to publish.
    public static func checkpoint(by actor: Actor, on conn: Connection) throws -> LedgerCheckpoint {
        try conn.transactionally { conn in
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let heads = try conn.query("""
                SELECT a.id AS account_id, coalesce(m.license, 'legacy-project:' || a.project_id) AS license, a.kind,
                       a.seq, a.balance, a.last_hash
                FROM fund_accounts a LEFT JOIN mines m ON m.id = a.mine_id ORDER BY a.id
                """).rows.map(CheckpointHead.init(row:))
            let digest = CheckpointHead.digest(heads)
            guard let row = try conn.queryFirst("""
                INSERT INTO ledger_checkpoints (digest, taken_by, last_entry_id, accounts)
                VALUES (\(ByteA(digest)), \(actor.name), (SELECT coalesce(max(id), 0) FROM ledger_entries),
                        \(Int32(heads.count)))
                RETURNING id, taken_at
                """)
            else { throw ReclaimError(.internal, "checkpoint not stored") }
            let id: Int64 = try row.decode("id")
            try conn.execute("""
                INSERT INTO ledger_checkpoint_heads (checkpoint_id, account_id, license, kind, seq, balance, last_hash)
                SELECT \(id), h.account_id::bigint, h.license, h.kind, h.seq::bigint, h.balance::bigint,
                       decode(h.last_hash, 'hex')
                FROM unnest(\(heads.map { String($0.accountID) }), \(heads.map(\.license)), \(heads.map(\.kind)),
                            \(heads.map { String($0.seq) }), \(heads.map { String($0.balance) }),
                            \(heads.map { LedgerHash.hex($0.lastHash) }))
                     AS h(account_id, license, kind, seq, balance, last_hash)
                """)
            let hex = LedgerHash.hex(digest)
            try AuditLog.record(action: "fund.checkpoint", target: "ledger", input: hex, by: actor, on: conn)
            return LedgerCheckpoint(id: id, digest: hex, takenAt: try row.decode("taken_at"), takenBy: actor.name,
                                    accounts: heads.count)
        }
    }

    /// The checkpoint published as `digest` (hex), its stored heads checked
    /// against it, and where the ledger no longer passes through them.
    static func anchor(_ digest: String, on conn: Connection, into check: inout ChainCheck) throws -> Int64 {
        let text = digest.lowercased()
        guard text.utf8.count == 64, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { throw ReclaimError.invalid("checkpoint", "must be the 64 hex digits of a published checkpoint") }
        guard let row = try conn.queryFirst("SELECT id FROM ledger_checkpoints WHERE encode(digest, 'hex') = \(text)")
        else { throw ReclaimError(.notFound, field: "checkpoint", "no checkpoint with digest \(text)") }
        let id: Int64 = try row.decode("id")
        let heads = try conn.query("""
            SELECT account_id, license, kind, seq, balance, last_hash FROM ledger_checkpoint_heads
            WHERE checkpoint_id = \(id) ORDER BY account_id
            """).rows.map(CheckpointHead.init(row:))
        if LedgerHash.hex(CheckpointHead.digest(heads)) != text {
            check.ledger(nil, "the checkpoint's stored heads no longer match its published digest")
        }
        // each account still passes through its head: the posting at the
        // head's sequence exists, with the head's hash and balance, and the
        // account still belongs to the same mine
        for r in try conn.query("""
            SELECT h.license, h.kind, h.seq, p.hash IS NULL AS gone,
                   p.hash IS DISTINCT FROM h.last_hash OR p.balance_after IS DISTINCT FROM h.balance AS rewritten,
                   coalesce(m.license, 'legacy-project:' || a.project_id) IS DISTINCT FROM h.license
                       OR a.kind IS DISTINCT FROM h.kind AS moved
            FROM ledger_checkpoint_heads h
            LEFT JOIN ledger_postings p ON p.account_id = h.account_id AND p.seq = h.seq
            LEFT JOIN fund_accounts a ON a.id = h.account_id
            LEFT JOIN mines m ON m.id = a.mine_id
            WHERE h.checkpoint_id = \(id) AND h.seq > 0
              AND (p.hash IS DISTINCT FROM h.last_hash OR p.balance_after IS DISTINCT FROM h.balance
                   OR coalesce(m.license, 'legacy-project:' || a.project_id) IS DISTINCT FROM h.license
                   OR a.kind IS DISTINCT FROM h.kind)
            ORDER BY h.account_id
            """).rows {
            let license: String = try r.decode("license")
            let kind: String = try r.decode("kind")
            let seq: Int64 = try r.decode("seq")
            let problem = try r.decode("gone", as: Bool.self)
                ? "the ledger no longer reaches the checkpoint: posting \(seq) is gone"
                : try r.decode("moved", as: Bool.self)
                    ? "the account belongs to another mine than at the checkpoint"
                    : "the history before the checkpoint was rewritten (posting \(seq) differs)"
            check.ledger(nil, problem, license: license, account: kind)
        }
        return id
    }
}
