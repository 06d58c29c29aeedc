import Foundation
public import PQKit

public enum LegacyProjectState: String, WorkflowState, Codable {
    case draft, planned, approved
    case inWorks = "in-works"
    case suspended, completed, accepted
}

public enum LegacyProjectAction: String, WorkflowAction {
    case plan, approve, start, suspend, resume, complete, accept
}

/// One funding source's money in a project.
public struct SourceFunding: Sendable, Equatable, Codable {
    public var source: FundingSource
    public var planned: Money
    /// Allocated into the project, net of reversals.
    public var committed: Money
    /// Paid out to works, net of reversals.
    public var spent: Money
    public var remaining: Money
}

/// A legacy restoration project (历史遗留矿山治理项目).
public struct LegacyProject: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var approvalRef: String
    public var contractor: String
    /// Who created it; may not approve or accept it.
    public var manager: String
    public var state: LegacyProjectState
    public var sites: [String]
    public var area: Area
    public var treated: Area
    public var funding: [SourceFunding]
    public var planned: Money
    public var committed: Money
    public var spent: Money
    public var decisions: [ReviewDecision]

    enum CodingKeys: String, CodingKey {
        case id, name
        case approvalRef = "approval"
        case contractor, manager, state, sites
        case area = "area_hm2"
        case treated = "treated_hm2"
        case funding, planned, committed, spent, decisions
    }
}

public enum LegacyProjects {
    public static let workflow = Workflow<LegacyProjectState, LegacyProjectAction>(
        recordType: "legacy-project", noun: "legacy project", initial: .draft, submit: .plan, [
            .init(.draft, .plan, .planned, by: .admin, .reviewer),
            .init(.planned, .approve, .approved, by: .reviewer, reviewed: true),
            .init(.approved, .start, .inWorks, by: .admin, .reviewer),
            .init(.inWorks, .suspend, .suspended, by: .admin, .reviewer),
            .init(.suspended, .resume, .inWorks, by: .admin, .reviewer),
            .init(.inWorks, .complete, .completed, by: .admin, .reviewer),
            .init(.completed, .accept, .accepted, by: .reviewer, reviewed: true),
        ])

    /// A new project in state planned, with its planned budget by source; prints its id.
    public static func add(name: String, approval: String, contractor: String, budget: [FundingSource: Money],
                           by actor: Actor, on conn: Connection) throws -> LegacyProject
    {
        let name = try Text.required(name, field: "name")
        let approval = try Text.required(approval, field: "approval", maxLength: 100)
        let contractor = try Text.required(contractor, field: "contractor")
        guard !budget.isEmpty else { throw ReclaimError.invalid("budget", "give the planned budget by source: SOURCE=AMOUNT") }
        return try conn.transactionally { conn in
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO legacy_projects (name, approval_ref, contractor, created_by)
                    VALUES (\(name), \(approval), \(contractor), \(actor.name)) RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the project was not stored") }
            let id: Int64 = try row.decode("id")
            for (source, amount) in budget.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                try conn.execute("""
                    INSERT INTO legacy_project_budgets (project_id, source, planned) VALUES (\(id), \(source.rawValue), \(amount.fen))
                    """)
            }
            try Review.open(workflow, id: id, by: actor, on: conn)
            try Review.apply(workflow, id: id, .plan, note: name, by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    static func lock(_ id: Int64, on conn: Connection) throws -> LegacyProjectState {
        guard let row = try conn.queryFirst("SELECT state FROM legacy_project_lock(\(id))") else {
            throw ReclaimError(.notFound, field: "project", "no legacy project \(id)")
        }
        return try row.decodeEnum("state")
    }

    /// Adds an ownerless site, in no other live project, to a planned or approved project.
    public static func addSite(_ id: Int64, code: String, by actor: Actor, on conn: Connection) throws -> LegacyProject {
        try conn.transactionally { conn in
            let state = try lock(id, on: conn)
            guard state == .planned || state == .approved else {
                throw ReclaimError(.conflict, field: "state", "legacy project \(id) is \(state.rawValue): sites join before works start")
            }
            let site = try LegacySites.find(code, on: conn)
            guard site.noticeState == "ownerless" else {
                throw ReclaimError(.ruleViolation, field: "code",
                                   "site \(site.code) is not declared ownerless (its notice is \(site.noticeState))")
            }
            if let other = try conn.queryFirst("""
                SELECT ps.project_id FROM legacy_project_sites ps JOIN legacy_sites s ON s.id = ps.site_id
                WHERE s.code = \(site.code)
                """)?.decode("project_id", as: Int64.self) {
                throw ReclaimError(.conflict, field: "code", "site \(site.code) is in legacy project \(other)")
            }
            try conn.execute("""
                INSERT INTO legacy_project_sites (project_id, site_id, added_by)
                SELECT \(id), id, \(actor.name) FROM legacy_sites WHERE code = \(site.code)
                """)
            try AuditLog.record(action: "legacy.project.add-site", target: "legacy-project:\(id)", input: site.code,
                                by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    /// approve, start, suspend, resume, complete, accept (with its opinion).
    public static func step(_ id: Int64, _ action: LegacyProjectAction, opinion: String? = nil, by actor: Actor,
                            on conn: Connection) throws -> LegacyProject
    {
        let opinion = try Text.optional(opinion, field: "opinion", maxLength: 2000)
        if action == .accept, opinion == nil { throw ReclaimError.invalid("opinion", "an acceptance records its opinion") }
        guard action != .plan else { throw ReclaimError.invalid("action", "a project is planned when it is added") }
        return try conn.transactionally { conn in
            _ = try lock(id, on: conn)
            try Review.apply(workflow, id: id, action, note: opinion, by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    /// Treated area at a site of the project, while in works; never more than the site's area in total.
    public static func progress(_ id: Int64, code: String, area: Area, on date: CalendarDate, evidence: [String],
                                by actor: Actor, on conn: Connection) throws -> LegacyProject
    {
        guard area.squareMetres > 0 else { throw ReclaimError.invalid("area-hm2", "must be greater than zero") }
        guard date <= Bureau.today else {
            throw ReclaimError(.ruleViolation, field: "date", "progress is reported for a day that has come, not \(date)")
        }
        let evidence = try evidence.map { try Text.required($0, field: "evidence", maxLength: 200) }
        return try conn.transactionally { conn in
            let state = try lock(id, on: conn)
            guard state == .inWorks else {
                throw ReclaimError(.conflict, field: "state", "legacy project \(id) is \(state.rawValue): progress is reported in works")
            }
            guard let row = try conn.queryFirst("""
                SELECT s.id, s.area_m2, coalesce((SELECT sum(p.area_m2) FROM legacy_progress p WHERE p.site_id = s.id), 0)::bigint AS done
                FROM legacy_project_sites ps JOIN legacy_sites s ON s.id = ps.site_id
                WHERE ps.project_id = \(id) AND s.code = \(Text.trimmed(code))
                """)
            else { throw ReclaimError(.notFound, field: "site", "site \(code) is not in legacy project \(id)") }
            let siteArea: Int64 = try row.decode("area_m2")
            let done: Int64 = try row.decode("done")
            guard done + area.squareMetres <= siteArea else {
                throw ReclaimError(.ruleViolation, field: "area-hm2",
                                   "site \(code) has \(Area(squareMetres: siteArea - done).hectares) hm² left to treat of \(Area(squareMetres: siteArea).hectares)")
            }
            try conn.execute("""
                INSERT INTO legacy_progress (project_id, site_id, area_m2, on_date, evidence, created_by)
                VALUES (\(id), \(try row.decode("id", as: Int64.self)), \(area.squareMetres), \(date), \(evidence), \(actor.name))
                """)
            try AuditLog.record(action: "legacy.progress", target: "legacy-project:\(id)",
                                input: "\(code) \(area.squareMetres) \(date)", by: actor, on: conn)
            return try find(id, on: conn)
        }
    }

    /// Money into (commit) or out of (spend) a project, for one source.
    public static func book(_ kind: EntryKind, project id: Int64, source: FundingSource, _ booking: Booking, work: String?,
                            by actor: Actor, on conn: Connection) throws -> BookingResult
    {
        guard kind == .legacyCommit || kind == .legacySpend else { throw ReclaimError.invalid("kind", "commit or spend") }
        let work = try Text.optional(work, field: "work", maxLength: 500)
        if kind == .legacySpend, work == nil { throw ReclaimError.invalid("work", "say which works the payment is for") }
        let key = try Text.optional(booking.idempotencyKey, field: "idempotency_key", maxLength: 200)
        let date = try FundLedger.checkedValueDate(booking.valueDate)
        let rows = try DatabaseRefusal.mapping {
            try conn.query("""
                SELECT * FROM legacy_post(\(kind.rawValue), \(id), \(source.rawValue), \(booking.amount.fen), \(date),
                                          \(booking.valueDate), \(work), \(key), \(actor.name), \(actor.role), \(actor.requestID))
                """).rows
        }
        return try BookingResult(rows: rows)
    }

    public static func find(_ id: Int64, on conn: Connection) throws -> LegacyProject {
        guard let row = try conn.queryFirst("""
            SELECT p.id, p.name, p.approval_ref, p.contractor, p.created_by, r.state,
                   coalesce((SELECT sum(s.area_m2) FROM legacy_project_sites ps JOIN legacy_sites s ON s.id = ps.site_id
                             WHERE ps.project_id = p.id), 0)::bigint AS area,
                   coalesce((SELECT sum(g.area_m2) FROM legacy_progress g WHERE g.project_id = p.id), 0)::bigint AS treated
            FROM legacy_projects p JOIN review_records r ON r.record_type = 'legacy-project' AND r.record_id = p.id
            WHERE p.id = \(id)
            """)
        else { throw ReclaimError(.notFound, field: "project", "no legacy project \(id)") }
        var planned: [String: Int64] = [:]
        for r in try conn.query("SELECT source, planned FROM legacy_project_budgets WHERE project_id = \(id)").rows {
            planned[try r.decode("source")] = try r.decode("planned")
        }
        // per source, from the ledger itself: commitments into and payments out of the project's account
        var committed: [String: Int64] = [:]
        var spent: [String: Int64] = [:]
        for r in try conn.query("""
            SELECT substr(a.kind, 9) AS source,
                   coalesce(sum(p.amount) FILTER (WHERE e.kind = 'legacy-commit' OR (e.kind = 'reversal' AND o.kind = 'legacy-commit')), 0)::bigint AS committed,
                   coalesce(-sum(p.amount) FILTER (WHERE e.kind = 'legacy-spend' OR (e.kind = 'reversal' AND o.kind = 'legacy-spend')), 0)::bigint AS spent
            FROM fund_accounts a JOIN ledger_postings p ON p.account_id = a.id
            JOIN ledger_entries e ON e.id = p.entry_id LEFT JOIN ledger_entries o ON o.id = e.reverses
            WHERE a.project_id = \(id) AND a.kind LIKE 'project-%'
            GROUP BY a.kind
            """).rows {
            committed[try r.decode("source")] = try r.decode("committed")
            spent[try r.decode("source")] = try r.decode("spent")
        }
        let funding = FundingSource.allCases.compactMap { s -> SourceFunding? in
            let p = planned[s.rawValue], c = committed[s.rawValue] ?? 0, sp = spent[s.rawValue] ?? 0
            guard p != nil || c != 0 || sp != 0 else { return nil }
            return SourceFunding(source: s, planned: Money(fen: p ?? 0), committed: Money(fen: c), spent: Money(fen: sp),
                                 remaining: Money(fen: c - sp))
        }
        return LegacyProject(
            id: id, name: try row.decode("name"), approvalRef: try row.decode("approval_ref"),
            contractor: try row.decode("contractor"), manager: try row.decode("created_by"), state: try row.decodeEnum("state"),
            sites: try conn.query("""
                SELECT s.code FROM legacy_project_sites ps JOIN legacy_sites s ON s.id = ps.site_id
                WHERE ps.project_id = \(id) ORDER BY s.code
                """).rows.map { try $0.decode("code") },
            area: Area(squareMetres: try row.decode("area")), treated: Area(squareMetres: try row.decode("treated")),
            funding: funding, planned: Money(fen: funding.reduce(0) { $0 + $1.planned.fen }),
            committed: Money(fen: funding.reduce(0) { $0 + $1.committed.fen }),
            spent: Money(fen: funding.reduce(0) { $0 + $1.spent.fen }),
            decisions: try Review.history(workflow, id: id, on: conn))
    }

    public static func list(on conn: Connection) throws -> [LegacyProject] {
        try conn.query("SELECT id FROM legacy_projects ORDER BY id").rows.map { try find(try $0.decode("id"), on: conn) }
    }
}

/// Who may do what in the legacy programme. Operators (mine companies) see
/// nothing of it: its sites have no responsible party, and a contractor is
/// named by text, not bound to a user.
public enum LegacyPolicy {
    /// Sites, notices, projects and progress: admins and reviewers.
    public static let manage = Policy.roles("manage the legacy programme", .admin, .reviewer)
    /// Reading: everyone but operators and experts.
    public static let read = Policy("read the legacy programme") { $0.role != .operator && $0.role != .expert }
    /// Objections during a notice, recorded for the people who raise them: the programme's managers.
    public static let object = manage
    /// Who may take a project's `action` (approving and accepting: reviewers,
    /// never its manager): as the workflow's table says.
    public static func step(_ action: LegacyProjectAction) -> Policy {
        LegacyProjects.workflow.policy(action, license: nil)
    }
}
