public import Foundation
public import PQKit

/// A closure application's states (record type `closure-application`).
public enum ClosureState: String, WorkflowState, Codable {
    case draft, filed
    case underReview = "under-review"
    case accepted, rejected
}

public enum ClosureAction: String, WorkflowAction {
    case file, assign, accept, reject
}

/// One panel member's vote: once, never changed.
public struct ClosureVote: Sendable, Equatable, Codable {
    public var reviewer: String
    public var pass: Bool
    public var opinion: String
    public var votedAt: Date

    enum CodingKeys: String, CodingKey {
        case reviewer, pass, opinion
        case votedAt = "voted_at"
    }
}

/// The panel's decision, made when the last member votes.
public struct ClosureDecision: Sendable, Equatable, Codable {
    /// accepted or rejected
    public var outcome: ClosureState
    /// The acceptance opinion (验收意见): the pass votes' opinions.
    public var opinion: [String]
    /// On rejection: the fail votes' opinions, to be dealt with before applying again.
    public var rectificationItems: [String]
    public var decidedBy: String
    public var decidedAt: Date

    enum CodingKeys: String, CodingKey {
        case outcome, opinion
        case rectificationItems = "rectification_items"
        case decidedBy = "decided_by"
        case decidedAt = "decided_at"
    }
}

/// A closure application (闭坑验收申请) with its clock, panel, votes and decision.
public struct ClosureApplication: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var state: ClosureState
    public var filedOn: CalendarDate
    /// The 60th working day after filing.
    public var dueDate: CalendarDate
    /// Working days from today through the due date (0 once it has passed).
    public var workingDaysLeft: Int
    public var overdue: Bool
    public var evidence: [String]
    @Nullable public var note: String?
    public var filedBy: String
    /// What was checked at filing, each passed.
    public var checks: [String]
    public var panel: [String]
    public var votes: [ClosureVote]
    @Nullable public var decision: ClosureDecision?

    enum CodingKeys: String, CodingKey {
        case id, license, state
        case filedOn = "filed_on"
        case dueDate = "due_date"
        case workingDaysLeft = "working_days_left"
        case overdue, evidence, note
        case filedBy = "filed_by"
        case checks, panel, votes, decision
    }
}

/// Closure acceptance: an operator applies once nothing is outstanding, a
/// reviewer assigns a panel, each member votes once, and the last vote
/// decides (a majority pass accepts and closes the mine). Acceptance is due
/// within 60 working days of filing (土地复垦条例 art. 28).
public enum Closures {
    public static let workflow = Workflow<ClosureState, ClosureAction>(
        recordType: "closure-application", noun: "closure application", initial: .draft, submit: .file, [
            .init(.draft, .file, .filed),
            .init(.filed, .assign, .underReview, reviewed: true),
            .init(.underReview, .accept, .accepted, reviewed: true),
            .init(.underReview, .reject, .rejected, reviewed: true),
        ])

    /// The clock's length, in working days.
    public static let workingDaysAllowed = 60

    /// The smallest panel: RECLAIM_CLOSURE_PANEL_MIN, else 3.
    public static var panelMinimum: Int {
        ProcessInfo.processInfo.environment["RECLAIM_CLOSURE_PANEL_MIN"].flatMap(Int.init).map { max(1, $0) } ?? 3
    }

    /// What must be settled before a mine may apply, each named when it is not.
    static func outstanding(mineID: Int64, on conn: Connection) throws -> [String] {
        var open: [String] = []
        for r in try conn.query("""
            SELECT kind, reason FROM mine_obligations WHERE mine_id = \(mineID) AND closed_at IS NULL ORDER BY id
            """).rows {
            open.append("open obligation \(try r.decode("kind", as: String.self)) (\(try r.decode("reason", as: String.self)))")
        }
        for r in try conn.query("""
            SELECT a.year, r.state FROM annual_plans a
            JOIN review_records r ON r.record_type = 'annual-plan' AND r.record_id = a.id
            WHERE a.mine_id = \(mineID) AND r.state IN ('failed', 'approved', 'revision-submitted', 'revision-returned')
            ORDER BY a.year
            """).rows {
            let year = try r.decode("year", as: Int32.self)
            let state: String = try r.decode("state")
            open.append(state == "failed" ? "annual plan \(year) failed its acceptance and is not since accepted"
                                          : "annual plan \(year) is approved but not reported")
        }
        for r in try conn.query("""
            WITH latest AS (
                SELECT DISTINCT ON (year) year, amount FROM accrual_assessments WHERE mine_id = \(mineID)
                ORDER BY year, version DESC
            )
            SELECT l.year, l.amount,
                   coalesce((SELECT sum(p.amount) FROM ledger_postings p
                             JOIN fund_accounts a ON a.id = p.account_id AND a.kind = 'fund' AND a.mine_id = \(mineID)
                             JOIN ledger_entries e ON e.id = p.entry_id LEFT JOIN ledger_entries o ON o.id = e.reverses
                             WHERE (e.kind = 'deposit' OR (e.kind = 'reversal' AND o.kind = 'deposit'))
                               AND extract(year FROM p.value_date) = l.year), 0)::bigint AS deposited
            FROM latest l ORDER BY l.year
            """).rows {
            let amount = Money(fen: try r.decode("amount"))
            let deposited = Money(fen: try r.decode("deposited"))
            if deposited < amount {
                open.append("accrual \(try r.decode("year", as: Int32.self)): \(amount) yuan assessed, \(deposited) yuan deposited")
            }
        }
        return open
    }

    /// Files an application: refused, listing everything outstanding, unless
    /// nothing is; a mine has one open application at most.
    public static func apply(_ license: String, evidence: [String], note: String?, by actor: Actor, on conn: Connection)
        throws -> ClosureApplication
    {
        let license = try Identifier.license(license)
        let evidence = try evidence.map { try Text.required($0, field: "evidence", maxLength: 200) }
        guard !evidence.isEmpty, evidence.count <= 100 else {
            throw ReclaimError.invalid("evidence", "name the evidence of the finished restoration (1 to 100 references)")
        }
        let note = try Text.optional(note, field: "note", maxLength: 2000)
        return try conn.transactionally { conn in
            guard let mine = try conn.queryFirst("SELECT id FROM mines WHERE license = \(license) FOR UPDATE") else {
                throw MineRegistry.notFound(license)
            }
            let mineID: Int64 = try mine.decode("id")
            if let open = try conn.queryFirst("""
                SELECT c.id, r.state FROM closure_applications c
                JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
                WHERE c.mine_id = \(mineID) AND r.state IN ('filed', 'under-review')
                """) {
                throw ReclaimError(.conflict, field: "license",
                                   "mine \(license) has an open closure application (\(try open.decode("id", as: Int64.self)), \(try open.decode("state", as: String.self)))")
            }
            let outstanding = try outstanding(mineID: mineID, on: conn)
            guard outstanding.isEmpty else {
                throw ReclaimError(.ruleViolation, field: "obligations",
                                   "mine \(license) cannot apply for closure while: \(outstanding.joined(separator: "; "))")
            }
            let checks = ["no open §6.2 obligation", "no failed annual acceptance outstanding",
                          "no approved annual plan unreported", "every assessed accrual covered by deposits"]
            let today = FundLedger.today
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO closure_applications (mine_id, filed_on, evidence, note, checks, filed_by)
                    VALUES (\(mineID), \(today), \(evidence), \(note), \(checks), \(actor.name)) RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the application was not stored") }
            let id: Int64 = try row.decode("id")
            try Review.open(workflow, id: id, by: actor, on: conn)
            try Review.apply(workflow, id: id, .file, note: evidence.joined(separator: ", "), by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    static func lock(_ id: Int64, on conn: Connection) throws -> (mineID: Int64, license: String, state: ClosureState) {
        guard let row = try conn.queryFirst("SELECT mine_id, license, state FROM closure_application_lock(\(id))") else {
            throw ReclaimError(.notFound, field: "id", "no closure application \(id)")
        }
        return (try row.decode("mine_id"), try row.decode("license"), try row.decodeEnum("state"))
    }

    /// A reviewer assigns the panel: at least `panelMinimum` enabled
    /// reviewers, none the applicant nor bound to the mine.
    public static func assignPanel(_ id: Int64, reviewers: [String], by actor: Actor, on conn: Connection) throws
        -> ClosureApplication
    {
        // a name that cannot be a user is no reviewer either: refused by the panel rule (422)
        let names = try reviewers.map { name in
            do { return try Identifier.userName(name, field: "reviewer") } catch {
                throw ReclaimError(.ruleViolation, field: "reviewer", "'\(name)' is not an enabled reviewer")
            }
        }
        guard Set(names).count == names.count else { throw ReclaimError.invalid("reviewer", "names a reviewer twice") }
        guard names.count >= panelMinimum else {
            throw ReclaimError(.ruleViolation, field: "reviewer", "a panel has at least \(panelMinimum) reviewers")
        }
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            _ = try workflow.transition(from: app.state, .assign)
            guard let filedBy = try conn.queryFirst("SELECT filed_by FROM closure_applications WHERE id = \(id)")?
                .decode("filed_by", as: String.self) else { throw ReclaimError(.internal, "application vanished") }
            for name in names {
                guard let principal = try Users.principal(named: name, on: conn), principal.role == .reviewer else {
                    throw ReclaimError(.ruleViolation, field: "reviewer", "\(name) is not an enabled reviewer")
                }
                guard name != filedBy, !principal.mines.contains(app.license) else {
                    throw ReclaimError(.ruleViolation, field: "reviewer", "\(name) applied for or acts for mine \(app.license)")
                }
                _ = try DatabaseRefusal.mapping {
                    try conn.execute("""
                        INSERT INTO closure_panel (application_id, reviewer, assigned_by) VALUES (\(id), \(name), \(actor.name))
                        """)
                }
            }
            try Review.apply(workflow, id: id, .assign, note: names.joined(separator: ", "), by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    /// A member's vote, once. The last vote decides: a majority pass accepts
    /// (and the mine's status becomes closed), anything else rejects with the
    /// fail votes' opinions as rectification items. Votes at once queue on the
    /// application's lock: each counts once, the decision is made once.
    public static func vote(_ id: Int64, pass: Bool, opinion: String, by actor: Actor, on conn: Connection) throws
        -> ClosureApplication
    {
        let opinion = try Text.required(opinion, field: "opinion", maxLength: 2000)
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            guard app.state == .underReview else {
                throw ReclaimError(.conflict, field: "state",
                                   "closure application \(id) is \(app.state.rawValue): votes are cast while it is under-review")
            }
            let members: [String] = try conn.query("SELECT reviewer FROM closure_panel WHERE application_id = \(id)")
                .rows.map { try $0.decode("reviewer") }
            guard members.contains(actor.name) else {
                throw ReclaimError(.forbidden, field: "reviewer", "\(actor.name) is not on the panel of closure application \(id)")
            }
            let inserted = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO closure_votes (application_id, reviewer, pass, opinion)
                    VALUES (\(id), \(actor.name), \(pass), \(opinion)) ON CONFLICT DO NOTHING
                    """)
            }
            guard inserted == 1 else {
                throw ReclaimError(.conflict, field: "reviewer", "\(actor.name) has voted already; a vote is never changed")
            }
            try AuditLog.record(action: "closure-application.vote", target: "closure-application:\(id)",
                                input: "\(pass ? "pass" : "fail")\n\(opinion)", by: actor, on: conn)
            let votes = try conn.query("SELECT pass, opinion FROM closure_votes WHERE application_id = \(id) ORDER BY voted_at, reviewer")
                .rows.map { (try $0.decode("pass", as: Bool.self), try $0.decode("opinion", as: String.self)) }
            if votes.count == members.count {
                let passes = votes.filter(\.0).count
                if passes * 2 > members.count {
                    try Review.apply(workflow, id: id, .accept, note: votes.filter(\.0).map(\.1).joined(separator: "\n"),
                                     by: actor, on: conn)
                    let old = try conn.queryFirst("SELECT status FROM mines WHERE id = \(app.mineID)")?
                        .decode("status", as: String.self) ?? ""
                    if old != MineStatus.closed.rawValue {
                        try conn.execute("""
                            UPDATE mines SET status = 'closed', updated_at = now(), updated_by = \(actor.name)
                            WHERE id = \(app.mineID)
                            """)
                        try conn.execute("""
                            INSERT INTO mine_history (mine_id, field, old_value, new_value, changed_by)
                            VALUES (\(app.mineID), 'status', \(old), 'closed', \(actor.name))
                            """)
                    }
                } else {
                    try Review.apply(workflow, id: id, .reject, note: votes.filter { !$0.0 }.map(\.1).joined(separator: "\n"),
                                     by: actor, on: conn)
                }
            }
            return try find(id, on: conn)
        }
    }

    public static func find(_ id: Int64, on conn: Connection) throws -> ClosureApplication {
        guard let row = try conn.queryFirst("""
            SELECT c.id, m.license, r.state, c.filed_on, c.evidence, c.note, c.filed_by, c.checks
            FROM closure_applications c JOIN mines m ON m.id = c.mine_id
            JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
            WHERE c.id = \(id)
            """)
        else { throw ReclaimError(.notFound, field: "id", "no closure application \(id)") }
        let filed: CalendarDate = try row.decode("filed_on")
        // One read of the calendar serves both the due date and the days left: the days
        // counted for "left", (today, due], lie within (filed, due], and 60 working days
        // fit well inside 200 calendar days.
        let listed = try WorkCalendar.listed(from: filed, days: 200, on: conn)
        let due = WorkCalendar.workingDay(workingDaysAllowed, after: filed, listed: listed)
        let today = FundLedger.today
        let state: ClosureState = try row.decodeEnum("state")
        let votes = try conn.query("""
            SELECT reviewer, pass, opinion, voted_at FROM closure_votes WHERE application_id = \(id) ORDER BY voted_at, reviewer
            """).rows.map {
            ClosureVote(reviewer: try $0.decode("reviewer"), pass: try $0.decode("pass"), opinion: try $0.decode("opinion"),
                        votedAt: try $0.decode("voted_at"))
        }
        var decision: ClosureDecision?
        if state == .accepted || state == .rejected,
           let d = try Review.history(workflow, id: id, on: conn).last {
            decision = ClosureDecision(outcome: state, opinion: votes.filter(\.pass).map(\.opinion),
                                       rectificationItems: state == .rejected ? votes.filter { !$0.pass }.map(\.opinion) : [],
                                       decidedBy: d.actor, decidedAt: d.decidedAt)
        }
        let open = state == .filed || state == .underReview
        return ClosureApplication(
            id: id, license: try row.decode("license"), state: state, filedOn: filed, dueDate: due,
            workingDaysLeft: open ? WorkCalendar.workingDays(after: today, through: due, listed: listed) : 0,
            overdue: open && today > due, evidence: try row.decode("evidence"), note: try row.decode("note"),
            filedBy: try row.decode("filed_by"), checks: try row.decode("checks"),
            panel: try conn.query("SELECT reviewer FROM closure_panel WHERE application_id = \(id) ORDER BY reviewer")
                .rows.map { try $0.decode("reviewer") },
            votes: votes, decision: decision)
    }

    /// Applications, oldest first; `overdue` only those past their due date.
    public static func list(state: ClosureState? = nil, overdue: Bool = false, only: [String]? = nil,
                            on conn: Connection) throws -> [ClosureApplication]
    {
        let ids: [Int64] = try conn.query("""
            SELECT c.id FROM closure_applications c JOIN mines m ON m.id = c.mine_id
            JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
            WHERE (\(state?.rawValue) IS NULL OR r.state = \(state?.rawValue))
              AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY c.id
            """).rows.map { try $0.decode("id") }
        return try ids.map { try find($0, on: conn) }.filter { !overdue || $0.overdue }
    }
}

/// Who may do what in closure acceptance.
public enum ClosurePolicy {
    /// The mine's own operator applies.
    public static func apply(_ license: String) -> Policy {
        Policy("apply for the closure of mine \(license)") { $0.role == .operator && $0.mines.contains(license) }
    }
    /// Reviewers assign panels and vote (a vote only as a panel member).
    public static let review = Policy.roles("review closure applications", .reviewer)
    /// The bureau's calendar is the administrator's.
    public static let calendar = Policy.roles("maintain the working-day calendar", .admin)
}
