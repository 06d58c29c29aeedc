import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// The reports besides the fund's, each against figures this test computes
/// from the rows it wrote, never from the report's own queries.
@Suite struct ReportsTests {
    /// A's works: 2.5 hm² of revegetation and a 1200 m³ regrading per year.
    func reportYear(_ year: Int, area: String, spent: String, on conn: Connection) throws {
        let done = Data(#"{"works": [{"work": 1, "area_hm2": "\#(area)", "spent": "\#(spent)"}, {"work": 2, "quantity": "1200", "spent": "1"}]}"#.utf8)
        _ = try AnnualPlans.report("A", year: year, file: done, by: try op(), on: conn)
    }

    func approvedYear(_ year: Int, license: String = "A", on conn: Connection) throws {
        _ = try AnnualPlans.draft(license, year: year, try works(["300.00", "200.00"], year: year), by: try op(), on: conn)
        _ = try AnnualPlans.decide(license, year: year, .submit, by: try op(), on: conn)
        _ = try AnnualPlans.decide(license, year: year, .approve, by: try rv(), on: conn)
    }

    @Test func restorationAndTheReclamationRate() throws {
        let (_, conn) = try annualDatabase()  // A and B with approved plans: 15 hm² due for reclamation each
        try approvedYear(2024, on: conn)
        try reportYear(2024, area: "2.5", spent: "250", on: conn)
        try approvedYear(2025, on: conn)
        try reportYear(2025, area: "1.2345", spent: "100", on: conn)
        _ = try AnnualPlans.decide("A", year: 2025, .accept, by: try rv(2), on: conn)
        // a legacy project treating 3 hm² in 2025 (and 1 hm² in 2020, before the baseline's end: not added)
        _ = try LegacySites.add(NewSite(code: "L1", township: "t", area: try Area.parseHectares("10")), by: try manager(), on: conn)
        _ = try LegacySites.openNotice("L1", days: 30, start: CalendarDate(iso: "2020-01-01"), by: try manager(), on: conn)
        _ = try LegacySites.closeNotice("L1", outcome: "ownerless", owner: nil, by: try manager(), on: conn)
        let p = try LegacyProjects.add(name: "p", approval: "a", contractor: "c", budget: [.city: try yuan("1")], by: try manager(), on: conn)
        _ = try LegacyProjects.addSite(p.id, code: "L1", by: try manager(), on: conn)
        _ = try LegacyProjects.step(p.id, .approve, by: try rv(), on: conn)
        _ = try LegacyProjects.step(p.id, .start, by: try manager(), on: conn)
        for (date, area) in [("2020-06-01", "1"), ("2025-06-01", "3")] {
            _ = try LegacyProjects.progress(p.id, code: "L1", area: try Area.parseHectares(area), on: try #require(CalendarDate(iso: date)),
                                            evidence: [], by: try manager(), on: conn)
        }

        let r = try Reports.restoration(year: 2025, on: conn)
        let a = try #require(r.mines.first { $0.license == "A" })
        // planned: the approved works' area (one 2.5 hm² work); treated 1.2345; cumulative 3.7345 reported
        #expect(a.planned?.hectares == "2.5000" && a.treated.hectares == "1.2345" && a.cumulativeTreated.hectares == "3.7345")
        // 应复垦面积: the plan's existing damage (10 hm², service from 2025); 已复垦面积: the accepted 2025
        // report's land (2024 is before the plan, and only reported)
        #expect(a.toReclaim?.hectares == "10.0000" && a.reclaimed?.hectares == "1.2345")
        #expect(a.reclamationRatePercent == "12.35" && a.targetRatePercent == "100.00")  // 12.345 % half up
        let b = try #require(r.mines.first { $0.license == "B" })
        #expect(b.planned == nil && b.treated.squareMetres == 0 && b.reclamationRatePercent == "0.00")
        // totals: 1.2345 of 20 hm²; the banner: 2650.90 + 3.7345 by mines + 3 by the project since 2021
        #expect(r.totals.reclamationRatePercent == "6.17" && !r.totals.met && r.totals.withoutPlan == 0)
        #expect(r.totals.toReclaim.hectares == "20.0000" && r.totals.reclaimed.hectares == "1.2345")
        #expect(r.totals.legacyTreated.hectares == "3.0000")
        #expect(r.totals.bannerCumulativeTreated.hectares == "2657.6345")
        // 2024 alone: the year's own figures
        let r24 = try Reports.restoration(year: 2024, on: conn)
        #expect(r24.mines.first { $0.license == "A" }?.cumulativeTreated.hectares == "2.5000")
        #expect(r24.totals.bannerCumulativeTreated.hectares == "2653.4000")
        // as of yesterday nothing was approved yet: both mines without a plan, null rates, never dropped
        let before = try Reports.restoration(year: 2025, asOf: Bureau.today.adding(days: -1), on: conn)
        #expect(before.mines.map(\.license) == ["A", "B"] && before.mines.allSatisfy { $0.reclamationRatePercent == nil })
        #expect(before.totals.withoutPlan == 2 && before.totals.reclamationRatePercent == nil)
        // new damage reported in a year-end report adds to the land to reclaim
        _ = try AnnualPlans.draft("B", year: 2025, try works(["10.00"]), by: try op(), on: conn)
        _ = try AnnualPlans.decide("B", year: 2025, .submit, by: try op(), on: conn)
        _ = try AnnualPlans.decide("B", year: 2025, .approve, by: try rv(), on: conn)
        let land = #"{"works": [{"work": 1, "area_hm2": "2.5", "spent": "5"}], "land": [{"land_type": "forest", "damaged_hm2": "2.0000", "reclaimed_hm2": "2.0000"}, {"land_type": "grassland", "damaged_hm2": "0", "reclaimed_hm2": "0.5000"}]}"#
        _ = try AnnualPlans.report("B", year: 2025, file: Data(land.utf8), by: try op(), on: conn)
        var rb = try #require(try Reports.restoration(year: 2025, only: ["B"], on: conn).mines.first)
        #expect(rb.toReclaim?.hectares == "12.0000" && rb.reclaimed?.hectares == "0.0000")  // reported, not yet accepted
        _ = try AnnualPlans.decide("B", year: 2025, .accept, by: try rv(2), on: conn)
        rb = try #require(try Reports.restoration(year: 2025, only: ["B"], on: conn).mines.first)
        #expect(rb.reclaimed?.hectares == "2.5000" && rb.reclamationRatePercent == "20.83")
        // an operator's mines only
        #expect(try Reports.restoration(year: 2025, only: ["B"], on: conn).mines.map(\.license) == ["B"])
    }

    @Test func annualPlansByStateWithBudgetsAndMoney() throws {
        let (_, conn) = try annualDatabase()
        _ = try MineRegistry.add(try sampleMine("C"), by: try Actor("admin"), on: conn)  // producing, no plan: missing
        var suspended = try sampleMine("D")
        suspended.status = .suspended  // owes no plan
        _ = try MineRegistry.add(suspended, by: try Actor("admin"), on: conn)
        try approvedYear(2025, on: conn)
        _ = try withdraw("120.50", on: conn)
        let wrong = try withdraw("30", on: conn)
        _ = try FundLedger.reverse(wrong.entry.id, reason: "wrong", valueDate: nil, idempotencyKey: nil, by: try clerk(), on: conn)
        try reportYear(2025, area: "2", spent: "99.99", on: conn)
        _ = try AnnualPlans.draft("B", year: 2025, try works(["10.00"]), by: try op(), on: conn)

        let r = try Reports.annualPlans(year: 2025, on: conn)
        #expect(r.plans.map { "\($0.license) \($0.state)" } == ["A reported", "B draft", "C missing"])
        #expect(r.counts["missing"] == 1 && r.counts["draft"] == 1 && r.counts["reported"] == 1 && r.counts["approved"] == 0)
        let a = try #require(r.plans.first)
        // 500 approved; 120.50 withdrawn (the 30 reversed); 99.99 + 1 reported
        #expect(a.budgetApproved.fen == 50_000 && a.withdrawn.fen == 12_050 && a.reportedSpent.fen == 10_099)
        #expect(a.planned.hectares == "2.5000" && a.reported.hectares == "2.0000")
        #expect(r.plans[1].budgetApproved.fen == 0)  // a draft has no approved budget
        #expect(r.totals.budgetApproved.fen == 50_000 && r.totals.withdrawn.fen == 12_050)
        #expect(r.summary.hasPrefix("missing 1, draft 1, submitted 0"))
    }

    @Test func targetsOnAHandBuiltRegistry() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let admin = try Actor("admin")
        func mine(_ license: String, _ mineral: String, _ scale: MineScale, _ status: MineStatus) throws {
            var m = try sampleMine(license)
            m.mineral = mineral
            m.mineralClass = mineral == "coal" ? .solidEnergy : .buildingNonmetal
            m.scale = scale
            m.status = status
            _ = try MineRegistry.add(m, by: admin, on: conn)
        }
        try mine("K1", "coal", .large, .producing)
        try mine("K2", "construction sand", .small, .producing)
        try mine("K3", " Construction Sand ", .medium, .suspended)
        try mine("K4", "建筑用砂", .micro, .closed)  // closed, its closure not confirmed: still holds its right
        try mine("K5", "foundry sand", .small, .producing)  // industrial sand: not 砂石
        // 2025 output: K2 1500 m³, corrected to 3000 m³; K3 1.5 m³ (sand licences report in m³); the coal mine's tonnes are not sand
        for (license, t) in [("K2", "1500"), ("K2", "3000"), ("K3", "1.5"), ("K1", "999999")] {
            _ = try OutputReports.report(license, year: 2025, quantity: try Quantity.parse(t), by: try clerk(), on: conn)
        }
        let figures = Dictionary(uniqueKeysWithValues: try Reports.targets(on: conn).targets.map { ($0.name, $0) })
        #expect(figures["mine_count"]?.value == "5" && figures["mine_count"]?.met == true && figures["mine_count"]?.baseline2020 == "78")
        #expect(figures.values.allSatisfy { !$0.binding && $0.asOf == Bureau.today })  // indicative (预期性), every one
        #expect(figures["sand_gravel_mines"]?.value == "3" && figures["sand_gravel_mines"]?.met == true)
        // large + medium: K1 and K3 of 5 → 40.00 %, below 60
        #expect(figures["large_medium_share_percent"]?.value == "40.00" && figures["large_medium_share_percent"]?.met == false)
        // 3000 + 1.5 m³, from the latest report of the latest year, in m³ as reported: nothing converted
        let output = try #require(figures["sand_gravel_output_m3"])
        #expect(output.value == "3001.500" && output.met && output.year == 2025 && output.note == nil, "\(String(describing: output.note))")
        // reports in tonnes (before licences stated m³, 0038) convert at the mineral's bulk density, which the note names
        try conn.execute("ALTER TABLE output_reports DISABLE TRIGGER output_reports_guard")
        try conn.execute("""
            INSERT INTO output_reports (mine_id, year, quantity, unit, supersedes, reported_by)
            SELECT id, 2025, 3000, 't', NULL, 'clerk' FROM mines WHERE license = 'K4'
            """)
        try conn.execute("ALTER TABLE output_reports ENABLE TRIGGER output_reports_guard")
        _ = try Settings.set("conversion.kg_per_m3.construction-sand", "2000", by: try Actor("boss"), on: conn)
        let dense = try #require(try Reports.targets(on: conn).targets.first { $0.name == "sand_gravel_output_m3" })
        #expect(dense.value == "4501.500" && dense.note == "3000.000 t converted at 2.000 t/m³ (conversion.kg_per_m3.construction-sand)",
                "\(dense)")
        #expect(try Reports.targets(year: 2024, on: conn).targets.last?.value == "0.000")
        #expect(Set(figures.keys) == ["mine_count", "sand_gravel_mines", "large_medium_share_percent", "sand_gravel_output_m3"])
    }

    /// The targets rebuilt as of a day: who held a right then, with the scale
    /// and mineral the history says each had; merged-away rights stop counting.
    @Test func targetsRebuildTheRegistryAsOfADay() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let admin = try Actor("admin", role: "admin")
        func mine(_ license: String, _ mineral: String, _ scale: MineScale, _ status: MineStatus, since: String) throws {
            var m = try sampleMine(license)
            (m.mineral, m.scale, m.status) = (mineral, scale, status)
            m.mineralClass = mineral == "coal" ? .solidEnergy : .buildingNonmetal
            m.licensedOn = CalendarDate(iso: since)
            _ = try MineRegistry.add(m, by: admin, on: conn)
        }
        try mine("K1", "coal", .large, .producing, since: "2010-05-01")
        try mine("K2", "construction sand", .small, .producing, since: "2019-03-01")
        try mine("K3", "construction sand", .medium, .producing, since: "2022-06-01")  // licensed after 2020
        try mine("K4", "建筑用砂", .micro, .closed, since: "2015-01-01")
        try mine("K5", "foundry sand", .small, .suspended, since: "2018-08-08")
        _ = try MineRegistry.update("K2", MineUpdate(scale: .large), by: admin, on: conn)  // today: history after 2023
        _ = try Mergers.record(from: ["K5"], into: "K1", approvedOn: CalendarDate(year: 2024, month: 1, day: 15)!,
                               document: "鄂自然资发〔2024〕1号", by: admin, on: conn)
        func figures(_ asOf: String?) throws -> [String: TargetFigure] {
            Dictionary(uniqueKeysWithValues: try Reports.targets(asOf: asOf.flatMap(CalendarDate.init(iso:)), on: conn)
                .targets.map { ($0.name, $0) })
        }
        // (mine_count, sand_gravel_mines, large_medium_share_percent)
        func counts(_ f: [String: TargetFigure]) -> [String?] {
            [f["mine_count"]?.value, f["sand_gravel_mines"]?.value, f["large_medium_share_percent"]?.value]
        }
        let end2020 = try figures("2020-12-31")
        #expect(counts(end2020) == ["4", "2", "25.00"])  // K1 K2 K4 K5; K2 still small then
        #expect(end2020["sand_gravel_output_m3"]?.year == 2020 && end2020["mine_count"]?.asOf.description == "2020-12-31")
        #expect(counts(try figures("2023-12-31")) == ["5", "3", "40.00"])  // K3 licensed; K5 not yet merged away
        #expect(counts(try figures(nil)) == ["4", "3", "75.00"])  // K5 merged into K1; K2 now large
        #expect(try figures("2023-06-30")["sand_gravel_output_m3"]?.year == 2022)  // the last year ended by then
        #expect(try figures("2009-12-31")["mine_count"]?.value == "0")
        let future = #expect(throws: ReclaimError.self) { try Reports.targets(asOf: Bureau.today.adding(days: 1), on: conn) }
        #expect(future?.kind == .ruleViolation && future?.field == "as_of")
    }

    @Test func closureReportListsOverdueFirst() throws {
        let (db, conn) = try closureDatabase()
        try restore(conn)
        let first = try file(conn)
        // a second mine's application, recorded by the owner as filed 120 days ago, is overdue
        _ = try MineRegistry.add(try sampleMine("Z"), by: try Actor("admin"), on: conn)
        _ = try Users.add("opZ", role: .operator, mines: ["Z"], by: try Actor("setup"), on: conn)
        let opZ = try Actor("opZ", role: "operator")
        try restore(conn, "Z", by: opZ)
        let late = try Closures.apply("Z", evidence: ["e"], note: nil, dated: Bureau.today.adding(days: -120), by: opZ,
                                      on: conn)
        let r = try Reports.closure(on: conn)
        #expect(r.applications.map(\.id) == [late.id, first.id])
        #expect(r.applications[0].overdue && r.applications[0].workingDaysLeft == 0 && !r.applications[1].overdue)
        #expect(r.applications[1].workingDaysLeft == first.workingDaysLeft && r.applications[1].dueDate == first.dueDate)
        #expect(r.counts["filed"] == 2 && r.counts["accepted"] == 0)
        #expect(try Reports.closure(only: ["A"], on: conn).applications.map(\.id) == [first.id])
        _ = db
    }

    @Test func legacyReportByStateAndSource() throws {
        let (_, conn, p) = try legacyDatabase()
        _ = try LegacySites.add(NewSite(code: "S3", township: "t", area: try Area.parseHectares("1")), by: try manager(), on: conn)
        _ = try LegacyProjects.step(p.id, .approve, by: try rv(), on: conn)
        _ = try legacy(.legacyCommit, p.id, .central, "60000", on: conn)
        _ = try legacy(.legacyCommit, p.id, .banner, "5000", on: conn)
        _ = try LegacyProjects.step(p.id, .start, by: try manager(), on: conn)
        _ = try legacy(.legacySpend, p.id, .central, "12345.67", on: conn)
        _ = try LegacyProjects.progress(p.id, code: "S2", area: try Area.parseHectares("4.5"), on: try #require(CalendarDate(iso: "2026-05-03")),
                                        evidence: [], by: try manager(), on: conn)
        let r = try Reports.legacy(on: conn)
        #expect(r.siteCounts == ["none": 1, "open": 0, "ownerless": 2, "owner-found": 0])
        #expect(r.projectCounts["in-works"] == 1 && r.projectCounts["draft"] == 0)
        let central = try #require(r.bySource.first { $0.source == .central })
        #expect(central.planned.fen == 10_000_000 && central.committed.fen == 6_000_000 && central.spent.fen == 1_234_567)
        #expect(r.committed.fen == 6_500_000 && r.spent.fen == 1_234_567 && r.treated.hectares == "4.5000")
    }

    @Test func disclosureEqualsTheFundReportAndRendersSafely() throws {
        let (_, conn) = try annualDatabase()
        try approvedYear(2025, on: conn)
        _ = try withdraw("120.50", on: conn)
        try reportYear(2025, area: "2", spent: "99.99", on: conn)
        _ = try MineRegistry.update("A", MineUpdate(name: "<b>示范</b> & 矿"), by: try Actor("boss"), on: conn)
        let d = try Reports.disclosure("a", year: 2025, on: conn)
        let fund = try #require(try Reports.fund(year: 2025, on: conn).mines.first { $0.license == "A" })
        #expect(d.license == "A" && d.fund == fund)
        #expect(d.annualPlan?.withdrawn.fen == 12_050 && d.annualPlan?.reportedSpent.fen == 10_099)
        #expect(d.annualPlan?.works.first?.done == "2.0000 hm²" && d.annualPlan?.works.last?.done == "1200.000 m3")
        let page = d.html(lang: .zh, unit: .yuan)
        #expect(page.contains("&lt;b&gt;示范&lt;/b&gt; &amp; 矿") && !page.contains("<b>示范"))
        #expect(page.contains("期末余额（元）") && page.contains(fund.closing.description))
        #expect(!page.contains("<script") && !page.contains("http"))
        // the table and its Chinese CSV
        let csv = d.table(unit: .wan).csv(.zh, unit: .wan)
        #expect(csv.hasPrefix("\u{FEFF}项目,") && csv.contains("closing,\(fund.closing.wan)"))
        // no annual plan for 2024: disclosed as none
        #expect(try Reports.disclosure("A", year: 2024, on: conn).annualPlan == nil)
        #expect(throws: ReclaimError.self) { try Reports.disclosure("NOPE", year: 2025, on: conn) }
    }

    /// Every column of every report has a Chinese heading.
    @Test func everyHeadingHasAChineseName() throws {
        let (_, conn) = try annualDatabase()
        let tables = [
            try Reports.fund(year: 2025, on: conn).table(unit: .yuan), try Reports.restoration(year: 2025, on: conn).table(unit: .yuan),
            try Reports.annualPlans(year: 2025, on: conn).table(unit: .yuan), try Reports.closure(on: conn).table(unit: .yuan),
            try Reports.legacy(on: conn).table(unit: .yuan), try Reports.targets(on: conn).table(unit: .yuan),
            try Reports.disclosure("A", year: 2025, on: conn).table(unit: .yuan),
        ]
        for t in tables {
            for key in t.columns.map(\.key) { #expect(ReportHeadings.zh[key] != nil, "\(key)") }
            #expect(t.rows.allSatisfy { $0.count == t.columns.count })
        }
    }

    /// A report taken while eight clients book deposits still adds up, and
    /// once they stop it counts every deposit exactly.
    @Test func reportsAddUpWhileBookingsArrive() async throws {
        let (db, conn) = try ledgerDatabase(annualPlans: false)
        let perClient = 25
        let today = CalendarDate.today(in: Bureau.timeZone)
        let clients = (0..<8).map { n in
            Task.detached { () throws -> Void in
                let c = try db.connect()
                defer { c.close() }
                for i in 0..<perClient {
                    _ = try FundLedger.deposit(n % 2 == 0 ? "A" : "B", Booking(amount: try yuan("1.01"), idempotencyKey: "k-\(n)-\(i)"),
                                               by: try clerk(), on: c)
                }
            }
        }
        var taken = 0
        while taken < 20 {
            let r = try Reports.fund(year: today.year, on: conn)
            #expect(r.mines.allSatisfy(\.addsUp) && r.totals.addsUp)
            #expect(r.totals.closing.fen == r.mines.reduce(0) { $0 + $1.closing.fen })
            #expect(r.totals.deposits.fen % 101 == 0)
            taken += 1
        }
        for c in clients { try await c.value }
        let r = try Reports.fund(year: today.year, on: conn)
        #expect(r.totals.deposits.fen == 8 * Int64(perClient) * 101 && r.totals.closing == r.totals.deposits)
    }
}

/// The reports from the CLI, the same both ways: formats, languages, units and who may read what.
@Suite struct ReportCLITests {
    @Test(arguments: CLIMode.allCases)
    func reportsThroughTheCLI(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let conn = try h.db.connect()
        defer { conn.close() }
        _ = try FundLedger.deposit("A", Booking(amount: try yuan("1500"), valueDate: CalendarDate(iso: "2025-02-01")),
                                   by: try clerk(), on: conn)
        try approvedAnnualPlan("A", year: 2025, budget: "800.00", on: conn)

        // Chinese headings: the CSV starts with a BOM, money headings carry the unit
        let zh = try h.run(["report", "fund", "--year", "2025", "--format", "csv", "--lang", "zh", "--unit", "wan"], as: "aud")
        #expect(zh.status == 0 && zh.stdout.hasPrefix("\u{FEFF}采矿许可证号,矿种类别,行政区划代码,期初余额（万元）,"), "\(zh.stdout)")
        let en = try h.run(["report", "fund", "--year", "2025", "--format", "csv"], as: "aud")
        #expect(en.stdout.hasPrefix("license,mineral_class,"))

        let targets = try h.run(["report", "targets", "--format", "json"], as: "rev")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(targets.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == ["mine_count", "sand_gravel_mines", "large_medium_share_percent",
                                                       "sand_gravel_output_m3"])
        #expect(list.first?["value"] as? String == "2" && list.first?["met"] as? Bool == true)
        // a mine whose right is older, then the registry as it stood at the end of 2020
        let older = try h.run(["mine", "add", "--license", "OLD-1", "--name", "老矿", "--holder", "某公司", "--mineral", "coal",
                               "--mineral-class", "solid-energy", "--scale", "large", "--method", "open-pit", "--status",
                               "suspended", "--area-hm2", "10", "--land-type", "grassland", "--licensed-on", "2011-03-15"],
                              as: "boss")
        #expect(older.status == 0, "\(older.stderr)")
        let then = try h.run(["report", "targets", "--as-of", "2020-12-31", "--format", "json"], as: "rev")
        let thenList = try #require(try JSONSerialization.jsonObject(with: Data(then.stdout.utf8)) as? [[String: Any]])
        #expect(thenList.first?["value"] as? String == "1" && thenList.first?["as_of"] as? String == "2020-12-31", "\(then.stderr)")
        let soon = try h.run(["report", "targets", "--as-of", Bureau.today.adding(days: 1).description], as: "rev")
        #expect(soon.status == 65 && soon.stderr.contains("as_of"), "\(soon.stderr)")

        let plans = try json(try h.run(["report", "annual-plans", "--year", "2025", "--format", "json"], as: "li").stdout)
        #expect((plans["counts"] as? [String: Any])?["approved"] as? Int == 1)
        #expect((plans["counts"] as? [String: Any])?["missing"] as? Int == 1)  // B
        let table = try h.run(["report", "annual-plans", "--year", "2025"], as: "li")
        #expect(table.stdout.contains("missing 1, draft 0, submitted 0, approved 1"), "\(table.stdout)")

        let restoration = try json(try h.run(["report", "restoration", "--year", "2025", "--format", "json"], as: "aud").stdout)
        #expect((restoration["totals"] as? [String: Any])?["banner_cumulative_treated_hm2"] as? String == "2650.9000")

        // an operator: their own mine only; the bureau-wide reports refused, naming why
        let own = try json(try h.run(["report", "restoration", "--year", "2025", "--format", "json"], as: "opA").stdout)
        #expect((own["mines"] as? [[String: Any]])?.map { $0["license"] as? String } == ["A"])
        for args in [["report", "targets"], ["report", "legacy"], ["report", "disclosure", "B", "--year", "2025"]] {
            let refused = try h.run(args, as: "opA")
            #expect(refused.status == 65 && refused.stdout.isEmpty, "\(args) \(refused.stderr)")
        }

        // the disclosure: the fund report's figures, as JSON and as the printable page
        let d = try json(try h.run(["report", "disclosure", "A", "--year", "2025", "--format", "json"], as: "opA").stdout)
        #expect((d["fund"] as? [String: Any])?["closing"] as? String == "1500.00")
        #expect((d["annual_plan"] as? [String: Any])?["budget"] as? String == "800.00")
        let page = try h.run(["report", "disclosure", "A", "--year", "2025", "--format", "html", "--lang", "zh"], as: "aud")
        #expect(page.stdout.hasPrefix("<!DOCTYPE html>") && page.stdout.contains("1,500.00") && page.stdout.contains("期末余额"))
        let missing = try h.run(["report", "disclosure", "NOPE", "--year", "2025"], as: "aud")
        #expect(missing.status == 65 && missing.stderr.contains("NOPE"))
        let badYear = try h.run(["report", "closure", "--lang", "fr"], as: "aud")
        #expect(badYear.status != 0 && badYear.stdout.isEmpty)
    }
}
