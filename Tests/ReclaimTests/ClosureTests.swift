import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

func reviewerNamed(_ n: String) throws -> Actor { try Actor(n, role: "reviewer") }

/// Mine A, with an approved plan, its fund holding 1 000 yuan, reviewers r1…r5 and an operator opA.
func closureDatabase() throws -> (TestDatabase, Connection) {
    let (db, conn) = try ledgerDatabase(annualPlans: false)
    let setup = try Actor("setup")
    for n in 1...5 { _ = try Users.add("r\(n)", role: .reviewer, mines: [], by: setup, on: conn) }
    _ = try Users.add("opA", role: .operator, mines: ["A"], by: setup, on: conn)
    _ = try FundLedger.deposit("A", Booking(amount: try yuan("1000")), by: try clerk(), on: conn)
    return (db, conn)
}

func file(_ conn: Connection) throws -> ClosureApplication {
    try Closures.apply("A", evidence: ["photo-1", "report-2"], note: "复垦完成", by: try Actor("opA", role: "operator"), on: conn)
}

@Suite struct ClosureTests {
    /// Each kind of open obligation refuses the application, named; cleared, it is filed.
    @Test func anApplicationWaitsForEveryObligation() throws {
        let (db, conn) = try closureDatabase()
        // a §6.2 obligation, a failed annual acceptance, an approved plan unreported, an accrual not covered
        _ = try MineRegistry.update("A", MineUpdate(scale: .medium), by: try Actor("boss"), on: conn)
        let v = try Plans.submit("A", try PlanDocument.parse(try examplePlan()), by: try Actor("opA"), on: conn)
        _ = try Plans.decide("A", version: v.version, .approve, reason: nil, by: try reviewerNamed("r1"), on: conn)
        for year in [2024, 2025] {
            _ = try AnnualPlans.draft("A", year: year, try works(["10.00"], year: year), by: try Actor("opA"), on: conn)
            _ = try AnnualPlans.decide("A", year: year, .submit, by: try Actor("opA"), on: conn)
            _ = try AnnualPlans.decide("A", year: year, .approve, by: try reviewerNamed("r1"), on: conn)
        }
        let done = Data(#"{"works": [{"work": 1, "area_hm2": "2.5", "spent": "10"}]}"#.utf8)
        _ = try AnnualPlans.report("A", year: 2024, file: done, by: try Actor("opA"), on: conn)
        _ = try AnnualPlans.decide("A", year: 2024, .fail, items: ["补植"], by: try reviewerNamed("r1"), on: conn)
        _ = try RuleSets.load(try RuleSet.parse(Data(testRules.utf8)), by: try Actor("boss"), on: conn)
        _ = try MineRegistry.update("A", MineUpdate(methodDetail: .openPitLayered), by: try Actor("boss"), on: conn)
        _ = try OutputReports.report("A", year: 2025, quantity: try Quantity.parse("10"), by: try clerk(), on: conn)
        let assessed = try Accruals.assess("A", year: 2026, by: try clerk(), on: conn)  // closes reassess-fund
        let e = #expect(throws: ReclaimError.self) { try file(conn) }
        let text = e?.description ?? ""
        #expect(e?.kind == .ruleViolation && e?.field == "obligations")
        #expect(text.contains("open obligation recompile-plan") && text.contains("open obligation resign-responsibility-letter"))
        #expect(!text.contains("reassess-fund"))
        #expect(text.contains("annual plan 2024 failed its acceptance") && text.contains("annual plan 2025 is approved but not reported"))
        #expect(text.contains("accrual 2026: \(assessed.amount) yuan assessed, 1000.00 yuan deposited"), "\(text)")
        #expect(try db.count("SELECT count(*) FROM closure_applications") == 0)

        // clear them one by one
        let today = CalendarDate.today(in: FundLedger.bureauTimeZone).description
        let v2 = try Plans.submit("A", try PlanDocument.parse(try plan("letter_signed_on", "\"\(today)\"")), by: try Actor("opA"), on: conn)
        _ = try Plans.decide("A", version: v2.version, .approve, reason: nil, by: try reviewerNamed("r1"), on: conn)
        _ = try AnnualPlans.report("A", year: 2024, file: done, by: try Actor("opA"), on: conn)
        _ = try AnnualPlans.decide("A", year: 2024, .accept, by: try reviewerNamed("r2"), on: conn)
        _ = try AnnualPlans.report("A", year: 2025, file: done, by: try Actor("opA"), on: conn)
        _ = try AnnualPlans.decide("A", year: 2025, .accept, by: try reviewerNamed("r2"), on: conn)
        let short = #expect(throws: ReclaimError.self) { try file(conn) }
        #expect(short?.description.contains("accrual 2026") == true && short?.description.contains("annual plan") == false)
        _ = try FundLedger.deposit("A", Booking(amount: assessed.amount, valueDate: CalendarDate(iso: "2026-01-05")),
                                   by: try clerk(), on: conn)
        let app = try file(conn)
        #expect(app.state == .filed && app.checks.count == 4 && app.evidence == ["photo-1", "report-2"])
        // one open application per mine
        let again = #expect(throws: ReclaimError.self) { try file(conn) }
        #expect(again?.kind == .conflict)
    }

    @Test func panelAndVoteRulesAndAMajorityPass() throws {
        let (db, conn) = try closureDatabase()
        let app = try file(conn)
        for (names, field) in [(["r1", "r2"], "reviewer"), (["r1", "r2", "boss"], "reviewer"), (["r1", "r2", "opA"], "reviewer"),
                               (["r1", "r1", "r2"], "reviewer")] {
            if names.contains("boss") { _ = try? Users.add("boss", role: .admin, mines: [], by: try Actor("setup"), on: conn) }
            let e = #expect(throws: ReclaimError.self) {
                try Closures.assignPanel(app.id, reviewers: names, by: try reviewerNamed("r5"), on: conn)
            }
            #expect(e?.field == field, "\(names): \(String(describing: e))")
        }
        #expect(try db.count("SELECT count(*) FROM closure_panel") == 0)
        // a vote before the panel: the state is named
        let early = #expect(throws: ReclaimError.self) {
            try Closures.vote(app.id, pass: true, opinion: "ok", by: try reviewerNamed("r1"), on: conn)
        }
        #expect(early?.kind == .conflict && early?.description.contains("is filed") == true)
        var a = try Closures.assignPanel(app.id, reviewers: ["r1", "r2", "r3"], by: try reviewerNamed("r5"), on: conn)
        #expect(a.state == .underReview && a.panel == ["r1", "r2", "r3"])
        let outsider = #expect(throws: ReclaimError.self) {
            try Closures.vote(app.id, pass: true, opinion: "ok", by: try reviewerNamed("r4"), on: conn)
        }
        #expect(outsider?.kind == .forbidden)
        a = try Closures.vote(app.id, pass: true, opinion: "复垦达标", by: try reviewerNamed("r1"), on: conn)
        let twice = #expect(throws: ReclaimError.self) {
            try Closures.vote(app.id, pass: false, opinion: "changed my mind", by: try reviewerNamed("r1"), on: conn)
        }
        #expect(twice?.kind == .conflict)
        #expect(throws: PQError.self) { try conn.execute("UPDATE closure_votes SET pass = false") }
        a = try Closures.vote(app.id, pass: false, opinion: "排水沟未完工", by: try reviewerNamed("r2"), on: conn)
        #expect(a.state == .underReview && a.decision == nil)
        a = try Closures.vote(app.id, pass: true, opinion: "同意", by: try reviewerNamed("r3"), on: conn)
        #expect(a.state == .accepted && a.decision?.opinion == ["复垦达标", "同意"] && a.decision?.decidedBy == "r3")
        #expect(try MineRegistry.find("A", on: conn).status == .closed)
        let trail = try conn.query("SELECT action FROM audit_log WHERE target = \("closure-application:\(app.id)") ORDER BY id").rows.map { try $0.decode("action", as: String.self) }
        #expect(trail == ["closure-application.file", "closure-application.assign", "closure-application.vote", "closure-application.vote", "closure-application.vote", "closure-application.accept"], "\(trail)")
    }

    @Test func aMajorityFailRejectsWithItemsThenASecondApplication() throws {
        let (_, conn) = try closureDatabase()
        let first = try file(conn)
        _ = try Closures.assignPanel(first.id, reviewers: ["r1", "r2", "r3"], by: try reviewerNamed("r5"), on: conn)
        _ = try Closures.vote(first.id, pass: false, opinion: "覆土不足", by: try reviewerNamed("r1"), on: conn)
        _ = try Closures.vote(first.id, pass: true, opinion: "可以", by: try reviewerNamed("r2"), on: conn)
        let rejected = try Closures.vote(first.id, pass: false, opinion: "补植", by: try reviewerNamed("r3"), on: conn)
        #expect(rejected.state == .rejected && rejected.decision?.rectificationItems == ["覆土不足", "补植"])
        #expect(try MineRegistry.find("A", on: conn).status == .producing)
        let second = try file(conn)
        #expect(second.id != first.id && second.state == .filed)
    }

    /// Ten panel members vote at once: every vote counts once, the decision is made once.
    @Test func tenConcurrentVotes() async throws {
        let (db, conn) = try closureDatabase()
        for n in 6...10 { _ = try Users.add("r\(n)", role: .reviewer, mines: [], by: try Actor("setup"), on: conn) }
        _ = try Users.add("chair", role: .reviewer, mines: [], by: try Actor("setup"), on: conn)
        let app = try file(conn)
        _ = try Closures.assignPanel(app.id, reviewers: (1...10).map { "r\($0)" }, by: try reviewerNamed("chair"), on: conn)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1...10 {
                group.addTask {
                    _ = try Closures.vote(app.id, pass: n <= 6, opinion: "v\(n)", by: try reviewerNamed("r\(n)"), on: try db.connect())
                }
            }
            try await group.waitForAll()
        }
        #expect(try db.count("SELECT count(*) FROM closure_votes") == 10)
        #expect(try db.count("SELECT count(*) FROM review_decisions WHERE record_type = 'closure-application' AND action IN ('accept', 'reject')") == 1)
        #expect(try Closures.find(app.id, on: conn).state == .accepted)
    }

    /// Release: refused before acceptance, once after (a second answers with the first),
    /// then the fund is closed to every booking, by the database itself.
    @Test func releaseClosesTheFund() throws {
        let (db, conn) = try closureDatabase()
        let early = #expect(throws: ReclaimError.self) { try FundLedger.release("A", by: try clerk(), on: conn) }
        #expect(early?.kind == .ruleViolation && early?.description.contains("not accepted") == true)
        let app = try file(conn)
        _ = try Closures.assignPanel(app.id, reviewers: ["r1", "r2", "r3"], by: try reviewerNamed("r5"), on: conn)
        for n in 1...3 { _ = try Closures.vote(app.id, pass: true, opinion: "ok", by: try reviewerNamed("r\(n)"), on: conn) }
        let released = try FundLedger.release("A", by: try clerk(), on: conn)
        #expect(!released.replayed && released.entry.kind == .closureRelease && released.entry.amount.description == "1000.00")
        #expect(try FundLedger.balance("A", on: conn).balance == .zero)
        #expect(try FundLedger.release("A", by: try clerk(), on: conn).replayed)
        for attempt: () throws -> Void in [
            { _ = try FundLedger.deposit("A", Booking(amount: try yuan("1")), by: try clerk(), on: conn) },
            { _ = try FundLedger.transfer(from: "B", to: "A", Booking(amount: try yuan("1")), by: try clerk(), on: conn) },
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
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 2)
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

    @Test func theCalendarIsTheBureaus() throws {
        let (_, conn) = try closureDatabase()
        _ = try WorkCalendar.add(try #require(CalendarDate(iso: "2026-10-01")), .holiday, name: "国庆节", by: try Actor("boss"), on: conn)
        _ = try WorkCalendar.add(try #require(CalendarDate(iso: "2026-10-10")), .workday, name: "调休", by: try Actor("boss"), on: conn)
        let twice = #expect(throws: ReclaimError.self) {
            try WorkCalendar.add(try #require(CalendarDate(iso: "2026-10-01")), .workday, name: nil, by: try Actor("boss"), on: conn)
        }
        #expect(twice?.kind == .conflict)
        #expect(try WorkCalendar.list(year: 2026, on: conn).map(\.kind) == [.holiday, .workday])
    }
}
