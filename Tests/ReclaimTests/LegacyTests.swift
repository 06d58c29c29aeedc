import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

func manager() throws -> Actor { try Actor("mgr", role: "admin") }

/// Sites S1 and S2 (10 and 5 hm²) declared ownerless, and a project planned with both.
func legacyDatabase() throws -> (TestDatabase, Connection, LegacyProject) {
    let db = try TestDatabase.make()
    let conn = try db.connect()
    for (code, area) in [("S1", "10"), ("S2", "5")] {
        _ = try LegacySites.add(NewSite(code: code, township: "树林召镇", area: try Area.parseHectares(area),
                                        geometry: #"{"type": "Point", "coordinates": [110.0, 40.3]}"#,
                                        problems: [try SiteProblem.parse("waste-dump=12000"), try SiteProblem.parse("other=3:pits")]),
                                by: try manager(), on: conn)
        _ = try LegacySites.openNotice(code, days: 30, start: CalendarDate(iso: "2026-01-05"), by: try manager(), on: conn)
        _ = try LegacySites.closeNotice(code, outcome: "ownerless", owner: nil, by: try manager(), on: conn)
    }
    let project = try LegacyProjects.add(name: "示范项目", approval: "自然资字〔2021〕346号", contractor: "某建设公司",
                                         budget: [.central: try yuan("100000"), .banner: try yuan("20000")],
                                         by: try manager(), on: conn)
    for code in ["S1", "S2"] { _ = try LegacyProjects.addSite(project.id, code: code, by: try manager(), on: conn) }
    return (db, conn, project)
}

func legacy(_ kind: EntryKind, _ p: Int64, _ source: FundingSource, _ amount: String, key: String? = nil,
            on conn: Connection) throws -> BookingResult {
    try LegacyProjects.book(kind, project: p, source: source, Booking(amount: try yuan(amount), idempotencyKey: key),
                            work: kind == .legacySpend ? "slope works" : nil, by: try clerk(), on: conn)
}

@Suite struct LegacyTests {
    @Test func everyAllowedAndRefusedTransition() throws {
        let w = LegacyProjects.workflow
        #expect(w.isDeterministic)
        var allowed: Set<String> = []
        for state in LegacyProjectState.allCases {
            for action in LegacyProjectAction.allCases {
                if let t = try? w.transition(from: state, action) {
                    allowed.insert("\(state.rawValue) \(action.rawValue) \(t.to.rawValue)\(t.reviewed ? " reviewed" : "")")
                } else {
                    let e = #expect(throws: ReclaimError.self) { try w.transition(from: state, action) }
                    #expect(e?.kind == .conflict && e?.description.contains("that is \(state.rawValue)") == true)
                }
            }
        }
        #expect(allowed == ["draft plan planned", "planned approve approved reviewed", "approved start in-works",
                            "in-works suspend suspended", "suspended resume in-works", "in-works complete completed",
                            "completed accept accepted reviewed"])
    }

    @Test func noticePeriodRules() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        _ = try LegacySites.add(NewSite(code: "N1", township: "t", area: try Area.parseHectares("1")), by: try manager(), on: conn)
        _ = try LegacySites.add(NewSite(code: "N2", township: "t", area: try Area.parseHectares("1")), by: try manager(), on: conn)
        // N1: open today, so objections are taken and it cannot close yet
        var s = try LegacySites.openNotice("N1", days: nil, start: nil, by: try manager(), on: conn)
        #expect(s.notice?.days == 30 && s.noticeState == "open")
        s = try LegacySites.objection("N1", text: "此地有主", by: try manager(), on: conn)
        #expect(s.notice?.objections == ["此地有主"])
        let early = #expect(throws: ReclaimError.self) {
            try LegacySites.closeNotice("N1", outcome: "ownerless", owner: nil, by: try manager(), on: conn)
        }
        #expect(early?.kind == .ruleViolation)
        // N2: a period that has ended: no more objections; closed as owner-found it leaves the programme
        _ = try LegacySites.openNotice("N2", days: 10, start: CalendarDate(iso: "2026-01-01"), by: try manager(), on: conn)
        let late = #expect(throws: ReclaimError.self) {
            try LegacySites.objection("N2", text: "too late", by: try manager(), on: conn)
        }
        #expect(late?.kind == .ruleViolation && late?.description.contains("2026-01-10") == true)
        s = try LegacySites.closeNotice("N2", outcome: "owner-found", owner: "某公司", by: try manager(), on: conn)
        #expect(s.noticeState == "owner-found" && s.notice?.owner == "某公司")
        // a project takes neither: one under notice, one with an owner
        let p = try LegacyProjects.add(name: "p", approval: "a", contractor: "c", budget: [.city: try yuan("1")],
                                       by: try manager(), on: conn)
        for code in ["N1", "N2"] {
            let e = #expect(throws: ReclaimError.self) { try LegacyProjects.addSite(p.id, code: code, by: try manager(), on: conn) }
            #expect(e?.field == "code")
        }
        #expect(try LegacySites.list(noticeState: "open", on: conn).map(\.code) == ["N1"])
    }

    @Test func statesAndTheLedgerOfAProject() throws {
        let (db, conn, p) = try legacyDatabase()
        // a site in one live project only
        let p2 = try LegacyProjects.add(name: "p2", approval: "a", contractor: "c", budget: [.city: try yuan("1")],
                                        by: try manager(), on: conn)
        #expect(throws: ReclaimError.self) { try LegacyProjects.addSite(p2.id, code: "S1", by: try manager(), on: conn) }
        // money may be committed, not spent, before approval
        _ = try legacy(.legacyCommit, p.id, .central, "60000", on: conn)
        let early = #expect(throws: ReclaimError.self) { try legacy(.legacySpend, p.id, .central, "1", on: conn) }
        #expect(early?.kind == .ruleViolation)
        // the manager may not approve their own project; a reviewer does
        #expect(throws: ReclaimError.self) { try LegacyProjects.step(p.id, .approve, by: try manager(), on: conn) }
        _ = try LegacyProjects.step(p.id, .approve, by: try Actor("rv", role: "reviewer"), on: conn)
        let refusedStep = #expect(throws: ReclaimError.self) { try LegacyProjects.step(p.id, .complete, by: try manager(), on: conn) }
        #expect(refusedStep?.kind == .conflict)
        _ = try LegacyProjects.step(p.id, .start, by: try manager(), on: conn)
        let spent = try legacy(.legacySpend, p.id, .central, "45000", key: "pay-1", on: conn)
        #expect(try legacy(.legacySpend, p.id, .central, "45000", key: "pay-1", on: conn).replayed)
        let over = #expect(throws: ReclaimError.self) { try legacy(.legacySpend, p.id, .central, "15000.01", on: conn) }
        #expect(over?.description.contains("15000.00 yuan committed and unspent") == true)
        // banner money is its own: nothing committed from it yet
        #expect(throws: ReclaimError.self) { try legacy(.legacySpend, p.id, .banner, "1", on: conn) }
        _ = try FundLedger.reverse(spent.entry.id, reason: "wrong invoice", valueDate: nil, idempotencyKey: nil, by: try clerk(), on: conn)
        _ = try legacy(.legacyCommit, p.id, .banner, "5000", on: conn)
        _ = try legacy(.legacySpend, p.id, .banner, "2000", on: conn)

        // per-source figures, against the sums of what was booked here
        let shown = try LegacyProjects.find(p.id, on: conn)
        let central = try #require(shown.funding.first { $0.source == .central })
        let banner = try #require(shown.funding.first { $0.source == .banner })
        #expect(central.planned.fen == 10_000_000 && central.committed.fen == 6_000_000 && central.spent.fen == 0)
        #expect(banner.planned.fen == 2_000_000 && banner.committed.fen == 500_000 && banner.spent.fen == 200_000)
        #expect(shown.committed.fen == 6_500_000 && shown.spent.fen == 200_000 && shown.sites == ["S1", "S2"])

        // progress, never beyond a site's area; acceptance by a reviewer who is not the manager
        _ = try LegacyProjects.progress(p.id, code: "S1", area: try Area.parseHectares("6"), on: try #require(CalendarDate(iso: "2026-05-01")),
                                        evidence: ["photo-1"], by: try manager(), on: conn)
        let tooMuch = #expect(throws: ReclaimError.self) {
            try LegacyProjects.progress(p.id, code: "S1", area: try Area.parseHectares("4.0001"), on: try #require(CalendarDate(iso: "2026-05-02")),
                                        evidence: [], by: try manager(), on: conn)
        }
        #expect(tooMuch?.description.contains("4.0000 hm² left") == true)
        // what was seen: progress dated 2099 was accepted
        let future = #expect(throws: ReclaimError.self) {
            try LegacyProjects.progress(p.id, code: "S1", area: try Area.parseHectares("1"), on: Bureau.today.adding(days: 1),
                                        evidence: [], by: try manager(), on: conn)
        }
        #expect(future?.field == "date")
        _ = try LegacyProjects.progress(p.id, code: "S2", area: try Area.parseHectares("5"), on: try #require(CalendarDate(iso: "2026-05-03")),
                                        evidence: [], by: try manager(), on: conn)
        _ = try LegacyProjects.step(p.id, .suspend, by: try manager(), on: conn)
        _ = try LegacyProjects.step(p.id, .resume, by: try manager(), on: conn)
        _ = try LegacyProjects.step(p.id, .complete, by: try manager(), on: conn)
        #expect(throws: ReclaimError.self) { try LegacyProjects.step(p.id, .accept, opinion: "ok", by: try manager(), on: conn) }
        let accepted = try LegacyProjects.step(p.id, .accept, opinion: "验收合格", by: try Actor("rv", role: "reviewer"), on: conn)
        #expect(accepted.state == .accepted && accepted.treated.hectares == "11.0000")
        #expect(try LegacySites.find("S1", on: conn).restored)
        #expect(throws: ReclaimError.self) { try legacy(.legacyCommit, p.id, .city, "1", on: conn) }  // books closed
        // what was seen: reversing a payment of an accepted project booked and reopened its money
        let banked = try #require(try conn.queryFirst("""
            SELECT max(id) AS id FROM ledger_entries WHERE kind = 'legacy-spend' AND id NOT IN
                (SELECT reverses FROM ledger_entries WHERE reverses IS NOT NULL)
            """)?.decode("id", as: Int64.self))
        let reopened = #expect(throws: ReclaimError.self) {
            try FundLedger.reverse(banked, reason: "undo", valueDate: nil, idempotencyKey: nil, by: try clerk(), on: conn)
        }
        #expect(reopened?.kind == .ruleViolation && reopened?.description.contains("accepted legacy project") == true,
                "\(String(describing: reopened))")
        #expect(try FundLedger.verify(on: conn).isIntact)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE target = \("legacy-project:\(p.id)")") >= 12)
    }

    /// Twenty payments race for one source's committed money: never more than it.
    @Test func twentyPaymentsNeverSpendMoreThanCommitted() async throws {
        let (db, conn, p) = try legacyDatabase()
        _ = try legacy(.legacyCommit, p.id, .central, "1000", on: conn)
        _ = try LegacyProjects.step(p.id, .approve, by: try Actor("rv", role: "reviewer"), on: conn)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try legacy(.legacySpend, p.id, .central, "150", on: try db.connect())
                        return true
                    } catch let e as ReclaimError where e.kind == .ruleViolation { return false }
                }
            }
            var all: [Bool] = []
            for try await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.filter { $0 }.count == 6)
        let central = try #require(try LegacyProjects.find(p.id, on: conn).funding.first { $0.source == .central })
        #expect(central.spent.fen == 90_000 && central.remaining.fen == 10_000)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func verifyDetectsATamperedProjectPosting() throws {
        let (_, conn, p) = try legacyDatabase()
        _ = try legacy(.legacyCommit, p.id, .central, "1000", on: conn)
        try conn.simple("""
            ALTER TABLE ledger_postings DISABLE TRIGGER USER;
            UPDATE ledger_postings SET amount = amount * 2 WHERE account_id IN (SELECT id FROM fund_accounts WHERE project_id IS NOT NULL);
            ALTER TABLE ledger_postings ENABLE TRIGGER USER;
            """)
        let report = try FundLedger.verify(on: conn)
        #expect(!report.isIntact)
        #expect(report.problems.contains { $0.license == "legacy-project:\(p.id)" })
    }

    @Test func aSurveyImportsAllOrNothing() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let bad = try writeCSV("code,township,area_hm2,former_mine,problems,location\nA1,t,1,,subsidence=100,\nA2,t,-1,,,\nA3,t,1,,volcano=1,\n")
        let good = try writeCSV("code,township,area_hm2,former_mine,problems,location\nA1,t,1,老矿,subsidence=100;opening=2,\"{\"\"type\"\": \"\"Point\"\", \"\"coordinates\"\": [110, 40]}\"\nA2,t,2.5,,,\n")
        defer { for f in [bad, good] { try? FileManager.default.removeItem(atPath: f) } }
        let e = #expect(throws: ReclaimError.self) { try LegacySites.importCSV(path: bad, by: try manager(), on: conn) }
        #expect(e?.description.contains("line 3: area_hm2") == true && e?.description.contains("line 4: problems") == true)
        #expect(try db.count("SELECT count(*) FROM legacy_sites") == 0)
        #expect(try LegacySites.importCSV(path: good, by: try manager(), on: conn) == 2)
        let a1 = try LegacySites.find("A1", on: conn)
        #expect(a1.problems.map(\.unit) == ["m2", "count"] && a1.formerMine == "老矿" && a1.geometry != nil)
    }
}
