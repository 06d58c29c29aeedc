import Foundation
public import PQKit

extension SQLState {
    // Reclaim's own SQLSTATEs, raised by the functions in sql/functions/.
    // They are named here once; the SQL raises them by code.

    /// RCAPL: a withdrawal without an annual plan, or one that does not pay (0015).
    public static let annualPlanRefused = SQLState("RCAPL")
    /// RCBUD: a withdrawal over its annual plan's approved budget.
    public static let overBudget = SQLState("RCBUD")
    /// RCCLO: a booking on a fund closed by its release (0016).
    public static let fundClosed = SQLState("RCCLO")
    /// RCREL: a release before acceptance, or of an empty fund.
    public static let releaseRefused = SQLState("RCREL")
    /// RCLEG: a legacy project's payment over its source's money, or out of its state (0017).
    public static let legacyRefused = SQLState("RCLEG")
    /// RCKEY: an idempotency key was already used for a different request.
    public static let idempotencyKeyReused = SQLState("RCKEY")
    /// RCODR: the fund's balance is less than the amount paid out.
    public static let insufficientFund = SQLState("RCODR")
    /// RCREV: the entry is a reversal, or was reversed already.
    public static let notReversible = SQLState("RCREV")
    /// RCDAT: a reversal dated before its original.
    public static let reversalBeforeOriginal = SQLState("RCDAT")
    /// RCNOM: no mine with that licence (COLUMN names the field).
    public static let unknownMine = SQLState("RCNOM")
    /// RCNOE: no ledger entry with that id.
    public static let unknownEntry = SQLState("RCNOE")
    /// RCSAM: both sides of an entry are one account.
    public static let sameAccount = SQLState("RCSAM")
    /// RCSTA: a reviewed record is no longer in the state a decision expected.
    public static let reviewStateChanged = SQLState("RCSTA")
    /// RCSLF: a review by the record's own submitter.
    public static let selfReview = SQLState("RCSLF")
    /// RCNOR: no reviewed record of that type and id.
    public static let unknownReviewRecord = SQLState("RCNOR")
    /// RCACT: the actor named is no enabled user allowed to do this.
    public static let actorNotAllowed = SQLState("RCACT")
    /// RCTOK: the bearer token a booking carried no longer proves its actor.
    public static let tokenRefused = SQLState("RCTOK")
    /// RCCLS: a step of closure acceptance the rules refuse (0021; COLUMN names the field).
    public static let closureRefused = SQLState("RCCLS")
    /// RCRUL: a rule refused a value (COLUMN names the field).
    public static let ruleRefused = SQLState("RCRUL")
    /// RCSET: a setting unknown or out of its bounds (COLUMN names the field).
    public static let settingRefused = SQLState("RCSET")
    /// RCLCK: a sign-in while the name is locked, or a session that did not follow one (0018).
    public static let signInLocked = SQLState("RCLCK")
    /// RCDOC: a document empty, too large or of a type not allowed (0032).
    public static let documentRefused = SQLState("RCDOC")
}

/// What a user is told when the database refuses something: a field and a
/// sentence, never a constraint name or SQL text.
enum DatabaseRefusal {
    /// Constraints a user can run into, by name. A sentence of nil means the
    /// raising function's own message is the sentence (the ones Reclaim's
    /// functions raise name no SQL).
    static let constraints: [String: (field: String?, sentence: String?, kind: ReclaimError.Kind)] = [
        "fund_no_overdraft": ("amount", "the fund's balance cannot go below zero", .ruleViolation),
        "fund_no_backdated_overdraft": ("value_date", nil, .ruleViolation),
        "ledger_entries_reverses_key": ("entry_id", "the entry has already been reversed", .ruleViolation),
        "ledger_entries_idempotency_key_key": ("idempotency_key", "was already used", .conflict),
        "ledger_chain": (nil, "the postings do not continue the account's chain", .ruleViolation),
        "ledger_double_entry": (nil, "an entry's postings must sum to zero", .ruleViolation),
        "ledger_postings_references": (nil, "a posting names an entry or account that does not exist",
                                       .ruleViolation),
        "mines_license_key": ("license", "a mine with this licence already exists", .conflict),
        "mines_license_visible": ("license", "must not hold invisible, format or combining characters",
                                  .invalidInput),
        "users_pkey": ("name", "a user with this name already exists", .conflict),
        "review_not_self": ("actor", "nobody may review their own submission", .forbidden),
        "review_decisions_record_type_record_id_seq_key": (nil, "someone else decided first", .conflict),
    ]

    /// Runs `body`, turning the database's refusals into `ReclaimError`s a
    /// user can act on; other errors pass through unchanged.
    static func mapping<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as PQError where !e.isConnectionFailure && e.kind == .server {
            throw explain(e) ?? e
        }
    }

    /// The user's view of a database error that is not a connection failure;
    /// nil when it is no refusal a user caused (a bug: the caller reports an
    /// internal error).
    static func explain(_ e: PQError) -> ReclaimError? {
        guard let state = e.sqlState else { return nil }
        if var own = ownCode(state, e) {
            own.refusal = state.code
            return own
        }
        if let name = e.constraint, let known = constraints[name] {
            var refused = ReclaimError(known.kind, field: known.field, known.sentence ?? e.message)
            refused.refusal = name
            return refused
        }
        switch state {
        case .uniqueViolation:
            return ReclaimError(.conflict, field: field(fromConstraint: e.constraint, table: e.table, suffixes: ["_key", "_pkey"]),
                                "already exists")
        case .checkViolation, .notNullViolation:
            return ReclaimError(.invalidInput,
                                field: e.column ?? field(fromConstraint: e.constraint, table: e.table, suffixes: ["_check"]),
                                "is not an accepted value")
        case .foreignKeyViolation:
            return ReclaimError(.notFound, field: e.column, "names something that does not exist")
        case .insufficientPrivilege:
            // forbid_change and the review guard: our own sentence
            return ReclaimError(.ruleViolation, e.message)
        case .invalidTextRepresentation, .numericValueOutOfRange:
            return ReclaimError(.invalidInput, field: e.column, "a value is out of range or malformed")
        default:
            // class 22, data exception: a value the database cannot take
            if state.code.hasPrefix("22") {
                return ReclaimError(.invalidInput, field: e.column, "a value is out of range or malformed")
            }
            return nil
        }
    }

    private static func ownCode(_ state: SQLState, _ e: PQError) -> ReclaimError? {
        switch state {
        case .idempotencyKeyReused:
            return ReclaimError(.conflict, field: "idempotency_key", "was already used for a different request")
        case .insufficientFund: return ReclaimError(.ruleViolation, field: "amount", e.message)
        case .notReversible: return ReclaimError(.ruleViolation, field: "entry_id", e.message)
        case .reversalBeforeOriginal: return ReclaimError(.ruleViolation, field: "value_date", e.message)
        case .unknownMine: return ReclaimError(.notFound, field: e.column ?? "license", e.message)
        case .unknownEntry: return ReclaimError(.notFound, field: "entry_id", e.message)
        case .sameAccount: return ReclaimError(.invalidInput, field: "to_license", e.message)
        case .reviewStateChanged: return ReclaimError(.conflict, field: "state", e.message)
        case .selfReview: return ReclaimError(.forbidden, e.message)
        case .unknownReviewRecord: return ReclaimError(.notFound, e.message)
        case .actorNotAllowed: return ReclaimError(.forbidden, e.message)
        case .annualPlanRefused: return ReclaimError(.ruleViolation, field: "annual_plan_year", e.message)
        case .overBudget: return ReclaimError(.ruleViolation, field: e.column ?? "amount", e.message)
        case .fundClosed: return ReclaimError(.ruleViolation, field: "license", e.message)
        case .documentRefused: return ReclaimError(.ruleViolation, field: e.column ?? "files", e.message)
        case .releaseRefused: return ReclaimError(.ruleViolation, field: "license", e.message)
        case .closureRefused:
            // a refused filing carries its unmet conditions as JSON in DETAIL (closure_applications_guard)
            let unmet = e.column == "unmet" ? e.detail.flatMap { try? JSONDecoder().decode([Unmet].self, from: Data($0.utf8)) } : nil
            return ReclaimError(.ruleViolation, field: e.column, e.message, unmet: unmet ?? [])
        case .settingRefused: return ReclaimError(.invalidInput, field: e.column, e.message)
        case .ruleRefused: return ReclaimError(.ruleViolation, field: e.column, e.message)
        case .legacyRefused: return ReclaimError(.ruleViolation, field: e.column ?? "amount", e.message)
        case .signInLocked: return ReclaimError(.unauthenticated, field: "name", e.message)
        case .tokenRefused: return ReclaimError(.unauthenticated, e.message)
        default: return nil
        }
    }

    /// `mines_license_check` on table `mines` → `license`.
    static func field(fromConstraint name: String?, table: String?, suffixes: [String]) -> String? {
        guard var n = name else { return nil }
        if let table, n.hasPrefix(table + "_") { n.removeFirst(table.count + 1) } else { return nil }
        for s in suffixes where n.hasSuffix(s) {
            n.removeLast(s.count)
            return n.isEmpty ? nil : n
        }
        return nil
    }
}
