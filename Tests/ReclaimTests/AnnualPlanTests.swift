import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

func works(_ budgets: [String], year: Int = 2025) throws -> AnnualWorks {
    let items = budgets.enumerated().map { i, b in
        i % 2 == 0
            ? #"{"type": "revegetation", "location": "north waste dump", "area_hm2": "2.5000", "budget": "\#(b)", "start_month": "\#(year)-04", "end_month": "\#(year)-09", "geometry": {"type": "Point", "coordinates": [109.98, 40.4]}}"#
            : #"{"type": "slope-regrading", "location": "pit wall", "quantity": "1200", "unit": "m3", "budget": "\#(b)", "start_month": "\#(year)-05", "end_month": "\#(year)-06"}"#
    }
    return try AnnualWorks.parse(Data(#"{"works": [\#(items.joined(separator: ","))]}"#.utf8), year: year)
}

func op() throws -> Actor { try Actor("opA", role: "operator") }
func rv(_ n: Int = 1) throws -> Actor { try Actor("rv\(n)", role: "reviewer") }
func clerk() throws -> Actor { try Actor("li", role: "finance") }

/// Mines A and B with approved plans, A's fund holding 1 000 000 yuan.
func annualDatabase() throws -> (TestDatabase, Connection) {
    let (db, conn) = try ledgerDatabase(annualPlans: false)
    for license in ["A", "B"] {
        let v = try Plans.submit(license, try PlanDocument.parse(try examplePlan()), by: try op(), on: conn)
        _ = try Plans.decide(license, version: v.version, .approve, reason: nil, by: try rv(), on: conn)
    }
    _ = try FundLedger.deposit("A", Booking(amount: try yuan("1000000")), by: try clerk(), on: conn)
    return (db, conn)
}

func withdraw(_ amount: String, year: Int? = 2025, license: String = "A", on conn: Connection) throws -> BookingResult {
    try FundLedger.withdraw(license, Booking(amount: try yuan(amount), annualPlanYear: year), by: try clerk(), on: conn)
}

@Suite struct AnnualPlanTests {
    /// The whole table: what each state allows, and a conflict naming the state for the rest.
    @Test func everyAllowedAndRefusedTransition() throws {
        let w = AnnualPlans.workflow
        #expect(w.isDeterministic)
        var allowed: Set<String> = []
        for state in AnnualPlanState.allCases {
            for action in AnnualPlanAction.allCases {
                if let t = try? w.transition(from: state, action) {
                    allowed.insert("\(state.rawValue) \(action.rawValue) \(t.to.rawValue)")
                } else {
                    let e = #expect(throws: ReclaimError.self) { try w.transition(from: state, action) }
                    #expect(e?.kind == .conflict && e?.description.contains("that is \(state.rawValue)") == true)
                }
            }
        }
        #expect(allowed == [
            "draft submit submitted", "submitted approve approved", "submitted return returned",
            "returned submit submitted", "approved revise revision-submitted",
            "revision-submitted approve approved", "revision-submitted return revision-returned",
            "revision-returned revise revision-submitted", "approved report reported",
            "revision-returned report reported", "reported accept accepted", "reported fail failed",
            "failed report reported",
        ])
        #expect(Set(w.finalStates) == [.accepted])
    }

    @Test func theWholeYearAndTheBudgetRule() throws {
        let (db, conn) = try annualDatabase()
        // no annual plan: a withdrawal is refused, naming it
        let none = #expect(throws: ReclaimError.self) { try withdraw("1", year: nil, on: conn) }
        #expect(none?.field == "annual_plan_year")
        let noPlan = #expect(throws: ReclaimError.self) { try withdraw("1", on: conn) }
        #expect(noPlan?.description == "annual_plan_year: mine A has no annual plan for 2025")

        var plan = try AnnualPlans.draft("A", year: 2025, try works(["50000.00", "30000.00"]), by: try op(), on: conn)
        #expect(plan.state == .draft && plan.budget.description == "80000.00" && plan.area.hectares == "2.5000")
        // a draft pays for nothing
        let draft = #expect(throws: ReclaimError.self) { try withdraw("1", on: conn) }
        #expect(draft?.description.contains("is draft: the fund pays for approved works only") == true)
        plan = try AnnualPlans.draft("A", year: 2025, try works(["60000.00", "30000.00"]), by: try op(), on: conn)
        #expect(plan.version == 2 && plan.budget.description == "90000.00")
        plan = try AnnualPlans.decide("A", year: 2025, .submit, by: try op(), on: conn)
        plan = try AnnualPlans.decide("A", year: 2025, .return, reason: "split the slope work", by: try rv(), on: conn)
        #expect(plan.state == .returned)
        #expect(throws: ReclaimError.self) { try withdraw("1", on: conn) }  // returned pays for nothing
        plan = try AnnualPlans.draft("A", year: 2025, try works(["50000.00", "30000.00"]), by: try op(), on: conn)
        plan = try AnnualPlans.decide("A", year: 2025, .submit, by: try op(), on: conn)
        let own = #expect(throws: ReclaimError.self) {
            try AnnualPlans.decide("A", year: 2025, .approve, by: try op(), on: conn)
        }
        #expect(own?.kind == .forbidden)
        plan = try AnnualPlans.decide("A", year: 2025, .approve, by: try rv(), on: conn)
        #expect(plan.state == .approved && plan.budget.description == "80000.00" && plan.remaining.description == "80000.00")

        // within the budget, then over it: refused saying what is left, nothing booked
        _ = try withdraw("50000", on: conn)
        let over = #expect(throws: ReclaimError.self) { try withdraw("30000.01", on: conn) }
        #expect(over?.kind == .ruleViolation && over?.field == "amount")
        #expect(over?.description == "amount: over the budget of the annual plan 2025 of mine A: 30000.00 yuan of 80000.00 yuan left, 30000.01 yuan asked")
        // B has no plan for 2025: a withdrawal from B cannot pay for A's
        #expect(throws: ReclaimError.self) { try withdraw("1", license: "B", on: conn) }
        // a revision raising the budget: the approved figures stay in force until it is approved
        plan = try AnnualPlans.revise("A", year: 2025, try works(["70000.00", "30000.00"]), by: try op(), on: conn)
        #expect(plan.state == .revisionSubmitted && plan.budget.description == "80000.00")
        #expect(plan.pendingRevision?.budget.description == "100000.00")
        #expect(throws: ReclaimError.self) { try withdraw("30000.01", on: conn) }
        _ = try withdraw("10000", on: conn)  // still pays, within the approved figures
        plan = try AnnualPlans.decide("A", year: 2025, .approve, by: try rv(2), on: conn)
        #expect(plan.state == .approved && plan.budget.description == "100000.00" && plan.pendingRevision == nil)
        let last = try withdraw("40000", on: conn)
        #expect(try AnnualPlans.find("A", year: 2025, on: conn).remaining.description == "0.00")
        #expect(throws: ReclaimError.self) { try withdraw("0.01", on: conn) }
        // a reversal gives the budget back
        _ = try FundLedger.reverse(last.entry.id, reason: "wrong slip", valueDate: nil, idempotencyKey: nil, by: try clerk(),
                                   on: conn)
        plan = try AnnualPlans.find("A", year: 2025, on: conn)
        #expect(plan.withdrawn.description == "60000.00" && plan.remaining.description == "40000.00")
        #expect(try FundLedger.entry(last.entry.id, on: conn).annualPlanYear == 2025)
        // what was seen: a revision approved below what was withdrawn left a negative remainder
        _ = try AnnualPlans.revise("A", year: 2025, try works(["50000.00"]), by: try op(), on: conn)
        let below = #expect(throws: ReclaimError.self) { try AnnualPlans.decide("A", year: 2025, .approve, by: try rv(2), on: conn) }
        #expect(below?.field == "budget" && below?.description.contains("below the 60000.00 yuan already withdrawn") == true,
                "\(String(describing: below))")
        plan = try AnnualPlans.decide("A", year: 2025, .return, reason: "低于已使用金额", by: try rv(2), on: conn)
        #expect(plan.budget.description == "100000.00" && plan.remaining.description == "40000.00")

        // the year-end report, one line per work in order; a failed acceptance lists its items
        let shortReport = #expect(throws: ReclaimError.self) {
            try AnnualPlans.report("A", year: 2025, file: Data(#"{"works": [{"work": 1, "area_hm2": "2", "spent": "1"}]}"#.utf8),
                                   by: try op(), on: conn)
        }
        #expect(shortReport?.field == "works")
        let done = #"{"works": [{"work": 1, "area_hm2": "2.5000", "spent": "48000.00", "evidence": ["photo-2025-0913-01"]}, {"work": 2, "quantity": "1200", "spent": "12000.00", "evidence": []}]}"#
        plan = try AnnualPlans.report("A", year: 2025, file: Data(done.utf8), by: try op(), on: conn)
        #expect(plan.state == .reported && plan.works.first?.done?.spent.description == "48000.00")
        _ = try withdraw("1000", on: conn)  // a reported plan still pays for its approved works
        let noItems = #expect(throws: ReclaimError.self) {
            try AnnualPlans.decide("A", year: 2025, .fail, by: try rv(), on: conn)
        }
        #expect(noItems?.field == "item")
        plan = try AnnualPlans.decide("A", year: 2025, .fail, items: ["覆土厚度不足", "补植"], by: try rv(), on: conn)
        #expect(plan.state == .failed && plan.rectifications == ["覆土厚度不足", "补植"])
        #expect(throws: ReclaimError.self) { try withdraw("1", on: conn) }  // failed: rectify, report again
        plan = try AnnualPlans.report("A", year: 2025, file: Data(done.utf8), by: try op(), on: conn)
        plan = try AnnualPlans.decide("A", year: 2025, .accept, by: try rv(), on: conn)
        #expect(plan.state == .accepted)
        let after = #expect(throws: ReclaimError.self) {
            try AnnualPlans.decide("A", year: 2025, .accept, by: try rv(), on: conn)
        }
        #expect(after?.kind == .conflict && after?.description.contains("accepted") == true)

        // every transition audited; the ledger verifies
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE record_type = 'annual-plan'") == 12)  // with the refused revision and its return
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE target LIKE 'annual-plan:%'") == 15)  // 12 decisions, 3 drafts
        #expect(try FundLedger.verify(on: conn).isIntact)
        #expect(try FundLedger.statement("A", on: conn).entries.filter { $0.annualPlanYear == 2025 }.count == 5)  // 4 withdrawals, 1 reversal
    }

    @Test func aChangedPlanLinkIsDetected() throws {
        let (_, conn) = try annualDatabase()
        for year in [2025, 2026] {
            _ = try AnnualPlans.draft("A", year: year, try works(["1000.00"], year: year), by: try op(), on: conn)
            _ = try AnnualPlans.decide("A", year: year, .submit, by: try op(), on: conn)
            _ = try AnnualPlans.decide("A", year: year, .approve, by: try rv(), on: conn)
        }
        let w = try withdraw("500", on: conn)
        #expect(try FundLedger.verify(on: conn).isIntact)
        try conn.simple("""
            ALTER TABLE ledger_entries DISABLE TRIGGER USER;
            UPDATE ledger_entries SET annual_plan_id = (SELECT id FROM annual_plans WHERE year = 2026) WHERE id = \(w.entry.id);
            ALTER TABLE ledger_entries ENABLE TRIGGER USER;
            """)
        let report = try FundLedger.verify(on: conn)
        #expect(report.firstBrokenEntry == w.entry.id)
    }

    /// Twenty withdrawals race for the last 1 000 yuan of a plan's budget: 400 each, two fit, never more.
    @Test func twentyWithdrawalsRaceForTheLastOfTheBudget() async throws {
        let (db, conn) = try annualDatabase()
        _ = try AnnualPlans.draft("A", year: 2025, try works(["10000.00"]), by: try op(), on: conn)
        _ = try AnnualPlans.decide("A", year: 2025, .submit, by: try op(), on: conn)
        _ = try AnnualPlans.decide("A", year: 2025, .approve, by: try rv(), on: conn)
        _ = try withdraw("9000", on: conn)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let c = try db.connect()
                    do {
                        _ = try withdraw("400", on: c)
                        return true
                    } catch let e as ReclaimError where e.kind == .ruleViolation {
                        return false
                    }
                }
            }
            var all: [Bool] = []
            for try await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.filter { $0 }.count == 2)
        let plan = try AnnualPlans.find("A", year: 2025, on: conn)
        #expect(plan.withdrawn.description == "9800.00" && plan.remaining.description == "200.00")
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    /// Two reviewers decide the same plan at once: one wins, the other gets the conflict.
    @Test func twoReviewersAtOnce() async throws {
        let (db, conn) = try annualDatabase()
        _ = try AnnualPlans.draft("A", year: 2025, try works(["1000.00"]), by: try op(), on: conn)
        _ = try AnnualPlans.decide("A", year: 2025, .submit, by: try op(), on: conn)
        let outcomes = try await withThrowingTaskGroup(of: ReclaimError?.self) { group in
            for i in 0..<2 {
                group.addTask {
                    do {
                        _ = try AnnualPlans.decide("A", year: 2025, i == 0 ? .approve : .return, reason: "no",
                                                   by: try rv(i), on: try db.connect())
                        return nil
                    } catch let e as ReclaimError { return e }
                }
            }
            var all: [ReclaimError?] = []
            for try await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.compactMap { $0 }.allSatisfy { $0.kind == .conflict })
    }

    /// Import rows bound to plans: all or nothing, as before.
    @Test func importRowsBoundToPlans() throws {
        let (db, conn) = try annualDatabase()
        _ = try AnnualPlans.draft("A", year: 2025, try works(["1000.00"]), by: try op(), on: conn)
        _ = try AnnualPlans.decide("A", year: 2025, .submit, by: try op(), on: conn)
        _ = try AnnualPlans.decide("A", year: 2025, .approve, by: try rv(), on: conn)
        let entries = try db.count("SELECT count(*) FROM ledger_entries")
        let d = CalendarDate.today(in: Bureau.timeZone).description  // the fund's money arrived today
        let over = try writeCSV(planHeader + "A,withdrawal,600,\(d),,i1,,2025\nA,withdrawal,600,\(d),,i2,,2025\nA,deposit,5,\(d),,i3,,\n")
        let unplanned = try writeCSV(planHeader + "A,withdrawal,1,\(d),,i4,,2026\nB,withdrawal,1,\(d),,i5,,\n")
        let good = try writeCSV(planHeader + "A,withdrawal,600,\(d),,i1,,2025\nA,withdrawal,400,\(d),,i2,,2025\n")
        defer { for f in [over, unplanned, good] { try? FileManager.default.removeItem(atPath: f) } }
        let e = #expect(throws: ImportRejected.self) { try FundLedger.importCSV(path: over, by: try clerk(), on: conn) }
        #expect(e?.report.problems.map(\.line) == [3])
        #expect(e?.report.problems.first?.reason.hasPrefix("amount: over the budget of the annual plan 2025 of mine A") == true)
        let u = #expect(throws: ImportRejected.self) { try FundLedger.importCSV(path: unplanned, by: try clerk(), on: conn) }
        #expect(u?.report.problems.map(\.line) == [2, 3])
        #expect(u?.report.problems.allSatisfy { $0.reason.hasPrefix("annual_plan_year") } == true)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == entries)
        #expect(try FundLedger.importCSV(path: good, by: try clerk(), on: conn).booked == 2)
        #expect(try AnnualPlans.find("A", year: 2025, on: conn).remaining.description == "0.00")
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func theMissingList() throws {
        let (_, conn) = try annualDatabase()
        _ = try MineRegistry.update("B", MineUpdate(status: .closed), by: try Actor("boss"), on: conn)
        _ = try MineRegistry.add(try sampleMine("C"), by: try Actor("boss"), on: conn)
        #expect(try AnnualPlans.missing(year: 2025, on: conn).map(\.license) == ["A", "C"])
        _ = try AnnualPlans.draft("A", year: 2025, try works(["1.00"]), by: try op(), on: conn)
        #expect(try AnnualPlans.missing(year: 2025, on: conn).map(\.license) == ["A", "C"])  // a draft is not submitted
        _ = try AnnualPlans.decide("A", year: 2025, .submit, by: try op(), on: conn)
        #expect(try AnnualPlans.missing(year: 2025, on: conn).map(\.license) == ["C"])
        #expect(try AnnualPlans.list(state: .submitted, on: conn).map(\.license) == ["A"])
        // an annual plan needs an approved plan
        let e = #expect(throws: ReclaimError.self) {
            try AnnualPlans.draft("C", year: 2025, try works(["1.00"]), by: try op(), on: conn)
        }
        #expect(e?.field == "plan")
    }

    @Test(arguments: [
        (#"{"works": [{"type": "revegetation", "location": "x", "area_hm2": "1", "budget": "1", "start_month": "2026-04", "end_month": "2026-05"}]}"#, "works[1].start_month"),
        (#"{"works": [{"type": "revegetation", "location": "x", "area_hm2": "1", "budget": "1", "start_month": "2025-06", "end_month": "2025-05"}]}"#, "works[1].end_month"),
        (#"{"works": [{"type": "revegetation", "location": "x", "area_hm2": "1", "quantity": "3", "unit": "m3", "budget": "1", "start_month": "2025-06", "end_month": "2025-07"}]}"#, "works[1]"),
        (#"{"works": [{"type": "terraforming", "location": "x", "area_hm2": "1", "budget": "1", "start_month": "2025-06", "end_month": "2025-07"}]}"#, "works[1].type"),
        (#"{"works": [{"type": "drainage", "location": "x", "quantity": "3", "budget": "1", "start_month": "2025-06", "end_month": "2025-07"}]}"#, "works[1].unit"),
        (#"{"works": [{"type": "drainage", "location": "x", "area_hm2": "1", "budget": "1.001", "start_month": "2025-06", "end_month": "2025-07"}]}"#, "works[1].budget"),
        (#"{"works": [{"type": "drainage", "location": "x", "area_hm2": "1", "budget": "1", "start_month": "2025-06", "end_month": "2025-07", "geometry": {"type": "Point", "coordinates": [200, 40]}}]}"#, "works[1].geometry"),
        (#"{"works": [{"type": "drainage", "location": "x", "area_hm2": "1", "budget": "1", "start_month": "2025-06", "end_month": "2025-07", "geometry": {"type": "Polygon", "coordinates": [[[109, 40], [110, 40], [110, 41]]]}}]}"#, "works[1].geometry"),
        (#"{"works": []}"#, "works"),
        (#"{"works": [], "budget": "1"}"#, "budget"),
    ])
    func badWorksFilesAreRefusedNamingTheField(_ c: (String, String)) throws {
        let e = #expect(throws: ReclaimError.self) { try AnnualWorks.parse(Data(c.0.utf8), year: 2025) }
        #expect(e?.field == c.1, "\(String(describing: e))")
    }

    @Test func aValidPolygonIsKeptAsGeoJSON() throws {
        let text = #"{"works": [{"type": "soil-cover", "location": "pit 3", "area_hm2": "1", "budget": "1", "start_month": "2025-06", "end_month": "2025-07", "geometry": {"type": "Polygon", "coordinates": [[[109, 40], [110, 40], [110, 41], [109, 40]]]}}]}"#
        let w = try AnnualWorks.parse(Data(text.utf8), year: 2025)
        #expect(w.works.first?.geometry == #"{"coordinates":[[[109,40],[110,40],[110,41],[109,40]]],"type":"Polygon"}"#)
    }
}
