public import PQKit

extension Accruals {
    /// The accrual's actions as commands, each with its policy (`AccrualPolicy`).
    public enum Commands {
        /// The bureau's coefficients (计提规则), as a new rule set.
        public static func loadRules(_ set: RuleSet) -> Command<RuleSet> {
            Command(AccrualPolicy.loadRules) { actor, conn in try RuleSets.load(set, by: actor, on: conn) }
        }

        /// A year's output (产量), by the mine's operator or finance.
        public static func reportOutput(_ license: String, year: Int, quantity: Quantity) -> Command<OutputReport> {
            Command(AccrualPolicy.reportOutput((try? Identifier.license(license)) ?? license)) { actor, conn in
                try OutputReports.report(license, year: year, quantity: quantity, by: actor, on: conn)
            }
        }

        public static func assess(_ license: String, year: Int) -> Command<Assessment> {
            Command(AccrualPolicy.assess) { actor, conn in try Accruals.assess(license, year: year, by: actor, on: conn) }
        }
    }
}
