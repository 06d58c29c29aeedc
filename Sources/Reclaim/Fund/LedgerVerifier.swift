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

extension FundLedger {
    /// Checks the whole ledger in one snapshot: every entry's hash, every
    /// account's hash chain, sequences and running balances, that every
    /// entry sums to zero, and that every stored balance equals the sum of
    /// its postings (the database function `ledger_verify`); and the audit
    /// trail's hash chains (`audit_verify`).
    public static func verify(on conn: Connection, maxProblems: Int = 1000) throws -> VerifyReport {
        try conn.transactionally { conn in
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            guard let counts = try conn.queryFirst("""
                SELECT (SELECT count(*) FROM ledger_entries) AS e, (SELECT count(*) FROM ledger_postings) AS p,
                       (SELECT count(*) FROM fund_accounts) AS a,
                       (SELECT count(*) FROM audit_log
                        WHERE id >= (SELECT first_chained_id FROM audit_chain_start)) AS au
                """)
            else { throw ReclaimError(.internal, "verify returned nothing") }
            let problems = try conn.query("""
                SELECT v.entry_id, v.problem, m.license, a.kind
                FROM ledger_verify() v
                LEFT JOIN fund_accounts a ON a.id = v.account_id
                LEFT JOIN mines m ON m.id = a.mine_id
                ORDER BY v.entry_id NULLS LAST, m.license, a.kind
                LIMIT \(Int64(maxProblems))
                """).rows.map { r in
                VerifyReport.Problem(entryID: try r.decode("entry_id"), license: try r.decode("license"),
                                     account: try r.decode("kind"), problem: try r.decode("problem"))
            }
            let audit = try conn.query("""
                SELECT audit_id, target, problem FROM audit_verify() ORDER BY audit_id NULLS LAST, target
                LIMIT \(Int64(maxProblems))
                """).rows.map { r in
                VerifyReport.Problem(entryID: nil, license: nil, account: nil, auditID: try r.decode("audit_id"),
                                     target: try r.decode("target"), problem: try r.decode("problem"))
            }
            return VerifyReport(entries: try counts.decode("e"), postings: try counts.decode("p"),
                                accounts: try counts.decode("a"), auditRows: try counts.decode("au"),
                                problems: problems + audit)
        }
    }
}
