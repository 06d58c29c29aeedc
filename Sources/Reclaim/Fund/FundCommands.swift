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

        public static func release(_ license: String) -> Command<BookingResult> {
            Command(FundPolicy.book) { actor, conn in try FundLedger.release(license, by: actor, on: conn) }
        }
    }
}
