/// Who may submit and decide plans. Reading follows `MinePolicy.read`.
public enum PlanPolicy {
    /// The mine's own operator (采矿权人) submits its plan.
    public static func submit(_ license: String) -> Policy {
        Policy("submit plans for mine \(license)") { $0.role == .operator && $0.mines.contains(license) }
    }

    /// Reviewers approve or return (and never their own: the workflow's rule).
    public static let review = Policy.roles("review plans", .reviewer)

    /// Who may take `action` on a plan of `license`: as the workflow's table says.
    public static func decide(_ action: PlanAction, _ license: String) -> Policy {
        Plans.workflow.policy(action, license: license)
    }
}
