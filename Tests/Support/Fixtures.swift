import Foundation
public import PQKit
public import Reclaim

/// A large open-pit coal mine on grassland, 123.45 hm², for tests that need one.
public func sampleMine(_ license: String = "C1500002011011120001") throws -> NewMine {
    NewMine(
        license: license, name: "王家塔露天煤矿", holder: "达拉特旗某煤业有限公司", mineral: "coal",
        mineralClass: .solidEnergy, scale: .large, method: .openPit, status: .producing,
        area: try Area.parseHectares("123.45"), landType: .grassland)
}

/// Gives `license` an approved plan (if it has none) and an approved annual
/// plan for `year` whose single work has `budget`, so withdrawals naming
/// that year may pay for it. Written as the owner's session, in the names of
/// an operator and a reviewer.
public func approvedAnnualPlan(_ license: String, year: Int = 2025, budget: String = "1000000000.00",
                               on conn: Connection) throws {
    let op = try Actor("test-operator", role: "operator")
    let reviewer = try Actor("test-reviewer", role: "reviewer")
    if (try? Plans.find(license, on: conn))?.state != .approved {
        let plan = """
            {"service_period": {"from": \(year), "to": \(year)}, "damaged_land": [],
             "responsibility_area_hm2": "1", "planned_reclaimed_hm2": "1", "target_rate_percent": "100",
             "cost": {"total": "\(budget)", "by_year": {"\(year)": "\(budget)"}}, "letter_signed_on": "\(year)-01-01"}
            """
        let v = try Plans.submit(license, try PlanDocument.parse(Data(plan.utf8)), by: op, on: conn)
        _ = try Plans.decide(license, version: v.version, .approve, reason: nil, by: reviewer, on: conn)
    }
    let works = """
        {"works": [{"type": "revegetation", "location": "waste dump", "area_hm2": "1", "budget": "\(budget)",
                    "start_month": "\(year)-04", "end_month": "\(year)-09"}]}
        """
    _ = try AnnualPlans.draft(license, year: year, try AnnualWorks.parse(Data(works.utf8), year: year), by: op, on: conn)
    _ = try AnnualPlans.decide(license, year: year, .submit, by: op, on: conn)
    _ = try AnnualPlans.decide(license, year: year, .approve, by: reviewer, on: conn)
}

/// A merger of `from`'s mining right into `into`'s as one recorded before
/// migration 0036 (the owner's insert, as the migration's backfill left
/// them): a record only, no money moved and no licence cancelled, so that
/// transfers naming it are booked on their own, as they were then. Returns
/// its number. `mine merge` (Mergers.record) carries a merger out whole.
@discardableResult
public func merger(_ from: String, into: String, on conn: Connection) throws -> Int64 {
    try conn.transactionally { conn in
        let row = try conn.queryFirst("""
            INSERT INTO mergers (from_mine_id, into_mine_id, approved_on, document, recorded_by)
            SELECT f.id, t.id, DATE '2025-01-02', '整合重组批复（测试）', 'boss' FROM mines f, mines t
            WHERE f.license = \(from) AND t.license = \(into) RETURNING id, from_mine_id
            """)
        guard let row else { throw ReclaimError(.notFound, "no mine \(from) or \(into)") }
        let id: Int64 = try row.decode("id")
        let mine: Int64 = try row.decode("from_mine_id")
        try conn.execute("""
            INSERT INTO merger_mines (merger_id, mine_id, moved_fen, entry_id)
            SELECT \(id), \(mine), 0, NULL WHERE NOT EXISTS (SELECT 1 FROM merger_mines WHERE mine_id = \(mine))
            """)
        return id
    }
}

/// Restores `license` as its plan requires, as the owner in the names of
/// `op` (its operator) and two reviewers: examples/plan.json (10 hm² of
/// grassland damaged, target 100 %) approved, and the 2025 annual plan
/// reported with all 10 hm² reclaimed and accepted. Closure may then be applied for.
public func restoreMine(_ license: String, by op: Actor, reviewers: (Actor, Actor), on conn: Connection) throws {
    let plan = try Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/plan.json"))
    let v = try Plans.submit(license, try PlanDocument.parse(plan), by: op, on: conn)
    _ = try Plans.decide(license, version: v.version, .approve, reason: nil, by: reviewers.0, on: conn)
    let works = #"{"works": [{"type": "revegetation", "location": "north waste dump", "area_hm2": "2.5000", "budget": "10.00", "start_month": "2025-04", "end_month": "2025-09"}]}"#
    _ = try AnnualPlans.draft(license, year: 2025, try AnnualWorks.parse(Data(works.utf8), year: 2025), by: op, on: conn)
    _ = try AnnualPlans.decide(license, year: 2025, .submit, by: op, on: conn)
    _ = try AnnualPlans.decide(license, year: 2025, .approve, by: reviewers.0, on: conn)
    let done = #"{"works": [{"work": 1, "area_hm2": "2.5", "spent": "10"}], "land": [{"land_type": "grassland", "damaged_hm2": "0", "reclaimed_hm2": "10.0000"}]}"#
    _ = try AnnualPlans.report(license, year: 2025, file: Data(done.utf8), by: op, on: conn)
    _ = try AnnualPlans.decide(license, year: 2025, .accept, by: reviewers.1, on: conn)
}
