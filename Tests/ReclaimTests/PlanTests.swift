import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

func operatorM() throws -> Actor { try Actor("opM", role: "operator") }
func reviewer(_ n: Int = 1) throws -> Actor { try Actor("rv\(n)", role: "reviewer") }

/// The example plan with one field replaced (a JSON fragment), or removed (nil).
func plan(_ key: String? = nil, _ value: String? = nil) throws -> Data {
    var object = try #require(try JSONSerialization.jsonObject(with: try examplePlan()) as? [String: Any])
    if let key {
        if let value {
            object[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        } else {
            object.removeValue(forKey: key)
        }
    }
    return try JSONSerialization.data(withJSONObject: object)
}

@Suite struct PlanTests {
    func planDatabase() throws -> (TestDatabase, Connection) {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        _ = try MineRegistry.add(try sampleMine("M"), by: try Actor("boss"), on: conn)
        return (db, conn)
    }

    @Test func theExampleFileReadsAsTheReadmeSays() throws {
        let d = try PlanDocument.parse(try examplePlan())
        #expect(d.serviceFrom == 2025 && d.serviceTo == 2027)
        #expect(d.responsibilityArea.squareMetres == 150_000 && d.plannedReclaimed.squareMetres == 150_000)
        #expect(d.targetRateBasisPoints == 10_000 && d.targetRatePercent == "100.00")
        #expect(d.costTotal.fen == 30_000_000 && d.costByYear[2026]?.fen == 10_000_000)
        #expect(d.damagedLand.first?.existing.squareMetres == 100_000)
        // and writes back the same shape
        let again = try PlanDocument.parse(try ReclaimJSON.encode(d))
        #expect(again == d)
    }

    /// Every state and action: the table's transition, or a conflict naming the state.
    @Test func everyAllowedAndRefusedTransition() throws {
        let w = Plans.workflow
        #expect(w.isDeterministic)
        #expect(Set(w.finalStates) == [.approved, .returned])
        var allowed: Set<String> = []
        for state in PlanState.allCases {
            for action in PlanAction.allCases {
                if let t = try? w.transition(from: state, action) {
                    allowed.insert("\(state) \(action) \(t.to)\(t.reviewed ? " reviewed" : "")")
                } else {
                    let e = #expect(throws: ReclaimError.self) { try w.transition(from: state, action) }
                    #expect(e?.kind == .conflict)
                    #expect(e?.description.contains("that is \(state.rawValue)") == true)
                }
            }
        }
        #expect(allowed == ["draft submit submitted", "submitted approve approved reviewed",
                            "submitted return returned reviewed"])
    }

    @Test func submitApproveReturnAndResubmit() throws {
        let (db, conn) = try planDatabase()
        let v1 = try Plans.submit("M", try PlanDocument.parse(try examplePlan()), by: try operatorM(), on: conn)
        #expect(v1.version == 1 && v1.state == .submitted && !v1.current && v1.submittedBy == "opM")
        // one version awaits review at a time
        let second = #expect(throws: ReclaimError.self) {
            try Plans.submit("M", try PlanDocument.parse(try examplePlan()), by: try operatorM(), on: conn)
        }
        #expect(second?.kind == .conflict)
        // the submitter may not decide their own; a return needs its reason
        let own = #expect(throws: ReclaimError.self) {
            try Plans.decide("M", version: 1, .approve, reason: nil, by: try operatorM(), on: conn)
        }
        #expect(own?.kind == .forbidden)
        let bare = #expect(throws: ReclaimError.self) {
            try Plans.decide("M", version: 1, .return, reason: " ", by: try reviewer(), on: conn)
        }
        #expect(bare?.field == "reason")
        let returned = try Plans.decide("M", version: 1, .return, reason: "cost table incomplete", by: try reviewer(), on: conn)
        #expect(returned.state == .returned && returned.decisions.last?.note == "cost table incomplete")
        // a returned version is final: approving it is a conflict naming its state
        let late = #expect(throws: ReclaimError.self) {
            try Plans.decide("M", version: 1, .approve, reason: nil, by: try reviewer(2), on: conn)
        }
        #expect(late?.kind == .conflict && late?.description.contains("returned") == true)
        let v2 = try Plans.submit("M", try PlanDocument.parse(try examplePlan()), by: try operatorM(), on: conn)
        #expect(v2.version == 2)
        let approved = try Plans.decide("M", version: 2, .approve, reason: nil, by: try reviewer(), on: conn)
        #expect(approved.state == .approved && approved.current)
        #expect(try Plans.find("M", on: conn).version == 2)  // the current one
        #expect(try Plans.find("M", version: 1, on: conn).state == .returned)
        #expect(try Plans.list(state: .approved, on: conn).map(\.version) == [2])
        // every transition: one audit record, in the same transaction
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE target LIKE 'plan:%'") == 4)
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE record_type = 'plan'") == 4)
        #expect(throws: PQError.self) { try conn.execute("UPDATE plans SET cost_total = 0") }
    }

    /// Two reviewers at once, then twenty: exactly one decision each time.
    @Test(arguments: [2, 20])
    func concurrentApprovalsOneWins(reviewers: Int) async throws {
        let (db, conn) = try planDatabase()
        _ = try Plans.submit("M", try PlanDocument.parse(try examplePlan()), by: try operatorM(), on: conn)
        let outcomes = try await withThrowingTaskGroup(of: ReclaimError?.self) { group in
            for i in 0..<reviewers {
                group.addTask {
                    let c = try db.connect()
                    do {
                        _ = try Plans.decide("M", version: 1, i % 2 == 0 ? .approve : .return, reason: "r\(i)",
                                             by: try reviewer(i), on: c)
                        return nil
                    } catch let e as ReclaimError {
                        return e
                    }
                }
            }
            var all: [ReclaimError?] = []
            for try await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        for case let e? in outcomes { #expect(e.kind == .conflict, "\(e)") }
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE record_type = 'plan'") == 2)
    }

    /// Each inconsistency is refused naming its field, and nothing is written.
    @Test(arguments: [
        ("cost", #"{"total": "300000.00", "by_year": {"2025": "100000.00", "2026": "100000.00", "2027": "99999.99"}}"#, "cost.by_year"),
        ("cost", #"{"total": "200000.00", "by_year": {"2025": "100000.00", "2026": "100000.00"}}"#, "cost.by_year"),
        ("cost", #"{"total": "400000.00", "by_year": {"2025": "100000.00", "2026": "100000.00", "2027": "100000.00", "2028": "100000.00"}}"#, "cost.by_year"),
        ("planned_reclaimed_hm2", #""15.0001""#, "planned_reclaimed_hm2"),
        ("service_period", #"{"from": 2027, "to": 2025}"#, "service_period.to"),
        ("target_rate_percent", #""100.01""#, "target_rate_percent"),
        ("target_rate_percent", #""99.999""#, "target_rate_percent"),
        ("damaged_land", #"[{"land_type": "forest", "existing_hm2": "1", "predicted_hm2": "1"}, {"land_type": "forest", "existing_hm2": "2", "predicted_hm2": "0"}]"#, "damaged_land"),
        ("damaged_land", #"[{"land_type": "desert", "existing_hm2": "1", "predicted_hm2": "1"}]"#, "damaged_land.land_type"),
        ("responsibility_area_hm2", "15", "responsibility_area_hm2"),
        ("letter_signed_on", #""2025-02-30""#, "letter_signed_on"),
        ("cost", nil, "cost"),
        ("colour", #""green""#, "colour"),
    ] as [(String, String?, String)])
    func inconsistentPlansAreRefusedWithNothingWritten(_ c: (String, String?, String)) throws {
        let (db, conn) = try planDatabase()
        let e = #expect(throws: ReclaimError.self) {
            try Plans.submit("M", try PlanDocument.parse(try plan(c.0, c.1)), by: try operatorM(), on: conn)
        }
        #expect(e?.field == c.2, "\(String(describing: e))")
        #expect(try db.count("SELECT count(*) FROM plans") == 0)
        #expect(try db.count("SELECT count(*) FROM review_records") == 0)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action LIKE 'plan.%'") == 0)
    }

    /// The database adds the costs up too: a plan whose costs were cut short
    /// behind Swift's back does not commit.
    @Test func theDatabaseChecksTheCostsAtCommit() throws {
        let (db, conn) = try planDatabase()
        let e = #expect(throws: PQError.self) {
            try conn.transactionally { c in
                try c.execute("""
                    INSERT INTO plans (mine_id, version, service_from, service_to, responsibility_area_m2,
                                       planned_reclaimed_m2, target_rate_bp, cost_total, letter_signed_on, submitted_by)
                    SELECT id, 1, 2025, 2026, 10, 10, 10000, 500, '2025-01-01', 'opM' FROM mines WHERE license = 'M'
                    """)
                try c.execute("INSERT INTO plan_costs (plan_id, year, cost) SELECT id, 2025, 500 FROM plans")
            }
        }
        #expect(e?.sqlState == .checkViolation)
        #expect(try db.count("SELECT count(*) FROM plans") == 0)
    }

    /// Approving a version whose letter was signed on or after the day the
    /// obligations were raised closes recompile-plan and resign-responsibility-letter.
    @Test func approvalClosesTheObligationsItAnswers() throws {
        let (db, conn) = try planDatabase()
        _ = try MineRegistry.update("M", MineUpdate(scale: .medium), by: try Actor("boss"), on: conn)
        // signed before the change: answers nothing
        _ = try Plans.submit("M", try PlanDocument.parse(try examplePlan()), by: try operatorM(), on: conn)
        _ = try Plans.decide("M", version: 1, .approve, reason: nil, by: try reviewer(), on: conn)
        #expect(try db.count("SELECT count(*) FROM mine_obligations WHERE closed_at IS NULL") == 3)
        // signed today (Beijing time): closes the two, records the version; reassess-fund stays open
        let today = CalendarDate.today(in: Bureau.timeZone).description
        let v2 = try Plans.submit("M", try PlanDocument.parse(try plan("letter_signed_on", "\"\(today)\"")),
                                  by: try operatorM(), on: conn)
        _ = try Plans.decide("M", version: v2.version, .approve, reason: nil, by: try reviewer(), on: conn)
        #expect(try db.count("""
            SELECT count(*) FROM mine_obligations o JOIN plans p ON p.id = o.closed_by_plan
            WHERE o.closed_by = 'rv1' AND p.version = 2 AND o.kind IN ('recompile-plan', 'resign-responsibility-letter')
            """) == 2)
        let open = try MineRegistry.show("M", on: conn).obligations.map(\.kind)
        #expect(open == [.reassessFund])
    }
}
