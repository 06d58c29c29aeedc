public import Foundation
public import PQKit

extension Closures {
    /// The closure steps as commands, each with its policy (ClosurePolicy).
    public enum Commands {
        public static func apply(_ license: String, evidence: [String], note: String?) -> Command<ClosureApplication> {
            Command(ClosurePolicy.apply((try? Identifier.license(license)) ?? license)) { actor, conn in
                try Closures.apply(license, evidence: evidence, note: note, by: actor, on: conn)
            }
        }

        public static func assignPanel(_ id: Int64, members: [String]) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in try Closures.assignPanel(id, members: members, by: actor, on: conn) }
        }

        public static func recordVisit(_ id: Int64, date: CalendarDate, participants: [String], checked: Area,
                                       finding: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in
                try Closures.recordVisit(id, date: date, participants: participants, checked: checked, finding: finding,
                                         by: actor, on: conn)
            }
        }

        public static func vote(_ id: Int64, pass: Bool, opinion: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.vote) { actor, conn in try Closures.vote(id, pass: pass, opinion: opinion, by: actor, on: conn) }
        }

        public static func object(_ id: Int64, raisedBy: String, contact: String, text: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.object) { actor, conn in
                try Closures.object(id, raisedBy: raisedBy, contact: contact, text: text, by: actor, on: conn)
            }
        }

        public static func resolve(_ id: Int64, objection: Int64, upheld: Bool, reason: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in
                try Closures.resolve(id, objection: objection, upheld: upheld, reason: reason, by: actor, on: conn)
            }
        }

        public static func confirm(_ id: Int64, number: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in try Closures.confirm(id, number: number, by: actor, on: conn) }
        }
    }
}

/// Closure acceptance's request bodies (闭坑验收), as the API takes them and
/// `HTTPBackend` sends them; each beside the command it feeds.
extension Closures {
    /// POST /mines/{license}/closure-applications (operator).
    public struct ApplyRequest: APIRequest {
        public var evidence: [String]?
        public var note: String?
        public enum CodingKeys: String, CodingKey, CaseIterable { case evidence, note }
        public static var nullable: Set<String> { ["note"] }
        public init(evidence: [String], note: String?) { (self.evidence, self.note) = (evidence, note) }
    }

    /// POST /closure-applications/{id}/panel (reviewer). `reviewers` is the
    /// field's name from before experts sat on panels: either, not both.
    public struct PanelRequest: APIRequest {
        public var members: [String]?
        public var reviewers: [String]?
        public enum CodingKeys: String, CodingKey, CaseIterable { case members, reviewers }
        public init(members: [String]) { self.members = members }

        public func names() throws -> [String] {
            if members != nil, reviewers != nil { throw ReclaimError.invalid("reviewers", "give members only") }
            return members ?? reviewers ?? []
        }
    }

    /// POST /closure-applications/{id}/visits: the panel's site visit (现场核查).
    public struct VisitRequest: APIRequest {
        public var date: String
        public var participants: [String]?
        public var checkedHm2: String
        public var finding: String
        public enum CodingKeys: String, CodingKey, CaseIterable {
            case date, participants, checkedHm2 = "checked_hm2", finding
        }

        public init(date: CalendarDate, participants: [String], checked: Area, finding: String) {
            (self.date, self.participants, checkedHm2, self.finding) = (date.description, participants, checked.hectares, finding)
        }

        public func values() throws -> (date: CalendarDate, checked: Area) {
            var check = FieldCheck()
            let day = check.parse("date", date) { try FundLedger.parseDate($0, field: "date") }
            let area = check.parse("checked_hm2", checkedHm2) { try Area.parseHectares($0, field: "checked_hm2") }
            try check.finish()
            guard let day, let area else { throw ReclaimError(.invalidInput, "date and checked_hm2 are required") }
            return (day, area)
        }
    }

    /// POST /closure-applications/{id}/votes: a panel member's vote.
    public struct VoteRequest: APIRequest {
        public var pass: Bool
        public var opinion: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case pass, opinion }
        public init(pass: Bool, opinion: String) { (self.pass, self.opinion) = (pass, opinion) }
    }

    /// POST /closure-applications/{id}/objections: an objection during the public notice (公示).
    public struct ObjectionRequest: APIRequest {
        public var name: String
        public var contact: String
        public var text: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case name, contact, text }
        public init(name: String, contact: String, text: String) { (self.name, self.contact, self.text) = (name, contact, text) }
    }

    /// POST /closure-applications/{id}/objections/{objection}/outcome.
    public struct OutcomeRequest: APIRequest {
        public var upheld: Bool
        public var reason: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case upheld, reason }
        public init(upheld: Bool, reason: String) { (self.upheld, self.reason) = (upheld, reason) }
    }

    /// POST /closure-applications/{id}/confirmation: the bureau's confirmation document's number.
    public struct ConfirmRequest: APIRequest {
        public var number: String
        public enum CodingKeys: String, CodingKey, CaseIterable { case number }
        public init(number: String) { self.number = number }
    }
}

extension WorkCalendar {
    /// POST /calendar/holidays and /calendar/workdays: one day.
    public struct DayRequest: APIRequest {
        public var date: String
        public var name: String?
        public enum CodingKeys: String, CodingKey, CaseIterable { case date, name }
        public static var nullable: Set<String> { ["name"] }
        public init(date: CalendarDate, name: String?) { (self.date, self.name) = (date.description, name) }
        public func day() throws -> CalendarDate { try FundLedger.parseDate(date, field: "date") }
    }

    /// POST /calendar/schedules: the State Council's schedule for a year, all at once.
    public struct ScheduleRequest: APIRequest {
        public struct Day: APIRequest {
            public var day: String
            public var kind: String
            public var name: String?
            public enum CodingKeys: String, CodingKey, CaseIterable { case day, kind, name }
            public static var nullable: Set<String> { ["name"] }
        }
        public var source: String
        public var days: [Day]
        public enum CodingKeys: String, CodingKey, CaseIterable { case source, days }
        public static var nested: [String: any APIRequest.Type] { ["days": Day.self] }

        public init(source: String, days: [CalendarDay]) {
            self.source = source
            self.days = days.map { Day(day: $0.day.description, kind: $0.kind.rawValue, name: $0.name) }
        }

        public func calendarDays() throws -> [CalendarDay] {
            guard days.count <= 400 else { throw ReclaimError.invalid("days", "at most 400 days") }
            var check = FieldCheck()
            let parsed = days.enumerated().map { i, d -> CalendarDay? in
                let kind = check.parse("days[\(i + 1)].kind", d.kind) { text -> CalendarDay.Kind in
                    guard let k = CalendarDay.Kind(rawValue: text) else {
                        throw ReclaimError.invalid("days[\(i + 1)].kind", "must be holiday or workday")
                    }
                    return k
                }
                let day = check.parse("days[\(i + 1)].day", d.day) { try FundLedger.parseDate($0, field: "days[\(i + 1)].day") }
                guard let kind, let day else { return nil }
                return CalendarDay(day: day, kind: kind, name: d.name)
            }
            try check.finish()
            return parsed.compactMap { $0 }
        }
    }
}
