public import Foundation

/// The seven areas a green mine is evaluated on (绿色矿山评价指标), as the
/// master plan names them (chapter 6 §1): 依法办矿, 矿区环境, 资源开发方式,
/// 资源综合利用, 节能减排, 科技创新与智能矿山, 企业管理与企业形象.
public enum GreenArea: String, Sendable, CaseIterable, Codable {
    case legalCompliance = "legal-compliance"
    case mineEnvironment = "mine-environment"
    case developmentMethod = "development-method"
    case comprehensiveUse = "comprehensive-use"
    case energySaving = "energy-saving"
    case innovation
    case management
}

/// A listed mine's yearly self-assessment and public disclosure (绿色矿山
/// 信息公示, due by 31 March for the year before): a score per area out of
/// its weight, last year's work, this year's plan, and the grievances
/// received and answered (申诉回应机制). The shape of
/// `examples/green-disclosure.json`; unknown fields are refused.
public struct GreenDisclosureDocument: Sendable, Equatable, Codable {
    public struct Indicator: Sendable, Equatable, Codable {
        public var area: GreenArea
        /// The points scored, at most one decimal: "18.5".
        public var score: String
        /// The area's weight in the 100 points.
        public var weight: Int
        public var note: String?

        public enum CodingKeys: String, CodingKey, CaseIterable { case area, score, weight, note }
    }

    public struct Grievances: Sendable, Equatable, Codable {
        public var received: Int
        public var answered: Int

        public enum CodingKeys: String, CodingKey, CaseIterable { case received, answered }
    }

    public var indicators: [Indicator]
    public var lastYearWork: String
    public var thisYearPlan: String
    public var grievances: Grievances

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case indicators
        case lastYearWork = "last_year_work"
        case thisYearPlan = "this_year_plan"
        case grievances
    }

    /// The self-assessed score out of 100, in tenths.
    public var scoreTenths: Int {
        indicators.compactMap { ExactDecimal.parse($0.score, scale: 1, maximum: 1000).map(Int.init) }.reduce(0, +)
    }

    public var score: String { ExactDecimal.format(Int64(scoreTenths), scale: 1) }

    /// Reads and checks a disclosure file: every area once, the weights
    /// adding up to 100, each score within its weight, the texts given.
    public static func parse(_ data: Data) throws -> GreenDisclosureDocument {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw ReclaimError.invalid("file", "is not a JSON object")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = top.keys.sorted().first(where: { !known.contains($0) }) {
            throw ReclaimError.invalid(unknown, "is not a field of a green-mine disclosure (fields: \(known.sorted().joined(separator: ", ")))")
        }
        let d: GreenDisclosureDocument
        do { d = try ReclaimJSON.decode(GreenDisclosureDocument.self, from: data) } catch let e as ReclaimError { throw e } catch {
            throw ReclaimError.invalid("file", "does not have the shape of examples/green-disclosure.json")
        }
        return try d.checked()
    }

    func checked() throws -> GreenDisclosureDocument {
        var d = self
        let areas = indicators.map(\.area)
        guard Set(areas) == Set(GreenArea.allCases), areas.count == GreenArea.allCases.count else {
            throw ReclaimError(.ruleViolation, field: "indicators", "lists each of the seven areas once (\(GreenArea.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard indicators.allSatisfy({ $0.weight > 0 }), indicators.map(\.weight).reduce(0, +) == 100 else {
            throw ReclaimError(.ruleViolation, field: "indicators", "the areas' weights are positive and add up to 100")
        }
        for (i, ind) in indicators.enumerated() {
            guard let tenths = ExactDecimal.parse(ind.score, scale: 1, maximum: 1000) else {
                throw ReclaimError.invalid("indicators[\(i)].score", "'\(ind.score)' is not a score with at most one decimal, like 18.5")
            }
            guard tenths <= Int64(ind.weight) * 10 else {
                throw ReclaimError(.ruleViolation, field: "indicators[\(i)].score", "\(ind.score) is more than the area's weight of \(ind.weight)")
            }
            d.indicators[i].note = try Text.optional(ind.note, field: "indicators[\(i)].note", maxLength: 2000)
        }
        // paragraphs: line breaks allowed, nothing else invisible
        d.lastYearWork = try Text.optional(lastYearWork, field: "last_year_work", maxLength: 8000)
            ?? { throw ReclaimError.invalid("last_year_work", "must not be empty") }()
        d.thisYearPlan = try Text.optional(thisYearPlan, field: "this_year_plan", maxLength: 8000)
            ?? { throw ReclaimError.invalid("this_year_plan", "must not be empty") }()
        guard grievances.received >= 0, grievances.answered >= 0, grievances.answered <= grievances.received else {
            throw ReclaimError(.ruleViolation, field: "grievances", "answered is between 0 and the grievances received")
        }
        return d
    }
}
