public import Foundation
public import PQKit

/// An annual plan's states (the shared review workflow, record type `annual-plan`).
public enum AnnualPlanState: String, WorkflowState, Codable {
    case draft, submitted, approved, returned
    case revisionSubmitted = "revision-submitted"
    case revisionReturned = "revision-returned"
    case reported, accepted, failed

    /// The states in which the plan's approved works may be paid for.
    public var paysForWorks: Bool {
        [.approved, .revisionSubmitted, .revisionReturned, .reported].contains(self)
    }
}

public enum AnnualPlanAction: String, WorkflowAction {
    case submit, approve, `return`, revise, report, accept, fail
}

/// A report line: what was done for one work.
public struct AnnualReportLine: Sendable, Equatable, Codable {
    public var work: Int
    @Nullable public var area: Area?
    @Nullable public var quantity: Quantity?
    public var spent: Money
    public var evidence: [String]

    enum CodingKeys: String, CodingKey {
        case work
        case area = "area_hm2"
        case quantity, spent, evidence
    }

    /// Reads a report file (`annual report --file DONE.json`): one line per
    /// work of `works`, in the plan's order, each with what its work measures.
    public static func parse(_ data: Data, for works: [AnnualWork]) throws -> [AnnualReportLine] {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw ReclaimError.invalid("works", "the file is not a JSON object")
        }
        if let unknown = top.keys.sorted().first(where: { !AnnualReportFile.fields.contains($0) }) {
            throw ReclaimError.invalid(unknown, "is not a field of a report (it has works and land)")
        }
        guard let list = top["works"] as? [Any] else { throw ReclaimError.invalid("works", "must be a list") }
        guard list.count == works.count else {
            throw ReclaimError(.ruleViolation, field: "works",
                               "reports \(list.count) works; the plan has \(works.count), one line each in its order")
        }
        // values through JSONDecoder, which tells a number from true (JSONSerialization does not, on Linux)
        struct Raw: Decodable {
            var work: Int
            var area_hm2: String?
            var quantity: String?
            var spent: String
            var evidence: [String]?
        }
        let raws: [Raw]
        do {
            struct File: Decodable { var works: [Raw] }
            raws = try JSONDecoder().decode(File.self, from: data).works
        } catch let DecodingError.typeMismatch(_, c), let DecodingError.valueNotFound(_, c) {
            throw ReclaimError.invalid(PlanDocument.path(c.codingPath), "has the wrong type")
        } catch let DecodingError.keyNotFound(key, c) {
            throw ReclaimError.invalid(PlanDocument.path(c.codingPath + [key]), "is required")
        } catch {
            throw ReclaimError.invalid("works", "is not a list of report lines")
        }
        var lines: [AnnualReportLine] = []
        for (i, (item, w)) in zip(list, raws).enumerated() {
            let at = "works[\(i + 1)]"
            if let keys = (item as? [String: Any])?.keys,
               let unknown = keys.sorted().first(where: { !["work", "area_hm2", "quantity", "spent", "evidence"].contains($0) }) {
                throw ReclaimError.invalid("\(at).\(unknown)", "is not a field of a report line")
            }
            let n = w.work
            guard n == i + 1 else {
                throw ReclaimError(.ruleViolation, field: "\(at).work", "must be \(i + 1): one line per work, in the plan's order")
            }
            let planned = works[i]
            var area: Area?
            var quantity: Quantity?
            if planned.area != nil {
                guard let t = w.area_hm2, w.quantity == nil else {
                    throw ReclaimError(.ruleViolation, field: "\(at).area_hm2", "work \(n) is measured in hm²: give area_hm2")
                }
                area = try Area.parseHectares(t, field: "\(at).area_hm2")
            } else {
                guard let t = w.quantity, w.area_hm2 == nil else {
                    throw ReclaimError(.ruleViolation, field: "\(at).quantity", "work \(n) is measured in \(planned.unit ?? "units"): give quantity")
                }
                quantity = try Quantity.parse(t, field: "\(at).quantity")
            }
            guard let fen = ExactDecimal.parse(w.spent, scale: 2, maximum: Money.maximum.fen) else {
                throw ReclaimError.invalid("\(at).spent", "must be a yuan amount with at most two decimals")
            }
            let evidence = w.evidence ?? []
            guard evidence.count <= 100 else { throw ReclaimError.invalid("\(at).evidence", "at most 100 ids") }
            let ids = try evidence.map { try Text.required($0, field: "\(at).evidence", maxLength: 200) }
            lines.append(AnnualReportLine(work: n, area: area, quantity: quantity, spent: Money(fen: fen), evidence: ids))
        }
        return lines
    }
}

/// A year-end report's land of one type (`land` in the report file): the
/// new damage found in the year (新增损毁) and the land reclaimed (已复垦).
/// 应复垦面积 adds up the plan's existing damage and every report's new
/// damage; 已复垦面积 the reclaimed land of accepted reports.
public struct ReportLand: Sendable, Equatable, Codable {
    public var landType: LandType
    public var damaged: Area
    public var reclaimed: Area

    public init(landType: LandType, damaged: Area, reclaimed: Area) {
        self.landType = landType
        self.damaged = damaged
        self.reclaimed = reclaimed
    }

    enum CodingKeys: String, CodingKey {
        case landType = "land_type"
        case damaged = "damaged_hm2"
        case reclaimed = "reclaimed_hm2"
    }

    /// The report file's `land`, one entry per land type; nil when it has none.
    public static func parse(_ data: Data) throws -> [ReportLand]? {
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let raw = top["land"] else {
            return nil
        }
        guard let list = raw as? [Any], (1...4).contains(list.count) else {
            throw ReclaimError.invalid("land", "must be a list of one to four land types")
        }
        var seen: Set<LandType> = []
        return try list.enumerated().map { i, item in
            let at = "land[\(i + 1)]"
            guard let o = item as? [String: Any] else { throw ReclaimError.invalid(at, "must be an object") }
            if let unknown = o.keys.sorted().first(where: { !["land_type", "damaged_hm2", "reclaimed_hm2"].contains($0) }) {
                throw ReclaimError.invalid("\(at).\(unknown)", "is not a field of a report's land")
            }
            guard let t = o["land_type"] as? String, let type = LandType(rawValue: t) else {
                throw ReclaimError.invalid("\(at).land_type", "must be one of \(LandType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard seen.insert(type).inserted else { throw ReclaimError.invalid("\(at).land_type", "names \(t) twice") }
            guard let d = o["damaged_hm2"] as? String else { throw ReclaimError.invalid("\(at).damaged_hm2", "is required, as a string") }
            guard let r = o["reclaimed_hm2"] as? String else {
                throw ReclaimError.invalid("\(at).reclaimed_hm2", "is required, as a string")
            }
            return ReportLand(landType: type, damaged: try Area.parseHectares(d, field: "\(at).damaged_hm2"),
                              reclaimed: try Area.parseHectares(r, field: "\(at).reclaimed_hm2"))
        }
    }
}

/// One planned work with what was reported for it.
public struct AnnualWorkView: Sendable, Equatable, Codable {
    public var work: Int
    public var planned: AnnualWork
    public var done: AnnualReportLine?
}

/// An annual plan as `annual show` prints it.
public struct AnnualPlan: Sendable, Equatable, Codable {
    public var license: String
    public var year: Int
    public var state: AnnualPlanState
    /// The version of the works in force: the approved one, else the draft.
    public var version: Int
    /// The approved budget (the draft's before any approval).
    public var budget: Money
    public var area: Area
    /// Withdrawals that name this plan, net of their reversals.
    public var withdrawn: Money
    public var remaining: Money
    public var works: [AnnualWorkView]
    /// A revision awaiting review or returned: its works and budget (not yet in force).
    @Nullable public var pendingRevision: AnnualWorks?
    public var rectifications: [String]
    public var decisions: [ReviewDecision]

    enum CodingKeys: String, CodingKey {
        case license, year, state, version, budget
        case area = "area_hm2"
        case withdrawn, remaining, works
        case pendingRevision = "pending_revision"
        case rectifications, decisions
    }
}

extension AnnualWorks: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        works = try c.decode([AnnualWork].self, forKey: .works)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(works, forKey: .works)
        try c.encode(budget, forKey: .budget)
    }

    enum Keys: String, CodingKey { case works, budget }
}

/// A line of `annual list`.
public struct AnnualPlanSummary: Sendable, Equatable, Codable {
    public var license: String
    public var year: Int
    public var state: AnnualPlanState
    public var budget: Money
    /// When it entered its state: the queue is oldest first.
    public var since: Date

    enum CodingKeys: String, CodingKey { case license, year, state, budget, since }
}

/// Annual governance plans (年度治理计划书): drafted and submitted by a mine's
/// operator, decided by reviewers, revised, reported at year end and
/// accepted or failed (年度生态修复验收).
public enum AnnualPlans {
    public static let workflow = Workflow<AnnualPlanState, AnnualPlanAction>(
        recordType: "annual-plan", noun: "annual plan", initial: .draft, submit: .submit, [
            .init(.draft, .submit, .submitted, by: .operator),
            .init(.submitted, .approve, .approved, by: .reviewer, reviewed: true),
            .init(.submitted, .return, .returned, by: .reviewer, reviewed: true),
            .init(.returned, .submit, .submitted, by: .operator),
            .init(.approved, .revise, .revisionSubmitted, by: .operator),
            .init(.revisionSubmitted, .approve, .approved, by: .reviewer, reviewed: true),
            .init(.revisionSubmitted, .return, .revisionReturned, by: .reviewer, reviewed: true),
            .init(.revisionReturned, .revise, .revisionSubmitted, by: .operator),
            .init(.approved, .report, .reported, by: .operator),
            .init(.revisionReturned, .report, .reported, by: .operator),
            .init(.reported, .accept, .accepted, by: .reviewer, reviewed: true),
            .init(.reported, .fail, .failed, by: .reviewer, reviewed: true),
            .init(.failed, .report, .reported, by: .operator),
        ])

    struct Record {
        var id: Int64
        var mineID: Int64
        var state: AnnualPlanState
    }

    /// The plan of `license` and `year`, locked for the action (withdrawals
    /// lock it too: a decision and a payment never interleave).
    static func lock(_ license: String, year: Int, on conn: Connection) throws -> Record {
        guard let row = try conn.queryFirst("""
            SELECT id, mine_id, state FROM annual_plan_lock(\(license), \(Int32(year)))
            """)
        else {
            _ = try MineRegistry.find(license, on: conn)
            throw ReclaimError(.notFound, field: "year", "mine \(license) has no annual plan for \(year)")
        }
        return Record(id: try row.decode("id"), mineID: try row.decode("mine_id"), state: try row.decodeEnum("state"))
    }

    static func addVersion(_ planID: Int64, kind: String, _ works: AnnualWorks, by actor: Actor, on conn: Connection)
        throws -> Int64
    {
        guard let row = try conn.queryFirst("""
            INSERT INTO annual_plan_versions (annual_plan_id, version, kind, budget, area_m2, created_by)
            SELECT \(planID), coalesce(max(version), 0) + 1, \(kind), \(works.budget.fen), \(works.area.squareMetres),
                   \(actor.name)
            FROM annual_plan_versions WHERE annual_plan_id = \(planID)
            RETURNING id
            """)
        else { throw ReclaimError(.internal, "the works were not stored") }
        let id: Int64 = try row.decode("id")
        for (i, w) in works.works.enumerated() {
            try conn.execute("""
                INSERT INTO annual_plan_works (version_id, n, type, location, geometry, area_m2, quantity, unit, budget,
                                               start_month, end_month)
                VALUES (\(id), \(Int64(i + 1)), \(w.type.rawValue), \(w.location), \(w.geometry)::jsonb,
                        \(w.area?.squareMetres), \(w.quantity?.description)::numeric, \(w.unit), \(w.budget.fen),
                        \(w.startMonth.firstDay), \(w.endMonth.firstDay))
                """)
        }
        return id
    }

    /// Creates the draft, or replaces its works while it is a draft or returned.
    public static func draft(_ license: String, year: Int, _ works: AnnualWorks, by actor: Actor, on conn: Connection)
        throws -> AnnualPlan
    {
        let license = try Identifier.license(license)
        try Years.check(year)
        return try conn.transactionally { conn in
            guard let mine = try conn.queryFirst("SELECT id FROM mines WHERE license = \(license) FOR UPDATE") else {
                throw MineRegistry.notFound(license)
            }
            let mineID: Int64 = try mine.decode("id")
            let existing = try conn.queryFirst("""
                SELECT a.id, r.state FROM annual_plans a
                JOIN review_records r ON r.record_type = 'annual-plan' AND r.record_id = a.id
                WHERE a.mine_id = \(mineID) AND a.year = \(Int64(year))
                """)
            let planID: Int64
            if let existing {
                let state: AnnualPlanState = try existing.decodeEnum("state")
                guard state == .draft || state == .returned else {
                    throw ReclaimError(.conflict, field: "state",
                                       "the annual plan \(year) of mine \(license) is \(state.rawValue): only a draft or a returned plan is edited; an approved one is revised")
                }
                planID = try existing.decode("id")
            } else {
                guard let current = try Plans.currentID(mineID: mineID, on: conn) else {
                    throw ReclaimError(.ruleViolation, field: "plan",
                                       "mine \(license) has no approved plan (方案); an annual plan is a yearly slice of one")
                }
                guard let row = try DatabaseRefusal.mapping({
                    try conn.queryFirst("""
                        INSERT INTO annual_plans (mine_id, year, plan_id, created_by)
                        VALUES (\(mineID), \(Int64(year)), \(current), \(actor.name)) RETURNING id
                        """)
                }) else { throw ReclaimError(.internal, "the annual plan was not stored") }
                planID = try row.decode("id")
                try Review.open(workflow, id: planID, by: actor, on: conn)
            }
            _ = try addVersion(planID, kind: "draft", works, by: actor, on: conn)
            try AuditLog.record(action: "annual-plan.draft", target: "annual-plan:\(planID)",
                                input: String(decoding: (try? ReclaimJSON.encode(works)) ?? Data(), as: UTF8.self),
                                by: actor, on: conn)
            return try find(license, year: year, on: conn)
        }
    }

    /// submit, approve, return, accept, fail: a step of the workflow, with
    /// its reason or rectification items. An approval puts the version under
    /// review in force.
    public static func decide(_ license: String, year: Int, _ action: AnnualPlanAction, reason: String? = nil,
                              items: [String] = [], by actor: Actor, on conn: Connection) throws -> AnnualPlan
    {
        let license = try Identifier.license(license)
        if action == .return, (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ReclaimError.invalid("reason", "say why the plan is returned")
        }
        let items = try items.map { try Text.required($0, field: "item", maxLength: 2000) }
        if action == .fail, items.isEmpty {
            throw ReclaimError.invalid("item", "a failed acceptance lists its rectification items")
        }
        guard [.submit, .approve, .return, .accept, .fail].contains(action) else {
            throw ReclaimError.invalid("action", "\(action.rawValue) comes with its works or its report, not as a decision")
        }
        return try conn.transactionally { conn in
            let record = try lock(license, year: year, on: conn)
            let note = action == .fail ? items.joined(separator: "\n") : reason
            let decision = try Review.apply(workflow, id: record.id, action, note: note, by: actor, on: conn)
            if action == .approve {
                try DatabaseRefusal.mapping { try conn.execute("""
                    INSERT INTO annual_plan_approvals (annual_plan_id, decision_seq, version_id)
                    SELECT \(record.id), \(Int32(decision.seq)), max(id) FROM annual_plan_versions
                    WHERE annual_plan_id = \(record.id)
                    """) }
            }
            for (i, item) in items.enumerated() where action == .fail {
                try conn.execute("""
                    INSERT INTO annual_plan_rectifications (annual_plan_id, decision_seq, n, item)
                    VALUES (\(record.id), \(Int32(decision.seq)), \(Int32(i + 1)), \(item))
                    """)
            }
            return try find(license, year: year, on: conn)
        }
    }

    /// A budget revision of an approved plan: the approved figures stay in
    /// force until a reviewer approves it.
    public static func revise(_ license: String, year: Int, _ works: AnnualWorks, by actor: Actor, on conn: Connection)
        throws -> AnnualPlan
    {
        let license = try Identifier.license(license)
        return try conn.transactionally { conn in
            let record = try lock(license, year: year, on: conn)
            _ = try workflow.transition(from: record.state, .revise)  // refused before anything is written
            _ = try addVersion(record.id, kind: "revision", works, by: actor, on: conn)
            try Review.apply(workflow, id: record.id, .revise,
                             note: "budget \(works.budget) yuan", by: actor, on: conn)
            return try find(license, year: year, on: conn)
        }
    }

    /// What was done: per work the area or quantity, the money spent and evidence ids.
    public static func report(_ license: String, year: Int, file: Data, by actor: Actor, on conn: Connection) throws
        -> AnnualPlan
    {
        let license = try Identifier.license(license)
        return try conn.transactionally { conn in
            let record = try lock(license, year: year, on: conn)
            _ = try workflow.transition(from: record.state, .report)
            guard let versionID = try approvedVersion(record.id, on: conn) else {
                throw ReclaimError(.internal, "an approved annual plan without approved works")
            }
            let lines = try AnnualReportLine.parse(file, for: try worksOf(version: versionID, on: conn))
            // without a `land` list, the works' treated area is reclaimed land of the mine's own type
            let land = try ReportLand.parse(file) ?? [ReportLand(
                landType: try conn.queryFirst("SELECT m.land_type FROM mines m WHERE m.license = \(license)")?
                    .decodeEnum("land_type") ?? .other,
                damaged: Area(squareMetres: 0),
                reclaimed: Area(squareMetres: lines.reduce(0) { $0 + ($1.area?.squareMetres ?? 0) }))]
            guard let row = try conn.queryFirst("""
                INSERT INTO annual_plan_reports (annual_plan_id, version_id, created_by)
                VALUES (\(record.id), \(versionID), \(actor.name)) RETURNING id
                """)
            else { throw ReclaimError(.internal, "the report was not stored") }
            let reportID: Int64 = try row.decode("id")
            for l in lines {
                try conn.execute("""
                    INSERT INTO annual_plan_report_lines (report_id, work, area_m2, quantity, spent, evidence)
                    VALUES (\(reportID), \(Int32(l.work)), \(l.area?.squareMetres), \(l.quantity?.description)::numeric,
                            \(l.spent.fen), \(l.evidence))
                    """)
            }
            for l in land {
                try conn.execute("""
                    INSERT INTO annual_plan_report_land (report_id, land_type, damaged_m2, reclaimed_m2)
                    VALUES (\(reportID), \(l.landType.rawValue), \(l.damaged.squareMetres), \(l.reclaimed.squareMetres))
                    """)
            }
            try Review.apply(workflow, id: record.id, .report, note: "report \(reportID)", by: actor, on: conn)
            return try find(license, year: year, on: conn)
        }
    }

    /// The works version in force: the latest approval's.
    static func approvedVersion(_ planID: Int64, on conn: Connection) throws -> Int64? {
        try conn.queryFirst("""
            SELECT approved_version_id FROM annual_plans_in_force WHERE annual_plan_id = \(planID)
            """)?.decode("approved_version_id")
    }

    static func worksOf(version: Int64, on conn: Connection) throws -> [AnnualWork] {
        try conn.query("""
            SELECT type, location, geometry::text AS geometry, area_m2, quantity::text AS quantity, unit, budget,
                   start_month, end_month
            FROM annual_plan_works WHERE version_id = \(version) ORDER BY n
            """).rows.map { r in
            AnnualWork(type: try r.decodeEnum("type"), location: try r.decode("location"),
                       geometry: try r.decode("geometry"),
                       area: try r.decode("area_m2", as: Int64?.self).map(Area.init(squareMetres:)),
                       quantity: try r.decode("quantity", as: String?.self).map { try Quantity.parse($0) },
                       unit: try r.decode("unit"), budget: Money(fen: try r.decode("budget")),
                       startMonth: Month(try r.decode("start_month", as: CalendarDate.self)),
                       endMonth: Month(try r.decode("end_month", as: CalendarDate.self)))
        }
    }

    /// A plan the fund may pay from now, with its budget left: what a withdrawal form offers.
    public struct Payable: Sendable, Equatable {
        public var license: String
        public var year: Int
        public var remaining: Money
    }

    /// Every plan that pays for works (approved, its works under way), with
    /// its remaining budget, by licence and year: one read, not one per plan.
    public static func payable(only: [String]? = nil, on conn: Connection) throws -> [Payable] {
        try conn.query("""
            SELECT m.license, f.year, f.remaining FROM annual_plans_in_force f JOIN mines m ON m.id = f.mine_id
            WHERE f.pays AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY m.license, f.year
            """).rows.map {
            Payable(license: try $0.decode("license"), year: Int(try $0.decode("year", as: Int32.self)),
                    remaining: Money(fen: try $0.decode("remaining")))
        }
    }

    public static func find(_ license: String, year: Int, on conn: Connection) throws -> AnnualPlan {
        let license = try Identifier.license(license)
        guard let row = try conn.queryFirst("""
            SELECT f.annual_plan_id AS id, f.state, f.approved_version_id AS approved_version,
                   f.latest_version_id AS latest_version, f.withdrawn
            FROM annual_plans_in_force f JOIN mines m ON m.id = f.mine_id
            WHERE m.license = \(license) AND f.year = \(Int64(year))
            """)
        else {
            _ = try MineRegistry.find(license, on: conn)
            throw ReclaimError(.notFound, field: "year", "mine \(license) has no annual plan for \(year)")
        }
        let id: Int64 = try row.decode("id")
        let state: AnnualPlanState = try row.decodeEnum("state")
        let approved: Int64? = try row.decode("approved_version")
        let latest: Int64 = try row.decode("latest_version")
        let inForce = approved ?? latest
        let works = try worksOf(version: inForce, on: conn)
        guard let v = try conn.queryFirst("SELECT version, budget, area_m2 FROM annual_plan_versions WHERE id = \(inForce)")
        else { throw ReclaimError(.internal, "annual plan \(id) has no works") }
        let budget = Money(fen: try v.decode("budget"))
        let withdrawn = Money(fen: try row.decode("withdrawn"))
        var done: [Int: AnnualReportLine] = [:]
        if let report = try conn.queryFirst("""
            SELECT id FROM annual_plan_reports WHERE annual_plan_id = \(id) ORDER BY id DESC LIMIT 1
            """)?.decode("id", as: Int64.self) {
            for r in try conn.query("""
                SELECT work, area_m2, quantity::text AS quantity, spent, evidence FROM annual_plan_report_lines
                WHERE report_id = \(report) ORDER BY work
                """).rows {
                let line = AnnualReportLine(
                    work: Int(try r.decode("work", as: Int32.self)),
                    area: try r.decode("area_m2", as: Int64?.self).map(Area.init(squareMetres:)),
                    quantity: try r.decode("quantity", as: String?.self).map { try Quantity.parse($0) },
                    spent: Money(fen: try r.decode("spent")), evidence: try r.decode("evidence"))
                done[line.work] = line
            }
        }
        let pending = approved != nil && latest != approved && [.revisionSubmitted, .revisionReturned].contains(state)
            ? AnnualWorks(works: try worksOf(version: latest, on: conn)) : nil
        let rectifications: [String] = state == .failed ? try conn.query("""
            SELECT item FROM annual_plan_rectifications WHERE annual_plan_id = \(id)
              AND decision_seq = (SELECT max(decision_seq) FROM annual_plan_rectifications WHERE annual_plan_id = \(id))
            ORDER BY n
            """).rows.map { try $0.decode("item") } : []
        return AnnualPlan(
            license: license, year: year, state: state, version: Int(try v.decode("version", as: Int32.self)),
            budget: budget, area: Area(squareMetres: try v.decode("area_m2")), withdrawn: withdrawn,
            remaining: budget - withdrawn,
            works: works.enumerated().map { AnnualWorkView(work: $0.offset + 1, planned: $0.element, done: done[$0.offset + 1]) },
            pendingRevision: pending, rectifications: rectifications,
            decisions: try Review.history(workflow, id: id, on: conn))
    }

    /// Plans by year and state; the reviewers' queue (`--state submitted`) is
    /// oldest first (by when each entered its state), across mines.
    public static func list(year: Int? = nil, state: AnnualPlanState? = nil, only: [String]? = nil, on conn: Connection)
        throws -> [AnnualPlanSummary]
    {
        try conn.query("""
            SELECT m.license, a.year, a.state,
                   (SELECT v.budget FROM annual_plan_versions v WHERE v.id = a.version_id) AS budget,
                   coalesce((SELECT max(d.decided_at) FROM review_decisions d
                             WHERE d.record_type = 'annual-plan' AND d.record_id = a.annual_plan_id), a.created_at) AS since
            FROM annual_plans_in_force a JOIN mines m ON m.id = a.mine_id
            WHERE (\(year.map(Int64.init)) IS NULL OR a.year = \(year.map(Int64.init)))
              AND (\(state?.rawValue) IS NULL OR a.state = \(state?.rawValue))
              AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY since, a.annual_plan_id
            """).rows.map { r in
            AnnualPlanSummary(license: try r.decode("license"), year: Int(try r.decode("year", as: Int32.self)),
                              state: try r.decodeEnum("state"), budget: Money(fen: try r.decode("budget")),
                              since: try r.decode("since"))
        }
    }

    /// Producing and under-construction mines with no submitted plan for `year`
    /// (none at all, or a draft never submitted).
    public static func missing(year: Int, only: [String]? = nil, on conn: Connection) throws -> [Mine] {
        try Years.check(year)
        return try conn.query("""
            SELECT \(unescaped: Mine.columns) FROM mines m
            WHERE m.status IN ('producing', 'under-construction')
              AND (\(only) IS NULL OR m.license = ANY (\(only)))
              AND NOT EXISTS (SELECT 1 FROM annual_plans a JOIN review_records r
                              ON r.record_type = 'annual-plan' AND r.record_id = a.id
                              WHERE a.mine_id = m.id AND a.year = \(Int64(year)) AND r.state <> 'draft')
            ORDER BY m.license
            """).rows.map(Mine.init(row:))
    }
}

/// A year-end report file (年度治理报告): a line per work, and optionally the
/// land restored by type; what POST …/report sends.
public enum AnnualReportFile: BodyShape {
    public static var fields: [String] { ["works", "land"] }
}
