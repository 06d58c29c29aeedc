import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Issue 31, green mines (绿色矿山): the list with its history, the
/// disclosure due by 31 March (Beijing time), the 双随机一公开 draw that
/// anyone can repeat, the checks, and the removals the rules make.
@Suite struct GreenMineTests {
    static func admin() throws -> Actor { try Actor("boss", role: "admin") }

    static func disclosure() throws -> GreenDisclosureDocument {
        try GreenDisclosureDocument.parse(try Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/green-disclosure.json")))
    }

    static func day(_ text: String) throws -> CalendarDate { try #require(CalendarDate(iso: text)) }

    @Test func theListKeepsItsHistoryAndAnswersAsOfADate() throws {
        let (_, conn) = try closureDatabase()
        _ = try GreenMines.add("A", year: 2020, standard: "DZ/T 0315-2018", document: "内自然资字〔2020〕1号",
                               dated: try Self.day("2020-12-31"), by: try Self.admin(), on: conn)
        _ = try GreenMines.add("B", year: 2020, standard: "DZ/T 0315-2018", document: "内自然资字〔2020〕1号",
                               dated: try Self.day("2020-12-31"), by: try Self.admin(), on: conn)
        let twice = #expect(throws: ReclaimError.self) {
            try GreenMines.add("A", year: 2021, standard: "DZ/T 0315-2018", document: "x", by: try Self.admin(), on: conn)
        }
        #expect(twice?.field == "license", "\(String(describing: twice))")
        let removed = try GreenMines.remove("B", reason: "监督检查不合格且一年内整改仍未达标", document: "达自然资〔2026〕3号",
                                            by: try Self.admin(), on: conn)
        #expect(removed.removal?.cause == .decision && removed.removal?.removedOn == Bureau.today)
        #expect(try GreenMines.list(on: conn).map(\.license) == ["A"])
        #expect(try GreenMines.list(asOf: Bureau.today.adding(days: -1), on: conn).map(\.license) == ["A", "B"])
        #expect(try GreenMines.list(asOf: try Self.day("2020-12-30"), on: conn).isEmpty)
        // listed again after meeting the standard: a new listing, the old one kept
        _ = try GreenMines.add("B", year: 2026, standard: "DZ/T 0315-2018", document: "内自然资字〔2026〕9号", by: try Self.admin(), on: conn)
        #expect(try GreenMines.history("B", on: conn).map { $0.removal == nil } == [false, true])
        #expect(throws: ReclaimError.self) { try GreenMines.remove("Z", reason: "r", document: "d", by: try Self.admin(), on: conn) }
    }

    /// 31 March is the last day, in Beijing: 16:30 UTC on 31 March is already 1 April there.
    @Test func aDisclosureIsDueBy31MarchBeijingTime() throws {
        let (db, conn) = try closureDatabase()
        _ = try GreenMines.add("A", year: 2024, standard: "DZ/T 0315-2018", document: "d", dated: try Self.day("2024-06-01"),
                               by: try Self.admin(), on: conn)
        #expect(GreenMines.dueDate(of: 2025) == (try Self.day("2026-03-31")))
        #expect(!GreenMines.isOverdue(year: 2025, today: try Self.day("2026-03-31")))
        #expect(GreenMines.isOverdue(year: 2025, today: try Self.day("2026-04-01")))
        let first = try GreenMines.disclose("A", year: 2024, try Self.disclosure(), by: try operatorA(), on: conn)
        #expect(first.version == 1 && first.score == "88.0")
        let second = try GreenMines.disclose("A", year: 2025, try Self.disclosure(), by: try operatorA(), on: conn)
        #expect(second.year == 2025)
        // the submission times moved to either side of the boundary, as the owner could record them
        try conn.execute("ALTER TABLE green_disclosures DISABLE TRIGGER USER")
        try conn.execute("UPDATE green_disclosures SET submitted_at = '2025-03-31 23:59:59+08' WHERE year = 2024")
        try conn.execute("UPDATE green_disclosures SET submitted_at = '2026-03-31 16:30:00+00' WHERE year = 2025")
        try conn.execute("ALTER TABLE green_disclosures ENABLE TRIGGER USER")
        #expect(try GreenMines.disclosures(year: 2024, on: conn).first?.late == false)
        #expect(try GreenMines.disclosures(year: 2025, on: conn).first?.late == true)
        // a mine that was not listed at the year's end has nothing to disclose; nor has the year not yet over
        #expect(throws: ReclaimError.self) { try GreenMines.disclose("A", year: 2023, try Self.disclosure(), by: try operatorA(), on: conn) }
        let app = try db.connectAsApp()
        defer { app.close() }
        #expect(throws: (any Error).self) {
            try Commandless.disclose(app, year: Bureau.today.year)
        }
        #expect(try GreenMines.missing(year: 2024, on: conn).isEmpty)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'green.disclose'") == 2)
    }

    @Test func aDisclosureFileIsCheckedAndNamesWhatIsWrong() throws {
        let good = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/green-disclosure.json"), encoding: .utf8)
        for (bad, field) in [
            (good.replacingOccurrences(of: #""score": "9.5""#, with: #""score": "10.5""#), "indicators[0].score"),
            (good.replacingOccurrences(of: #""weight": 10, "note": "证照"#, with: #""weight": 11, "note": "证照"#), "indicators"),
            (good.replacingOccurrences(of: #""area": "innovation""#, with: #""area": "management""#), "indicators"),
            (good.replacingOccurrences(of: #""answered": 3"#, with: #""answered": 4"#), "grievances"),
            (good.replacingOccurrences(of: #""grievances""#, with: #""grievance""#), "grievance"),
        ] {
            let e = #expect(throws: ReclaimError.self) { try GreenDisclosureDocument.parse(Data(bad.utf8)) }
            #expect(e?.field == field, "\(field): \(String(describing: e))")
        }
    }

    /// The sample comes from the published inputs alone: the same list and
    /// seed draw the same mines and inspectors, anywhere, after a restart;
    /// at least the share; never an inspector bound to the mine.
    @Test func theDrawIsReproducibleAndKeepsItsShare() throws {
        let listed = (1...11).map { String(format: "M%02d", $0) }
        let pool = ["r1", "r2", "r3", "e1", "e2"]
        let a = try GreenDraw.draw(year: 2026, seed: "2026-旗自然资源局-公开", sharePercent: 20, listed: listed, pool: pool, excluded: [])
        let b = try GreenDraw.draw(year: 2026, seed: "2026-旗自然资源局-公开", sharePercent: 20, listed: listed.reversed(), pool: pool.reversed(),
                                   excluded: [])
        #expect(a == b && a.sample.count == 3)  // ⌈11 × 20 %⌉
        #expect(GreenDraw.count(of: 10, percent: 20) == 2 && GreenDraw.count(of: 1, percent: 20) == 1 && GreenDraw.count(of: 0, percent: 50) == 0)
        let other = try GreenDraw.draw(year: 2026, seed: "another seed", sharePercent: 20, listed: listed, pool: pool, excluded: [])
        #expect(other.sample != a.sample)
        #expect(a.sample.allSatisfy { Set($0.inspectors).count == 2 && Set($0.inspectors).isSubset(of: Set(pool)) })
        // whoever a drawn mine's inspectors would be, excluding one of them draws someone else
        let first = try #require(a.sample.first)
        let barred = first.inspectors[0]
        let c = try GreenDraw.draw(year: 2026, seed: "2026-旗自然资源局-公开", sharePercent: 20, listed: listed, pool: pool,
                                   excluded: ["\(first.license):\(barred)"])
        #expect(c.sample.map(\.license) == a.sample.map(\.license))
        #expect(c.sample.first?.inspectors.contains(barred) == false)
        #expect(throws: ReclaimError.self) {
            try GreenDraw.draw(year: 2026, seed: "s", sharePercent: 100, listed: ["M1"], pool: ["r1"], excluded: [])
        }
    }

    @Test func aYearIsDrawnOnceRecordedAndDrawnAgainAfterARestart() throws {
        let (db, conn) = try closureDatabase()
        for license in ["A", "B"] {
            _ = try GreenMines.add(license, year: 2020, standard: "DZ/T 0315-2018", document: "d", by: try Self.admin(), on: conn)
        }
        // r1 is bound to A (as the owner could record it): never A's inspector
        try conn.execute("INSERT INTO user_mines (user_name, mine_id) SELECT 'r1', id FROM mines WHERE license = 'A'")
        let draw = try GreenMines.draw(year: 2026, sharePercent: 100, seed: "seed-2026", by: try Self.admin(), on: conn)
        #expect(draw.sample.map(\.license) .sorted() == ["A", "B"] && draw.excluded == ["A:r1"])
        #expect(draw.sample.first { $0.license == "A" }?.inspectors.contains("r1") == false)
        let again = #expect(throws: ReclaimError.self) {
            try GreenMines.draw(year: 2026, sharePercent: 20, seed: "another", by: try Self.admin(), on: conn)
        }
        #expect(again?.kind == .conflict)
        // a new connection, as after a restart: the recorded draw, drawn again from what it published
        let later = try db.connect()
        defer { later.close() }
        #expect(try GreenMines.verifyDraw(year: 2026, on: later) == draw)
        #expect(try GreenMines.findDraw(year: 2026, on: later).redrawn().sample == draw.sample)
        // a check records the outcome; remove takes the mine off the list, as a spot check's removal
        let drawnA = try #require(draw.sample.first { $0.license == "A" })
        _ = try GreenMines.check("A", year: 2026, result: .remove, finding: "弄虚作假纳入名录", by: try reviewerNamed(drawnA.inspectors[0]), on: conn)
        #expect(try GreenMines.history("A", on: conn).last?.removal?.cause == .spotCheck)
        // the public part goes into the mine's yearly disclosure
        let disclosed = try Reports.disclosure("A", year: 2026, on: conn)
        #expect(disclosed.green?.status == "spot-check" && disclosed.green?.checkResult == .remove)
        #expect(disclosed.html(lang: .zh, unit: .yuan).contains("弄虚作假纳入名录"))
        #expect(try Reports.disclosure("A", year: 2019, on: conn).green == nil)
        #expect(throws: ReclaimError.self) {
            try GreenMines.check("A", year: 2026, result: .pass, finding: "again", by: try reviewerNamed("r2"), on: conn)
        }
        #expect(throws: ReclaimError.self) {
            try GreenMines.check("A", year: 2025, result: .pass, finding: "not drawn", by: try reviewerNamed("r2"), on: conn)
        }
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'green.draw' AND target = 'green-draw:2026'") == 1)
        // the database refuses a sample whose inspector is bound to the mine, whoever writes it
        #expect(throws: PQError.self) {
            try conn.execute("""
                INSERT INTO green_draws (year, seed, share_percent, algorithm, listed, pool, excluded, drawn_by)
                VALUES (2030, 's', 20, 'x', '{A}', '{r1,r2}', '{}', 'boss');
                INSERT INTO green_draw_sample (year, mine_id, inspectors) SELECT 2030, id, '{r1,r2}' FROM mines WHERE license = 'A'
                """)
        }
    }

    @Test func twoDrawsOfOneYearAtOnceRecordOne() async throws {
        let (db, conn) = try closureDatabase()
        _ = try GreenMines.add("A", year: 2020, standard: "s", document: "d", by: try Self.admin(), on: conn)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in 0..<20 {
                group.addTask {
                    do {
                        _ = try GreenMines.draw(year: 2026, sharePercent: 20, seed: "seed \(n)", by: try Actor("boss", role: "admin"),
                                                on: try db.connect())
                        return true
                    } catch let e as ReclaimError where e.kind == .conflict {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try db.count("SELECT count(*) FROM green_draws") == 1 && db.count("SELECT count(*) FROM green_draw_sample") == 1)
    }

    /// A closure accepted takes the mine off the list, recorded as such.
    @Test func anAcceptedClosureRemovesTheMineFromTheList() throws {
        let (_, conn) = try closureDatabase()
        _ = try GreenMines.add("A", year: 2020, standard: "DZ/T 0315-2018", document: "d", by: try Self.admin(), on: conn)
        try restore(conn)
        let app = try preliminaryPass(conn, daysAgo: 40)
        _ = try Closures.confirm(app.id, number: "达自然资复验〔2026〕11号", by: try reviewerNamed("r3"), on: conn)
        let listing = try #require(try GreenMines.history("A", on: conn).last)
        #expect(listing.removal?.cause == .closure && listing.removal?.document == "达自然资复验〔2026〕11号")
        #expect(try GreenMines.list(on: conn).isEmpty)
        // and a closed mine is not listed again
        #expect(throws: ReclaimError.self) {
            try GreenMines.add("A", year: 2027, standard: "s", document: "d", by: try Self.admin(), on: conn)
        }
    }

    /// The operator discloses for their own mines only, checked by the database too.
    @Test func anOperatorDisclosesOnlyForTheirOwnMine() throws {
        let (db, conn) = try closureDatabase()
        for license in ["A", "B"] {
            _ = try GreenMines.add(license, year: 2020, standard: "s", document: "d", dated: try Self.day("2024-01-01"), by: try Self.admin(), on: conn)
        }
        let op = try #require(try Users.principal(named: "opA", on: conn))
        let app = try db.connectAsApp()
        defer { app.close() }
        let document = try Self.disclosure()
        let year = Bureau.today.year - 1
        _ = try GreenMines.Commands.disclose("A", year: year, document).run(as: op, on: app)
        let refused = #expect(throws: ReclaimError.self) { try GreenMines.Commands.disclose("B", year: year, document).run(as: op, on: app) }
        #expect(refused?.kind == .forbidden)
        // past the policy, the database itself: opA writing B's disclosure in their own name
        #expect(throws: ReclaimError.self) { try GreenMines.disclose("B", year: year, document, by: try op.actor(), on: app) }
        // nor may the service date one in the past to look on time; the owner recording an old one may
        #expect(throws: ReclaimError.self) {
            try GreenMines.disclose("A", year: year, document, at: Date(timeIntervalSinceNow: -86_400 * 300), by: try op.actor(), on: app)
        }
        #expect(try db.count("SELECT count(*) FROM green_disclosures") == 1)
    }
}

/// A disclosure of the current year, written straight into the table by the service's role.
enum Commandless {
    static func disclose(_ conn: Connection, year: Int) throws {
        try conn.execute("""
            INSERT INTO green_disclosures (mine_id, year, version, content, score_tenths, submitted_by)
            SELECT id, \(Int32(year)), 1, '{}'::jsonb, 0, 'opA' FROM mines WHERE license = 'A'
            """)
    }
}
