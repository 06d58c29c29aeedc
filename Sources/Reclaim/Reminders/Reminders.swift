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
/// queue; an operator's plans returned or failed and next year's annual
/// plans not yet submitted; closures due within ten working days; mines
/// short of their accrual (finance, reviewers, auditors, and an operator's
/// own). Only kinds with something waiting are listed.
public enum Reminders {
    public static let closureDays = 10

    public static func list(for principal: Principal, on conn: Connection) throws -> [Reminder] {
        let only = MinePolicy.scope(for: principal)
        let today = Bureau.today
        var out: [Reminder] = []
        func add(_ kind: String, _ count: Int, _ link: String) {
            if count > 0 { out.append(Reminder(kind: kind, count: count, link: link)) }
        }
        if PlanPolicy.review.permits(principal) {
            let waiting = try Plans.list(state: .submitted, on: conn).count
                + [AnnualPlanState.submitted, .revisionSubmitted, .reported].reduce(0) {
                    $0 + (try AnnualPlans.list(state: $1, on: conn).count)
                }
            add("waiting-review", waiting, "/queue")
        }
        if principal.role == .operator {
            let mine = try AnnualPlans.list(on: conn).filter { only?.contains($0.license) ?? true }
            add("returned", mine.filter { [.returned, .revisionReturned].contains($0.state) }.count, "/mines")
            add("failed", mine.filter { $0.state == .failed }.count, "/mines")
            add("annual-plan-missing", try AnnualPlans.missing(year: today.year + 1, only: only, on: conn).count, "/mines")
        }
        let dueSoon = try Closures.list(only: only, on: conn).filter {
            [.filed, .underReview, .noticed].contains($0.state) && $0.workingDaysLeft <= closureDays
        }
        add("closure-due", dueSoon.count, "/reports")
        if principal.role != .admin {
            let owing = try Accruals.shortfalls(year: today.year, only: only, on: conn).filter { $0.cumulativeShortfall.fen > 0 }
            add("shortfall", owing.count, "/shortfalls?year=\(today.year)")
        }
        return out
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
        for p in people {
            for r in try list(for: p, on: conn) {
                lines.append(.init(user: p.name, role: p.role, kind: r.kind, item: r.label(.zh), count: r.count, link: r.link))
            }
        }
        return RemindersReport(date: Bureau.today, lines: lines)
    }
}
