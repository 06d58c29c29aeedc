import PQKit
import Foundation

/// A refusal or failure a user can act on. Its `description` is one line that
/// names the field (when there is one) and the reason; it never carries SQL
/// or stack traces.
public struct ReclaimError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A value is malformed or out of range.
        case invalidInput
        /// The thing named does not exist.
        case notFound
        /// It already exists, or an idempotency key was reused with other content.
        case conflict
        /// A business rule refuses it (overdraft, second reversal, ...).
        case ruleViolation
        /// No valid credentials.
        case unauthenticated
        /// Credentials valid, right missing.
        case forbidden
        /// The database cannot be reached, or is overloaded; try again.
        case unavailable
        /// A file named by the user cannot be read.
        case unreadableInput
        /// A bug: something no user input should cause. Reported generically.
        case `internal`
    }

    public var kind: Kind
    public var field: String?
    public var message: String
    /// Each condition a rule found unmet, when it lists them (closure
    /// acceptance): the JSON field `unmet` of the problem and of the CLI's
    /// `--format json` refusal.
    public var unmet: [Unmet]
    /// Every field refused, when a request had several wrong at once (the
    /// problem's `errors`); `field` names the first.
    public var fieldErrors: [FieldMessage] = []
    /// What the user can do about it, for each entry point to word in its
    /// own terms (the CLI names a command; the API a field); the message
    /// itself speaks of fields only.
    public var remedy: Remedy?
    /// The database's name for a refusal it made: its own SQLSTATE (`RCCLO`,
    /// `RCODR`, …) or the constraint refused. Each entry point words the
    /// refusal in its user's language by this name, never by reading the
    /// English message.
    public var refusal: String?

    public init(_ kind: Kind, field: String? = nil, _ message: String, unmet: [Unmet] = []) {
        self.kind = kind
        self.field = field
        self.message = message
        self.unmet = unmet
    }

    public static func invalid(_ field: String, _ message: String) -> ReclaimError {
        ReclaimError(.invalidInput, field: field, message)
    }

    public var description: String {
        if let field { return "\(field): \(message)" }
        return message
    }

    /// Turns any error into one a user may see. A database refusal becomes
    /// a field and a sentence (never a constraint name or SQL text); a lost
    /// connection is `unavailable`; anything else is `internal` — a bug must
    /// not look like an outage.
    public static func wrap(_ error: any Error) -> ReclaimError {
        if let e = error as? ReclaimError { return e }
        if let e = error as? PQError {
            if e.kind == .timeout {
                return ReclaimError(.unavailable, "the service is busy: no database connection came free in time")
            }
            if e.isConnectionFailure {
                return ReclaimError(.unavailable, "the database is unreachable")
            }
            if let state = e.sqlState,
               state.isRetryableTransactionFailure || state == .queryCanceled || state.code.hasPrefix("53") {
                return ReclaimError(.unavailable, "the database is busy")
            }
            // a server refusal, or PQKit's own (a NUL in a value: class 22)
            if e.kind == .server || e.sqlState?.code.hasPrefix("22") == true,
               let refusal = DatabaseRefusal.explain(e) {
                return refusal
            }
        }
        return ReclaimError(.internal, "an internal error occurred")
    }
}

/// The next step that clears a refusal: the problem's `remedy` member, so
/// the CLI gives the same hint in both of its modes.
public struct Remedy: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        /// Correct the mine's record (`field` names what to set).
        case updateMine = "update-mine"
        /// Report the year's output (产量).
        case reportOutput = "report-output"
    }

    public var action: Action
    public var license: String
    public var field: String?
    public var year: Int?

    public init(_ action: Action, license: String, field: String? = nil, year: Int? = nil) {
        self.action = action
        self.license = license
        self.field = field
        self.year = year
    }
}

/// One unmet condition of a rule: its kind (`reclamation-rate`) and a sentence.
public struct Unmet: Sendable, Equatable, Codable {
    public var kind: String
    public var detail: String

    public init(kind: String, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}

/// Who performs a mutation; every mutation records it.
public struct Actor: Sendable, Equatable {
    public var name: String
    /// The user's role when the actor is a registered user (HTTP, or `--as` of a known user).
    public var role: String?
    /// The HTTP request id, when the action came over HTTP.
    public var requestID: String?
    /// The bearer token this actor was taken from when the service did not
    /// look it up for this request: the statement that writes must prove it
    /// (still valid, still this user's) before it writes anything.
    public var proof: String?

    public init(_ name: String, role: String? = nil, requestID: String? = nil) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100, !trimmed.contains(where: \.isNewline) else {
            throw ReclaimError.invalid("actor", "must be a non-empty name of at most 100 characters")
        }
        self.name = trimmed
        self.role = role
        self.requestID = requestID
    }
}
