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

    /// The same action with its output turned into another shape (for an
    /// entry point's answer); the policy is unchanged.
    public func map<Other>(_ transform: @escaping @Sendable (Output) -> Other) -> Command<Other> {
        let body = self.body
        return Command<Other>(policy) { actor, conn in transform(try body(actor, conn)) }
    }
}
