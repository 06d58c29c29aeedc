import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// The demo data set: the master plan's 2020 registry exactly, every workflow
/// exercised, idempotent, and never mixed into real data.
@Suite struct DemoSeedTests {
    func counts(_ column: String, on db: TestDatabase) throws -> [String: Int64] {
        let conn = try db.connect()
        defer { conn.close() }
        var out: [String: Int64] = [:]
        for r in try conn.query("SELECT \(unescaped: column) AS k, count(*) AS n FROM mines GROUP BY 1").rows {
            out[try r.decode("k")] = try r.decode("n")
        }
        return out
    }

    @Test func seedsTheRegistryOf2020AndEveryWorkflowOnce() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let first = try DemoSeed.seed(on: conn)
        #expect(first.seeded && first.mines == 78 && first.tokens.count == 12)

        // the seed's split, from the rows themselves
        #expect(try counts("scale", on: db) == ["large": 4, "medium": 12, "small": 30, "micro": 32])
        #expect(try counts("mineral", on: db) == ["coal": 26, "construction sand": 35, "glass quartzite": 5, "foundry sand": 4,
                                                  "building-stone limestone": 3, "refractory clay": 3, "glass sand": 1, "kaolin": 1])
        #expect(try counts("method", on: db) == ["open-pit": 73, "underground": 5])
        // three suspended sand mines merged into one under construction (整合重组) and cancelled
        #expect(try counts("status", on: db) == ["producing": 28, "suspended": 35, "under-construction": 10, "closed": 2, "cancelled": 3])
        #expect(try db.count("SELECT count(*) FROM mines WHERE position('虚构' IN name) = 0 OR position('虚构' IN holder) = 0") == 0)

        // every annual plan state in 2026, and five accepted years for each producing mine
        let states = try db.connect().query("""
            SELECT DISTINCT r.state FROM annual_plans a JOIN review_records r ON r.record_type = 'annual-plan' AND r.record_id = a.id
            WHERE a.year = 2026
            """).rows.map { try $0.decode("state", as: String.self) }
        #expect(Set(states) == Set(AnnualPlanState.allCases.map(\.rawValue)))
        #expect(try db.count("""
            SELECT count(*) FROM annual_plans a JOIN review_records r ON r.record_type = 'annual-plan' AND r.record_id = a.id
            WHERE a.year BETWEEN 2021 AND 2025 AND r.state = 'accepted'
            """) == 28 * 5 + 2 * 4)  // and the two closed mines' 2021–2024
        #expect(try db.count("SELECT count(DISTINCT state) FROM review_records WHERE record_type = 'plan'") == 3)
        #expect(try db.count("SELECT count(*) FROM accrual_assessments WHERE year BETWEEN 2021 AND 2025") == 28 * 5)

        // closure: one accepted and released, one under review
        let closure = try Reports.closure(on: conn)
        #expect(closure.counts["accepted"] == 1 && closure.counts["under-review"] == 1)
        // the released mine went through every step, its land restored to the plan's target
        let line = try #require(closure.applications.first { $0.state == .accepted })
        let accepted = try Closures.find(line.id, on: conn)
        #expect(accepted.confirmationNumber != nil && !accepted.visits.isEmpty && accepted.noticeEndsOn != nil)
        #expect(accepted.votes.count == 3 && accepted.panel.contains { $0.hasPrefix("demo-expert") })
        let restored = try #require(try Reports.restoration(year: 2025, only: [accepted.license], on: conn).mines.first)
        #expect(restored.reclamationRatePercent == "100.00" && restored.targetRatePercent == "100.00")
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'closure-release'") == 1)
        // legacy: two accepted projects treating 5.31 km²
        let legacy = try Reports.legacy(on: conn)
        #expect(legacy.treated.hectares == "531.0000" && legacy.projectCounts["accepted"] == 2)
        // some mines behind in 2025, and the books intact
        #expect(try Reports.fund(year: 2025, on: conn).mines.contains { $0.shortfall.fen > 0 })
        #expect(try FundLedger.verify(on: conn).isIntact)
        // the seed's 2020 baseline, rebuilt from the registry; since then one closure confirmed and three mines merged away
        let baseline = try Reports.targets(asOf: CalendarDate(year: 2020, month: 12, day: 31), on: conn).targets
        #expect(baseline.first { $0.name == "mine_count" }?.value == "78")
        #expect(baseline.first { $0.name == "sand_gravel_mines" }?.value == "38")
        #expect(baseline.first { $0.name == "large_medium_share_percent" }?.value == "20.51")  // 16 of 78 (the plan rounds to 20.4)
        let targets = try Reports.targets(on: conn).targets
        #expect(targets.first { $0.name == "mine_count" }?.value == "74")
        #expect(targets.first { $0.name == "sand_gravel_mines" }?.value == "35")
        // the merger moved the three funds once, by entries that name it; every mine has its boundary
        let merger = try #require(try Mergers.list(on: conn).first)
        #expect(merger.from.count == 3 && merger.moved.allSatisfy { $0.entryID != nil && $0.amount.fen > 0 })
        #expect(try db.count("SELECT count(DISTINCT mine_id) FROM mine_boundaries") == 78)
        // every action and record kind of the demo's trail is worded for a person (the dashboard's audit page)
        let actions = try conn.query("SELECT DISTINCT action FROM audit_log ORDER BY 1").rows.map { try $0.decode("action", as: String.self) }
        #expect(actions.count > 20 && actions.filter { !AuditLabels.knows($0) } == [], "\(actions.filter { !AuditLabels.knows($0) })")
        let kinds = try conn.query("SELECT DISTINCT split_part(target, ':', 1) || ':x' AS t FROM audit_log").rows.map { try $0.decode("t", as: String.self) }
        #expect(kinds.filter { AuditLabels.target($0, .zh) == $0 } == [])

        // a second run changes nothing
        let tables = ["mines", "users", "api_tokens", "ledger_entries", "ledger_postings", "audit_log", "annual_plans",
                      "legacy_projects", "closure_applications", "accrual_assessments", "output_reports"]
        func sizes() throws -> [Int64] { try tables.map { try db.count("SELECT count(*) FROM \(unescaped: $0)") } }
        let before = try sizes()
        let again = try DemoSeed.seed(on: conn)
        #expect(!again.seeded && again.tokens.isEmpty)
        #expect(try sizes() == before)
    }

    @Test func refusedOnRealDataAndWritesNothing() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        _ = try MineRegistry.add(try sampleMine("C150621-REAL"), by: try Actor("admin"), on: conn)
        let e = #expect(throws: ReclaimError.self) { try DemoSeed.seed(on: conn) }
        #expect(e?.kind == .conflict && e?.description.contains("1 mines") == true, "\(e?.description ?? "")")
        #expect(try db.count("SELECT count(*) FROM mines") == 1)
        #expect(try db.count("SELECT count(*) FROM users") == 0)

        // a real user alone is real data too; from the CLI, a refusal with exit 65
        let other = try TestDatabase.make()
        let c2 = try other.connect()
        _ = try Users.add("li", role: .finance, mines: [], by: try Actor("admin"), on: c2)
        let refused = try CLI.run(["demo", "seed"], database: other)
        #expect(refused.status == 65 && refused.stderr.contains("not demo data") && refused.stdout.isEmpty, "\(refused.stderr)")
        #expect(try other.count("SELECT count(*) FROM mines") == 0)
    }

    @Test func theCLISeedsAndSaysSoTheSecondTime() throws {
        let db = try TestDatabase.make()
        let first = try CLI.run(["demo", "seed"], database: db)
        #expect(first.status == 0 && first.stdout.contains("seeded 78 fictional mines"), "\(first.stderr)")
        #expect(first.stdout.contains("demo-auditor") && first.stdout.contains("rcl_"))
        let second = try CLI.run(["demo", "seed"], database: db)
        #expect(second.status == 0 && second.stdout.contains("already seeded"))
        // not the owner: refused, nothing written
        let app = try TestDatabase.make()
        let refused = try CLI.run(["demo", "seed", "--database-url", app.appURL], database: app)
        #expect(refused.status == 65 && refused.stderr.contains("owner"))
        #expect(try app.count("SELECT count(*) FROM mines") == 0)
    }
}
