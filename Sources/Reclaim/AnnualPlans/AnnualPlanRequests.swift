public import Foundation
public import PQKit

extension AnnualPlans {
    /// POST /mines/{license}/annual-plans/{year}/failure: the acceptance
    /// failed, with the rectification items (整改事项) the operator must address.
    public struct FailureRequest: APIRequest {
        public var items: [String]?
        public enum CodingKeys: String, CodingKey, CaseIterable { case items }
        public init(items: [String]) { self.items = items }
    }
}
