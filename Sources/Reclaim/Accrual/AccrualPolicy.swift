/// Who may report output, assess, and load coefficient rule sets.
public enum AccrualPolicy {
    /// Last year's output: the mine's own operator, or finance staff.
    public static func reportOutput(_ license: String) -> Policy {
        Policy("report output for mine \(license)") {
            $0.role == .finance || ($0.role == .operator && $0.mines.contains(license))
        }
    }

    /// Assessing the annual accrual (基金核定): finance staff.
    public static let assess = Policy.roles("assess accruals", .finance)

    /// Rule sets are the administrator's (管理员: coefficient tables).
    public static let loadRules = Policy.roles("load accrual rule sets", .admin)
}
