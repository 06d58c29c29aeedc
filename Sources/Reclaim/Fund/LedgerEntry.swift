public import Foundation
public import PQKit

/// What an entry records.
public enum EntryKind: String, Sendable, CaseIterable, Codable {
    /// 提取/存入: the company pays into its fund
    case deposit
    /// 使用: the fund pays for approved restoration works
    case withdrawal
    /// between two mines' funds, e.g. when mining rights are merged (整合重组)
    case transfer
    /// an old government-held deposit (保证金) moved into the fund
    case depositConversion = "deposit-conversion"
    /// the correction of an earlier entry; entries are never edited
    case reversal
    /// 闭坑: what is left in the fund, released after the closure is accepted; the fund closes
    case closureRelease = "closure-release"
    /// a funding source's money allocated into a legacy project (历史遗留矿山治理)
    case legacyCommit = "legacy-commit"
    /// a legacy project's payment to its works, from one source's money
    case legacySpend = "legacy-spend"
}

/// The accounts each mine has. `fund` is the 基金 itself; the others are
/// counterparties: where money comes from and goes to.
public enum AccountKind: String, Sendable, CaseIterable, Codable {
    case fund
    case contributions
    case works
    case convertedDeposits = "converted-deposits"
    case closureReleases = "closure-releases"
    // A legacy project's accounts, per funding source: where allocated money
    // comes from, and the project's money of that source (never below zero).
    case sourceCentral = "source-central", sourceRegion = "source-region", sourceCity = "source-city"
    case sourceBanner = "source-banner", sourceSocial = "source-social"
    case projectCentral = "project-central", projectRegion = "project-region", projectCity = "project-city"
    case projectBanner = "project-banner", projectSocial = "project-social"
}

/// One leg of an entry.
public struct Posting: Sendable, Equatable, Codable {
    public var license: String
    public var account: AccountKind
    public var seq: Int64
    /// Signed: positive increases the account.
    public var amount: Money
    /// The account's running balance after this posting, in booking order.
    public var balanceAfter: Money

    enum CodingKeys: String, CodingKey {
        case license, account, seq, amount
        case balanceAfter = "balance_after"
    }
}

/// A booked ledger entry with its postings.
public struct LedgerEntry: Sendable, Equatable, Codable {
    public var id: Int64
    public var kind: EntryKind
    public var amount: Money
    public var valueDate: CalendarDate
    public var bookedAt: Date
    public var reference: String?
    public var memo: String?
    public var actor: String
    public var idempotencyKey: String?
    public var reverses: Int64?
    public var reason: String?
    /// The annual plan (by year, of the entry's mine) a withdrawal pays for, and its reversal gives back to.
    public var annualPlanYear: Int?
    public var postings: [Posting]

    enum CodingKeys: String, CodingKey {
        case id, kind, amount
        case valueDate = "value_date"
        case bookedAt = "booked_at"
        case reference, memo, actor
        case idempotencyKey = "idempotency_key"
        case reverses, reason
        case annualPlanYear = "annual_plan_year"
        case postings
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(amount, forKey: .amount)
        try c.encode(valueDate.description, forKey: .valueDate)
        try c.encode(bookedAt, forKey: .bookedAt)
        try c.encode(reference, forKey: .reference)
        try c.encode(memo, forKey: .memo)
        try c.encode(actor, forKey: .actor)
        try c.encode(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(reverses, forKey: .reverses)
        try c.encode(reason, forKey: .reason)
        try c.encode(annualPlanYear, forKey: .annualPlanYear)
        try c.encode(postings, forKey: .postings)
    }
}

/// The outcome of a booking call.
public struct BookingResult: Sendable, Equatable {
    public var entry: LedgerEntry
    /// True when an idempotency key matched an earlier identical request:
    /// nothing new was booked and `entry` is the original.
    public var replayed: Bool

    public init(entry: LedgerEntry, replayed: Bool) {
        self.entry = entry
        self.replayed = replayed
    }
}

/// A fund's balance on a date.
public struct FundBalance: Sendable, Equatable, Codable {
    public var license: String
    public var balance: Money
    public var asOf: CalendarDate

    enum CodingKeys: String, CodingKey {
        case license, balance
        case asOf = "as_of"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(license, forKey: .license)
        try c.encode(balance, forKey: .balance)
        try c.encode(asOf.description, forKey: .asOf)
    }
}

/// A fund statement over a value-date range.
public struct Statement: Sendable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var id: Int64
        public var kind: EntryKind
        public var valueDate: CalendarDate
        /// Signed: what the line did to the fund.
        public var amount: Money
        /// The running balance in the statement's order (value date, then booking order).
        public var balanceAfter: Money
        public var reference: String?
        public var memo: String?
        public var annualPlanYear: Int?

        enum CodingKeys: String, CodingKey {
            case id, kind
            case valueDate = "value_date"
            case amount
            case balanceAfter = "balance_after"
            case reference, memo
            case annualPlanYear = "annual_plan_year"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(kind, forKey: .kind)
            try c.encode(valueDate.description, forKey: .valueDate)
            try c.encode(amount, forKey: .amount)
            try c.encode(balanceAfter, forKey: .balanceAfter)
            try c.encode(reference, forKey: .reference)
            try c.encode(memo, forKey: .memo)
            try c.encode(annualPlanYear, forKey: .annualPlanYear)
        }
    }

    public var license: String
    public var from: CalendarDate?
    public var to: CalendarDate?
    public var openingBalance: Money
    public var closingBalance: Money
    public var entries: [Line]

    enum CodingKeys: String, CodingKey {
        case license, from, to
        case openingBalance = "opening_balance"
        case closingBalance = "closing_balance"
        case entries
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(license, forKey: .license)
        try c.encode(from?.description, forKey: .from)
        try c.encode(to?.description, forKey: .to)
        try c.encode(openingBalance, forKey: .openingBalance)
        try c.encode(closingBalance, forKey: .closingBalance)
        try c.encode(entries, forKey: .entries)
    }
}

extension LedgerEntry {
    /// The one answer for an entry that is missing or not the asker's.
    static func notFound(_ id: Int64) -> ReclaimError {
        ReclaimError(.notFound, field: "entry_id", "no ledger entry \(id)")
    }

    /// Decodes the rows of `ledger_entry_rows` (one per posting) of entry `id`.
    init(rows: [Row], id: Int64? = nil) throws {
        guard let first = rows.first else {
            throw id.map(LedgerEntry.notFound) ?? ReclaimError(.notFound, field: "entry_id", "no such ledger entry")
        }
        self.init(
            id: try first.decode("id"), kind: try first.decodeEnum("kind"),
            amount: Money(fen: try first.decode("amount")), valueDate: try first.decode("value_date"),
            bookedAt: try first.decode("booked_at"), reference: try first.decode("reference"),
            memo: try first.decode("memo"), actor: try first.decode("actor"),
            idempotencyKey: try first.decode("idempotency_key"), reverses: try first.decode("reverses"),
            reason: try first.decode("reason"),
            annualPlanYear: try first.decode("annual_plan_year", as: Int32?.self).map(Int.init),
            postings: try rows.map { r in
                Posting(
                    license: try r.decode("license"), account: try r.decodeEnum("account"), seq: try r.decode("seq"),
                    amount: Money(fen: try r.decode("posting_amount")),
                    balanceAfter: Money(fen: try r.decode("balance_after")))
            })
    }
}

extension BookingResult {
    /// Decodes the rows of `fund_post` / `fund_reverse_post`.
    init(rows: [Row]) throws {
        guard let first = rows.first else { throw ReclaimError(.internal, "the booking returned nothing") }
        self.init(entry: try LedgerEntry(rows: rows), replayed: try first.decode("replayed"))
    }
}
