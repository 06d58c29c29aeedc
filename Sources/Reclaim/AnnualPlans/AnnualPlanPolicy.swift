/// Who may act on annual plans. Reading follows `MinePolicy.read`.
public enum AnnualPlanPolicy {
    /// Drafting, submitting, revising and reporting: the mine's own operator (采矿权人).
    public static func act(_ license: String) -> Policy {
        Policy("act on annual plans of mine \(license)") { $0.role == .operator && $0.mines.contains(license) }
    }

    /// Who may take `action` on the annual plan of `license`: as the workflow's table says.
    public static func decide(_ action: AnnualPlanAction, _ license: String) -> Policy {
        AnnualPlans.workflow.policy(action, license: license)
    }
}
