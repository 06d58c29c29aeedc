public import Foundation
public import PQKit

/// What a clerk fills in for a booking.
public struct Booking: Sendable {
    public var amount: Money
    /// The bank's date; nil means today in the bureau's time zone.
    public var valueDate: CalendarDate?
    /// e.g. the bank slip number
    public var reference: String?
    public var memo: String?
    /// The same key with the same content books once; with other content it is refused.
    public var idempotencyKey: String?
    /// A withdrawal's annual plan (年度治理计划书) of the same mine, by year: it
    /// pays for that plan's approved works, within its budget.
    public var annualPlanYear: Int?

    public init(amount: Money, valueDate: CalendarDate? = nil, reference: String? = nil, memo: String? = nil,
                idempotencyKey: String? = nil, annualPlanYear: Int? = nil) {
        self.annualPlanYear = annualPlanYear
        self.amount = amount
        self.valueDate = valueDate
        self.reference = reference
        self.memo = memo
        self.idempotencyKey = idempotencyKey
    }
}

/// The per-mine restoration-fund ledger (矿山地质环境治理恢复基金台账).
///
/// Every booking is one transaction: the double-entry postings (through the
/// database function `ledger_book`, which also enforces idempotency, lock
/// order and the no-overdraft rule) and the audit record. The database's own
/// triggers refuse edits, deletions and any posting that breaks a chain or
/// overdraws a fund, whatever the client.
public enum FundLedger {

    /// Value dates before this are refused as typos: the first day of the
    /// first year Reclaim keeps (`Years`, and ledger_book in the database).
    static let earliestValueDate = CalendarDate(year: Years.range.lowerBound, month: 1, day: 1)

    public static func deposit(_ license: String, _ booking: Booking, by actor: Actor, on conn: Connection) throws
        -> BookingResult
    {
        try book(.deposit, license: license, booking, by: actor, on: conn)
    }

    public static func withdraw(_ license: String, _ booking: Booking, by actor: Actor, on conn: Connection) throws
        -> BookingResult
    {
        try book(.withdrawal, license: license, booking, by: actor, on: conn)
    }

    public static func convertDeposit(_ license: String, _ booking: Booking, by actor: Actor, on conn: Connection)
        throws -> BookingResult
    {
        try book(.depositConversion, license: license, booking, by: actor, on: conn)
    }

    /// Moves money from one mine's fund to another's, for the merger
    /// (整合重组) `merger` of the two only; its reference is `merger:ID`
    /// followed by the clerk's own, so the merger is part of the entry.
    public static func transfer(from: String, to: String, merger: Int64, _ booking: Booking, by actor: Actor,
                                on conn: Connection) throws -> BookingResult
    {
        let from = try Identifier.license(from, field: "from_license")
        let to = try Identifier.license(to, field: "to_license")
        guard from != to else {
            throw ReclaimError(.ruleViolation, field: "to_license", "must differ from from_license")
        }
        guard merger > 0 else { throw ReclaimError.invalid("merger_id", "must be a merger's number") }
        var booking = booking
        let own = try Text.optional(booking.reference, field: "reference", maxLength: 80)
        booking.reference = "merger:\(merger)" + (own.map { " " + $0 } ?? "")
        return try book(.transfer, license: from, toLicense: to, booking, by: actor, on: conn)
    }

    /// Books the mirror of entry `entryID`. An entry is reversed at most
    /// once and a reversal is never reversed.
    public static func reverse(
        _ entryID: Int64, reason: String, valueDate: CalendarDate? = nil, idempotencyKey: String? = nil,
        by actor: Actor, on conn: Connection
    ) throws -> BookingResult {
        let reason = try Text.required(reason, field: "reason", maxLength: 500)
        let key = try Text.optional(idempotencyKey, field: "idempotency_key", maxLength: 200)
        let date = try checkedValueDate(valueDate)
        // One statement: atomic by itself, or a part of the caller's transaction.
        let rows = try DatabaseRefusal.mapping {
            try conn.query("""
                SELECT * FROM fund_reverse_post(\(entryID), \(date), \(valueDate), \(reason), \(key),
                                                \(actor.name), \(actor.role), \(actor.requestID))
                """).rows
        }
        return try BookingResult(rows: rows)
    }

    // MARK: - Booking

    /// Books one entry through the database function `fund_post`, which
    /// resolves the licences' accounts, books (`ledger_book`: idempotency,
    /// lock order, overdraft), writes the audit record and returns the
    /// entry: one statement, one round trip, one transaction.
    private static func book(
        _ kind: EntryKind, license: String, toLicense: String? = nil, _ booking: Booking, by actor: Actor,
        on conn: Connection
    ) throws -> BookingResult {
        let license = try Identifier.license(license, field: toLicense == nil ? "license" : "from_license")
        let reference = try Text.optional(booking.reference, field: "reference", maxLength: 100)
        let memo = try Text.optional(booking.memo, field: "memo", maxLength: 500)
        let key = try Text.optional(booking.idempotencyKey, field: "idempotency_key", maxLength: 200)
        guard booking.amount.fen > 0, booking.amount <= Money.maximum else {
            throw ReclaimError.invalid("amount", "must be greater than zero and at most 10^13 yuan")
        }
        let date = try checkedValueDate(booking.valueDate)
        if let year = booking.annualPlanYear { try Years.check(year, field: "annual_plan_year") }
        let input = [kind.rawValue, license, toLicense ?? "", String(booking.amount.fen), date.description,
                     reference ?? "", memo ?? "", key ?? "", booking.annualPlanYear.map(String.init) ?? ""]
            .joined(separator: "\n")
        let rows = try DatabaseRefusal.mapping {
            try conn.query("""
                SELECT * FROM fund_post(\(kind.rawValue), \(license), \(toLicense), \(booking.amount.fen), \(date),
                                        \(booking.valueDate), \(reference), \(memo), \(key), \(actor.name),
                                        \(actor.role), \(actor.requestID), \(input),
                                        \(booking.annualPlanYear.map(Int32.init)), \(actor.proof))
                """).rows
        }
        return try BookingResult(rows: rows)
    }

    /// Releases what is left in the fund after the mine's closure was
    /// accepted (闭坑), closing the fund to every later booking. Idempotent:
    /// a second release answers with the first (`replayed`).
    public static func release(_ license: String, by actor: Actor, on conn: Connection) throws -> BookingResult {
        let license = try Identifier.license(license)
        let rows = try DatabaseRefusal.mapping {
            try conn.query("""
                SELECT * FROM fund_release(\(license), \(Bureau.today), \(actor.name), \(actor.role), \(actor.requestID))
                """).rows
        }
        return try BookingResult(rows: rows)
    }

    static func checkedValueDate(_ date: CalendarDate?) throws -> CalendarDate {
        let today = Bureau.today
        guard let date else { return today }
        guard date <= today else { throw ReclaimError.invalid("value_date", "\(date) is in the future") }
        if let earliest = earliestValueDate, date < earliest {
            throw ReclaimError.invalid("value_date", "\(date) is before \(earliest)")
        }
        return date
    }

    /// Parses a `YYYY-MM-DD` value date typed by a user.
    public static func parseDate(_ text: String, field: String) throws -> CalendarDate {
        guard let d = CalendarDate(iso: text) else {
            throw ReclaimError.invalid(field, "'\(text)' is not a date like 2025-03-01")
        }
        return d
    }

    // MARK: - Reading

    /// One entry with its postings.
    public static func entry(_ id: Int64, on conn: Connection) throws -> LedgerEntry {
        try LedgerEntry(rows: try conn.query("SELECT * FROM ledger_entry_rows(\(id))").rows, id: id)
    }

    /// The fund's balance: now, or as of the end of a value date (the sum of
    /// postings with value date on or before it).
    public static func balance(_ license: String, asOf: CalendarDate? = nil, on conn: Connection) throws -> FundBalance {
        let license = try Identifier.license(license)
        guard let row = try conn.queryFirst("""
            SELECT m.license,
                   CASE WHEN \(asOf) IS NULL THEN a.balance
                        ELSE (SELECT coalesce(sum(p.amount), 0) FROM ledger_postings p
                              WHERE p.account_id = a.id AND p.value_date <= \(asOf))::bigint END AS balance
            FROM mines m JOIN fund_accounts a ON a.mine_id = m.id AND a.kind = 'fund'
            WHERE m.license = \(license)
            """)
        else { throw MineRegistry.notFound(license) }
        return FundBalance(license: try row.decode("license"), balance: Money(fen: try row.decode("balance")),
                           asOf: asOf ?? Bureau.today)
    }

    /// Every mine's fund balance, by licence; `only` restricts it to those licences.
    public static func balances(asOf: CalendarDate? = nil, after cursor: String? = nil, limit: Int? = nil,
                                only licenses: [String]? = nil, on conn: Connection) throws -> [FundBalance] {
        let date = asOf ?? Bureau.today
        return try conn.query("""
            SELECT m.license,
                   CASE WHEN \(asOf) IS NULL THEN a.balance
                        ELSE (SELECT coalesce(sum(p.amount), 0) FROM ledger_postings p
                              WHERE p.account_id = a.id AND p.value_date <= \(asOf))::bigint END AS balance
            FROM mines m JOIN fund_accounts a ON a.mine_id = m.id AND a.kind = 'fund'
            WHERE (\(cursor) IS NULL OR m.license > \(cursor))
              AND (\(licenses) IS NULL OR m.license = ANY(\(licenses)))
            ORDER BY m.license LIMIT \(Int64(limit ?? Int(Int32.max)))
            """).rows.map { r in
            FundBalance(license: try r.decode("license"), balance: Money(fen: try r.decode("balance")), asOf: date)
        }
    }

    /// The statement as CSV (`id,kind,value_date,amount,balance_after,reference,memo,annual_plan_year`),
    /// produced by PostgreSQL itself with COPY and handed to `write` in pieces,
    /// so a mine with a hundred thousand entries streams instead of being built
    /// in memory. Same lines, order and running balance as `statement`.
    ///
    /// In Chinese (`lang: .zh`, for a clerk's spreadsheet): a byte-order mark
    /// (without it Chinese Excel reads UTF-8 as GBK), Chinese headings from
    /// `ReportHeadings`, each kind by its label, and an opening row (期初余额)
    /// before the lines and a closing row (期末余额) after them, from the
    /// same snapshot. English stays the machine-readable shape above.
    public static func statementCSV(
        _ license: String, from: CalendarDate? = nil, to: CalendarDate? = nil, lang: ReportLanguage = .en,
        on conn: Connection, write: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try statementSnapshot(license, from: from, to: to, on: conn) { conn, accountID, opening in
            let chinese = lang == .zh
            func text(_ s: String) throws { try Array(s.utf8).withUnsafeBytes { try write($0) } }
            if chinese {
                let columns: [(String, ReportColumnKind)] = [("id", .text), ("kind", .text), ("value_date", .text),
                                                             ("amount", .money), ("balance_after", .money),
                                                             ("reference", .text), ("memo", .text), ("annual_plan_year", .text)]
                let headings = columns.map { ReportHeadings.heading($0.0, kind: $0.1, lang: .zh, unit: .yuan) }
                try text("\u{FEFF}" + CSV.line(headings) + "\n")
                try text(CSV.line(["", ReportHeadings.zh["opening"] ?? "期初余额", from?.description ?? "", "",
                                   opening.description, "", "", ""]) + "\n")
            }
            let kinds = EntryKind.labelRows
            try conn.copyOut("""
                COPY (
                    -- yuan with two decimals, as numeric(20,2) prints them ("1500.50", "-0.05")
                    SELECT e.id,
                           CASE WHEN \(chinese) THEN (SELECT u.label FROM unnest(\(kinds.map(\.code))::text[], \(kinds.map(\.zh))::text[])
                                                         AS u(code, label) WHERE u.code = e.kind)
                                ELSE e.kind END AS kind,
                           p.value_date, (p.amount::numeric / 100)::numeric(20, 2) AS amount,
                           ((\(opening.fen)::bigint + sum(p.amount) OVER (ORDER BY p.value_date, p.seq)) / 100)::numeric(20, 2)
                               AS balance_after,
                           csv_text(e.reference) AS reference, csv_text(e.memo) AS memo, ap.year AS annual_plan_year
                    FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
                    LEFT JOIN annual_plans ap ON ap.id = e.annual_plan_id
                    WHERE p.account_id = \(accountID)::bigint
                      AND (\(from)::date IS NULL OR p.value_date >= \(from)::date)
                      AND (\(to)::date IS NULL OR p.value_date <= \(to)::date)
                    ORDER BY p.value_date, p.seq
                ) TO STDOUT WITH (FORMAT csv, HEADER \(unescaped: chinese ? "false" : "true"))
                """, write)
            if chinese {
                let moved = Money(fen: try conn.queryFirst("""
                    SELECT coalesce(sum(amount), 0)::bigint AS moved FROM ledger_postings
                    WHERE account_id = \(accountID)::bigint
                      AND (\(from)::date IS NULL OR value_date >= \(from)::date)
                      AND (\(to)::date IS NULL OR value_date <= \(to)::date)
                    """)?.decode("moved") ?? 0)
                try text(CSV.line(["", ReportHeadings.zh["closing"] ?? "期末余额", to?.description ?? "", "",
                                   Money(fen: opening.fen + moved.fen).description, "", "", ""]) + "\n")
            }
        }
    }

    /// The name a statement's file is saved under, after its content:
    /// `DEMO-150621-005_明细_2025-01-01_2025-12-31.csv` (`statement` in
    /// English); an open start is 开始 (start), an open end 至今 (now), and
    /// with neither the dates are left out. Characters a file name cannot
    /// hold become `-`.
    public static func statementFileName(_ license: String, from: CalendarDate?, to: CalendarDate?,
                                         lang: ReportLanguage) -> String {
        let safe = String(license.map { "/\\:*?\"<>| ".contains($0) || $0.isNewline ? "-" : $0 })
        var parts = [safe, lang == .zh ? "明细" : "statement"]
        if from != nil || to != nil {
            parts += [from?.description ?? (lang == .zh ? "开始" : "start"), to?.description ?? (lang == .zh ? "至今" : "now")]
        }
        return parts.joined(separator: "_") + ".csv"
    }

    /// The fund's statement between two value dates (inclusive; either may be
    /// open). Opening balance plus the sum of the lines' amounts is the
    /// closing balance.
    public static func statement(_ license: String, from: CalendarDate? = nil, to: CalendarDate? = nil,
                                 on conn: Connection) throws -> Statement {
        try statementSnapshot(license, from: from, to: to, on: conn) { conn, accountID, openingBalance in
            let opening = openingBalance.fen
            var running = opening
            let lines = try conn.query("""
                SELECT e.id, e.kind, p.value_date, p.amount, e.reference, e.memo, ap.year AS annual_plan_year
                FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
                LEFT JOIN annual_plans ap ON ap.id = e.annual_plan_id
                WHERE p.account_id = \(accountID)
                  AND (\(from) IS NULL OR p.value_date >= \(from))
                  AND (\(to) IS NULL OR p.value_date <= \(to))
                ORDER BY p.value_date, p.seq
                """).rows.map { r in
                let amount: Int64 = try r.decode("amount")
                running += amount
                return Statement.Line(
                    id: try r.decode("id"), kind: try r.decodeEnum("kind"), valueDate: try r.decode("value_date"),
                    amount: Money(fen: amount), balanceAfter: Money(fen: running),
                    reference: try r.decode("reference"), memo: try r.decode("memo"),
                    annualPlanYear: try r.decode("annual_plan_year", as: Int32?.self).map(Int.init))
            }
            return Statement(license: try Identifier.license(license), from: from, to: to, openingBalance: openingBalance,
                             closingBalance: Money(fen: running), entries: lines)
        }
    }

    /// What a statement and its CSV share: the dates' order checked, one
    /// read-only snapshot for the opening balance and the lines, the mine's
    /// fund account, and its balance before `from` (zero with no `from`:
    /// the statement starts at the beginning).
    private static func statementSnapshot<T>(
        _ license: String, from: CalendarDate?, to: CalendarDate?, on conn: Connection,
        _ body: (Connection, Int64, Money) throws -> T
    ) throws -> T {
        let license = try Identifier.license(license)
        if let from, let to, from > to {
            throw ReclaimError(.ruleViolation, field: "from", "\(from) is after to (\(to))")
        }
        return try conn.transactionally { conn in
            try conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            guard let account = try conn.queryFirst("""
                SELECT a.id FROM fund_accounts a JOIN mines m ON m.id = a.mine_id
                WHERE m.license = \(license) AND a.kind = 'fund'
                """)
            else { throw MineRegistry.notFound(license) }
            let accountID: Int64 = try account.decode("id")
            let opening: Int64 = try conn.queryFirst("""
                SELECT coalesce(sum(amount), 0)::bigint AS o FROM ledger_postings
                WHERE account_id = \(accountID) AND \(from)::date IS NOT NULL AND value_date < \(from)::date
                """)?.decode("o") ?? 0
            return try body(conn, accountID, Money(fen: opening))
        }
    }
}
