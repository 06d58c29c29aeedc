public import Foundation
public import PQKit

extension FundLedger {
    /// The fund's bookings as commands, each with FundPolicy.book.
    public enum Commands {
        public static func book(_ kind: EntryKind, _ license: String, _ booking: Booking) -> Command<BookingResult> {
            Command(FundPolicy.book) { actor, conn in
                switch kind {
                case .deposit: return try FundLedger.deposit(license, booking, by: actor, on: conn)
                case .withdrawal: return try FundLedger.withdraw(license, booking, by: actor, on: conn)
                case .depositConversion: return try FundLedger.convertDeposit(license, booking, by: actor, on: conn)
                case .transfer, .reversal, .closureRelease, .legacyCommit, .legacySpend:
                    throw ReclaimError.invalid("kind", "\(kind.rawValue) is not booked this way")
                }
            }
        }

        public static func transfer(from: String, to: String, merger: Int64, _ booking: Booking) -> Command<BookingResult> {
            Command(FundPolicy.book) { actor, conn in
                try FundLedger.transfer(from: from, to: to, merger: merger, booking, by: actor, on: conn)
            }
        }

        public static func reverse(_ entryID: Int64, reason: String, valueDate: CalendarDate?, idempotencyKey: String?)
            -> Command<BookingResult> {
            Command(FundPolicy.book) { actor, conn in
                try FundLedger.reverse(entryID, reason: reason, valueDate: valueDate, idempotencyKey: idempotencyKey,
                                       by: actor, on: conn)
            }
        }

        /// A bank file, all rows or none (`ImportRejected` names every bad line).
        public static func importCSV(path: String, name: String?, dryRun: Bool) -> Command<ImportReport> {
            Command(FundPolicy.book) { actor, conn in
                try FundLedger.importCSV(path: path, name: name, dryRun: dryRun, by: actor, on: conn)
            }
        }

        public static func release(_ license: String) -> Command<BookingResult> {
            Command(FundPolicy.book) { actor, conn in try FundLedger.release(license, by: actor, on: conn) }
        }
    }
}

/// The fund's request bodies, as the API takes them and `HTTPBackend` sends
/// them. Amounts and dates travel as text and are parsed exactly here.
extension FundLedger {
    /// A deposit (入账) or a deposit's conversion: POST
    /// /mines/{license}/fund/deposits and …/deposit-conversions.
    public struct DepositRequest: APIRequest, BookingFields {
        public var amount: String
        public var valueDate: String?
        public var reference: String?
        public var memo: String?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case amount, valueDate = "value_date", reference, memo
        }
        public static var nullable: Set<String> { ["value_date", "reference", "memo"] }

        public init(_ b: Booking) {
            (amount, valueDate, reference, memo) = (b.amount.description, b.valueDate?.description, b.reference, b.memo)
        }
    }

    /// A withdrawal for the works of an annual plan (支取): POST /mines/{license}/fund/withdrawals.
    public struct WithdrawalRequest: APIRequest, BookingFields {
        public var amount: String
        public var valueDate: String?
        public var reference: String?
        public var memo: String?
        /// The annual plan (年度治理计划书) it pays for; its absence is the rule's refusal, not the parser's.
        public var annualPlanYear: Int?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case amount, valueDate = "value_date", reference, memo, annualPlanYear = "annual_plan_year"
        }
        public static var nullable: Set<String> { ["value_date", "reference", "memo", "annual_plan_year"] }

        public init(_ b: Booking) {
            (amount, valueDate, reference, memo) = (b.amount.description, b.valueDate?.description, b.reference, b.memo)
            annualPlanYear = b.annualPlanYear
        }

        public func booking(idempotencyKey: String?) throws -> Booking {
            var b = try fields(idempotencyKey: idempotencyKey)
            b.annualPlanYear = annualPlanYear
            return b
        }
    }

    /// Money moved between two mines' funds for their merger (整合重组): POST /fund/transfers.
    public struct TransferRequest: APIRequest, BookingFields {
        public var fromLicense: String
        public var toLicense: String
        public var mergerID: Int64?
        public var amount: String
        public var valueDate: String?
        public var reference: String?
        public var memo: String?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case fromLicense = "from_license", toLicense = "to_license", mergerID = "merger_id"
            case amount, valueDate = "value_date", reference, memo
        }
        public static var nullable: Set<String> { ["value_date", "reference", "memo"] }

        public init(from: String, to: String, merger: Int64, _ b: Booking) {
            (fromLicense, toLicense, mergerID) = (from, to, merger)
            (amount, valueDate, reference, memo) = (b.amount.description, b.valueDate?.description, b.reference, b.memo)
        }

        /// The merger it is made for: a transfer without one is refused here.
        public func merger() throws -> Int64 {
            guard let mergerID else {
                throw ReclaimError.invalid("merger_id", "a transfer names the merger (整合重组) of the two mines")
            }
            return mergerID
        }
    }

    /// A reversal of an entry (冲正): POST /fund/entries/{id}/reversal.
    public struct ReversalRequest: APIRequest {
        public var reason: String
        public var valueDate: String?

        public enum CodingKeys: String, CodingKey, CaseIterable { case reason, valueDate = "value_date" }
        public static var nullable: Set<String> { ["value_date"] }

        public init(reason: String, valueDate: CalendarDate?) {
            self.reason = reason
            self.valueDate = valueDate?.description
        }

        public func date() throws -> CalendarDate? {
            try valueDate.map { try FundLedger.parseDate($0, field: "value_date") }
        }
    }
}

/// The fields every booking request shares.
public protocol BookingFields {
    var amount: String { get }
    var valueDate: String? { get }
    var reference: String? { get }
    var memo: String? { get }
}

extension BookingFields {
    /// The booking these fields describe, every malformed field named at once.
    public func fields(idempotencyKey: String?) throws -> Booking {
        var check = FieldCheck()
        let amount = check.parse("amount", amount) { try Money.parse($0) }
        let valueDate = check.parse("value_date", valueDate) { try FundLedger.parseDate($0, field: "value_date") }
        try check.finish()
        guard let amount else { throw ReclaimError.invalid("amount", "is required") }
        return Booking(amount: amount, valueDate: valueDate, reference: reference, memo: memo, idempotencyKey: idempotencyKey)
    }

    public func booking(idempotencyKey: String?) throws -> Booking { try fields(idempotencyKey: idempotencyKey) }
}

extension FundLedger {
    /// POST /fund/verifications: a verification run by the service, after a
    /// checkpoint (its digest) when one is named.
    public struct VerifyRequest: APIRequest {
        public var checkpoint: String?
        public var incremental: Bool?

        public enum CodingKeys: String, CodingKey, CaseIterable { case checkpoint, incremental }
        public static var nullable: Set<String> { ["checkpoint", "incremental"] }

        public init(checkpoint: String?, incremental: Bool) {
            self.checkpoint = checkpoint
            self.incremental = incremental
        }
    }
}
