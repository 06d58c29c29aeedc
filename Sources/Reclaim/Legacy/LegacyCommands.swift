public import Foundation
public import PQKit

extension LegacySites {
    /// The survey's and the notices' actions as commands (`LegacyPolicy`).
    public enum Commands {
        public static func add(_ site: NewSite) -> Command<LegacySite> {
            Command(LegacyPolicy.manage) { actor, conn in try LegacySites.add(site, by: actor, on: conn) }
        }

        /// A survey file, all or nothing; how many sites it added.
        public static func importCSV(path: String) -> Command<Int> {
            Command(LegacyPolicy.manage) { actor, conn in try LegacySites.importCSV(path: path, by: actor, on: conn) }
        }

        public static func openNotice(_ code: String, days: Int?, start: CalendarDate?) -> Command<LegacySite> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacySites.openNotice(code, days: days, start: start, by: actor, on: conn)
            }
        }

        public static func objection(_ code: String, text: String) -> Command<LegacySite> {
            Command(LegacyPolicy.object) { actor, conn in try LegacySites.objection(code, text: text, by: actor, on: conn) }
        }

        public static func closeNotice(_ code: String, outcome: String, owner: String?) -> Command<LegacySite> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacySites.closeNotice(code, outcome: outcome, owner: owner, by: actor, on: conn)
            }
        }
    }
}

extension LegacyProjects {
    /// A project's actions as commands: its steps with their policy from the
    /// workflow's table (`LegacyPolicy.step`), the rest `LegacyPolicy`'s.
    public enum Commands {
        public static func add(name: String, approval: String, contractor: String, budget: [FundingSource: Money])
            -> Command<LegacyProject> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacyProjects.add(name: name, approval: approval, contractor: contractor, budget: budget, by: actor, on: conn)
            }
        }

        public static func addSite(_ id: Int64, code: String) -> Command<LegacyProject> {
            Command(LegacyPolicy.manage) { actor, conn in try LegacyProjects.addSite(id, code: code, by: actor, on: conn) }
        }

        public static func step(_ id: Int64, _ action: LegacyProjectAction, opinion: String? = nil) -> Command<LegacyProject> {
            Command(LegacyPolicy.step(action)) { actor, conn in
                try LegacyProjects.step(id, action, opinion: opinion, by: actor, on: conn)
            }
        }

        /// Money committed to or paid from the project, booked by finance.
        public static func book(_ kind: EntryKind, project id: Int64, source: FundingSource, _ booking: Booking, work: String?)
            -> Command<BookingResult> {
            Command(FundPolicy.book) { actor, conn in
                try LegacyProjects.book(kind, project: id, source: source, booking, work: work, by: actor, on: conn)
            }
        }

        public static func progress(_ id: Int64, code: String, area: Area, on date: CalendarDate, evidence: [String])
            -> Command<LegacyProject> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacyProjects.progress(id, code: code, area: area, on: date, evidence: evidence, by: actor, on: conn)
            }
        }
    }
}

/// The legacy (历史遗留) sites' and projects' request bodies, as the API takes
/// them and `HTTPBackend` sends them.
extension LegacySites {
    /// POST /legacy/sites: a surveyed site.
    public struct AddRequest: APIRequest {
        public var code: String
        public var township: String
        public var areaHm2: String
        /// A GeoJSON geometry, carried as it came.
        public var location: JSONValue?
        public var formerMine: String?
        /// Each as `type=quantity` (`other=quantity:unit`), as the survey's CSV writes them.
        public var problems: [String]?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case code, township, areaHm2 = "area_hm2", location, formerMine = "former_mine", problems
        }
        public static var nullable: Set<String> { ["location", "former_mine"] }

        public init(_ site: NewSite) {
            (code, township, areaHm2, formerMine) = (site.code, site.township, site.area.hectares, site.formerMine)
            location = site.geometry.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }.map(JSONValue.init)
            problems = site.problems.map { p in "\(p.type.rawValue)=\(p.quantity)" + (p.type == .other ? ":\(p.unit)" : "") }
        }

        public func site() throws -> NewSite {
            var check = FieldCheck()
            let area = check.parse("area_hm2", areaHm2) { try Area.parseHectares($0) }
            let parsed = (problems ?? []).enumerated().map { i, text in
                check.parse("problems[\(i + 1)]", text) { try SiteProblem.parse($0, field: "problems[\(i + 1)]") }
            }
            try check.finish()
            guard let area else { throw ReclaimError.invalid("area_hm2", "is required") }
            let geometry = location.flatMap { $0 == .null ? nil : $0.canonicalText }
            return NewSite(code: code, township: township, area: area, geometry: geometry, formerMine: formerMine,
                           problems: parsed.compactMap { $0 })
        }
    }

    /// POST /legacy/sites/{code}/notice: the public notice (公示) opened.
    public struct NoticeRequest: APIRequest {
        public var days: Int?
        public var start: String?
        public enum CodingKeys: String, CodingKey, CaseIterable { case days, start }
        public init(days: Int?, start: CalendarDate?) { (self.days, self.start) = (days, start?.description) }
        public func startDay() throws -> CalendarDate? { try start.map { try FundLedger.parseDate($0, field: "start") } }
    }

    /// POST /legacy/sites/{code}/notice/objections.
    public struct ObjectionRequest: APIRequest {
        public var text: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case text }
        public init(text: String) { self.text = text }
    }

    /// POST /legacy/sites/{code}/notice/closure: the notice's outcome and the site's owner, if one was found.
    public struct CloseNoticeRequest: APIRequest {
        public var outcome: String
        public var owner: String?
        public enum CodingKeys: String, CodingKey, CaseIterable { case outcome, owner }
        public static var nullable: Set<String> { ["owner"] }
        public init(outcome: String, owner: String?) { (self.outcome, self.owner) = (outcome, owner) }
    }
}

extension LegacyProjects {
    /// POST /legacy/projects: a restoration project with its budget by source.
    public struct AddRequest: APIRequest {
        public var name: String
        public var approval: String
        public var contractor: String
        /// Yuan by funding source (central, region, city, banner, social).
        public var budget: [String: String]
        public enum CodingKeys: String, CodingKey, CaseIterable { case name, approval, contractor, budget }

        public init(name: String, approval: String, contractor: String, budget: [FundingSource: Money]) {
            (self.name, self.approval, self.contractor) = (name, approval, contractor)
            self.budget = Dictionary(uniqueKeysWithValues: budget.map { ($0.key.rawValue, $0.value.description) })
        }

        public func plannedBudget() throws -> [FundingSource: Money] {
            var check = FieldCheck()
            var planned: [FundingSource: Money] = [:]
            for (key, value) in budget.sorted(by: { $0.key < $1.key }) {
                guard let source = FundingSource(rawValue: key) else {
                    check.refuse("budget.\(key)", "is not a source: central, region, city, banner, social")
                    continue
                }
                planned[source] = check.parse("budget.\(key)", value) { try PlanDocument.yuan($0, field: "budget.\(key)") }
            }
            try check.finish()
            return planned
        }
    }

    /// POST /legacy/projects/{id}/sites.
    public struct SiteRequest: APIRequest {
        public var code: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case code }
        public init(code: String) { self.code = code }
    }

    /// POST /legacy/projects/{id}/acceptance: the acceptance opinion.
    public struct AcceptanceRequest: APIRequest {
        public var opinion: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case opinion }
        public init(opinion: String) { self.opinion = opinion }
    }

    /// POST /legacy-projects/{id}/commitments: money committed to the project by a source.
    public struct CommitmentRequest: APIRequest, LegacyBookingFields {
        public var source: String
        public var amount: String
        public var valueDate: String?
        public var work: String?
        public enum CodingKeys: String, CodingKey, CaseIterable { case source, amount, valueDate = "value_date", work }
        public static var nullable: Set<String> { ["value_date", "work"] }

        public init(source: FundingSource, _ b: Booking, work: String?) {
            (self.source, amount, valueDate, self.work) = (source.rawValue, b.amount.description, b.valueDate?.description, work)
        }
    }

    /// POST /legacy-projects/{id}/payments: a payment, always for a named work.
    public struct PaymentRequest: APIRequest, LegacyBookingFields {
        public var source: String
        public var amount: String
        public var valueDate: String?
        public var work: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case source, amount, valueDate = "value_date", work }
        public static var nullable: Set<String> { ["value_date"] }

        public init(source: FundingSource, _ b: Booking, work: String) {
            (self.source, amount, valueDate, self.work) = (source.rawValue, b.amount.description, b.valueDate?.description, work)
        }
    }

    /// POST /legacy/projects/{id}/progress: area restored at a site.
    public struct ProgressRequest: APIRequest {
        public var site: String
        public var areaHm2: String
        public var date: String
        public var evidence: [String]?
        public enum CodingKeys: String, CodingKey, CaseIterable { case site, areaHm2 = "area_hm2", date, evidence }

        public init(site: String, area: Area, date: CalendarDate, evidence: [String]) {
            (self.site, areaHm2, self.date, self.evidence) = (site, area.hectares, date.description, evidence)
        }

        public func values() throws -> (area: Area, date: CalendarDate) {
            var check = FieldCheck()
            let area = check.parse("area_hm2", areaHm2) { try Area.parseHectares($0) }
            let day = check.parse("date", date) { try FundLedger.parseDate($0, field: "date") }
            try check.finish()
            guard let area, let day else { throw ReclaimError(.invalidInput, "area_hm2 and date are required") }
            return (area, day)
        }
    }
}

/// The fields a legacy project's booking shares.
public protocol LegacyBookingFields {
    var source: String { get }
    var amount: String { get }
    var valueDate: String? { get }
}

extension LegacyBookingFields {
    public func values(idempotencyKey: String?) throws -> (source: FundingSource, booking: Booking) {
        var check = FieldCheck()
        let source = check.parse("source", source, FundingSource.parse)
        let amount = check.parse("amount", amount) { try Money.parse($0) }
        let valueDate = check.parse("value_date", valueDate) { try FundLedger.parseDate($0, field: "value_date") }
        try check.finish()
        guard let source, let amount else { throw ReclaimError(.invalidInput, "source and amount are required") }
        return (source, Booking(amount: amount, valueDate: valueDate, idempotencyKey: idempotencyKey))
    }
}
