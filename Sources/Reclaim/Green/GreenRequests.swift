import Foundation
public import PQKit

/// The green list's request bodies, as the API takes them and `HTTPBackend` sends them.
extension GreenMines {
    /// POST /green/mines (admin): a mine listed.
    public struct AddRequest: APIRequest {
        public var license: String
        public var year: Int
        public var standard: String
        public var document: String
        /// The decision's date when it is recorded later (today when absent).
        public var listedOn: String?
        public enum CodingKeys: String, CodingKey, CaseIterable {
            case license, year, standard, document
            case listedOn = "listed_on"
        }
        public init(license: String, year: Int, standard: String, document: String, listedOn: CalendarDate?) {
            (self.license, self.year, self.standard, self.document, self.listedOn) = (license, year, standard, document, listedOn?.description)
        }
        public func listedOnDay() throws -> CalendarDate? { try listedOn.map { try FundLedger.parseDate($0, field: "listed_on") } }
    }

    /// POST /green/mines/{license}/removal (admin): taken off by decision.
    public struct RemoveRequest: APIRequest {
        public var reason: String
        public var document: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case reason, document }
        public init(reason: String, document: String) { (self.reason, self.document) = (reason, document) }
    }

    /// POST /green/draws (admin): the year's spot checks drawn.
    public struct DrawRequest: APIRequest {
        public var year: Int
        public var sharePercent: Int
        public var seed: String
        public enum CodingKeys: String, CodingKey, CaseIterable {
            case year
            case sharePercent = "share_percent"
            case seed
        }
        public init(year: Int, sharePercent: Int, seed: String) { (self.year, self.sharePercent, self.seed) = (year, sharePercent, seed) }
    }

    /// POST /green/draws/{year}/checks (reviewer): a drawn mine's outcome.
    public struct CheckRequest: APIRequest {
        public var license: String
        public var result: String
        public var finding: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case license, result, finding }
        public init(license: String, result: GreenCheckResult, finding: String) {
            (self.license, self.result, self.finding) = (license, result.rawValue, finding)
        }
        public func checkResult() throws -> GreenCheckResult {
            guard let r = GreenCheckResult(rawValue: result) else { throw ReclaimError.invalid("result", "must be pass, rectify or remove") }
            return r
        }
    }
}

/// POST /green/mines/{license}/disclosures/{year} sends the disclosure file
/// itself, read by its own parser (unknown fields refused there).
extension GreenDisclosureDocument: BodyShape {
    public static var fields: [String] { CodingKeys.allCases.map(\.rawValue) }
}
