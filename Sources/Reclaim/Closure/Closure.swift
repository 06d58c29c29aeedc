public import Foundation
public import PQKit

/// A closure application's states (record type `closure-application`).
public enum ClosureState: String, WorkflowState, Codable {
    case draft, filed
    case underReview = "under-review"
    /// A majority of the panel passed it (初步验收通过): its public notice runs.
    case noticed
    /// Confirmed (验收合格确认书): the mine is closed and its fund may be released.
    case accepted
    /// A written rectification opinion (书面整改意见) was issued: the operator
    /// rectifies and applies again.
    case rejected
}

public enum ClosureAction: String, WorkflowAction {
    case file, assign, notice, reject, confirm
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

/// The site visit (现场踏勘) that votes wait for.
public struct ClosureVisit: Sendable, Equatable, Codable {
    public var date: CalendarDate
    public var participants: [String]
    public var checked: Area
    public var finding: String
    public var recordedBy: String

    enum CodingKeys: String, CodingKey {
        case date, participants
        case checked = "checked_hm2"
        case finding
        case recordedBy = "recorded_by"
    }
}

/// How an objection was resolved.
public struct ObjectionOutcome: Sendable, Equatable, Codable {
    public var upheld: Bool
    public var reason: String
    public var resolvedBy: String
    public var resolvedAt: Date

    enum CodingKeys: String, CodingKey {
        case upheld, reason
        case resolvedBy = "resolved_by"
        case resolvedAt = "resolved_at"
    }
}

/// An objection to the noticed preliminary result (异议), recorded by an
/// administrator for the person who raised it.
public struct ClosureObjection: Sendable, Equatable, Codable {
    public var id: Int64
    public var raisedBy: String
    /// How to reach whoever objected: the bureau's (administrators and
    /// reviewers) to see; null to everyone else.
    @Nullable public var contact: String?
    public var text: String
    public var recordedBy: String
    public var recordedAt: Date
    @Nullable public var outcome: ObjectionOutcome?

    enum CodingKeys: String, CodingKey {
        case id
        case raisedBy = "raised_by"
        case contact, text
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
        case outcome
    }
}

/// The decision: a confirmation, or a rectification opinion.
public struct ClosureDecision: Sendable, Equatable, Codable {
    /// accepted or rejected
    public var outcome: ClosureState
    /// The acceptance opinion (验收意见): the pass votes' opinions.
    public var opinion: [String]
    /// On rejection: the items to rectify before applying again (the fail
    /// votes' opinions, or the upheld objection with its reason).
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

/// A closure application (闭坑验收申请) with its clock, panel, visits, votes,
/// notice, objections and decision.
public struct ClosureApplication: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var state: ClosureState
    public var filedOn: CalendarDate
    /// The 60th working day after filing.
    public var dueDate: CalendarDate
    /// The due date falls in (or past) a year whose holiday schedule is not
    /// loaded yet (`calendar load`): it may move when it is.
    public var dueProvisional: Bool
    /// Working days from filing to the decision (or to today while open).
    public var workingDaysUsed: Int
    /// Of those, the working days earlier applications of the mine used
    /// before their rectification opinions: the clock pauses while the
    /// operator rectifies and runs on when they apply again.
    public var workingDaysCarried: Int
    /// Working days from today through the due date (0 once decided or past).
    public var workingDaysLeft: Int
    public var overdue: Bool
    public var evidence: [String]
    @Nullable public var note: String?
    public var filedBy: String
    /// What was checked at filing, each met.
    public var checks: [String]
    public var panel: [String]
    public var visits: [ClosureVisit]
    public var votes: [ClosureVote]
    /// The public notice of the preliminary pass: its last day.
    @Nullable public var noticeEndsOn: CalendarDate?
    public var objections: [ClosureObjection]
    /// The confirmation (验收合格确认书).
    @Nullable public var confirmationNumber: String?
    @Nullable public var confirmedOn: CalendarDate?
    @Nullable public var decision: ClosureDecision?

    enum CodingKeys: String, CodingKey {
        case id, license, state
        case filedOn = "filed_on"
        case dueDate = "due_date"
        case dueProvisional = "due_provisional"
        case workingDaysUsed = "working_days_used"
        case workingDaysCarried = "working_days_carried"
        case workingDaysLeft = "working_days_left"
        case overdue, evidence, note
        case filedBy = "filed_by"
        case checks, panel, visits, votes
        case noticeEndsOn = "notice_ends_on"
        case objections
        case confirmationNumber = "confirmation_number"
        case confirmedOn = "confirmed_on"
        case decision
    }
}

/// Closure acceptance as the land-reclamation rules run it (土地复垦条例
/// arts. 28–29 and its 实施办法):
/// 1. the operator applies once nothing is unmet (the database's
///    `closure_unmet`, whose refusal lists each in `unmet`: an approved plan, the reclamation rate at the plan's
///    target overall and per land type, every annual plan accepted, no §6.2
///    obligation open, the accrual covered, output reported, not closed yet);
/// 2. a reviewer assigns a panel of the bureau's reviewers and experts;
/// 3. a panel reviewer records the site visit (现场踏勘);
/// 4. each member votes once; the last vote decides: a majority pass is a
///    preliminary result, anything else a rectification opinion;
/// 5. the preliminary result is publicly noticed for `closure.notice_days`;
///    objections are recorded and resolved, an upheld one sends the mine to
///    rectification;
/// 6. after the notice, with no objection open or upheld, a reviewer issues
///    the confirmation (验收合格确认书) and the mine is closed;
/// 7. only then may finance release the fund (`FundLedger.release`).
/// The whole is due within 60 working days of filing (art. 29), not counting
/// the time the operator spends rectifying after a rectification opinion:
/// a re-application's clock starts with the days the earlier ones used. Each step is
/// checked again by the database (sql/functions/closure.sql).
public enum Closures {
    public static let workflow = Workflow<ClosureState, ClosureAction>(
        recordType: "closure-application", noun: "closure application", initial: .draft, submit: .file, [
            .init(.draft, .file, .filed, by: .operator),
            .init(.filed, .assign, .underReview, by: .reviewer, reviewed: true),
            // the panel's last vote notices the preliminary pass or issues the rectification opinion
            .init(.underReview, .notice, .noticed, by: .reviewer, .expert, reviewed: true),
            .init(.underReview, .reject, .rejected, by: .reviewer, .expert, reviewed: true),
            // an upheld objection, resolved by a reviewer of the panel
            .init(.noticed, .reject, .rejected, by: .reviewer, reviewed: true),
            .init(.noticed, .confirm, .accepted, by: .reviewer, reviewed: true),
        ])

    /// The clock's length, in working days (土地复垦条例 art. 29).
    public static let workingDaysAllowed = 60

    /// What the filing checks, each one of `closure_unmet`'s kinds.
    public static let checked = [
        "an approved protection and land-reclamation plan (no-approved-plan)",
        "reclamation rate at the plan's target, overall and per land type (reclamation-rate)",
        "every annual plan accepted (annual-plan-not-accepted)",
        "no open §6.2 obligation (obligation-open)",
        "deposits up to the filing date cover every assessed accrual (accrual-shortfall)",
        "output reported for every year produced (output-missing)",
        "not accepted or released already (already-closed)",
    ]

    /// Files an application: refused, listing every unmet condition, unless
    /// nothing is; a mine has one open application at most. The rule is
    /// evaluated once, by the database as it takes the row.
    /// `day` is today's, but for the installation's owner recording a past filing (the database refuses others).
    public static func apply(_ license: String, evidence: [String], note: String?, dated day: CalendarDate? = nil,
                             by actor: Actor, on conn: Connection) throws -> ClosureApplication
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
                WHERE c.mine_id = \(mineID) AND r.state IN ('filed', 'under-review', 'noticed')
                """) {
                throw ReclaimError(.conflict, field: "license",
                                   "mine \(license) has an open closure application (\(try open.decode("id", as: Int64.self)), \(try open.decode("state", as: String.self)))")
            }
            let today = day ?? Bureau.today
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO closure_applications (mine_id, filed_on, evidence, note, checks, filed_by)
                    VALUES (\(mineID), \(today), \(evidence), \(note), \(checked), \(actor.name)) RETURNING id
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

    static func panel(of id: Int64, on conn: Connection) throws -> [String] {
        try conn.query("SELECT reviewer FROM closure_panel WHERE application_id = \(id) ORDER BY reviewer")
            .rows.map { try $0.decode("reviewer") }
    }

    /// A reviewer assigns the panel (评审组): at least `closure.panel_min`
    /// enabled reviewers and experts, `closure.experts_min` of them experts
    /// (the rules call for the bureau with other departments and experts),
    /// none the applicant nor bound to the mine.
    public static func assignPanel(_ id: Int64, members: [String], by actor: Actor, on conn: Connection) throws
        -> ClosureApplication
    {
        // a name that cannot be a user is no member either: refused by the panel rule (422)
        let names = try members.map { name in
            do { return try Identifier.userName(name, field: "members") } catch {
                throw ReclaimError(.ruleViolation, field: "members", "'\(name)' is not an enabled reviewer or expert")
            }
        }
        guard Set(names).count == names.count else { throw ReclaimError.invalid("members", "names a member twice") }
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            _ = try workflow.transition(from: app.state, .assign)
            let minimum = try Settings.int("closure.panel_min", on: conn)
            let experts = try Settings.int("closure.experts_min", on: conn)
            guard let filedBy = try conn.queryFirst("SELECT filed_by FROM closure_applications WHERE id = \(id)")?
                .decode("filed_by", as: String.self) else { throw ReclaimError(.internal, "application vanished") }
            var expertCount = 0
            for name in names {
                let principal: Principal?
                do { principal = try Users.principal(named: name, on: conn) } catch {
                    throw ReclaimError(.ruleViolation, field: "members", "\(name) is disabled")
                }
                guard let principal, principal.role == .reviewer || principal.role == .expert else {
                    throw ReclaimError(.ruleViolation, field: "members", "\(name) is not an enabled reviewer or expert")
                }
                guard name != filedBy, !principal.mines.contains(app.license) else {
                    throw ReclaimError(.ruleViolation, field: "members", "\(name) applied for or acts for mine \(app.license)")
                }
                if principal.role == .expert { expertCount += 1 }
            }
            guard names.count >= minimum, expertCount >= experts else {
                throw ReclaimError(.ruleViolation, field: "members",
                                   "a panel has at least \(minimum) members, \(experts) of them experts (closure.panel_min, closure.experts_min); this one has \(names.count), \(expertCount)")
            }
            for name in names {
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

    /// The site visit (现场踏勘), by a reviewer on the panel: its date (from
    /// the filing to today), who took part, the area checked and the finding.
    public static func recordVisit(_ id: Int64, date: CalendarDate, participants: [String], checked: Area,
                                   finding: String, by actor: Actor, on conn: Connection) throws -> ClosureApplication
    {
        let participants = try participants.map { try Text.required($0, field: "participants", maxLength: 100) }
        guard (1...50).contains(participants.count) else {
            throw ReclaimError.invalid("participants", "name who took part (1 to 50)")
        }
        let finding = try Text.required(finding, field: "finding", maxLength: 2000)
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            guard app.state == .underReview else {
                throw ReclaimError(.conflict, field: "state",
                                   "closure application \(id) is \(app.state.rawValue): a site visit is recorded while it is under-review")
            }
            guard try panel(of: id, on: conn).contains(actor.name) else {
                throw ReclaimError(.forbidden, field: "reviewer", "\(actor.name) is not on the panel of closure application \(id)")
            }
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO closure_visits (application_id, visited_on, participants, checked_m2, finding, recorded_by)
                    VALUES (\(id), \(date), \(participants), \(checked.squareMetres), \(finding), \(actor.name))
                    """)
            }
            try AuditLog.record(action: "closure-application.visit", target: "closure-application:\(id)",
                                input: "\(date) \(checked.hectares) hm²\n\(participants.joined(separator: ", "))\n\(finding)",
                                by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    /// A member's vote, once, after the site visit. The last vote decides: a
    /// majority pass is the preliminary result, publicly noticed from today
    /// for `closure.notice_days`; anything else issues the rectification
    /// opinion (the fail votes' opinions). Votes at once queue on the
    /// application's lock: each counts once, the decision is made once.
    public static func vote(_ id: Int64, pass: Bool, opinion: String, dated day: CalendarDate? = nil, by actor: Actor,
                            on conn: Connection) throws -> ClosureApplication
    {
        let opinion = try Text.required(opinion, field: "opinion", maxLength: 2000)
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            guard app.state == .underReview else {
                throw ReclaimError(.conflict, field: "state",
                                   "closure application \(id) is \(app.state.rawValue): votes are cast while it is under-review")
            }
            let members = try panel(of: id, on: conn)
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
                    let days = try Settings.int("closure.notice_days", on: conn)
                    let today = day ?? Bureau.today
                    try conn.execute("""
                        INSERT INTO closure_notices (application_id, starts_on, days, ends_on)
                        VALUES (\(id), \(today), \(Int32(days)), \(today.adding(days: days - 1)))
                        """)
                    try Review.apply(workflow, id: id, .notice,
                                     note: "preliminary pass, noticed until \(today.adding(days: days - 1))", by: actor, on: conn)
                } else {
                    try Review.apply(workflow, id: id, .reject, note: votes.filter { !$0.0 }.map(\.1).joined(separator: "\n"),
                                     by: actor, on: conn)
                }
            }
            return try find(id, on: conn)
        }
    }

    /// An objection to the noticed preliminary result, recorded by an
    /// administrator for the person who raised it (name and contact), while
    /// the notice runs.
    public static func object(_ id: Int64, raisedBy: String, contact: String, text: String, by actor: Actor,
                              on conn: Connection) throws -> ClosureApplication
    {
        let raisedBy = try Text.required(raisedBy, field: "name", maxLength: 100)
        let contact = try Text.required(contact, field: "contact", maxLength: 200)
        let text = try Text.required(text, field: "text", maxLength: 2000)
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            guard app.state == .noticed else {
                throw ReclaimError(.conflict, field: "state",
                                   "closure application \(id) is \(app.state.rawValue): objections are raised while its preliminary result is noticed")
            }
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO closure_objections (application_id, raised_by, contact, text, recorded_by)
                    VALUES (\(id), \(raisedBy), \(contact), \(text), \(actor.name)) RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the objection was not stored") }
            let objection: Int64 = try row.decode("id")
            try AuditLog.record(action: "closure-application.object", target: "closure-application:\(id)",
                                input: "objection \(objection) by \(raisedBy)\n\(text)", by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    /// A panel reviewer resolves an objection, with the reason. An upheld one
    /// issues the rectification opinion with the objection as its item.
    public static func resolve(_ id: Int64, objection: Int64, upheld: Bool, reason: String, by actor: Actor,
                               on conn: Connection) throws -> ClosureApplication
    {
        let reason = try Text.required(reason, field: "reason", maxLength: 2000)
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            guard app.state == .noticed else {
                throw ReclaimError(.conflict, field: "state",
                                   "closure application \(id) is \(app.state.rawValue): objections are resolved while it is noticed")
            }
            guard try panel(of: id, on: conn).contains(actor.name) else {
                throw ReclaimError(.forbidden, field: "reviewer", "\(actor.name) is not on the panel of closure application \(id)")
            }
            guard let text = try conn.queryFirst("""
                SELECT text FROM closure_objections WHERE id = \(objection) AND application_id = \(id)
                """)?.decode("text", as: String.self) else {
                throw ReclaimError(.notFound, field: "objection", "closure application \(id) has no objection \(objection)")
            }
            let inserted = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO closure_objection_outcomes (objection_id, upheld, reason, resolved_by)
                    VALUES (\(objection), \(upheld), \(reason), \(actor.name)) ON CONFLICT DO NOTHING
                    """)
            }
            guard inserted == 1 else {
                throw ReclaimError(.conflict, field: "objection", "objection \(objection) is resolved already")
            }
            try AuditLog.record(action: "closure-application.resolve", target: "closure-application:\(id)",
                                input: "objection \(objection) \(upheld ? "upheld" : "dismissed")\n\(reason)", by: actor, on: conn)
            if upheld {
                try Review.apply(workflow, id: id, .reject, note: "\(text)\n\(reason)", by: actor, on: conn)
            }
            return try find(id, on: conn)
        }
    }

    /// The confirmation (验收合格确认书, 土地复垦条例 art. 29): after the notice
    /// has ended with every objection resolved and none upheld. The mine's
    /// status becomes closed; only now may its fund be released. Two
    /// reviewers at once: one confirms, the other is told it is decided.
    public static func confirm(_ id: Int64, number: String, dated day: CalendarDate? = nil, by actor: Actor,
                               on conn: Connection) throws -> ClosureApplication
    {
        let number = try Text.required(number, field: "number", maxLength: 100)
        return try conn.transactionally { conn in
            let app = try lock(id, on: conn)
            _ = try workflow.transition(from: app.state, .confirm)
            let today = day ?? Bureau.today
            if let ends = try conn.queryFirst("SELECT ends_on FROM closure_notices WHERE application_id = \(id)")?
                .decode("ends_on", as: CalendarDate.self), today <= ends {
                throw ReclaimError(.ruleViolation, field: "notice_ends_on",
                                   "the public notice of closure application \(id) runs until \(ends): confirm after it ends")
            }
            if let open = try conn.queryFirst("""
                SELECT o.id, x.upheld FROM closure_objections o LEFT JOIN closure_objection_outcomes x ON x.objection_id = o.id
                WHERE o.application_id = \(id) AND (x.objection_id IS NULL OR x.upheld) ORDER BY o.id LIMIT 1
                """) {
                throw ReclaimError(.ruleViolation, field: "objections",
                                   "objection \(try open.decode("id", as: Int64.self)) of closure application \(id) is not resolved")
            }
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO closure_confirmations (application_id, number, confirmed_on, confirmed_by)
                    VALUES (\(id), \(number), \(today), \(actor.name))
                    """)
            }
            try Review.apply(workflow, id: id, .confirm, note: "验收合格确认书 \(number)", by: actor, on: conn)
            // the database records the change in the mine's history (mines_guard)
            _ = try DatabaseRefusal.mapping {
                try conn.execute("""
                    UPDATE mines SET status = 'closed', updated_by = \(actor.name)
                    WHERE id = \(app.mineID) AND status <> 'closed'
                    """)
            }
            return try find(id, on: conn)
        }
    }

    public static func find(_ id: Int64, on conn: Connection) throws -> ClosureApplication {
        guard let app = try applications([id], on: conn).first else {
            throw ReclaimError(.notFound, field: "id", "no closure application \(id)")
        }
        return app
    }

    /// The applications `ids`, each whole (clock, panel, visits, votes,
    /// objections, decision), in a fixed number of reads whatever their
    /// number: each kind of record once for all of them, the calendar once
    /// for the widest span (issue 33: no reads per application).
    static func applications(_ ids: [Int64], on conn: Connection) throws -> [ClosureApplication] {
        guard !ids.isEmpty else { return [] }
        let set = ids.map(String.init)
        let today = Bureau.today
        let rows = try conn.query("""
            SELECT c.id, c.mine_id, m.license, r.state, c.filed_on, c.evidence, c.note, c.filed_by, c.checks,
                   n.ends_on, k.number, k.confirmed_on
            FROM closure_applications c JOIN mines m ON m.id = c.mine_id
            JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
            LEFT JOIN closure_notices n ON n.application_id = c.id
            LEFT JOIN closure_confirmations k ON k.application_id = c.id
            WHERE c.id = ANY (\(set)::bigint[])
            ORDER BY c.id
            """).rows
        // The earlier rounds of each mine: every application that ended in a
        // rectification opinion, from its filing to that opinion. The clock
        // stood still between an opinion and the next filing (整改期间不计入).
        var rejected: [Int64: [(id: Int64, round: ClosureClock.Round)]] = [:]
        for r in try conn.query("""
            SELECT c.id, c.mine_id, c.filed_on, bureau_date(max(d.decided_at)) AS decided_on
            FROM closure_applications c
            JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id AND r.state = 'rejected'
            JOIN review_decisions d ON d.record_type = 'closure-application' AND d.record_id = c.id AND d.action = 'reject'
            WHERE c.mine_id IN (SELECT mine_id FROM closure_applications WHERE id = ANY (\(set)::bigint[]))
            GROUP BY c.id, c.mine_id, c.filed_on ORDER BY c.id
            """).rows {
            rejected[try r.decode("mine_id"), default: []].append(
                (try r.decode("id"), ClosureClock.Round(filed: try r.decode("filed_on"), opinion: try r.decode("decided_on"))))
        }
        func grouped<T>(_ query: Query, _ make: (Row) throws -> T) throws -> [Int64: [T]] {
            var out: [Int64: [T]] = [:]
            for r in try conn.query(query).rows { out[try r.decode("application_id"), default: []].append(try make(r)) }
            return out
        }
        let votes = try grouped("""
            SELECT application_id, reviewer, pass, opinion, voted_at FROM closure_votes
            WHERE application_id = ANY (\(set)::bigint[]) ORDER BY application_id, voted_at, reviewer
            """) {
            ClosureVote(reviewer: try $0.decode("reviewer"), pass: try $0.decode("pass"), opinion: try $0.decode("opinion"),
                        votedAt: try $0.decode("voted_at"))
        }
        let visits = try grouped("""
            SELECT application_id, visited_on, participants, checked_m2, finding, recorded_by FROM closure_visits
            WHERE application_id = ANY (\(set)::bigint[]) ORDER BY application_id, id
            """) {
            ClosureVisit(date: try $0.decode("visited_on"), participants: try $0.decode("participants"),
                         checked: Area(squareMetres: try $0.decode("checked_m2")), finding: try $0.decode("finding"),
                         recordedBy: try $0.decode("recorded_by"))
        }
        let objections = try grouped("""
            SELECT o.application_id, o.id, o.raised_by, o.contact, o.text, o.recorded_by, o.recorded_at,
                   x.upheld, x.reason, x.resolved_by, x.resolved_at
            FROM closure_objections o LEFT JOIN closure_objection_outcomes x ON x.objection_id = o.id
            WHERE o.application_id = ANY (\(set)::bigint[]) ORDER BY o.application_id, o.id
            """) { r in
            var outcome: ObjectionOutcome?
            if let upheld = try r.decode("upheld", as: Bool?.self) {
                outcome = ObjectionOutcome(upheld: upheld, reason: try r.decode("reason"), resolvedBy: try r.decode("resolved_by"),
                                           resolvedAt: try r.decode("resolved_at"))
            }
            return ClosureObjection(id: try r.decode("id"), raisedBy: try r.decode("raised_by"), contact: try r.decode("contact"),
                                    text: try r.decode("text"), recordedBy: try r.decode("recorded_by"),
                                    recordedAt: try r.decode("recorded_at"), outcome: outcome)
        }
        let panels = try grouped("""
            SELECT application_id, reviewer FROM closure_panel WHERE application_id = ANY (\(set)::bigint[])
            ORDER BY application_id, reviewer
            """) { try $0.decode("reviewer", as: String.self) }
        let lastDecisions = try Review.latest(workflow, ids: ids, on: conn)
        // One read of the calendar serves every count: 60 working days fit
        // well inside 200 calendar days from filing.
        let filings: [CalendarDate] = try rows.map { try $0.decode("filed_on") }
        let firsts = filings + rejected.values.flatMap { $0.map(\.round.filed) }
        guard let earliest = firsts.min(), let latestFiled = filings.max() else { return [] }
        let listed = try WorkCalendar.listed(from: earliest, through: max(latestFiled.adding(days: 200), today), on: conn)
        let scheduledYears = try WorkCalendar.scheduledYears(on: conn)

        return try rows.map { row in
            let id: Int64 = try row.decode("id")
            let filed: CalendarDate = try row.decode("filed_on")
            let rounds = (rejected[try row.decode("mine_id")] ?? []).filter { $0.id < id }.map(\.round)
            let state: ClosureState = try row.decodeEnum("state")
            let votes = votes[id] ?? [], objections = objections[id] ?? []
            var decision: ClosureDecision?
            var decidedOn: CalendarDate?
            if state == .accepted || state == .rejected, let d = lastDecisions[id] {
                let upheld = objections.filter { $0.outcome?.upheld == true }
                let items = upheld.isEmpty ? votes.filter { !$0.pass }.map(\.opinion)
                    : upheld.map { "\($0.text)（\($0.outcome?.reason ?? "")）" }
                decision = ClosureDecision(outcome: state, opinion: votes.filter(\.pass).map(\.opinion),
                                           rectificationItems: state == .rejected ? items : [],
                                           decidedBy: d.actor, decidedAt: d.decidedAt)
                decidedOn = try row.decode("confirmed_on", as: CalendarDate?.self) ?? Bureau.day(of: d.decidedAt)
            }
            let clock = ClosureClock(filed: filed, decided: decision == nil ? nil : decidedOn ?? today, rounds: rounds,
                                     today: today, allowed: workingDaysAllowed, listed: listed)
            return ClosureApplication(
                id: id, license: try row.decode("license"), state: state, filedOn: filed, dueDate: clock.due,
                dueProvisional: !WorkCalendar.scheduled(from: filed, to: clock.due, years: scheduledYears),
                workingDaysUsed: clock.used, workingDaysCarried: clock.carried, workingDaysLeft: clock.left,
                overdue: clock.overdue, evidence: try row.decode("evidence"), note: try row.decode("note"),
                filedBy: try row.decode("filed_by"), checks: try row.decode("checks"),
                panel: panels[id] ?? [], visits: visits[id] ?? [], votes: votes,
                noticeEndsOn: try row.decode("ends_on"), objections: objections,
                confirmationNumber: try row.decode("number"), confirmedOn: try row.decode("confirmed_on"),
                decision: decision)
        }
    }

    /// Applications, oldest first; `overdue` only those past their due date;
    /// `member` only those whose panel the user sits on (an expert's view).
    public static func list(state: ClosureState? = nil, overdue: Bool = false, only: [String]? = nil,
                            member: String? = nil, on conn: Connection) throws -> [ClosureApplication]
    {
        let ids: [Int64] = try conn.query("""
            SELECT c.id FROM closure_applications c JOIN mines m ON m.id = c.mine_id
            JOIN review_records r ON r.record_type = 'closure-application' AND r.record_id = c.id
            WHERE (\(state?.rawValue) IS NULL OR r.state = \(state?.rawValue))
              AND (\(only) IS NULL OR m.license = ANY (\(only)))
              AND (\(member) IS NULL OR EXISTS (SELECT 1 FROM closure_panel p WHERE p.application_id = c.id
                                                 AND p.reviewer = \(member)))
            ORDER BY c.id
            """).rows.map { try $0.decode("id") }
        return try applications(ids, on: conn).filter { !overdue || $0.overdue }
    }

    /// The list `p` may see: an operator their mines', an expert their panels', others all.
    public static func list(state: ClosureState? = nil, overdue: Bool = false, for p: Principal, on conn: Connection)
        throws -> [ClosureApplication]
    {
        let apps = p.role == .expert ? try list(state: state, overdue: overdue, only: nil, member: p.name, on: conn)
            : try list(state: state, overdue: overdue, only: MinePolicy.scope(for: p), on: conn)
        return apps.map { $0.seen(by: p) }
    }

    /// One application, as `p` may see it: 404 (as if it did not exist) to an
    /// operator of another mine and to an expert not on its panel.
    public static func find(_ id: Int64, for p: Principal, on conn: Connection) throws -> ClosureApplication {
        let app = try find(id, on: conn)
        let visible = p.role == .expert ? app.panel.contains(p.name) : MinePolicy.read(app.license).permits(p)
        guard visible else { throw ReclaimError(.notFound, field: "id", "no closure application \(id)") }
        return app.seen(by: p)
    }
}

extension ClosureApplication {
    /// As `p` may see it: an objector's contact is the bureau's only.
    func seen(by p: Principal) -> ClosureApplication {
        guard p.role != .admin, p.role != .reviewer else { return self }
        var a = self
        for i in a.objections.indices { a.objections[i].contact = nil }
        return a
    }
}

/// Who may do what in closure acceptance.
public enum ClosurePolicy {
    /// The mine's own operator applies.
    public static func apply(_ license: String) -> Policy {
        Policy("apply for the closure of mine \(license)") { $0.role == .operator && $0.mines.contains(license) }
    }
    /// Reviewers assign panels, record visits, resolve objections and confirm.
    public static let review = Policy.roles("review closure applications", .reviewer)
    /// Reviewers and experts vote (only as members of the panel).
    public static let vote = Policy.roles("vote on closure applications", .reviewer, .expert)
    /// Administrators record objections for the people who raise them.
    public static let object = Policy.roles("record objections to closure results", .admin)
    /// The bureau's calendar is the administrator's.
    public static let calendar = Policy.roles("maintain the working-day calendar", .admin)
}

/// One condition of a closure filing, as `closure_unmet` names it (the
/// database's rule, evaluated again when the application is taken).
public enum ClosureCheck: String, Sendable, CaseIterable {
    case noApprovedPlan = "no-approved-plan"
    case reclamationRate = "reclamation-rate"
    case annualPlanNotAccepted = "annual-plan-not-accepted"
    case obligationOpen = "obligation-open"
    case accrualShortfall = "accrual-shortfall"
    case outputMissing = "output-missing"
    case alreadyClosed = "already-closed"
}

extension Closures {
    /// The filing's checklist for the mine today: every condition, met or
    /// not, with what the database says of each unmet one.
    public static func checklist(_ license: String, on conn: Connection) throws -> [(check: ClosureCheck, unmet: [String])] {
        let license = try Identifier.license(license)
        guard let mine = try conn.queryFirst("SELECT id FROM mines WHERE license = \(license)") else { throw MineRegistry.notFound(license) }
        let mineID: Int64 = try mine.decode("id")
        let unmet = try conn.query("SELECT kind, detail FROM closure_unmet(\(mineID), bureau_date(now()))").rows
            .map { (try $0.decode("kind", as: String.self), try $0.decode("detail", as: String.self)) }
        return ClosureCheck.allCases.map { c in (c, unmet.filter { $0.0 == c.rawValue }.map(\.1)) }
    }
}
