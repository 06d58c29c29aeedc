public import Foundation
public import PQKit

extension AnnualPlans {
    /// An annual plan's actions as commands: the operator's (`AnnualPlanPolicy.act`)
    /// and the decisions, each with its policy from the workflow's table
    /// (`AnnualPlanPolicy.decide`). What every entry point runs; the request
    /// bodies they take follow.
    public enum Commands {
        /// The draft's works, saved (the mine's operator).
        public static func draft(_ license: String, year: Int, _ works: AnnualWorks) -> Command<AnnualPlan> {
            Command(AnnualPlanPolicy.act((try? Identifier.license(license)) ?? license)) { actor, conn in
                try AnnualPlans.draft(license, year: year, works, by: actor, on: conn)
            }
        }

        /// A revision of an approved plan's works, submitted for review.
        public static func revise(_ license: String, year: Int, _ works: AnnualWorks) -> Command<AnnualPlan> {
            Command(AnnualPlanPolicy.act((try? Identifier.license(license)) ?? license)) { actor, conn in
                try AnnualPlans.revise(license, year: year, works, by: actor, on: conn)
            }
        }

        /// The year-end report (年度治理报告) of what was done.
        public static func report(_ license: String, year: Int, file: Data) -> Command<AnnualPlan> {
            Command(AnnualPlanPolicy.act((try? Identifier.license(license)) ?? license)) { actor, conn in
                try AnnualPlans.report(license, year: year, file: file, by: actor, on: conn)
            }
        }

        public static func decide(_ license: String, year: Int, _ action: AnnualPlanAction, reason: String? = nil,
                                  items: [String] = []) -> Command<AnnualPlan> {
            Command(AnnualPlanPolicy.decide(action, (try? Identifier.license(license)) ?? license)) { actor, conn in
                try AnnualPlans.decide(license, year: year, action, reason: reason, items: items, by: actor, on: conn)
            }
        }
    }
}

extension AnnualPlans {
    /// POST /mines/{license}/annual-plans/{year}/failure: the acceptance
    /// failed, with the rectification items (整改事项) the operator must address.
    public struct FailureRequest: APIRequest {
        public var items: [String]?
        public enum CodingKeys: String, CodingKey, CaseIterable { case items }
        public init(items: [String]) { self.items = items }
    }
}
