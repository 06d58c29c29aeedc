public import Foundation
import Crypto
public import PQKit

/// A published anchor of the ledger and the audit trail (migrations 0012,
/// 0029): the head of every account and of every audit chain, where the
/// chains' checks start, and one SHA-256 over all of it. Printed (or written
/// as a small document with `--publish`) to be published outside the
/// database: the yearly disclosure, paper, another system. `fund verify
/// --checkpoint DIGEST|FILE` then proves the ledger and the trail still
/// extend it.
public struct LedgerCheckpoint: Sendable, Encodable {
    public var id: Int64
    /// SHA-256 over the heads, hex: what is published.
    public var digest: String
    /// 2: accounts, audit chains and start pointers; 1 (before 0029): accounts only.
    public var digestVersion: Int
    public var takenAt: Date
    public var takenBy: String
    public var accounts: Int
    public var auditChains: Int
    public var lastEntryID: Int64

    enum CodingKeys: String, CodingKey {
        case id, digest, accounts
        case digestVersion = "digest_version"
        case takenAt = "taken_at"
        case takenBy = "taken_by"
        case auditChains = "audit_chains"
        case lastEntryID = "last_entry_id"
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

    /// The version 1 digest: the accounts' heads in account order.
    static func digest(_ heads: [CheckpointHead]) -> [UInt8] {
        LedgerHash.sha256(Array(text(heads).utf8))
    }

    static func text(_ heads: [CheckpointHead]) -> String {
        heads.sorted { $0.accountID < $1.accountID }.map(\.line).joined()
    }
}

/// One audit chain's head in a checkpoint.
struct AuditHead {
    var target: String
    var seq: Int64
    var lastHash: [UInt8]

    var line: String { [LedgerHash.text(target), String(seq), LedgerHash.hex(lastHash)].joined(separator: "|") + "\n" }
}

/// Where the chains' checks start (audit_chain_start, ledger_audit_start).
struct ChainStarts: Equatable {
    var audit: Int64
    var linksFirstEntry: Int64
    var linksFirstRecord: Int64

    static func read(on conn: Connection) throws -> ChainStarts {
        guard let a = try conn.queryFirst("SELECT first_chained_id FROM public.audit_chain_start"),
              let l = try conn.queryFirst("SELECT first_entry_id, first_audit_id FROM public.ledger_audit_start")
        else { throw ReclaimError(.ruleViolation, "the audit chains' start pointers are gone") }
        return ChainStarts(audit: try a.decode("first_chained_id"), linksFirstEntry: try l.decode("first_entry_id"),
                           linksFirstRecord: try l.decode("first_audit_id"))
    }
}

/// The version 2 digest, computed here, never by the database: a header,
/// the accounts' heads, the start pointers and the audit chains' heads in
/// the byte order of their targets.
func checkpointDigest(accounts: [CheckpointHead], starts: ChainStarts, audit: [AuditHead]) -> [UInt8] {
    var text = "reclaim-checkpoint-v2\n" + CheckpointHead.text(accounts)
    text += "audit-start|\(starts.audit)\naudit-links|\(starts.linksFirstEntry)|\(starts.linksFirstRecord)\n"
    text += audit.sorted { Array($0.target.utf8).lexicographicallyPrecedes(Array($1.target.utf8)) }.map(\.line).joined()
    return LedgerHash.sha256(Array(text.utf8))
}

extension FundLedger {
    /// Records a checkpoint of every account's and audit chain's head, in
    /// one snapshot, with its audit record; returns it with the digest to publish.
    public static func checkpoint(by actor: Actor, on conn: Connection) throws -> LedgerCheckpoint {
        try conn.transactionally { conn in
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let heads = try conn.query("""
                SELECT a.id AS account_id, coalesce(m.license, 'legacy-project:' || a.project_id) AS license, a.kind,
                       a.seq, a.balance, a.last_hash
                FROM fund_accounts a LEFT JOIN mines m ON m.id = a.mine_id ORDER BY a.id
                """).rows.map(CheckpointHead.init(row:))
            let audit = try conn.query("SELECT target, seq, last_hash FROM audit_chains WHERE seq > 0").rows.map {
                AuditHead(target: try $0.decode("target"), seq: try $0.decode("seq"),
                          lastHash: try $0.decode("last_hash", as: ByteA.self).bytes)
            }
            let starts = try ChainStarts.read(on: conn)
            let digest = checkpointDigest(accounts: heads, starts: starts, audit: audit)
            guard let row = try conn.queryFirst("""
                INSERT INTO ledger_checkpoints (digest, taken_by, last_entry_id, accounts, digest_version, audit_start,
                                                links_first_entry, links_first_record, audit_chains)
                VALUES (\(ByteA(digest)), \(actor.name), (SELECT coalesce(max(id), 0) FROM ledger_entries),
                        \(Int32(heads.count)), 2, \(starts.audit), \(starts.linksFirstEntry), \(starts.linksFirstRecord),
                        \(Int32(audit.count)))
                RETURNING id, taken_at, last_entry_id
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
            try conn.execute("""
                INSERT INTO ledger_checkpoint_audit_heads (checkpoint_id, target, seq, last_hash)
                SELECT \(id), h.target, h.seq::bigint, decode(h.last_hash, 'hex')
                FROM unnest(\(audit.map(\.target)), \(audit.map { String($0.seq) }), \(audit.map { LedgerHash.hex($0.lastHash) }))
                     AS h(target, seq, last_hash)
                """)
            let hex = LedgerHash.hex(digest)
            try AuditLog.record(action: "fund.checkpoint", target: "ledger", input: hex, by: actor, on: conn)
            return LedgerCheckpoint(id: id, digest: hex, digestVersion: 2, takenAt: try row.decode("taken_at"),
                                    takenBy: actor.name, accounts: heads.count, auditChains: audit.count,
                                    lastEntryID: try row.decode("last_entry_id"))
        }
    }

    /// The checkpoint published as `digest` (hex), its stored heads checked
    /// against it, and where the ledger and the audit trail no longer pass
    /// through them. Runs in the verifier's pinned session (`VerifierSession`).
    static func anchor(_ digest: String, on conn: Connection, into check: inout ChainCheck) throws -> Int64 {
        let text = digest.lowercased()
        guard let bytes = LedgerHash.bytes(hex: text), bytes.count == 32
        else { throw ReclaimError.invalid("checkpoint", "must be the 64 hex digits of a published checkpoint, or its file") }
        guard let row = try conn.queryFirst("""
            SELECT id, digest_version, audit_start, links_first_entry, links_first_record
            FROM public.ledger_checkpoints WHERE digest = \(ByteA(bytes))
            """)
        else { throw ReclaimError(.notFound, field: "checkpoint", "no checkpoint with digest \(text)") }
        let id: Int64 = try row.decode("id")
        let heads = try conn.query("""
            SELECT account_id, license, kind, seq, balance, last_hash FROM public.ledger_checkpoint_heads
            WHERE checkpoint_id = \(id) ORDER BY account_id
            """).rows.map(CheckpointHead.init(row:))
        var recomputed = CheckpointHead.digest(heads)
        var auditHeads: [AuditHead] = []
        var starts: ChainStarts?
        if try row.decode("digest_version", as: Int16.self) >= 2 {
            auditHeads = try conn.query("""
                SELECT target, seq, last_hash FROM public.ledger_checkpoint_audit_heads WHERE checkpoint_id = \(id)
                """).rows.map {
                AuditHead(target: try $0.decode("target"), seq: try $0.decode("seq"),
                          lastHash: try $0.decode("last_hash", as: ByteA.self).bytes)
            }
            let anchored = ChainStarts(audit: try row.decode("audit_start"), linksFirstEntry: try row.decode("links_first_entry"),
                                       linksFirstRecord: try row.decode("links_first_record"))
            starts = anchored
            recomputed = checkpointDigest(accounts: heads, starts: anchored, audit: auditHeads)
        }
        if LedgerHash.hex(recomputed) != text {
            check.ledger(nil, "the checkpoint's stored heads no longer match its published digest")
        }
        // each account still passes through its head: the posting at the
        // head's sequence exists, with the head's hash and balance, and the
        // account still belongs to the same mine
        for r in try conn.query("""
            SELECT h.license, h.kind, h.seq, p.hash AS posting_hash, p.balance_after, h.last_hash, h.balance,
                   m.license AS mine_license, a.project_id, a.kind AS account_kind
            FROM public.ledger_checkpoint_heads h
            LEFT JOIN public.ledger_postings p ON p.account_id = h.account_id AND p.seq = h.seq
            LEFT JOIN public.fund_accounts a ON a.id = h.account_id
            LEFT JOIN public.mines m ON m.id = a.mine_id
            WHERE h.checkpoint_id = \(id) AND h.seq > 0
            ORDER BY h.account_id
            """).rows {
            let license: String = try r.decode("license")
            let kind: String = try r.decode("kind")
            let seq: Int64 = try r.decode("seq")
            guard let hash = try r.decode("posting_hash", as: ByteA?.self)?.bytes else {
                check.ledger(nil, "the ledger no longer reaches the checkpoint: posting \(seq) is gone", license: license, account: kind)
                continue
            }
            let owner = LedgerHash.owner(try r.decode("mine_license"), project: try r.decode("project_id"))
            let accountKind: String? = try r.decode("account_kind")
            let headHash = try r.decode("last_hash", as: ByteA.self).bytes
            let (after, balance): (Int64, Int64) = (try r.decode("balance_after"), try r.decode("balance"))
            if owner != license || accountKind != kind {
                check.ledger(nil, "the account belongs to another mine than at the checkpoint", license: license, account: kind)
            } else if hash != headHash || after != balance {
                check.ledger(nil, "the history before the checkpoint was rewritten (posting \(seq) differs)",
                             license: license, account: kind)
            }
        }
        guard let starts else { return id }
        // the trail: the start pointers where they were, and each chain still through its head
        let now = try ChainStarts.read(on: conn)
        if now.audit != starts.audit {
            check.trail(nil, "audit_chain_start", "the audit chains' start moved since the checkpoint (\(starts.audit) → \(now.audit))")
        }
        if now.linksFirstEntry != starts.linksFirstEntry || now.linksFirstRecord != starts.linksFirstRecord {
            check.trail(nil, "ledger_audit_start", "the start of the entries' audit links moved since the checkpoint")
        }
        let rows = try conn.query("""
            SELECT h.target, h.seq, l.hash FROM public.ledger_checkpoint_audit_heads h
            LEFT JOIN public.audit_log l ON l.target = h.target AND l.seq = h.seq
            WHERE h.checkpoint_id = \(id) ORDER BY h.target
            """).rows
        var reached: [String: [UInt8]?] = [:]
        for r in rows { reached[try r.decode("target")] = try r.decode("hash", as: ByteA?.self)?.bytes }
        for head in auditHeads.sorted(by: { $0.target < $1.target }) {
            guard let found = reached[head.target] ?? nil else {
                check.trail(nil, head.target, "the audit chain no longer reaches the checkpoint: row \(head.seq) is gone")
                continue
            }
            if found != head.lastHash {
                check.trail(nil, head.target, "the audit chain before the checkpoint was rewritten (row \(head.seq) differs)")
            }
        }
        return id
    }
}

extension LedgerHash {
    /// The bytes of lower-case hex text, or nil.
    static func bytes(hex: String) -> [UInt8]? {
        let u = Array(hex.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

/// A checkpoint as the bureau publishes it (`fund checkpoint --publish
/// FILE`): the digest with when and by whom it was taken, what it anchors
/// and the Reclaim version, and a SHA-256 over those fields so that an
/// altered copy is told from the original. The yearly disclosure links it;
/// `fund verify --checkpoint FILE` takes it as it takes the bare digest.
public struct PublishedCheckpoint: Codable, Sendable, Equatable {
    public struct Fields: Codable, Sendable, Equatable {
        public var format: String
        public var digest: String
        public var digestVersion: Int
        public var takenAt: String
        public var takenBy: String
        public var accounts: Int
        public var auditChains: Int
        public var lastEntryID: Int64
        public var reclaimVersion: String

        enum CodingKeys: String, CodingKey {
            case format, digest, accounts
            case digestVersion = "digest_version"
            case takenAt = "taken_at"
            case takenBy = "taken_by"
            case auditChains = "audit_chains"
            case lastEntryID = "last_entry_id"
            case reclaimVersion = "reclaim_version"
        }
    }

    public static let format = "reclaim-checkpoint/2"

    public var fields: Fields
    /// SHA-256 (hex) of the fields' canonical JSON: sorted keys, no spaces.
    public var documentSHA256: String

    public init(_ c: LedgerCheckpoint) throws {
        let stamp = ISO8601DateFormatter()
        stamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        fields = Fields(format: Self.format, digest: c.digest, digestVersion: c.digestVersion,
                        takenAt: stamp.string(from: c.takenAt), takenBy: c.takenBy, accounts: c.accounts,
                        auditChains: c.auditChains, lastEntryID: c.lastEntryID, reclaimVersion: ReclaimVersion.current)
        documentSHA256 = try Self.hash(fields)
    }

    static func hash(_ fields: Fields) throws -> String {
        LedgerHash.hex(LedgerHash.sha256(Array(try ReclaimJSON.encode(fields))))
    }

    enum CodingKeys: String, CodingKey { case documentSHA256 = "document_sha256" }

    public init(from decoder: any Decoder) throws {
        fields = try Fields(from: decoder)
        documentSHA256 = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .documentSHA256)
    }

    public func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(documentSHA256, forKey: .documentSHA256)
    }

    /// The digest a `--checkpoint` argument names: the 64 hex digits
    /// themselves, or a published file, read and checked (an altered file
    /// is refused, naming what is wrong).
    public static func digest(named argument: String) throws -> String {
        let text = argument.lowercased()
        if text.utf8.count == 64, LedgerHash.bytes(hex: text) != nil { return text }
        guard let data = FileManager.default.contents(atPath: argument) else {
            throw ReclaimError(.unreadableInput, field: "checkpoint",
                               "is neither the 64 hex digits of a published checkpoint nor a file that can be read: \(argument)")
        }
        let published: PublishedCheckpoint
        do {
            published = try ReclaimJSON.decode(PublishedCheckpoint.self, from: data)
        } catch {
            throw ReclaimError.invalid("checkpoint", "\(argument) is not a published checkpoint (reclaim fund checkpoint --publish)")
        }
        guard published.fields.format == format else {
            throw ReclaimError.invalid("checkpoint", "\(argument) is a \(published.fields.format) document, not \(format)")
        }
        guard try hash(published.fields) == published.documentSHA256.lowercased() else {
            throw ReclaimError(.ruleViolation, field: "checkpoint",
                               "\(argument) was altered: its fields no longer match its document_sha256")
        }
        return published.fields.digest.lowercased()
    }
}
