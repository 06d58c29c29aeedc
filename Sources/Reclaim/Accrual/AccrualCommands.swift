public import Foundation
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

extension OutputReports {
    /// PUT /mines/{license}/output/{year}: the year's output (t or m³).
    public struct ReportRequest: APIRequest {
        public var quantity: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case quantity }
        public init(quantity: Quantity) { self.quantity = quantity.description }
        public func value() throws -> Quantity { try Quantity.parse(quantity) }
    }
}

extension Accruals {
    /// POST /accrual/quote: what a mine of this kind would owe, without a mine.
    public struct QuoteRequest: APIRequest {
        public var year: Int
        public var mineralClass: String
        public var methodDetail: String
        public var landType: String
        public var regionCode: String
        public var coal: Bool?
        public var output: String

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case year, mineralClass = "mineral_class", methodDetail = "method_detail", landType = "land_type"
            case regionCode = "region_code", coal, output
        }

        public init(_ i: AccrualInputs) {
            (year, mineralClass, methodDetail, landType) = (i.year, i.mineralClass.rawValue, i.methodDetail.rawValue, i.landType.rawValue)
            (regionCode, coal, output) = (i.regionCode, i.coal, i.output.description)
        }

        public func inputs() throws -> AccrualInputs {
            var check = FieldCheck()
            let mineralClass = check.parse("mineral_class", mineralClass, MineralClass.parse)
            let detail = check.parse("method_detail", methodDetail, MethodDetail.parse)
            let land = check.parse("land_type", landType, LandType.parse)
            let output = check.parse("output", output) { try Quantity.parse($0, field: "output") }
            try check.finish()
            guard let mineralClass, let detail, let land, let output else {
                throw ReclaimError(.invalidInput, "the quote's fields are incomplete")
            }
            return AccrualInputs(year: year, mineralClass: mineralClass, methodDetail: detail, landType: land,
                                 regionCode: regionCode, coal: coal ?? false, output: output)
        }
    }
}
