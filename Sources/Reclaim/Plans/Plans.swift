public import Foundation
public import PQKit

/// A plan version's states, the shared review workflow's (record type `plan`).
public enum PlanState: String, WorkflowState, Codable {
    case draft, submitted, approved, returned
}

public enum PlanAction: String, WorkflowAction {
    case submit, approve, `return`
}

/// One version of a mine's protection and land-reclamation plan, with its
/// state and decisions.
public struct PlanVersion: Sendable, Equatable, Codable {
    public var license: String
    public var version: Int
    public var state: PlanState
    /// The last approved version of the mine: the one in force.
    public var current: Bool
    public var document: PlanDocument
    public var submittedAt: Date
    public var submittedBy: String
    public var decisions: [ReviewDecision]

    enum CodingKeys: String, CodingKey {
        case license, version, state, current
        case submittedAt = "submitted_at"
        case submittedBy = "submitted_by"
        case decisions
    }

    /// The document's fields at the top level, beside the version's own.
    public func encode(to encoder: any Encoder) throws {
        try document.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(license, forKey: .license)
        try c.encode(version, forKey: .version)
        try c.encode(state, forKey: .state)
        try c.encode(current, forKey: .current)
        try c.encode(submittedAt, forKey: .submittedAt)
        try c.encode(submittedBy, forKey: .submittedBy)
        try c.encode(decisions, forKey: .decisions)
    }

    public init(from decoder: any Decoder) throws {
        document = try PlanDocument(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        license = try c.decode(String.self, forKey: .license)
        version = try c.decode(Int.self, forKey: .version)
        state = try c.decode(PlanState.self, forKey: .state)
        current = try c.decode(Bool.self, forKey: .current)
        submittedAt = try c.decode(Date.self, forKey: .submittedAt)
        submittedBy = try c.decode(String.self, forKey: .submittedBy)
        decisions = try c.decode([ReviewDecision].self, forKey: .decisions)
    }

    init(license: String, version: Int, state: PlanState, current: Bool, document: PlanDocument, submittedAt: Date,
         submittedBy: String, decisions: [ReviewDecision])
    {
        self.license = license
        self.version = version
        self.state = state
        self.current = current
        self.document = document
        self.submittedAt = submittedAt
        self.submittedBy = submittedBy
        self.decisions = decisions
    }
}

/// A line of `plan list`.
public struct PlanSummary: Sendable, Equatable, Codable {
    public var license: String
    public var version: Int
    public var state: PlanState
    public var current: Bool
    public var serviceFrom: Int
    public var serviceTo: Int
    public var costTotal: Money
    public var letterSignedOn: CalendarDate
    public var submittedBy: String
    public var submittedAt: Date

    enum CodingKeys: String, CodingKey {
        case license, version, state, current
        case serviceFrom = "service_from"
        case serviceTo = "service_to"
        case costTotal = "cost_total"
        case letterSignedOn = "letter_signed_on"
        case submittedBy = "submitted_by"
        case submittedAt = "submitted_at"
    }
}

/// Plans (方案): versions submitted by a mine's operator and decided by
/// reviewers through the shared workflow. The last approved version is
/// current; approving one signed after the mine's open §6.2 obligations
/// were raised closes `recompile-plan` and `resign-responsibility-letter`.
public enum Plans {
    public static let workflow = Workflow<PlanState, PlanAction>(
        recordType: "plan", noun: "plan version", initial: .draft, submit: .submit, [
            .init(.draft, .submit, .submitted, by: .operator),
            .init(.submitted, .approve, .approved, by: .reviewer, reviewed: true),
            .init(.submitted, .return, .returned, by: .reviewer, reviewed: true),
        ])

    /// A new version in state `submitted`. One version awaits review at a
    /// time; a returned one is replaced by submitting anew.
    public static func submit(_ license: String, _ document: PlanDocument, by actor: Actor, on conn: Connection) throws
        -> PlanVersion
    {
        let license = try Identifier.license(license)
        try document.check()
        return try conn.transactionally { conn in
            guard let mine = try conn.queryFirst("SELECT id FROM mines WHERE license = \(license) FOR UPDATE") else {
                throw MineRegistry.notFound(license)
            }
            let mineID: Int64 = try mine.decode("id")
            if let pending = try conn.queryFirst("""
                SELECT p.version FROM plans p
                JOIN review_records r ON r.record_type = 'plan' AND r.record_id = p.id AND r.state = 'submitted'
                WHERE p.mine_id = \(mineID)
                """) {
                let v = try pending.decode("version", as: Int32.self)
                throw ReclaimError(.conflict, field: "version",
                                   "version \(v) of mine \(license)'s plan awaits review; it must be approved or returned first")
            }
            let version = try conn.queryFirst("""
                SELECT coalesce(max(version), 0) + 1 AS v FROM plans WHERE mine_id = \(mineID)
                """)?.decode("v", as: Int32.self) ?? 1
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO plans (mine_id, version, service_from, service_to, responsibility_area_m2,
                                       planned_reclaimed_m2, target_rate_bp, cost_total, letter_signed_on, submitted_by)
                    VALUES (\(mineID), \(version), \(Int64(document.serviceFrom)), \(Int64(document.serviceTo)),
                            \(document.responsibilityArea.squareMetres), \(document.plannedReclaimed.squareMetres),
                            \(Int64(document.targetRateBasisPoints)), \(document.costTotal.fen),
                            \(document.letterSignedOn), \(actor.name))
                    RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the plan was not stored") }
            let id: Int64 = try row.decode("id")
            for land in document.damagedLand {
                try conn.execute("""
                    INSERT INTO plan_damaged_land (plan_id, land_type, existing_m2, predicted_m2)
                    VALUES (\(id), \(land.landType.rawValue), \(land.existing.squareMetres), \(land.predicted.squareMetres))
                    """)
            }
            for (year, cost) in document.costByYear.sorted(by: { $0.key < $1.key }) {
                try conn.execute("""
                    INSERT INTO plan_costs (plan_id, year, cost) VALUES (\(id), \(Int64(year)), \(cost.fen))
                    """)
            }
            try Review.open(workflow, id: id, by: actor, on: conn)
            try Review.apply(workflow, id: id, .submit, note: "version \(version)", by: actor, on: conn)
            return try find(license, version: Int(version), on: conn)
        }
    }

    /// A reviewer's decision on version `version`: approve, or return with a
    /// reason. Two reviewers at once: one wins, the other gets a conflict
    /// naming the state; the submitter may not decide their own.
    public static func decide(_ license: String, version: Int, _ action: PlanAction, reason: String?, by actor: Actor,
                              on conn: Connection) throws -> PlanVersion
    {
        let license = try Identifier.license(license)
        if action == .return, (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ReclaimError.invalid("reason", "say why the plan is returned")
        }
        guard action != .submit else { throw ReclaimError.invalid("action", "a plan version is submitted with its document, not decided") }
        return try conn.transactionally { conn in
            let (id, mineID, letter) = try locate(license, version: version, on: conn)
            try Review.apply(workflow, id: id, action, note: reason, by: actor, on: conn)
            if action == .approve {
                // the letter signed on or after the day the obligation was raised (Beijing time) answers it
                try conn.execute("""
                    UPDATE mine_obligations SET closed_at = now(), closed_by = \(actor.name), closed_by_plan = \(id)
                    WHERE mine_id = \(mineID) AND closed_at IS NULL
                      AND kind IN ('recompile-plan', 'resign-responsibility-letter')
                      AND (opened_at AT TIME ZONE 'Asia/Shanghai')::date <= \(letter)
                    """)
            }
            return try find(license, version: version, on: conn)
        }
    }

    static func locate(_ license: String, version: Int, on conn: Connection) throws -> (Int64, Int64, CalendarDate) {
        guard let row = try conn.queryFirst("""
            SELECT p.id, p.mine_id, p.letter_signed_on FROM plans p JOIN mines m ON m.id = p.mine_id
            WHERE m.license = \(license) AND p.version = \(Int64(version))
            """)
        else {
            _ = try MineRegistry.find(license, on: conn)
            throw ReclaimError(.notFound, field: "version", "mine \(license) has no plan version \(version)")
        }
        return (try row.decode("id"), try row.decode("mine_id"), try row.decode("letter_signed_on"))
    }

    /// Version `version`, or without one the current version (else the latest).
    public static func find(_ license: String, version: Int? = nil, on conn: Connection) throws -> PlanVersion {
        let license = try Identifier.license(license)
        guard let row = try conn.queryFirst("""
            SELECT p.*, r.state,
                   p.version = (SELECT max(p2.version) FROM plans p2 JOIN review_records r2
                                ON r2.record_type = 'plan' AND r2.record_id = p2.id AND r2.state = 'approved'
                                WHERE p2.mine_id = p.mine_id) AS current
            FROM plans p JOIN mines m ON m.id = p.mine_id
            JOIN review_records r ON r.record_type = 'plan' AND r.record_id = p.id
            WHERE m.license = \(license) AND (\(version.map { Int64($0) }) IS NULL OR p.version = \(version.map { Int64($0) }))
            ORDER BY (r.state = 'approved') AND \(version == nil) DESC, p.version DESC LIMIT 1
            """)
        else {
            _ = try MineRegistry.find(license, on: conn)
            throw ReclaimError(.notFound, field: "version",
                               version.map { "mine \(license) has no plan version \($0)" } ?? "mine \(license) has no plan")
        }
        let id: Int64 = try row.decode("id")
        let land = try conn.query("""
            SELECT land_type, existing_m2, predicted_m2 FROM plan_damaged_land WHERE plan_id = \(id) ORDER BY land_type
            """).rows.map { r in
            PlanDocument.DamagedLand(landType: try r.decodeEnum("land_type"),
                                     existing: Area(squareMetres: try r.decode("existing_m2")),
                                     predicted: Area(squareMetres: try r.decode("predicted_m2")))
        }
        var costs: [Int: Money] = [:]
        for r in try conn.query("SELECT year, cost FROM plan_costs WHERE plan_id = \(id)").rows {
            costs[Int(try r.decode("year", as: Int32.self))] = Money(fen: try r.decode("cost"))
        }
        let document = try PlanDocument(
            serviceFrom: Int(try row.decode("service_from", as: Int32.self)),
            serviceTo: Int(try row.decode("service_to", as: Int32.self)), damagedLand: land,
            responsibilityArea: Area(squareMetres: try row.decode("responsibility_area_m2")),
            plannedReclaimed: Area(squareMetres: try row.decode("planned_reclaimed_m2")),
            targetRateBasisPoints: Int(try row.decode("target_rate_bp", as: Int32.self)),
            costTotal: Money(fen: try row.decode("cost_total")), costByYear: costs,
            letterSignedOn: try row.decode("letter_signed_on"))
        return PlanVersion(
            license: license, version: Int(try row.decode("version", as: Int32.self)), state: try row.decodeEnum("state"),
            current: try row.decode("current", as: Bool?.self) ?? false, document: document,
            submittedAt: try row.decode("submitted_at"), submittedBy: try row.decode("submitted_by"),
            decisions: try Review.history(workflow, id: id, on: conn))
    }

    /// Every version of every mine (or of `only`'s), by licence and version.
    public static func list(state: PlanState? = nil, only: [String]? = nil, on conn: Connection) throws -> [PlanSummary] {
        try conn.query("""
            SELECT m.license, p.version, r.state, p.service_from, p.service_to, p.cost_total, p.letter_signed_on,
                   p.submitted_by, p.submitted_at,
                   p.version = (SELECT max(p2.version) FROM plans p2 JOIN review_records r2
                                ON r2.record_type = 'plan' AND r2.record_id = p2.id AND r2.state = 'approved'
                                WHERE p2.mine_id = p.mine_id) AS current
            FROM plans p JOIN mines m ON m.id = p.mine_id
            JOIN review_records r ON r.record_type = 'plan' AND r.record_id = p.id
            WHERE (\(state?.rawValue) IS NULL OR r.state = \(state?.rawValue))
              AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY m.license, p.version
            """).rows.map { r in
            PlanSummary(
                license: try r.decode("license"), version: Int(try r.decode("version", as: Int32.self)),
                state: try r.decodeEnum("state"), current: try r.decode("current", as: Bool?.self) ?? false,
                serviceFrom: Int(try r.decode("service_from", as: Int32.self)),
                serviceTo: Int(try r.decode("service_to", as: Int32.self)),
                costTotal: Money(fen: try r.decode("cost_total")), letterSignedOn: try r.decode("letter_signed_on"),
                submittedBy: try r.decode("submitted_by"), submittedAt: try r.decode("submitted_at"))
        }
    }

    /// The mine's current plan (the last approved version), if any.
    static func currentID(mineID: Int64, on conn: Connection) throws -> Int64? {
        try conn.queryFirst("""
            SELECT p.id FROM plans p
            JOIN review_records r ON r.record_type = 'plan' AND r.record_id = p.id AND r.state = 'approved'
            WHERE p.mine_id = \(mineID) ORDER BY p.version DESC LIMIT 1
            """)?.decode("id")
    }

    /// The accrual's floor: the year's cost in the mine's current plan.
    static func floor(mineID: Int64, year: Int, on conn: Connection) throws
        -> (planID: Int64, version: Int, amount: Money)?
    {
        guard let row = try conn.queryFirst("""
            SELECT p.id, p.version, c.cost FROM plans p
            JOIN review_records r ON r.record_type = 'plan' AND r.record_id = p.id AND r.state = 'approved'
            JOIN plan_costs c ON c.plan_id = p.id AND c.year = \(Int64(year))
            WHERE p.mine_id = \(mineID)
              AND p.version = (SELECT max(p2.version) FROM plans p2 JOIN review_records r2
                               ON r2.record_type = 'plan' AND r2.record_id = p2.id AND r2.state = 'approved'
                               WHERE p2.mine_id = \(mineID))
            """)
        else { return nil }
        return (try row.decode("id"), Int(try row.decode("version", as: Int32.self)), Money(fen: try row.decode("cost")))
    }
}

extension Plans {
    /// The decisions as commands, each with its policy from the workflow's
    /// table (`PlanPolicy.decide`): what every entry point runs.
    public enum Commands {
        /// A plan (方案) or its new version, by the mine's operator.
        public static func submit(_ license: String, _ document: PlanDocument) -> Command<PlanVersion> {
            Command(PlanPolicy.submit((try? Identifier.license(license)) ?? license)) { actor, conn in
                try Plans.submit(license, document, by: actor, on: conn)
            }
        }

        public static func decide(_ license: String, version: Int, _ action: PlanAction, reason: String?)
            -> Command<PlanVersion> {
            Command(PlanPolicy.decide(action, (try? Identifier.license(license)) ?? license)) { actor, conn in
                try Plans.decide(license, version: version, action, reason: reason, by: actor, on: conn)
            }
        }
    }
}
