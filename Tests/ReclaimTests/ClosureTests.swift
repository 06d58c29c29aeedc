import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

func reviewerNamed(_ n: String) throws -> Actor { try Actor(n, role: "reviewer") }
func expertNamed(_ n: String) throws -> Actor { try Actor(n, role: "expert") }
func operatorA() throws -> Actor { try Actor("opA", role: "operator") }

/// Mines A and B, A's fund holding 1 000 yuan; reviewers r1…r5, experts e1
/// and e2, an administrator boss and A's operator opA. Nothing restored yet.
func closureDatabase() throws -> (TestDatabase, Connection) {
    let (db, conn) = try ledgerDatabase(annualPlans: false)
    let setup = try Actor("setup")
    for n in 1...5 { _ = try Users.add("r\(n)", role: .reviewer, mines: [], by: setup, on: conn) }
    for n in 1...2 { _ = try Users.add("e\(n)", role: .expert, mines: [], org: "旗林草局", by: setup, on: conn) }
    _ = try Users.add("boss", role: .admin, mines: [], by: setup, on: conn)
    _ = try Users.add("opA", role: .operator, mines: ["A"], by: setup, on: conn)
    _ = try FundLedger.deposit("A", Booking(amount: try yuan("1000")), by: try clerk(), on: conn)
    return (db, conn)
}

/// Restores A (or `license`) as its plan requires (`restoreMine`).
func restore(_ conn: Connection, _ license: String = "A", by op: Actor? = nil) throws {
    try restoreMine(license, by: try op ?? operatorA(), reviewers: (try reviewerNamed("r1"), try reviewerNamed("r2")), on: conn)
}

func file(_ conn: Connection, dated day: CalendarDate? = nil) throws -> ClosureApplication {
    try Closures.apply("A", evidence: ["photo-1", "report-2"], note: "复垦完成", dated: day, by: try operatorA(), on: conn)
}

let panelOfThree = ["r1", "r2", "e1"]

/// Files, assigns the panel, records the visit and has every member pass.
func preliminaryPass(_ conn: Connection, daysAgo: Int = 0) throws -> ClosureApplication {
    let day = Bureau.today.adding(days: -daysAgo)
    let app = try file(conn, dated: daysAgo == 0 ? nil : day)
    _ = try Closures.assignPanel(app.id, members: panelOfThree, by: try reviewerNamed("r5"), on: conn)
    _ = try Closures.recordVisit(app.id, date: day, participants: ["r1", "e1", "旗农牧局 张工"],
                                 checked: try Area.parseHectares("10"), finding: "植被恢复达标", by: try reviewerNamed("r1"), on: conn)
    var a = app
    for name in panelOfThree {
        let actor = name.hasPrefix("e") ? try expertNamed(name) : try reviewerNamed(name)
        a = try Closures.vote(app.id, pass: true, opinion: "同意 \(name)", dated: daysAgo == 0 ? nil : day, by: actor, on: conn)
    }
    return a
}

@Suite struct ClosureTests {
    /// What was seen: a mine with no plan, no works and no treated area applied and was accepted.
    /// Now every unmet condition is listed, by kind, and nothing is written.
    @Test func anApplicationListsEveryUnmetCondition() throws {
        let (db, conn) = try closureDatabase()
        let bare = #expect(throws: ReclaimError.self) { try file(conn) }
        #expect(bare?.kind == .ruleViolation && bare?.field == "unmet")
        #expect(bare?.unmet.map(\.kind) == ["no-approved-plan"], "\(String(describing: bare))")

        // a plan approved, nothing reclaimed; 2025 approved but not reported, 2026 only submitted;
        // a §6.2 obligation open; an accrual assessed and not covered
        let v = try Plans.submit("A", try PlanDocument.parse(try examplePlan()), by: try operatorA(), on: conn)
        _ = try Plans.decide("A", version: v.version, .approve, reason: nil, by: try reviewerNamed("r1"), on: conn)
        for year in [2025, 2026] {
            _ = try AnnualPlans.draft("A", year: year, try works(["10.00"], year: year), by: try operatorA(), on: conn)
            _ = try AnnualPlans.decide("A", year: year, .submit, by: try operatorA(), on: conn)
        }
        _ = try AnnualPlans.decide("A", year: 2025, .approve, by: try reviewerNamed("r1"), on: conn)
        _ = try MineRegistry.update("A", MineUpdate(scale: .medium), by: try Actor("boss"), on: conn)
        _ = try RuleSets.load(try RuleSet.parse(Data(testRules.utf8)), by: try Actor("boss"), on: conn)
        _ = try MineRegistry.update("A", MineUpdate(methodDetail: .openPitLayered), by: try Actor("boss"), on: conn)
        _ = try OutputReports.report("A", year: 2025, quantity: try Quantity.parse("10"), by: try clerk(), on: conn)
        let assessed = try Accruals.assess("A", year: 2026, by: try clerk(), on: conn)
        let e = #expect(throws: ReclaimError.self) { try file(conn) }
        let kinds = e?.unmet.map(\.kind) ?? []
        #expect(kinds.filter { $0 == "reclamation-rate" }.count == 2, "\(kinds)")  // overall and grassland
        #expect(kinds.filter { $0 == "annual-plan-not-accepted" }.count == 2)
        #expect(kinds.contains("obligation-open") && kinds.contains("accrual-shortfall") && !kinds.contains("no-approved-plan"))
        let details = e?.unmet.map(\.detail).joined(separator: "\n") ?? ""
        #expect(details.contains("annual plan 2025 is approved") && details.contains("annual plan 2026 is submitted"))
        #expect(details.contains("reclamation rate 0.00 % (0.00 of 10.00 hm²)"), "\(details)")
        #expect(details.contains("\(assessed.amount) yuan assessed in all, 1000.00 yuan deposited"), "\(details)")
        #expect(try db.count("SELECT count(*) FROM closure_applications") == 0)

        // the database refuses the same filing from the service's own role
        let app = try db.connectAsApp()
        let direct = #expect(throws: PQError.self) {
            try app.execute("""
                INSERT INTO closure_applications (mine_id, filed_on, evidence, checks, filed_by)
                SELECT id, (now() AT TIME ZONE 'Asia/Shanghai')::date, '{x}', '{}', 'opA' FROM mines WHERE license = 'A'
                """)
        }
        #expect(direct?.sqlState?.code == "RCCLS")
    }

    /// What was seen: a 2025 shortfall paid late (its true bank date in 2026) still refused closure.
    @Test func aLateCatchUpPaymentCounts() throws {
        let (_, conn) = try closureDatabase()
        try restore(conn)
        _ = try RuleSets.load(try RuleSet.parse(Data(testRules.utf8)), by: try Actor("boss"), on: conn)
        _ = try MineRegistry.update("A", MineUpdate(methodDetail: .openPitLayered), by: try Actor("boss"), on: conn)
        _ = try OutputReports.report("A", year: 2025, quantity: try Quantity.parse("10"), by: try clerk(), on: conn)
        let assessed = try Accruals.assess("A", year: 2026, by: try clerk(), on: conn)
        let short = #expect(throws: ReclaimError.self) { try file(conn) }
        #expect(short?.unmet.map(\.kind) == ["accrual-shortfall"], "\(String(describing: short))")
        _ = try FundLedger.deposit("A", Booking(amount: assessed.amount, valueDate: Bureau.today), by: try clerk(), on: conn)
        #expect(try file(conn).state == .filed)
    }

    @Test func panelRules() throws {
        let (db, conn) = try closureDatabase()
        try restore(conn)
        let app = try file(conn)
        #expect(app.checks.count == 7)
        _ = try Users.add("e3", role: .expert, mines: [], org: "x", by: try Actor("setup"), on: conn)
        try Users.disable("e3", by: try Actor("setup"), on: conn)
        for names in [["r1", "r2"], ["r1", "r2", "r3"], ["r1", "r2", "boss"], ["r1", "r2", "opA"], ["r1", "r1", "e1"],
                      ["r1", "r2", "e3"], ["r1", "r2", "nobody"]] {
            let e = #expect(throws: ReclaimError.self) {
                try Closures.assignPanel(app.id, members: names, by: try reviewerNamed("r5"), on: conn)
            }
            #expect(e?.field == "members", "\(names): \(String(describing: e))")
        }
        #expect(try db.count("SELECT count(*) FROM closure_panel") == 0)
        // settings raise the bar; their floors hold
        let low = #expect(throws: ReclaimError.self) { try Settings.set("closure.panel_min", "2", by: try Actor("boss"), on: conn) }
        #expect(low?.field == "value")
        _ = try Settings.set("closure.panel_min", "4", by: try Actor("boss"), on: conn)
        #expect(throws: ReclaimError.self) {
            try Closures.assignPanel(app.id, members: panelOfThree, by: try reviewerNamed("r5"), on: conn)
        }
        let a = try Closures.assignPanel(app.id, members: panelOfThree + ["e2"], by: try reviewerNamed("r5"), on: conn)
        #expect(a.state == .underReview && a.panel == ["e1", "e2", "r1", "r2"])
        // an expert sees the applications of their panels only
        let e1 = Principal(name: "e1", role: .expert)
        let e3 = Principal(name: "r9", role: .expert)
        #expect(try Closures.list(for: e1, on: conn).map(\.id) == [app.id])
        #expect(try Closures.list(for: e3, on: conn).isEmpty)
        #expect(throws: ReclaimError.self) { try Closures.find(app.id, for: e3, on: conn) }
    }

    /// The whole path: visit, votes, a notice that has run, the confirmation, the release.
    @Test func stepByStepToTheRelease() throws {
        let (db, conn) = try closureDatabase()
        try restore(conn)
        let app = try file(conn, dated: Bureau.today.adding(days: -60))
        _ = try Closures.assignPanel(app.id, members: panelOfThree, by: try reviewerNamed("r5"), on: conn)
        // no vote before the visit; a visit by someone off the panel is refused
        let early = #expect(throws: ReclaimError.self) {
            try Closures.vote(app.id, pass: true, opinion: "ok", by: try reviewerNamed("r1"), on: conn)
        }
        #expect(early?.field == "visit", "\(String(describing: early))")
        #expect(throws: ReclaimError.self) {
            try Closures.recordVisit(app.id, date: Bureau.today, participants: ["r4"], checked: try Area.parseHectares("1"),
                                     finding: "x", by: try reviewerNamed("r4"), on: conn)
        }
        let future = #expect(throws: ReclaimError.self) {
            try Closures.recordVisit(app.id, date: Bureau.today.adding(days: 1), participants: ["r1"],
                                     checked: try Area.parseHectares("1"), finding: "x", by: try reviewerNamed("r1"), on: conn)
        }
        #expect(future?.field == "date")
        let day = Bureau.today.adding(days: -40)
        _ = try Closures.recordVisit(app.id, date: day, participants: ["r1", "e1"], checked: try Area.parseHectares("10"),
                                     finding: "达标", by: try reviewerNamed("r1"), on: conn)
        let outsider = #expect(throws: ReclaimError.self) {
            try Closures.vote(app.id, pass: true, opinion: "ok", by: try reviewerNamed("r4"), on: conn)
        }
        #expect(outsider?.kind == .forbidden)
        var a = try Closures.vote(app.id, pass: true, opinion: "复垦达标", dated: day, by: try reviewerNamed("r1"), on: conn)
        a = try Closures.vote(app.id, pass: false, opinion: "排水沟未完工", dated: day, by: try reviewerNamed("r2"), on: conn)
        #expect(a.state == .underReview)
        a = try Closures.vote(app.id, pass: true, opinion: "同意", dated: day, by: try expertNamed("e1"), on: conn)
        // a majority pass is preliminary: noticed for 30 days, not accepted, nothing released
        #expect(a.state == .noticed && a.noticeEndsOn == day.adding(days: 29) && a.decision == nil)
        #expect(try MineRegistry.find("A", on: conn).status == .producing)
        let notYet = #expect(throws: ReclaimError.self) { try FundLedger.release("A", by: try clerk(), on: conn) }
        #expect(notYet?.kind == .ruleViolation && notYet?.description.contains("noticed") == true, "\(String(describing: notYet))")
        // the notice has ended: objections are no longer taken
        #expect(throws: ReclaimError.self) {
            try Closures.object(app.id, raisedBy: "王某", contact: "138", text: "x", by: try Actor("boss", role: "admin"), on: conn)
        }
        // the applicant may not confirm, nor anyone with an empty number
        #expect(throws: ReclaimError.self) { try Closures.confirm(app.id, number: " ", by: try reviewerNamed("r3"), on: conn) }
        a = try Closures.confirm(app.id, number: "达自然资复验〔2026〕7号", by: try reviewerNamed("r3"), on: conn)
        #expect(a.state == .accepted && a.confirmationNumber == "达自然资复验〔2026〕7号" && a.confirmedOn == Bureau.today)
        #expect(a.decision?.opinion == ["复垦达标", "同意"] && a.workingDaysUsed > 0 && a.workingDaysLeft == 0)
        #expect(try MineRegistry.find("A", on: conn).status == .closed)
        let released = try FundLedger.release("A", by: try clerk(), on: conn)
        #expect(released.entry.kind == .closureRelease && released.entry.amount.description == "1000.00")
        // no second application on a mine accepted and released
        let again = #expect(throws: ReclaimError.self) { try file(conn) }
        #expect(again?.unmet.map(\.kind).contains("already-closed") == true, "\(String(describing: again))")
        let trail = try conn.query("SELECT action FROM audit_log WHERE target = \("closure-application:\(app.id)") ORDER BY id")
            .rows.map { try $0.decode("action", as: String.self) }
        #expect(trail == ["closure-application.file", "closure-application.assign", "closure-application.visit",
                          "closure-application.vote", "closure-application.vote", "closure-application.vote",
                          "closure-application.notice", "closure-application.confirm"], "\(trail)")
        #expect(try db.count("SELECT count(*) FROM closure_confirmations") == 1)
    }

    /// During the notice: no confirmation; an upheld objection issues the rectification opinion.
    @Test func anUpheldObjectionSendsTheMineToRectification() throws {
        let (_, conn) = try closureDatabase()
        try restore(conn)
        let app = try preliminaryPass(conn)
        #expect(app.state == .noticed && app.noticeEndsOn == Bureau.today.adding(days: 29))
        let running = #expect(throws: ReclaimError.self) { try Closures.confirm(app.id, number: "N-1", by: try reviewerNamed("r3"), on: conn) }
        #expect(running?.field == "notice_ends_on")
        let boss = try Actor("boss", role: "admin")
        var a = try Closures.object(app.id, raisedBy: "王某", contact: "13800000000", text: "北侧排土场仍有裸露", by: boss, on: conn)
        let objection = try #require(a.objections.first?.id)
        #expect(throws: ReclaimError.self) {
            try Closures.resolve(app.id, objection: objection, upheld: true, reason: "x", by: try reviewerNamed("r4"), on: conn)
        }
        a = try Closures.resolve(app.id, objection: objection, upheld: true, reason: "现场核实属实", by: try reviewerNamed("r1"), on: conn)
        #expect(a.state == .rejected && a.decision?.rectificationItems == ["北侧排土场仍有裸露（现场核实属实）"])
        #expect(throws: ReclaimError.self) { try FundLedger.release("A", by: try clerk(), on: conn) }
        // after rectifying, the operator applies again
        #expect(try file(conn).state == .filed)
    }

    @Test func aFailedVoteIssuesTheRectificationOpinion() throws {
        let (_, conn) = try closureDatabase()
        try restore(conn)
        let app = try file(conn, dated: Bureau.today.adding(days: -30))
        _ = try Closures.assignPanel(app.id, members: panelOfThree, by: try reviewerNamed("r5"), on: conn)
        _ = try Closures.recordVisit(app.id, date: Bureau.today.adding(days: -20), participants: ["r1"],
                                     checked: try Area.parseHectares("3"), finding: "覆土不足", by: try reviewerNamed("r1"), on: conn)
        _ = try Closures.vote(app.id, pass: false, opinion: "覆土不足", by: try reviewerNamed("r1"), on: conn)
        _ = try Closures.vote(app.id, pass: true, opinion: "可以", by: try reviewerNamed("r2"), on: conn)
        let rejected = try Closures.vote(app.id, pass: false, opinion: "补植", by: try expertNamed("e1"), on: conn)
        #expect(rejected.state == .rejected && rejected.decision?.rectificationItems == ["覆土不足", "补植"])
        #expect(try MineRegistry.find("A", on: conn).status == .producing)
        #expect(throws: ReclaimError.self) { try FundLedger.release("A", by: try clerk(), on: conn) }
        // the re-application's clock runs on from the days the first one used (none pass while rectifying:
        // filed the day of the opinion, its due date is the first one's)
        let again = try file(conn)
        #expect(again.id != app.id && rejected.workingDaysUsed > 15 && rejected.workingDaysCarried == 0)
        #expect(again.workingDaysCarried == rejected.workingDaysUsed && again.workingDaysUsed == rejected.workingDaysUsed)
        #expect(again.dueDate == rejected.dueDate && again.workingDaysLeft == 60 - rejected.workingDaysUsed, "\(again)")
    }

    /// The database holds each step, whoever calls: as the service's role, an
    /// acceptance without a confirmation, a confirmation during the notice and
    /// a back-dated confirmation are all refused.
    @Test func theDatabaseHoldsTheSteps() throws {
        let (db, conn) = try closureDatabase()
        try restore(conn)
        let app = try preliminaryPass(conn)
        let svc = try db.connectAsApp()
        let skip = #expect(throws: PQError.self) {
            try svc.execute("""
                SELECT review_apply('closure-application', \(app.id), 'noticed', 'confirm', 'r3', 'reviewer', NULL, NULL)
                """)
        }
        #expect(skip?.sqlState?.code == "RCCLS")
        let during = #expect(throws: PQError.self) {
            try svc.execute("""
                INSERT INTO closure_confirmations (application_id, number, confirmed_on, confirmed_by)
                VALUES (\(app.id), 'N-9', (now() AT TIME ZONE 'Asia/Shanghai')::date, 'r3')
                """)
        }
        #expect(during?.sqlState?.code == "RCCLS")
        let backdated = #expect(throws: PQError.self) {
            try svc.execute("""
                INSERT INTO closure_notices (application_id, starts_on, days, ends_on) VALUES (\(app.id), '2020-01-01', 30, '2020-01-30')
                """)
        }
        #expect(backdated != nil)
        #expect(try Closures.find(app.id, on: conn).state == .noticed)
        // the release needs a confirmation, checked by the database for a direct call too
        let release = #expect(throws: PQError.self) {
            try svc.query("SELECT * FROM fund_release('A', current_date, 'li', 'finance', NULL)")
        }
        #expect(release?.sqlState?.code == "RCREL" || release?.sqlState?.code == "RCACT")
    }

    /// The operator files twice at once (a double click, two tabs): one application, the other told so.
    @Test func twoFilingsAtOnce() async throws {
        let (db, conn) = try closureDatabase()
        try restore(conn)
        let outcomes = try await withThrowingTaskGroup(of: ReclaimError.Kind?.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do { _ = try file(try db.connect()); return nil } catch let e as ReclaimError { return e.kind }
                }
            }
            return try await group.reduce(into: [ReclaimError.Kind?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1 && outcomes.contains(.conflict), "\(outcomes)")
        #expect(try db.count("SELECT count(*) FROM closure_applications") == 1)
    }

    /// Two reviewers confirm at once: one confirmation, one acceptance.
    @Test func twoConfirmationsAtOnce() async throws {
        let (db, conn) = try closureDatabase()
        try restore(conn)
        let app = try preliminaryPass(conn, daysAgo: 40)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in [3, 4] {
                group.addTask {
                    do {
                        _ = try Closures.confirm(app.id, number: "N-\(n)", by: try reviewerNamed("r\(n)"), on: try db.connect())
                        return true
                    } catch let e as ReclaimError where e.kind == .conflict {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
        #expect(try db.count("SELECT count(*) FROM closure_confirmations") == 1)
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE record_type = 'closure-application' AND action = 'confirm'") == 1)
    }

    /// Ten panel members vote at once: every vote counts once, the decision is made once.
    @Test func tenConcurrentVotes() async throws {
        let (db, conn) = try closureDatabase()
        try restore(conn)
        for n in 6...10 { _ = try Users.add("r\(n)", role: .reviewer, mines: [], by: try Actor("setup"), on: conn) }
        _ = try Users.add("chair", role: .reviewer, mines: [], by: try Actor("setup"), on: conn)
        let app = try file(conn)
        let members = (1...9).map { "r\($0)" } + ["e1"]
        _ = try Closures.assignPanel(app.id, members: members, by: try reviewerNamed("chair"), on: conn)
        _ = try Closures.recordVisit(app.id, date: Bureau.today, participants: ["r1"], checked: try Area.parseHectares("10"),
                                     finding: "ok", by: try reviewerNamed("r1"), on: conn)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, name) in members.enumerated() {
                group.addTask {
                    let actor = name == "e1" ? try expertNamed(name) : try reviewerNamed(name)
                    _ = try Closures.vote(app.id, pass: n < 6, opinion: "v\(n)", by: actor, on: try db.connect())
                }
            }
            try await group.waitForAll()
        }
        #expect(try db.count("SELECT count(*) FROM closure_votes") == 10)
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE record_type = 'closure-application' AND action IN ('notice', 'reject')") == 1)
        #expect(try Closures.find(app.id, on: conn).state == .noticed)
    }

    /// Release: refused before acceptance, once after (a second answers with the first),
    /// then the fund is closed to every booking, by the database itself.
    @Test func releaseClosesTheFund() throws {
        let (db, conn) = try closureDatabase()
        let early = #expect(throws: ReclaimError.self) { try FundLedger.release("A", by: try clerk(), on: conn) }
        #expect(early?.kind == .ruleViolation && early?.description.contains("not accepted") == true)
        try restore(conn)
        let app = try preliminaryPass(conn, daysAgo: 40)
        _ = try Closures.confirm(app.id, number: "N-1", by: try reviewerNamed("r3"), on: conn)
        let released = try FundLedger.release("A", by: try clerk(), on: conn)
        #expect(!released.replayed && released.entry.kind == .closureRelease && released.entry.amount.description == "1000.00")
        #expect(try FundLedger.balance("A", on: conn).balance == .zero)
        #expect(try FundLedger.release("A", by: try clerk(), on: conn).replayed)
        for attempt: () throws -> Void in [
            { _ = try FundLedger.deposit("A", Booking(amount: try yuan("1")), by: try clerk(), on: conn) },
            { _ = try FundLedger.transfer(from: "B", to: "A", merger: try merger("B", into: "A", on: conn),
                                          Booking(amount: try yuan("1")), by: try clerk(), on: conn) },
            { _ = try FundLedger.convertDeposit("A", Booking(amount: try yuan("1")), by: try clerk(), on: conn) },
            { _ = try FundLedger.reverse(released.entry.id, reason: "undo", valueDate: nil, idempotencyKey: nil, by: try clerk(), on: conn) },
        ] {
            let e = #expect(throws: ReclaimError.self) { try attempt() }
            #expect(e?.kind == .ruleViolation, "\(String(describing: e))")
        }
        // a direct call to the booking function as the service's role, and a posting written past it
        let app2 = try db.connectAsApp()
        _ = try Users.add("li", role: .finance, mines: [], by: try Actor("setup"), on: conn)
        let direct = #expect(throws: PQError.self) {
            try app2.query("SELECT * FROM fund_post('deposit', 'A', NULL, 100, current_date, NULL, NULL, NULL, NULL, 'li', 'finance', NULL, 'x')")
        }
        #expect(direct?.sqlState?.code == "RCCLO")
        let csv = try writeCSV(header + "A,deposit,5,2025-01-05,,late-1,\n")
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let imported = #expect(throws: ImportRejected.self) { try FundLedger.importCSV(path: csv, by: try clerk(), on: conn) }
        #expect(imported?.report.problems.first?.reason.contains("is closed") == true)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    /// The clock: 60 working days after filing, weekends off unless listed as working days, listed holidays off.
    @Test func theWorkingDayClock() throws {
        // 2026-09-25 is a Friday
        let start = try #require(CalendarDate(iso: "2026-09-25"))
        #expect(start.isWeekend == false && start.adding(days: 1).isWeekend && start.adding(days: 2).isWeekend)
        var listed: [CalendarDate: CalendarDay.Kind] = [:]
        // the 1st working day after Friday is Monday 09-28
        #expect(WorkCalendar.workingDay(1, after: start, listed: listed).description == "2026-09-28")
        // a listed holiday on Monday and a listed working Saturday
        listed[try #require(CalendarDate(iso: "2026-09-28"))] = .holiday
        listed[try #require(CalendarDate(iso: "2026-09-26"))] = .workday
        #expect(WorkCalendar.workingDay(1, after: start, listed: listed).description == "2026-09-26")
        #expect(WorkCalendar.workingDay(2, after: start, listed: listed).description == "2026-09-29")
        // 60 working days, computed here day by day
        var day = start
        var count = 0
        while count < 60 {
            day = day.adding(days: 1)
            if listed[day].map({ $0 == .workday }) ?? !day.isWeekend { count += 1 }
        }
        #expect(WorkCalendar.workingDay(60, after: start, listed: listed) == day)
        #expect(WorkCalendar.workingDays(after: start, through: day, listed: listed) == 60)
    }

    /// The clock stands still while the operator rectifies: a re-application runs on from the days used before the
    /// rectification opinion, across a holiday week.
    @Test func theClockPausesWhileTheOperatorRectifies() throws {
        func day(_ s: String) throws -> CalendarDate { try #require(CalendarDate(iso: s)) }
        // a holiday week (listed here for the test) with a Sunday and a Saturday worked
        var listed: [CalendarDate: CalendarDay.Kind] = [:]
        for d in 1...7 { listed[try day("2026-10-0\(d)")] = .holiday }
        listed[try day("2026-09-27")] = .workday
        listed[try day("2026-10-10")] = .workday
        // filed Monday 09-14, rectification opinion Friday 10-16: 4 + 5 + 1 (Sun 27th) + 3 + 0 + 2 + 1 (Sat 10th) + 5
        let first = ClosureClock.Round(filed: try day("2026-09-14"), opinion: try day("2026-10-16"))
        let decided = ClosureClock(filed: first.filed, decided: first.opinion, rounds: [], today: try day("2026-11-20"),
                                   listed: listed)
        #expect(decided.used == 21 && decided.left == 0 && !decided.overdue)
        // rectified for a month, applied again Monday 11-16; seen Friday 11-20
        let again = ClosureClock(filed: try day("2026-11-16"), decided: nil, rounds: [first], today: try day("2026-11-20"),
                                 listed: listed)
        #expect(again.carried == 21 && again.used == 25 && again.left == 35 && !again.overdue)
        #expect(again.due == WorkCalendar.workingDay(39, after: try day("2026-11-16"), listed: listed))
        // the 21 working days of rectification (10-19 to 11-16) pushed the due date back by as many
        #expect(again.due == WorkCalendar.workingDay(60 + 21, after: first.filed, listed: listed))
        // rounds that used the whole 60 leave nothing: due the day of filing, overdue the next day
        let spent = ClosureClock(filed: try day("2026-11-16"), decided: nil,
                                 rounds: [ClosureClock.Round(filed: try day("2026-06-01"), opinion: try day("2026-10-16"))],
                                 today: try day("2026-11-17"), listed: listed)
        #expect(spent.carried > 60 && spent.due.description == "2026-11-16" && spent.overdue && spent.left == 0)
    }

    @Test func theCalendarIsTheBureaus() throws {
        let (_, conn) = try closureDatabase()
        _ = try WorkCalendar.add(try #require(CalendarDate(iso: "2027-10-01")), .holiday, name: "国庆节", by: try Actor("boss"), on: conn)
        _ = try WorkCalendar.add(try #require(CalendarDate(iso: "2027-10-09")), .workday, name: "调休", by: try Actor("boss"), on: conn)
        let twice = #expect(throws: ReclaimError.self) {
            try WorkCalendar.add(try #require(CalendarDate(iso: "2027-10-01")), .workday, name: nil, by: try Actor("boss"), on: conn)
        }
        #expect(twice?.kind == .conflict)
        #expect(try WorkCalendar.list(year: 2027, on: conn).map(\.kind) == [.holiday, .workday])
        // the State Council's schedules of 2021–2026 come with the migrations
        let y2026 = try WorkCalendar.list(year: 2026, on: conn)
        #expect(y2026.count == 39 && y2026.filter { $0.kind == .workday }.count == 6 && y2026.first { $0.day == CalendarDate(iso: "2026-02-14") }?.kind == .workday)
        #expect(try (2021...2025).allSatisfy { !(try WorkCalendar.list(year: $0, on: conn)).isEmpty })
    }

    /// The clock across a holiday week (2026's National Day, with its two Saturdays and Sundays worked),
    /// and into a year with no schedule: provisional until its schedule is loaded, then counted with it.
    @Test func theClockRunsOnThePublishedSchedules() throws {
        let (_, conn) = try closureDatabase()
        try restore(conn)
        let listed = Dictionary(uniqueKeysWithValues: try WorkCalendar.list(year: 2026, on: conn).map { ($0.day, $0.kind) })
        let start = try #require(CalendarDate(iso: "2026-09-18"))
        // from Friday 18 September: 9-20 (a Sunday worked) counts; 9-25 (中秋) and 10-1…10-7 do not; 10-10 (a Saturday) counts
        #expect(WorkCalendar.workingDays(after: start, through: try #require(CalendarDate(iso: "2026-10-12")), listed: listed) == 12)
        #expect(WorkCalendar.workingDay(12, after: start, listed: listed).description == "2026-10-12")

        let app = try file(conn, dated: try #require(CalendarDate(iso: "2026-11-02")))
        #expect(app.dueProvisional && app.dueDate.year == 2027, "\(app.dueDate)")
        let csv = "day,kind,name\n2027-01-01,holiday,元旦（测试用，非公布安排）\n"
        let days = try WorkCalendar.parse(csv: csv)
        #expect(try WorkCalendar.load(days, source: "测试", by: try Actor("boss"), on: conn) == [2027])
        let after = try Closures.find(app.id, on: conn)
        #expect(!after.dueProvisional && after.dueDate > app.dueDate, "\(after.dueDate) \(app.dueDate)")
        // a day listed otherwise is refused, and nothing of the file is kept
        let clash = #expect(throws: ReclaimError.self) {
            try WorkCalendar.load(try WorkCalendar.parse(csv: "day,kind,name\n2027-02-01,holiday,\n2027-01-01,workday,\n"),
                                  source: "x", by: try Actor("boss"), on: conn)
        }
        #expect(clash?.field == "day")
        #expect(try WorkCalendar.list(year: 2027, on: conn).count == 1)
        #expect(throws: ReclaimError.self) { try WorkCalendar.parse(csv: "date,kind\n") }
    }
}
