public import Foundation
public import PQKit

/// A review's return (退回), with the reason the submitter will read: POST
/// …/return of a plan and of an annual plan.
public struct ReturnRequest: APIRequest {
    public var reason: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    public init(reason: String) { self.reason = reason }
}
