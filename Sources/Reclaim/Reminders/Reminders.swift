public import PQKit

/// One line of a user's to-do list (待办): what waits, how many, and where
/// its list is.
public struct Reminder: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case waitingReview = "waiting-review"
        case returned, failed
        case annualPlanMissing = "annual-plan-missing"
        case closureDue = "closure-due"
        case shortfall
        /// Listed green mines' disclosures of last year not in yet, before 31 March.
        case greenDisclosureDue = "green-disclosure-due"
        /// The same, after 31 March (Beijing time).
        case greenDisclosureOverdue = "green-disclosure-overdue"
        /// Last quarter's monitoring reports not in (an operator's own mines).
        case monitoringMissing = "monitoring-missing"
    }

    public var kind: Kind
    public var count: Int
    /// The dashboard's page that lists them.
    public var link: String

    /// `year`: the bureau's year, which the shortfall list is for.
    public init(_ kind: Kind, count: Int, year: Int) {
        self.kind = kind
        self.count = count
        switch kind {
        case .waitingReview: link = "/queue"
        case .returned, .failed, .annualPlanMissing: link = "/mines"
        case .closureDue: link = "/reports"
        case .shortfall: link = "/shortfalls?year=\(year)"
        case .greenDisclosureDue, .greenDisclosureOverdue: link = "/green?year=\(year - 1)"
        case .monitoringMissing: link = "/mines"
        }
    }
}

/// What waits for one person, by role, on the bureau's day: a reviewer's
/// queue (plans, annual plans and closure applications waiting); closures
/// due within ten working days; mines short of their accrual (everyone but
/// administrators; an operator's own); and for an operator, their plans
/// returned or failed and next year's annual plans not yet submitted. Only
/// kinds with something waiting are listed.
///
/// The banner-wide lines come from the `Overview` the home page already
/// holds (kept, for a large banner), so a visit that shows kept figures
/// reads nothing for its 待办 either; only an operator's own lines read.
public enum Reminders {
    public static let closureDays = 10

    /// The lines an overview of the person's scope already answers.
    public static func list(for principal: Principal, overview o: Overview) -> [Reminder] {
        [
            PlanPolicy.review.permits(principal) ? Reminder(.waitingReview, count: o.waiting, year: o.year) : nil,
            Reminder(.closureDue, count: o.closuresDueSoon, year: o.year),
            principal.role != .admin ? Reminder(.shortfall, count: o.shortfalls, year: o.year) : nil,
            // an operator is reminded before 31 March and after; the bureau once they are overdue
            principal.role == .operator || o.greenDisclosuresOverdue
                ? Reminder(o.greenDisclosuresOverdue ? .greenDisclosureOverdue : .greenDisclosureDue, count: o.greenDisclosuresMissing, year: o.year)
                : nil,
        ].compactMap { $0 }.filter { $0.count > 0 }
    }

    /// An operator's own lines: plans returned or failed, next year's annual plans missing.
    public static func operatorLines(for principal: Principal, on conn: Connection) throws -> [Reminder] {
        guard principal.role == .operator else { return [] }
        let only = MinePolicy.scope(for: principal)
        let year = Bureau.today.year
        let mine = try AnnualPlans.list(only: only, on: conn)
        return [
            Reminder(.returned, count: mine.filter { [.returned, .revisionReturned].contains($0.state) }.count, year: year),
            Reminder(.failed, count: mine.filter { $0.state == .failed }.count, year: year),
            Reminder(.annualPlanMissing, count: try AnnualPlans.missing(year: year + 1, only: only, on: conn).count, year: year),
            Reminder(.monitoringMissing, count: try Monitoring.missing(period: Monitoring.lastQuarter, only: only, on: conn).count, year: year),
        ].filter { $0.count > 0 }
    }
}

/// Everyone's to-do list on one day, for a daily mail job (`report
/// reminders`): an administrator gets every enabled user's lines, anyone
/// else their own. A user with nothing waiting has no line.
public struct RemindersReport: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var user: String
        public var role: Role
        public var kind: Reminder.Kind
        /// The line's words in Chinese (the mail is Chinese).
        public var item: String
        public var count: Int
        public var link: String
    }

    public var date: CalendarDate
    public var lines: [Line]
}

extension RemindersReport: TabularReport {
    public func table(unit: Money.Unit) -> ReportTable {
        ReportTable([("user", .text), ("role", .text), ("kind", .text), ("item", .text), ("count", .text), ("link", .text)],
                    rows: lines.map { [$0.user, $0.role.rawValue, $0.kind.rawValue, $0.item, String($0.count), $0.link] })
    }
}

extension Reminders {
    public static func report(for principal: Principal, on conn: Connection) throws -> RemindersReport {
        let people: [Principal] = principal.role == .admin
            ? try Users.list(on: conn).filter { !$0.disabled }.compactMap { try Users.principal(named: $0.name, on: conn) }
            : [principal]
        var lines: [RemindersReport.Line] = []
        // the banner's overview once for everyone who sees the whole banner; an operator's own
        let banner = try Reports.overview(year: Bureau.today.year, only: nil, on: conn)
        for p in people {
            let o = MinePolicy.scope(for: p) == nil ? banner
                : try Reports.overview(year: Bureau.today.year, only: MinePolicy.scope(for: p), on: conn)
            for r in try operatorLines(for: p, on: conn) + list(for: p, overview: o) {
                lines.append(.init(user: p.name, role: p.role, kind: r.kind, item: r.kind.label(.zh), count: r.count, link: r.link))
            }
        }
        return RemindersReport(date: Bureau.today, lines: lines)
    }
}
