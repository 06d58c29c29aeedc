import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// A small reviewed record type, standing in for the plans, annual plans,
/// closure applications and legacy projects that will use the workflow.
enum PermitState: String, WorkflowState {
    case draft, submitted, approved, returned, withdrawn
}

enum PermitAction: String, WorkflowAction {
    case submit, approve, `return`, withdraw
}

let permitWorkflow = Workflow<PermitState, PermitAction>(
    recordType: "test-permit", noun: "permit", initial: .draft, submit: .submit, [
        .init(.draft, .submit, .submitted, by: .operator),
        .init(.returned, .submit, .submitted, by: .operator),
        .init(.submitted, .approve, .approved, by: .reviewer, reviewed: true),
        .init(.submitted, .return, .returned, by: .reviewer, reviewed: true),
        .init(.draft, .withdraw, .withdrawn, by: .operator),
        .init(.returned, .withdraw, .withdrawn, by: .operator),
    ])

/// Writes `workflow`'s table into the database as sql/functions/workflows.sql
/// writes the real ones (the owner's session; a test's own record type).
func install<S, A>(_ workflow: Workflow<S, A>, on conn: Connection) throws {
    try conn.execute("""
        INSERT INTO workflows (record_type, initial_state, submit_action)
        VALUES (\(workflow.recordType), \(workflow.initial.rawValue), \(workflow.submitAction.rawValue))
        """)
    for t in workflow.transitions {
        try conn.execute("""
            INSERT INTO workflow_transitions (record_type, from_state, action, to_state, reviewed, roles)
            VALUES (\(workflow.recordType), \(t.from.rawValue), \(t.action.rawValue), \(t.to.rawValue), \(t.reviewed),
                    \(t.roles.map(\.rawValue)))
            """)
    }
}

/// The transition tables exist twice, in Swift and in the database that
/// enforces them; this holds the two equal, as EnumConstraintTests does for enums.
@Suite struct WorkflowTableTests {
    static func rows<S, A>(_ w: Workflow<S, A>) -> Set<String> {
        Set(w.transitions.map {
            "\(w.recordType) \($0.from.rawValue) \($0.action.rawValue) \($0.to.rawValue) \($0.reviewed) \($0.roles.map(\.rawValue).joined(separator: ","))"
        }).union(["\(w.recordType) starts \(w.initial.rawValue) submits by \(w.submitAction.rawValue)"])
    }

    static func stored(on conn: Connection) throws -> Set<String> {
        Set(try conn.query("""
            SELECT record_type || ' ' || from_state || ' ' || action || ' ' || to_state || ' ' || reviewed || ' '
                   || array_to_string(roles, ',') AS r FROM workflow_transitions
            UNION ALL
            SELECT record_type || ' starts ' || initial_state || ' submits by ' || submit_action FROM workflows
            """).rows.map { try $0.decode("r", as: String.self) })
    }

    @Test func theDatabaseEnforcesTheTablesSwiftDeclares() throws {
        let conn = try TestDatabase.make().connect()
        let swift = Self.rows(Plans.workflow).union(Self.rows(AnnualPlans.workflow)).union(Self.rows(Closures.workflow))
            .union(Self.rows(LegacyProjects.workflow))
        let db = try Self.stored(on: conn)
        #expect(swift == db, "only in Swift: \(swift.subtracting(db).sorted()); only in the database: \(db.subtracting(swift).sorted())")
        // the comparison sees a drift: one role more on one step
        try conn.execute("UPDATE workflow_transitions SET roles = roles || 'admin'::text WHERE record_type = 'plan' AND action = 'approve'")
        #expect(try Self.stored(on: conn) != swift)
    }

    /// Who may decide is read from the table, in one place for every entry point: an operator
    /// submits their own mine's plan only; a reviewer approves; nobody else does either.
    @Test func whoMayDecideComesFromTheTable() {
        let own = Principal(name: "opA", role: .operator, mines: ["A"])
        let reviewer = Principal(name: "rev", role: .reviewer, mines: [])
        let finance = Principal(name: "li", role: .finance, mines: [])
        #expect(AnnualPlanPolicy.decide(.submit, "A").permits(own) && !AnnualPlanPolicy.decide(.submit, "B").permits(own))
        #expect(!AnnualPlanPolicy.decide(.submit, "A").permits(reviewer))
        #expect(AnnualPlanPolicy.decide(.approve, "A").permits(reviewer) && !AnnualPlanPolicy.decide(.approve, "A").permits(own))
        #expect(!AnnualPlanPolicy.decide(.approve, "A").permits(finance) && !PlanPolicy.decide(.approve, "A").permits(finance))
        #expect(LegacyPolicy.step(.start).permits(Principal(name: "boss", role: .admin, mines: []))
                && !LegacyPolicy.step(.accept).permits(Principal(name: "boss", role: .admin, mines: [])))
        // the closure panel's last vote may be an expert's
        #expect(Closures.workflow.policy(.notice, license: nil).permits(Principal(name: "e1", role: .expert, mines: [])))
    }

    /// The domain command checks who acts, whichever entry point calls it: nothing is written.
    @Test func theCommandChecksItsOwnPolicy() throws {
        func own() -> Principal { Principal(name: "opA", role: .operator, mines: ["A"]) }
        let (db, conn) = try ledgerDatabase(annualPlans: false)
        let plan = #"{"service_period": {"from": 2025, "to": 2025}, "damaged_land": [], "responsibility_area_hm2": "1", "planned_reclaimed_hm2": "1", "target_rate_percent": "100", "cost": {"total": "5.00", "by_year": {"2025": "5.00"}}, "letter_signed_on": "2025-01-01"}"#
        let v = try Plans.submit("A", try PlanDocument.parse(Data(plan.utf8)), by: try Actor("opA", role: "operator"), on: conn)
        _ = try Plans.decide("A", version: v.version, .approve, reason: nil, by: try Actor("rev", role: "reviewer"), on: conn)
        let works = #"{"works": [{"type": "revegetation", "location": "dump", "area_hm2": "1", "budget": "5.00", "start_month": "2025-04", "end_month": "2025-09"}]}"#
        _ = try AnnualPlans.draft("A", year: 2025, try AnnualWorks.parse(Data(works.utf8), year: 2025),
                                  by: try Actor("opA", role: "operator"), on: conn)
        let stranger = Principal(name: "opB", role: .operator, mines: ["B"])
        let e = #expect(throws: ReclaimError.self) {
            try AnnualPlans.Commands.decide("A", year: 2025, .submit).run(as: stranger, on: conn)
        }
        #expect(e?.kind == .forbidden && e?.description.contains("may not submit an annual plan") == true)
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE record_type = 'annual-plan'") == 0)
        // nor may an operator decide a plan version
        #expect(throws: ReclaimError.self) { try Plans.Commands.decide("A", version: v.version, .return, reason: "x").run(as: own(), on: conn) }
        #expect(try AnnualPlans.Commands.decide("A", year: 2025, .submit).run(as: own(), on: conn).state == .submitted)
    }

    /// Every step names at least one role, and a review step is never the operator's.
    @Test func everyStepNamesItsRoles() {
        func check<S, A>(_ w: Workflow<S, A>) {
            for t in w.transitions {
                #expect(!t.roles.isEmpty && !(t.reviewed && t.roles.contains(.operator)), "\(w.recordType) \(t.action)")
            }
        }
        check(Plans.workflow)
        check(AnnualPlans.workflow)
        check(Closures.workflow)
        check(LegacyProjects.workflow)
    }
}

@Suite struct WorkflowTests {
    @Test func theTableIsDeterministicAndEveryPairIsDecided() throws {
        #expect(permitWorkflow.isDeterministic)
        #expect(Set(permitWorkflow.finalStates) == [.approved, .withdrawn])
        // every state and action: the table's transition, or a refusal naming the state
        for state in PermitState.allCases {
            for action in PermitAction.allCases {
                let row = permitWorkflow.transitions.first { $0.from == state && $0.action == action }
                if let row {
                    #expect(try permitWorkflow.transition(from: state, action) == row)
                } else {
                    let e = #expect(throws: ReclaimError.self) { try permitWorkflow.transition(from: state, action) }
                    #expect(e?.kind == .conflict)
                    #expect(e?.description.contains("that is \(state.rawValue)") == true, "\(state) \(action)")
                }
            }
        }
        let duplicated = Workflow<PermitState, PermitAction>(
            recordType: "x", noun: "x", initial: .draft, submit: .submit,
            [.init(.draft, .submit, .submitted, by: .operator), .init(.draft, .submit, .approved, by: .operator)])
        #expect(!duplicated.isDeterministic)
    }

    func submitted(_ id: Int64 = 1) throws -> (TestDatabase, Connection) {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        try install(permitWorkflow, on: conn)
        try conn.transactionally { c in
            try Review.open(permitWorkflow, id: id, by: try Actor("op", role: "operator"), on: c)
            try Review.apply(permitWorkflow, id: id, .submit, by: try Actor("op", role: "operator"), on: c)
        }
        return (db, conn)
    }

    @Test func aDecisionIsRecordedWithItsAuditRow() throws {
        let (db, conn) = try submitted()
        let d = try Review.apply(permitWorkflow, id: 1, .return, note: "missing map", by: try Actor("rev1", role: "reviewer"),
                                 on: conn)
        #expect(d.from == "submitted" && d.to == "returned" && d.seq == 2)
        try Review.apply(permitWorkflow, id: 1, .submit, by: try Actor("op", role: "operator"), on: conn)
        try Review.apply(permitWorkflow, id: 1, .approve, by: try Actor("rev2", role: "reviewer"), on: conn)
        #expect(try Review.state(permitWorkflow, id: 1, on: conn) == .approved)
        #expect(try Review.history(permitWorkflow, id: 1, on: conn).map(\.actor) == ["op", "rev1", "op", "rev2"])
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE target = 'test-permit:1'") == 4)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'test-permit.approve' AND actor = 'rev2'") == 1)
        // a decision made on what the record was a moment ago (the race the row lock decides)
        let stale = #expect(throws: PQError.self) {
            try conn.execute("""
                SELECT review_apply('test-permit', 1, 'submitted', 'return', 'rev3', 'reviewer', NULL, NULL)
                """)
        }
        #expect(stale?.sqlState == .reviewStateChanged && stale?.detail == "approved")
        #expect(stale.map { ReclaimError.wrap($0).kind } == .conflict)
        #expect(stale.map { ReclaimError.wrap($0).description.contains("is approved now") } == true)
        // approved is final
        let e = #expect(throws: ReclaimError.self) {
            try Review.apply(permitWorkflow, id: 1, .return, by: try Actor("rev1"), on: conn)
        }
        #expect(e?.description.contains("nothing can be done") == true)
    }

    @Test func theSubmitterCannotReviewTheirOwnRecord() throws {
        let (db, conn) = try submitted()
        let e = #expect(throws: ReclaimError.self) {
            try Review.apply(permitWorkflow, id: 1, .approve, by: try Actor("op", role: "reviewer"), on: conn)
        }
        #expect(e?.kind == .forbidden)
        #expect(try Review.state(permitWorkflow, id: 1, on: conn) == .submitted)
        #expect(try db.count("SELECT count(*) FROM review_decisions") == 1)
        // nor by writing the decision directly, or by editing the state
        #expect(throws: PQError.self) {
            try conn.execute("""
                INSERT INTO review_decisions (record_type, record_id, seq, from_state, action, to_state, actor, reviewed, submitter)
                VALUES ('test-permit', 1, 2, 'submitted', 'approve', 'approved', 'op', true, 'op')
                """)
        }
        #expect(throws: PQError.self) {
            try conn.execute("UPDATE review_records SET state = 'approved' WHERE record_id = 1")
        }
        #expect(throws: PQError.self) { try conn.execute("DELETE FROM review_decisions") }
        #expect(try Review.state(permitWorkflow, id: 1, on: conn) == .submitted)
    }

    /// Twenty reviewers decide at once: exactly one decision is recorded;
    /// every other gets a conflict that names the state the record is in now.
    @Test func concurrentDecisionsOneWins() async throws {
        let (db, _) = try submitted()
        let outcomes = try await withThrowingTaskGroup(of: Result<String, ReclaimError>.self) { group in
            for i in 0..<20 {
                group.addTask {
                    let conn = try db.connect()
                    do {
                        let d = try Review.apply(permitWorkflow, id: 1, i % 2 == 0 ? .approve : .return,
                                                 by: try Actor("rev\(i)", role: "reviewer"), on: conn)
                        return .success(d.to)
                    } catch let e as ReclaimError {
                        return .failure(e)
                    }
                }
            }
            var all: [Result<String, ReclaimError>] = []
            for try await o in group { all.append(o) }
            return all
        }
        let wins = outcomes.compactMap { try? $0.get() }
        #expect(wins.count == 1)
        let final = try #require(wins.first)
        for case .failure(let e) in outcomes {
            // either the database caught the race, or the state had moved before the read
            #expect(e.kind == .conflict || e.kind == .ruleViolation, "\(e)")
            #expect(e.description.contains(final), "\(e)")
        }
        #expect(try db.count("SELECT count(*) FROM review_decisions") == 2)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE target = 'test-permit:1'") == 2)
    }
}

/// A command carries its policy: whoever runs it, the check runs first and
/// nothing is written when it refuses; it is recorded under its principal's name only.
@Suite struct CommandTests {
    @Test func aCommandChecksItsPolicyAndItsActor() throws {
        let (db, conn) = try ledgerDatabase(annualPlans: false)
        let deposit = FundLedger.Commands.book(.deposit, "A", Booking(amount: try yuan("1")))
        let operatorA = Principal(name: "opA", role: .operator, mines: ["A"])
        let refused = #expect(throws: ReclaimError.self) { try deposit.run(as: operatorA, on: conn) }
        #expect(refused?.kind == .forbidden)
        let finance = Principal(name: "li", role: .finance)
        // a principal recorded under another's name is a bug, refused before anything is written
        #expect(throws: ReclaimError.self) { try deposit.run(as: finance, actor: try Actor("someone-else", role: "finance"), on: conn) }
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
        #expect(try deposit.run(as: finance, on: conn).entry.actor == "li")
        // the closure steps: an operator may not vote, an expert may
        #expect(!Closures.Commands.vote(1, pass: true, opinion: "x").policy.permits(operatorA))
        #expect(Closures.Commands.vote(1, pass: true, opinion: "x").policy.permits(Principal(name: "e1", role: .expert)))
    }
}
