/// Who may book and read what in the fund ledger.
public enum FundPolicy {
    /// Deposits, withdrawals, transfers, conversions, reversals, imports: any mine's.
    public static let book = Policy.roles("book fund entries", .finance)

    /// Verifying the ledger and the audit trail through the service: the
    /// auditors' check (and an administrator's); it reads, and writes nothing.
    public static let verify = Policy.roles("verify the ledger and the audit trail", .auditor, .admin)

    /// Recording a checkpoint to publish: an administrator's act.
    public static let checkpoint = Policy.roles("record ledger checkpoints", .admin)

    /// The part of `entry` that `p` may see, or not found. An operator sees
    /// only the legs on their own mines (a transfer's other mine, and its
    /// running balance, are someone else's business), and an entry with none
    /// is answered exactly as a missing one, so ids cannot be probed.
    public static func visible(_ entry: LedgerEntry, to p: Principal) throws -> LedgerEntry {
        guard let own = MinePolicy.scope(for: p) else { return entry }
        var visible = entry
        visible.postings = entry.postings.filter { own.contains($0.license) }
        guard !visible.postings.isEmpty else { throw LedgerEntry.notFound(entry.id) }
        return visible
    }
}
