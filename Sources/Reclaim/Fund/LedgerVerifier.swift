import Crypto
public import PQKit

/// What `fund verify` found.
public struct VerifyReport: Sendable, Encodable {
    public struct Problem: Sendable, Equatable, Encodable {
        public var entryID: Int64?
        public var license: String?
        public var account: String?
        /// For a problem of the audit trail: the audit row and its chain's target.
        public var auditID: Int64? = nil
        public var target: String? = nil
        public var problem: String

        enum CodingKeys: String, CodingKey {
            case entryID = "entry_id"
            case auditID = "audit_id"
            case license, account, target, problem
        }
    }

    public var entries: Int64
    public var postings: Int64
    public var accounts: Int64
    /// Audit rows checked (those written since the trail was chained).
    public var auditRows: Int64
    /// The ledger's, sorted by entry id (the first is the first broken
    /// entry), then the audit trail's, by audit row.
    public var problems: [Problem]

    public var isIntact: Bool { problems.isEmpty }
    public var firstBrokenEntry: Int64? { problems.compactMap(\.entryID).min() }
    public var firstBrokenAuditRow: Int64? { problems.compactMap(\.auditID).min() }

    enum CodingKeys: String, CodingKey {
        case entries, postings, accounts, problems
        case auditRows = "audit_rows"
        case intact
        case firstBrokenEntry = "first_broken_entry"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries, forKey: .entries)
        try c.encode(postings, forKey: .postings)
        try c.encode(accounts, forKey: .accounts)
        try c.encode(auditRows, forKey: .auditRows)
        try c.encode(isIntact, forKey: .intact)
        try c.encode(firstBrokenEntry, forKey: .firstBrokenEntry)
        try c.encode(problems, forKey: .problems)
    }
}

/// The steps of a verification, in order, for a person watching it.
public enum VerifyStep: String, Sendable, CaseIterable, Codable {
    case entries, postings, balances, audit
    case entryAudits = "entry-audits"
}

extension VerifyReport: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(entries: try c.decode(Int64.self, forKey: .entries), postings: try c.decode(Int64.self, forKey: .postings),
                  accounts: try c.decode(Int64.self, forKey: .accounts), auditRows: try c.decode(Int64.self, forKey: .auditRows),
                  problems: try c.decode([Problem].self, forKey: .problems))
    }
}

extension VerifyReport.Problem: Decodable {}

extension FundLedger {
    /// Checks the whole ledger and audit trail in one snapshot, recomputing
    /// every hash here, in Swift (swift-crypto), from the rows themselves:
    /// no function stored in the database takes part, so replacing one
    /// cannot make this say "intact". It checks every entry's hash, every
    /// account's chain (sequence, running balance, links, value dates,
    /// hashes), that every entry sums to zero over two or more postings,
    /// that every account's stored balance, sequence and last hash match its
    /// postings, and every audit chain (sequence, links, time order, hashes,
    /// heads). Rows are read in pages, so memory stays flat.
    ///
    /// With `checkpoint` (the published digest of `fund checkpoint`), it also
    /// proves that the ledger still extends it: the stored heads match the
    /// digest and every account still passes through its head, so a history
    /// rewritten with recomputed hashes, cut short or handed to another mine
    /// is named. `incremental` then recomputes only what came after the
    /// checkpoint (entries, postings) — fast for a daily check — and trusts
    /// what the checkpoint anchors; the audit chains are always checked whole.
    /// `progress` hears each step as it starts (for a long run watched from the dashboard).
    public static func verify(on conn: Connection, checkpoint: String? = nil, incremental: Bool = false,
                              maxProblems: Int = 1000, progress: (@Sendable (VerifyStep) -> Void)? = nil) throws -> VerifyReport {
        if incremental, checkpoint == nil {
            throw ReclaimError.invalid("incremental", "an incremental verification starts after a checkpoint: name one")
        }
        return try conn.transactionally { conn in
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try VerifierSession.secure(conn)
            var check = ChainCheck(limit: maxProblems)
            var afterEntry: Int64?
            if let checkpoint {
                let id = try anchor(checkpoint, on: conn, into: &check)
                if incremental {
                    check.since = id
                    afterEntry = try conn.queryFirst("SELECT last_entry_id FROM public.ledger_checkpoints WHERE id = \(id)")?
                        .decode("last_entry_id")
                }
            }
            progress?(.entries)
            let entries = try check.entries(on: conn)
            progress?(.postings)
            let (postings, accounts) = try check.postings(on: conn)
            progress?(.balances)
            try check.balancedEntries(on: conn)
            try check.accountYears(on: conn)
            progress?(.audit)
            let audit = try check.audit(on: conn)
            progress?(.entryAudits)
            try check.entryAudits(on: conn, afterEntry: afterEntry)
            let ledger = check.ledgerProblems.sorted {
                ($0.entryID ?? .max, $0.license ?? "", $0.account ?? "") < ($1.entryID ?? .max, $1.license ?? "", $1.account ?? "")
            }
            let trail = check.auditProblems.sorted { ($0.auditID ?? .max, $0.target ?? "") < ($1.auditID ?? .max, $1.target ?? "") }
            return VerifyReport(entries: entries, postings: postings, accounts: accounts, auditRows: audit,
                                problems: Array((ledger + trail).prefix(maxProblems)))
        }
    }
}

/// The canonical texts behind Reclaim's hashes, the same as
/// sql/functions/ledger.sql and audit.sql write them, recomputed here.
enum LedgerHash {
    static let zero = [UInt8](repeating: 0, count: 32)

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// `ledger_text`: a length prefix (in bytes) keeps '|' in a value from
    /// forging a field boundary; `~` is NULL.
    static func text(_ s: String?) -> String { s.map { "\($0.utf8.count):\($0)" } ?? "~" }

    /// Whose an account is, as checkpoints and problems name it: the mine's
    /// licence, or `legacy-project:ID`.
    static func owner(_ license: String?, project: Int64?) -> String {
        license ?? "legacy-project:\(project.map(String.init) ?? "?")"
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }
}

/// One pass over the rows, collecting what does not hold.
struct ChainCheck {
    let limit: Int
    let page: Int64 = 20_000
    /// Incremental: the checkpoint whose heads the check starts after.
    var since: Int64?
    var ledgerProblems: [VerifyReport.Problem] = []
    var auditProblems: [VerifyReport.Problem] = []

    init(limit: Int) { self.limit = limit }

    var full: Bool { ledgerProblems.count + auditProblems.count >= limit }

    mutating func ledger(_ entry: Int64?, _ problem: String, license: String? = nil, account: String? = nil) {
        if !full { ledgerProblems.append(.init(entryID: entry, license: license, account: account, problem: problem)) }
    }

    mutating func trail(_ id: Int64?, _ target: String, _ problem: String) {
        if !full {
            auditProblems.append(.init(entryID: nil, license: nil, account: nil, auditID: id, target: target,
                                       problem: problem))
        }
    }

    /// Every entry's hash, version 1, 2 (0011) or 3 (0015).
    mutating func entries(on conn: Connection) throws -> Int64 {
        var after: Int64 = 0
        var count: Int64 = 0
        while true {
            let columns = """
                SELECT id, kind, value_date, booked_at, amount, reference, memo, actor, idempotency_key, reverses,
                       reason, request_digest, entry_hash, hash_version, annual_plan_id
                FROM public.ledger_entries e
                """
            // Incremental: only the entries with a posting after its account's
            // checkpoint head, found from the accounts (one range scan of each
            // account's postings past its head), never by a look at every entry.
            let rows = try since.map { since in
                try conn.query("""
                    \(unescaped: columns) WHERE id > \(after) AND id IN (
                        SELECT p.entry_id FROM public.fund_accounts a
                        LEFT JOIN LATERAL (SELECT x.seq FROM public.ledger_checkpoint_heads x
                                           WHERE x.checkpoint_id = \(since) AND x.account_id = a.id LIMIT 1) h ON true
                        CROSS JOIN LATERAL (SELECT q.entry_id FROM public.ledger_postings q
                                            WHERE q.account_id = a.id AND q.seq > coalesce(h.seq, 0) OFFSET 0) p)
                    ORDER BY id LIMIT \(page)
                    """).rows
            } ?? conn.query("\(unescaped: columns) WHERE id > \(after) ORDER BY id LIMIT \(page)").rows
            for r in rows {
                let id: Int64 = try r.decode("id")
                let version: Int16 = try r.decode("hash_version")
                var fields = [String(id), try r.decode("kind", as: String.self),
                              String(try VerifierSession.day(try r.decode("value_date"))),
                              String(try VerifierSession.micros(try r.decode("booked_at"))),
                              String(try r.decode("amount", as: Int64.self)),
                              LedgerHash.text(try r.decode("reference")), LedgerHash.text(try r.decode("memo")),
                              LedgerHash.text(try r.decode("actor")), LedgerHash.text(try r.decode("idempotency_key")),
                              (try r.decode("reverses", as: Int64?.self)).map(String.init) ?? "~",
                              LedgerHash.text(try r.decode("reason"))]
                if version >= 2 {
                    fields.insert(version >= 3 ? "v3" : "v2", at: 0)
                    fields.append(LedgerHash.hex(try r.decode("request_digest", as: ByteA.self).bytes))
                }
                if version >= 3 {
                    // the annual plan a withdrawal pays for (0015)
                    fields.append((try r.decode("annual_plan_id", as: Int64?.self)).map(String.init) ?? "~")
                }
                let hash = LedgerHash.sha256(Array(fields.joined(separator: "|").utf8))
                if hash != (try r.decode("entry_hash", as: ByteA.self).bytes) {
                    ledger(id, "entry content does not match its hash")
                }
                after = id
            }
            count += Int64(rows.count)
            if rows.count < page { return count }
        }
    }

    /// Every account's chain, in sequence order, and its stored head.
    mutating func postings(on conn: Connection) throws -> (postings: Int64, accounts: Int64) {
        struct Account {
            var id: Int64, license: String, kind: String, balance: Int64, seq: Int64, lastHash: [UInt8]
            var rn: Int64 = 0, running: Int64 = 0, previous = LedgerHash.zero
        }
        var current: Account?
        var count: Int64 = 0
        var accounts: Int64 = 0
        func close(_ a: Account, into check: inout ChainCheck) {
            if a.balance != a.running || a.seq != a.rn || a.lastHash != a.previous {
                check.ledger(nil, "stored balance, sequence or last hash differs from the postings", license: a.license, account: a.kind)
            }
        }
        var afterAccount: Int64 = 0
        var afterSeq: Int64 = 0
        while true {
            let columns = """
                SELECT p.account_id, p.seq, p.amount, p.balance_after, p.value_date AS posting_day,
                       e.value_date AS entry_day, p.prev_hash, p.hash, p.entry_id, e.entry_hash, e.hash_version, a.kind,
                       m.license AS mine_license, a.project_id,
                       a.balance AS account_balance, a.seq AS account_seq, a.last_hash AS account_last_hash,
                       h.seq AS start_seq, h.balance AS start_balance, h.last_hash AS start_hash
                """
            // Without a checkpoint: every posting, in key order. Incremental:
            // each account's postings past its checkpoint head, one range scan
            // of the account's own postings (never a pass over all of them).
            let rows = try since.map { since in
                try conn.query("""
                    \(unescaped: columns) FROM public.fund_accounts a
                    -- a probe per account: a checkpoint's heads are written just before, unanalysed
                    LEFT JOIN LATERAL (SELECT x.seq, x.balance, x.last_hash FROM public.ledger_checkpoint_heads x
                                       WHERE x.checkpoint_id = \(since) AND x.account_id = a.id LIMIT 1) h ON true
                    CROSS JOIN LATERAL (SELECT q.* FROM public.ledger_postings q
                                        WHERE q.account_id = a.id AND q.seq > coalesce(h.seq, 0)
                                          AND (q.account_id, q.seq) > (\(afterAccount), \(afterSeq)) OFFSET 0) p
                    JOIN public.ledger_entries e ON e.id = p.entry_id
                    LEFT JOIN public.mines m ON m.id = a.mine_id  -- a legacy project's account has no mine
                    WHERE a.id >= \(afterAccount)
                    ORDER BY p.account_id, p.seq LIMIT \(page)
                    """).rows
            } ?? conn.query("""
                \(unescaped: columns) FROM public.ledger_postings p
                JOIN public.ledger_entries e ON e.id = p.entry_id
                JOIN public.fund_accounts a ON a.id = p.account_id
                LEFT JOIN public.mines m ON m.id = a.mine_id
                LEFT JOIN public.ledger_checkpoint_heads h ON false
                WHERE (p.account_id, p.seq) > (\(afterAccount), \(afterSeq))
                ORDER BY p.account_id, p.seq LIMIT \(page)
                """).rows
            for r in rows {
                let accountID: Int64 = try r.decode("account_id")
                if current?.id != accountID {
                    if let a = current { close(a, into: &self) }
                    accounts += 1
                    current = Account(id: accountID, license: LedgerHash.owner(try r.decode("mine_license"), project: try r.decode("project_id")),
                                      kind: try r.decode("kind"),
                                      balance: try r.decode("account_balance"), seq: try r.decode("account_seq"),
                                      lastHash: try r.decode("account_last_hash", as: ByteA.self).bytes,
                                      rn: try r.decode("start_seq", as: Int64?.self) ?? 0,
                                      running: try r.decode("start_balance", as: Int64?.self) ?? 0,
                                      previous: try r.decode("start_hash", as: ByteA?.self)?.bytes ?? LedgerHash.zero)
                }
                guard var a = current else { continue }
                let seq: Int64 = try r.decode("seq")
                let amount: Int64 = try r.decode("amount")
                let balanceAfter: Int64 = try r.decode("balance_after")
                let prevHash = try r.decode("prev_hash", as: ByteA.self).bytes
                let hash = try r.decode("hash", as: ByteA.self).bytes
                let entry: Int64 = try r.decode("entry_id")
                a.rn += 1
                a.running += amount
                var fields = [String(accountID), String(seq), String(amount), String(balanceAfter)]
                if try r.decode("hash_version", as: Int16.self) >= 2 {
                    fields.insert("v2", at: 0)
                    fields += [LedgerHash.text(a.license), LedgerHash.text(a.kind)]
                }
                let content = try r.decode("entry_hash", as: ByteA.self).bytes + Array(fields.joined(separator: "|").utf8)
                if seq != a.rn {
                    ledger(entry, "posting sequence has a gap or repeat", license: a.license, account: a.kind)
                } else if balanceAfter != a.running {
                    ledger(entry, "running balance does not add up", license: a.license, account: a.kind)
                } else if prevHash != a.previous {
                    ledger(entry, "posting does not link to the previous posting's hash", license: a.license, account: a.kind)
                } else if try r.decode("posting_day", as: String.self) != r.decode("entry_day", as: String.self) {
                    ledger(entry, "posting value date differs from its entry's", license: a.license, account: a.kind)
                } else if hash != LedgerHash.sha256(prevHash + content) {
                    ledger(entry, "posting content does not match its hash", license: a.license, account: a.kind)
                }
                a.previous = hash
                current = a
                afterAccount = accountID
                afterSeq = seq
            }
            count += Int64(rows.count)
            if rows.count < page { break }
        }
        if let a = current { close(a, into: &self) }
        // accounts with no postings (after the checkpoint) must still be where they started
        let idle = try conn.query("""
            SELECT a.kind, m.license AS mine_license, a.project_id
            FROM public.fund_accounts a LEFT JOIN public.mines m ON m.id = a.mine_id
            LEFT JOIN public.ledger_checkpoint_heads h ON h.checkpoint_id = \(since) AND h.account_id = a.id
            WHERE NOT EXISTS (SELECT 1 FROM public.ledger_postings p WHERE p.account_id = a.id AND p.seq > coalesce(h.seq, 0))
              AND (a.balance <> coalesce(h.balance, 0) OR a.seq <> coalesce(h.seq, 0)
                   OR a.last_hash <> coalesce(h.last_hash, \(ByteA(LedgerHash.zero))))
            """).rows
        for r in idle {
            ledger(nil, "stored balance, sequence or last hash differs from the postings",
                   license: LedgerHash.owner(try r.decode("mine_license"), project: try r.decode("project_id")), account: try r.decode("kind"))
        }
        let all = try conn.queryFirst("SELECT pg_catalog.count(*) AS n FROM public.fund_accounts")?.decode("n", as: Int64.self) ?? accounts
        return (count, all)
    }

    /// Double entry: every entry's postings sum to zero over two or more.
    mutating func balancedEntries(on conn: Connection) throws {
        for r in try conn.query("""
            SELECT e.id FROM public.ledger_entries e LEFT JOIN public.ledger_postings p ON p.entry_id = e.id
            GROUP BY e.id HAVING coalesce(pg_catalog.sum(p.amount), 0) <> 0 OR pg_catalog.count(p.entry_id) < 2
            ORDER BY e.id LIMIT \(Int64(limit))
            """).rows {
            ledger(try r.decode("id"), "postings do not sum to zero over at least two accounts")
        }
    }

    /// Each account's year at a glance (ledger_account_years) is what its
    /// postings add up to, by year and kind, recomputed here from the
    /// postings and their entries. Incremental: each year an account was
    /// booked into since the checkpoint, recomputed from that year's
    /// postings; and every account's years still add up to its balance
    /// (a year moved or relabelled on an account not booked on since is
    /// left to the whole verify: the checkpoint does not anchor the summary).
    mutating func accountYears(on conn: Connection) throws {
        let kind = """
            CASE WHEN coalesce(o.kind, e.kind) <> 'transfer' THEN coalesce(o.kind, e.kind)
                 WHEN (p.amount > 0) <> (e.kind = 'reversal') THEN 'transfer-in' ELSE 'transfer-out' END
            """
        let named = """
            SELECT DISTINCT w.account_id, a.kind, m.license AS mine_license, a.project_id
            FROM wrong w JOIN public.fund_accounts a ON a.id = w.account_id LEFT JOIN public.mines m ON m.id = a.mine_id
            ORDER BY w.account_id LIMIT \(limit)
            """
        let wrong: [Row]
        if let since {
            wrong = try conn.query("""
                WITH touched AS (
                    SELECT DISTINCT a.id AS account_id, pg_catalog.date_part('year', q.value_date)::integer AS year
                    FROM public.fund_accounts a
                    -- a probe per account: a checkpoint's heads are written just before, unanalysed
                    LEFT JOIN LATERAL (SELECT x.seq FROM public.ledger_checkpoint_heads x
                                       WHERE x.checkpoint_id = \(since) AND x.account_id = a.id LIMIT 1) h ON true
                    CROSS JOIN LATERAL (SELECT q.value_date FROM public.ledger_postings q
                                        WHERE q.account_id = a.id AND q.seq > coalesce(h.seq, 0) OFFSET 0) q
                ), computed AS (
                    SELECT t.account_id, t.year, \(unescaped: kind) AS kind, pg_catalog.sum(p.amount) AS amount, pg_catalog.count(*) AS postings
                    FROM touched t
                    CROSS JOIN LATERAL (SELECT q.amount, q.entry_id FROM public.ledger_postings q
                                        WHERE q.account_id = t.account_id AND q.value_date >= pg_catalog.make_date(t.year, 1, 1)
                                          AND q.value_date < pg_catalog.make_date(t.year + 1, 1, 1) OFFSET 0) p
                    CROSS JOIN LATERAL (SELECT x.kind, x.reverses FROM public.ledger_entries x WHERE x.id = p.entry_id LIMIT 1) e
                    LEFT JOIN LATERAL (SELECT x.kind FROM public.ledger_entries x WHERE x.id = e.reverses LIMIT 1) o ON true
                    GROUP BY 1, 2, 3
                ), stored AS (
                    SELECT s.* FROM touched t
                    CROSS JOIN LATERAL (SELECT * FROM public.ledger_account_years x
                                        WHERE x.account_id = t.account_id AND x.year = t.year OFFSET 0) s
                ), wrong AS (
                    SELECT coalesce(c.account_id, s.account_id) AS account_id
                    FROM computed c FULL JOIN stored s USING (account_id, year, kind)
                    WHERE c.amount IS DISTINCT FROM s.amount OR c.postings IS DISTINCT FROM s.postings
                    UNION
                    SELECT a.id FROM public.fund_accounts a
                    LEFT JOIN (SELECT s.account_id, pg_catalog.sum(s.amount) AS total FROM public.ledger_account_years s GROUP BY 1) t
                           ON t.account_id = a.id
                    WHERE a.balance <> coalesce(t.total, 0)
                )
                \(unescaped: named)
                """).rows
        } else {
            wrong = try conn.query("""
            WITH computed AS (
                SELECT p.account_id, pg_catalog.date_part('year', p.value_date)::integer AS year, \(unescaped: kind) AS kind,
                       pg_catalog.sum(p.amount) AS amount, pg_catalog.count(*) AS postings
                FROM public.ledger_postings p
                JOIN public.ledger_entries e ON e.id = p.entry_id
                LEFT JOIN public.ledger_entries o ON o.id = e.reverses
                GROUP BY 1, 2, 3
            ), wrong AS (
                SELECT coalesce(c.account_id, s.account_id) AS account_id
                FROM computed c FULL JOIN public.ledger_account_years s USING (account_id, year, kind)
                WHERE c.amount IS DISTINCT FROM s.amount OR c.postings IS DISTINCT FROM s.postings
            )
            \(unescaped: named)
            """).rows
        }
        for r in wrong {
            ledger(nil, "the account's yearly summary differs from its postings",
                   license: LedgerHash.owner(try r.decode("mine_license"), project: try r.decode("project_id")),
                   account: try r.decode("kind"))
        }
    }

    /// Every audit chain since the trail was chained (0010), and its head.
    mutating func audit(on conn: Connection) throws -> Int64 {
        let start: Int64 = try conn.queryFirst("SELECT first_chained_id AS s FROM public.audit_chain_start")?.decode("s") ?? 1
        for r in try conn.query("""
            SELECT id, target FROM public.audit_log WHERE id >= \(start) AND hash IS NULL ORDER BY id LIMIT \(Int64(limit))
            """).rows {
            trail(try r.decode("id"), try r.decode("target"), "audit row is not chained")
        }
        // rows before the start were written before chaining and carry no hash: a chained one
        // there means the start pointer was moved past rows it should cover
        for r in try conn.query("""
            SELECT id, target FROM public.audit_log WHERE id < \(start) AND hash IS NOT NULL ORDER BY id LIMIT 1
            """).rows {
            trail(try r.decode("id"), try r.decode("target"),
                  "the audit chains' start (audit_chain_start) was moved past chained rows")
        }
        var heads: [String: (seq: Int64, hash: [UInt8])] = [:]
        for r in try conn.query("SELECT target, seq, last_hash FROM public.audit_chains").rows {
            heads[try r.decode("target")] = (try r.decode("seq"), try r.decode("last_hash", as: ByteA.self).bytes)
        }
        var target: String?
        var rn: Int64 = 0
        var previous = LedgerHash.zero
        var previousMicros = Int64.min
        var lastSeq: Int64 = 0
        var count: Int64 = 0
        func closeChain(_ t: String, into check: inout ChainCheck) {
            let head = heads.removeValue(forKey: t)
            if head?.seq != lastSeq || head?.hash != previous {
                check.trail(nil, t, head?.seq == 0 ? "audit chain head was rewound to nothing while its rows remain"
                                                   : "audit chain head differs from its last row")
            }
        }
        var after = ("", Int64(0), Int64(0))
        while true {
            let rows = try conn.query("""
                SELECT id, target, seq, at, actor, role, action, request_id, input_digest, db_user, prev_hash, hash,
                       entry_id, entries
                FROM public.audit_log
                WHERE id >= \(start) AND hash IS NOT NULL AND (target, seq, id) > (\(after.0), \(after.1), \(after.2))
                ORDER BY target, seq, id LIMIT \(page)
                """).rows
            for r in rows {
                let id: Int64 = try r.decode("id")
                let t: String = try r.decode("target")
                let seq: Int64 = try r.decode("seq")
                if t != target {
                    if let target { closeChain(target, into: &self) }
                    target = t
                    rn = 0
                    previous = LedgerHash.zero
                    previousMicros = .min
                }
                rn += 1
                let micros = try VerifierSession.micros(try r.decode("at"))
                let prevHash = try r.decode("prev_hash", as: ByteA.self).bytes
                let hash = try r.decode("hash", as: ByteA.self).bytes
                var content = [String(seq), String(micros), LedgerHash.text(try r.decode("actor")),
                               LedgerHash.text(try r.decode("role")), LedgerHash.text(try r.decode("action")),
                               LedgerHash.text(t), LedgerHash.text(try r.decode("request_id")),
                               LedgerHash.hex(try r.decode("input_digest", as: ByteA.self).bytes),
                               LedgerHash.text(try r.decode("db_user"))].joined(separator: "|")
                if let entry = try r.decode("entry_id", as: Int64?.self) {
                    // a booking's record names its entry (0029)
                    content += "|entry:\(entry):\(try r.decode("entries", as: Int32?.self).map(String.init) ?? "")"
                }
                if seq != rn {
                    trail(id, t, "audit sequence has a gap or repeat")
                } else if prevHash != previous {
                    trail(id, t, "audit row does not link to the previous row's hash")
                } else if micros < previousMicros {
                    trail(id, t, "audit row is dated before the row it follows")
                } else if hash != LedgerHash.sha256(prevHash + Array(content.utf8)) {
                    trail(id, t, "audit row content does not match its hash")
                }
                previous = hash
                previousMicros = micros
                lastSeq = seq
                after = (t, seq, id)
            }
            count += Int64(rows.count)
            if rows.count < page { break }
        }
        if let target { closeChain(target, into: &self) }
        for (t, head) in heads where head.seq != 0 {
            trail(nil, t, "audit chain head differs from its last row")
        }
        return count
    }

    /// The audit records that book money and what they name (0029).
    static let bookingActions = [
        "fund.deposit", "fund.withdrawal", "fund.deposit-conversion", "fund.transfer", "fund.reverse", "fund.release",
        "fund.import", "legacy.commit", "legacy.spend",
    ]

    /// Every entry has exactly one audit record naming it (a file import's
    /// record names its mine's entries by the last and their number), and
    /// every booking record names entries that are in the ledger: an entry
    /// booked around the functions that audit, or a tail entry cut with its
    /// heads rewound while its record stays, is named. Checked from the
    /// migration that began naming them (ledger_audit_start); incremental,
    /// the entries from the checkpoint on.
    mutating func entryAudits(on conn: Connection, afterEntry: Int64?) throws {
        guard let start = try conn.queryFirst("SELECT first_entry_id, first_audit_id FROM public.ledger_audit_start") else {
            ledger(nil, "the start of the entries' audit links (ledger_audit_start) is gone")
            return
        }
        let firstEntry: Int64 = try start.decode("first_entry_id")
        let firstAudit: Int64 = try start.decode("first_audit_id")
        // a record naming an entry before the start, or written before it: the start was moved
        for r in try conn.query("""
            SELECT id, target FROM public.audit_log
            WHERE entry_id IS NOT NULL AND (id < \(firstAudit) OR entry_id < \(firstEntry)) ORDER BY id LIMIT 1
            """).rows {
            trail(try r.decode("id"), try r.decode("target"),
                  "the start of the entries' audit links (ledger_audit_start) was moved past records that name entries")
        }
        for r in try conn.query("""
            SELECT a.id, a.target, a.action, a.entry_id FROM public.audit_log a
            WHERE a.id >= \(firstAudit) AND a.action = ANY(\(Self.bookingActions))
              AND (a.entry_id IS NULL OR NOT EXISTS (SELECT 1 FROM public.ledger_entries e WHERE e.id = a.entry_id))
            ORDER BY a.id LIMIT \(Int64(limit))
            """).rows {
            let named: Int64? = try r.decode("entry_id")
            let action: String = try r.decode("action")
            trail(try r.decode("id"), try r.decode("target"),
                  named.map { "the \(action) record names entry \($0), which is not in the ledger" } ?? "the \(action) record names no entry")
        }
        for r in try conn.query("""
            SELECT entry_id FROM public.audit_log WHERE entry_id IS NOT NULL AND entries = 1
            GROUP BY entry_id HAVING pg_catalog.count(*) > 1 ORDER BY entry_id LIMIT \(Int64(limit))
            """).rows {
            ledger(try r.decode("entry_id"), "the entry is named by more than one audit record")
        }
        // entries no record names one by one: a file import's, or none at all
        let from = max(firstEntry, (afterEntry ?? 0) + 1)
        let unnamed = try conn.query("""
            WITH unnamed AS (
                SELECT e.id, e.booked_at, e.actor FROM public.ledger_entries e
                WHERE e.id >= \(from) AND NOT EXISTS (SELECT 1 FROM public.audit_log a WHERE a.entry_id = e.id)
            ), placed AS (
                SELECT u.*, (SELECT m.license FROM public.ledger_postings p
                             JOIN public.fund_accounts f ON f.id = p.account_id AND f.kind = 'fund'
                             JOIN public.mines m ON m.id = f.mine_id
                             WHERE p.entry_id = u.id LIMIT 1) AS license
                FROM unnamed u
            ), imports AS (
                SELECT a.id AS audit_id, a.target, a.entries, l.booked_at, l.actor, l.id AS last
                FROM public.audit_log a JOIN public.ledger_entries l ON l.id = a.entry_id
                WHERE a.id >= \(firstAudit) AND a.action = 'fund.import'
            )
            SELECT p.id, i.audit_id FROM placed p
            LEFT JOIN imports i ON i.booked_at = p.booked_at AND i.actor = p.actor AND i.target = 'mine:' || p.license
                               AND p.id < i.last
            ORDER BY p.id
            """).rows
        var covered: [Int64: Int64] = [:]
        for r in unnamed {
            guard let record = try r.decode("audit_id", as: Int64?.self) else {
                ledger(try r.decode("id"), "the entry has no audit record")
                continue
            }
            covered[record, default: 0] += 1
        }
        // each import record covers exactly the entries it counted for its mine (its last one, and the rest)
        for r in try conn.query("""
            SELECT a.id, a.target, a.entries FROM public.audit_log a
            WHERE a.id >= \(firstAudit) AND a.action = 'fund.import' AND a.entry_id >= \(from)
            ORDER BY a.id
            """).rows {
            let id: Int64 = try r.decode("id")
            let counted = Int64(try r.decode("entries", as: Int32?.self) ?? 0)
            let found = (covered[id] ?? 0) + 1
            if found != counted {
                trail(id, try r.decode("target"), "the import's audit record counts \(counted) entries, the ledger holds \(found)")
            }
        }
    }
}
