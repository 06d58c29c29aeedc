/// A reviewed record's states (a plan's draft, submitted, approved, ...).
public protocol WorkflowState: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {}

/// What people do to a reviewed record (submit, approve, return, ...).
public protocol WorkflowAction: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {}

/// The transition table of one record type: plans, annual plans, closure
/// applications and legacy projects each declare theirs, with the roles
/// that may take each step, and every path (CLI, API, dashboard) asks it
/// what an action does. Pure Swift, so it is tested exhaustively without a
/// database. The database holds the same table (sql/functions/workflows.sql,
/// held equal by WorkflowTableTests) and `review_apply` enforces it: the
/// step from the record's state, the actor's role, never the submitter
/// reviewing their own record.
public struct Workflow<State: WorkflowState, Action: WorkflowAction>: Sendable {
    public struct Transition: Sendable, Equatable {
        public var from: State
        public var action: Action
        public var to: State
        /// A reviewer's decision: refused to the record's submitter.
        public var reviewed: Bool
        /// Who may take the step (an operator only on their own mines' records).
        public var roles: [Role]

        public init(_ from: State, _ action: Action, _ to: State, by role: Role, _ more: Role..., reviewed: Bool = false) {
            self.from = from
            self.action = action
            self.to = to
            self.reviewed = reviewed
            self.roles = [role] + more
        }
    }

    /// The record type's name, as stored (`annual-plan`).
    public let recordType: String
    /// For messages: "annual plan".
    public let noun: String
    public let initial: State
    public let transitions: [Transition]
    /// The action that makes its actor the record's submitter.
    public let submitAction: Action

    /// A table with two transitions for one state and action is a
    /// programming error, caught by the record type's own tests through
    /// `isDeterministic`.
    public init(recordType: String, noun: String, initial: State, submit: Action, _ transitions: [Transition]) {
        self.recordType = recordType
        self.noun = noun
        self.initial = initial
        self.submitAction = submit
        self.transitions = transitions
    }

    /// No state has two transitions for one action.
    public var isDeterministic: Bool {
        Set(transitions.map { "\($0.from.rawValue) \($0.action.rawValue)" }).count == transitions.count
    }

    /// What `action` does to a record in `state`, or why it cannot be done.
    public func transition(from state: State, _ action: Action) throws -> Transition {
        if let t = transitions.first(where: { $0.from == state && $0.action == action }) { return t }
        let possible = actions(from: state).map(\.rawValue)
        let hint = possible.isEmpty ? "nothing can be done to it any more"
            : "it can be \(possible.joined(separator: " or "))"
        // a conflict with the record's state, as when another decision came first (409)
        throw ReclaimError(.conflict, field: "state",
                           "cannot \(action.rawValue) \(article) \(noun) that is \(state.rawValue): \(hint)")
    }

    /// "a plan version", "an annual plan".
    var article: String { "aeiou".contains(noun.first ?? "x") ? "an" : "a" }

    /// Who may take `action`: a role the table names for it anywhere, an
    /// operator only on a record of a mine they act for (`license`). The
    /// one place an entry point learns who may decide; the database checks
    /// the same table (review_apply).
    public func policy(_ action: Action, license: String?) -> Policy {
        let roles = Set(transitions.filter { $0.action == action }.flatMap(\.roles))
        return Policy("\(action.rawValue) \(article) \(noun)") { p in
            roles.contains(p.role) && (p.role != .operator || license.map { p.mines.contains($0) } == true)
        }
    }

    /// The actions allowed in `state`, in table order.
    public func actions(from state: State) -> [Action] {
        transitions.filter { $0.from == state }.map(\.action)
    }

    /// States nothing leads out of.
    public var finalStates: [State] {
        State.allCases.filter { actions(from: $0).isEmpty }
    }
}
