public import PQKit

/// One user action as the domain defines it: who may take it (its policy)
/// and what it does, together, so that the CLI's two backends, the API and
/// the dashboard all run the same thing. Running it checks the policy first:
/// an entry point parses, runs and encodes, and cannot skip the check.
public struct Command<Output>: Sendable {
    public let policy: Policy
    let body: @Sendable (Actor, Connection) throws -> Output

    public init(_ policy: Policy, _ body: @escaping @Sendable (Actor, Connection) throws -> Output) {
        self.policy = policy
        self.body = body
    }

    /// Runs as `principal`, recorded under `actor` (theirs, with the
    /// request's id and token proof; by default the principal's own).
    public func run(as principal: Principal, actor: Actor? = nil, on conn: Connection) throws -> Output {
        try policy.check(principal)
        let actor = try actor ?? principal.actor()
        guard actor.name == principal.name else {
            throw ReclaimError(.internal, "a command is recorded under its principal's name")
        }
        return try body(actor, conn)
    }

    /// Runs in the installation owner's session with no signed-in user (the
    /// CLI's direct mode as the owner, the demo seed): the database trusts
    /// the owner, and so does this.
    public func runAsOwner(_ actor: Actor, on conn: Connection) throws -> Output {
        try body(actor, conn)
    }
}

extension Closures {
    /// The closure steps as commands, each with its policy (ClosurePolicy).
    public enum Commands {
        public static func apply(_ license: String, evidence: [String], note: String?) -> Command<ClosureApplication> {
            Command(ClosurePolicy.apply((try? Identifier.license(license)) ?? license)) { actor, conn in
                try Closures.apply(license, evidence: evidence, note: note, by: actor, on: conn)
            }
        }

        public static func assignPanel(_ id: Int64, members: [String]) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in try Closures.assignPanel(id, members: members, by: actor, on: conn) }
        }

        public static func recordVisit(_ id: Int64, date: CalendarDate, participants: [String], checked: Area,
                                       finding: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in
                try Closures.recordVisit(id, date: date, participants: participants, checked: checked, finding: finding,
                                         by: actor, on: conn)
            }
        }

        public static func vote(_ id: Int64, pass: Bool, opinion: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.vote) { actor, conn in try Closures.vote(id, pass: pass, opinion: opinion, by: actor, on: conn) }
        }

        public static func object(_ id: Int64, raisedBy: String, contact: String, text: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.object) { actor, conn in
                try Closures.object(id, raisedBy: raisedBy, contact: contact, text: text, by: actor, on: conn)
            }
        }

        public static func resolve(_ id: Int64, objection: Int64, upheld: Bool, reason: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in
                try Closures.resolve(id, objection: objection, upheld: upheld, reason: reason, by: actor, on: conn)
            }
        }

        public static func confirm(_ id: Int64, number: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in try Closures.confirm(id, number: number, by: actor, on: conn) }
        }
    }
}

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
