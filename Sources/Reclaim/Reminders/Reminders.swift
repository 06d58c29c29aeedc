public import PQKit

/// One line of a user's to-do list (待办): what waits, how many, and where
/// its list is.
public struct Reminder: Sendable, Equatable, Codable {
    /// `waiting-review`, `returned`, `failed`, `annual-plan-missing`,
    /// `closure-due`, `shortfall`.
    public var kind: String
    public var count: Int
    /// The dashboard's page that lists them.
    public var link: String

    public init(kind: String, count: Int, link: String) {
        self.kind = kind
        self.count = count
        self.link = link
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
        var out: [Reminder] = []
        func add(_ kind: String, _ count: Int, _ link: String) {
            if count > 0 { out.append(Reminder(kind: kind, count: count, link: link)) }
        }
        if PlanPolicy.review.permits(principal) { add("waiting-review", o.waiting, "/queue") }
        add("closure-due", o.closuresDueSoon, "/reports")
        if principal.role != .admin { add("shortfall", o.shortfalls, "/shortfalls?year=\(o.year)") }
        return out
    }

    /// An operator's own lines: plans returned or failed, next year's annual plans missing.
    public static func operatorLines(for principal: Principal, on conn: Connection) throws -> [Reminder] {
        guard principal.role == .operator else { return [] }
        let only = MinePolicy.scope(for: principal)
        let mine = try AnnualPlans.list(on: conn).filter { only?.contains($0.license) ?? true }
        return [
            Reminder(kind: "returned", count: mine.filter { [.returned, .revisionReturned].contains($0.state) }.count, link: "/mines"),
            Reminder(kind: "failed", count: mine.filter { $0.state == .failed }.count, link: "/mines"),
            Reminder(kind: "annual-plan-missing",
                     count: try AnnualPlans.missing(year: Bureau.today.year + 1, only: only, on: conn).count, link: "/mines"),
        ].filter { $0.count > 0 }
    }

    /// Everything for one person, read now.
    public static func list(for principal: Principal, on conn: Connection) throws -> [Reminder] {
        let o = try Reports.overview(year: Bureau.today.year, only: MinePolicy.scope(for: principal), on: conn)
        return try operatorLines(for: principal, on: conn) + list(for: principal, overview: o)
    }
}

extension Reminder {
    /// The line's words, in the language asked for.
    public func label(_ lang: ReportLanguage) -> String {
        let words: [String: (zh: String, en: String)] = [
            "waiting-review": ("待审查事项", "Waiting for review"),
            "returned": ("被退回待修改的年度计划", "Annual plans returned to revise"),
            "failed": ("验收未通过待整改的年度计划", "Annual plans failed, to rectify"),
            "annual-plan-missing": ("下一年度治理计划尚未提交的矿山", "Mines with next year's annual plan not submitted"),
            "closure-due": ("10个工作日内到期的闭坑验收", "Closure acceptances due within 10 working days"),
            "shortfall": ("欠提矿山", "Mines short of their accrual"),
        ]
        let w = words[kind] ?? (kind, kind)
        return lang == .zh ? w.zh : w.en
    }
}

/// Everyone's to-do list on one day, for a daily mail job (`report
/// reminders`): an administrator gets every enabled user's lines, anyone
/// else their own. A user with nothing waiting has no line.
public struct RemindersReport: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var user: String
        public var role: Role
        public var kind: String
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
                    rows: lines.map { [$0.user, $0.role.rawValue, $0.kind, $0.item, String($0.count), $0.link] })
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
                lines.append(.init(user: p.name, role: p.role, kind: r.kind, item: r.label(.zh), count: r.count, link: r.link))
            }
        }
        return RemindersReport(date: Bureau.today, lines: lines)
    }
}
