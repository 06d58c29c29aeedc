import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// A test rule set: the Ordos figures, region 150621 at 1.1 and the coal
/// price of 2026 at 1.2, in force from 2025-07-01 (after ordos-2025, so it
/// is the set for 2026).
let testRules = """
    {"name": "test-2025", "jurisdiction": "150600", "effective_from": "2025-07-01",
     "base_rate": {"solid-energy": "5.5", "metal": "1.0", "building-nonmetal": "3.0", "other-nonmetal": "2.0",
                   "non-solid-energy": "2.5"},
     "method": {"open-pit-layered": "2.0", "open-pit-other": "2.5", "pit-depth-30m-or-less": "2.0",
                "pit-depth-over-30m": "2.5", "underground-backfill": "0.5", "underground-no-subsidence": "0.8",
                "underground-subsidence": "1.2", "non-solid": "1.0"},
     "land": {"cropland": "1.4", "forest": "1.2", "grassland": "1.0", "other": "0.8"},
     "region": {"150621": "1.1"}, "coal_price": {"2026": "1.2"}}
    """

func fin() throws -> Actor { try Actor("fin", role: "finance") }

/// A migrated database with the test rule set loaded.
func accrualDatabase() throws -> (TestDatabase, Connection) {
    let db = try TestDatabase.make()
    let conn = try db.connect()
    _ = try RuleSets.load(try RuleSet.parse(Data(testRules.utf8)), by: try Actor("boss", role: "admin"), on: conn)
    return (db, conn)
}

/// Registers a mine of the given kind and reports its 2025 output.
@discardableResult
func accrualMine(_ license: String, _ mineralClass: MineralClass, _ detail: MethodDetail, _ land: LandType,
                 mineral: String = "ore", output: String, on conn: Connection) throws -> Mine
{
    let mine = try MineRegistry.add(
        NewMine(license: license, name: "矿 \(license)", holder: "公司", mineral: mineral, mineralClass: mineralClass,
                scale: .small, method: detail.method, status: .producing, area: try Area.parseHectares("10"),
                landType: land, methodDetail: detail),
        by: try Actor("boss", role: "admin"), on: conn)
    _ = try OutputReports.report(license, year: 2025, quantity: try Quantity.parse(output), by: try fin(), on: conn)
    return mine
}

@Suite struct AccrualTests {
    /// Each mineral class and each method detail, computed by hand:
    /// base × method × land × region (1.1) × coal price (1.2, coal only) × output.
    @Test(arguments: [
        // 5.5 × 2.0 × 1.0 × 1.1 × 1.2 × 100000 = 1 452 000
        (MineralClass.solidEnergy, MethodDetail.openPitLayered, LandType.grassland, "coal", "100000", "1452000.00"),
        // 5.5 × 2.5 × 1.4 × 1.1 × 1.2 × 1000 = 25 410
        (.solidEnergy, .openPitOther, .cropland, "coal", "1000", "25410.00"),
        // 5.5 × 0.5 × 1.2 × 1.1 × 1.2 × 2000 = 8 712
        (.solidEnergy, .undergroundBackfill, .forest, "煤炭", "2000", "8712.00"),
        // 5.5 × 0.8 × 0.8 × 1.1 × 1.2 × 1000 = 4 646.40
        (.solidEnergy, .undergroundNoSubsidence, .other, "coal", "1000", "4646.40"),
        // 5.5 × 1.2 × 1.0 × 1.1 × 1.2 × 1000 = 8 712
        (.solidEnergy, .undergroundSubsidence, .grassland, "coal", "1000", "8712.00"),
        // oil shale is solid energy but no coal: no coal-price factor. 5.5 × 1.2 × 1.0 × 1.1 × 1000 = 7 260
        (.solidEnergy, .undergroundSubsidence, .grassland, "oil shale", "1000", "7260.00"),
        // 1.0 × 2.0 × 1.0 × 1.1 × 5000 = 11 000
        (.metal, .pitDepth30mOrLess, .grassland, "iron", "5000", "11000.00"),
        // 3.0 × 2.5 × 0.8 × 1.1 × 10000 = 66 000
        (.buildingNonmetal, .pitDepthOver30m, .other, "sand", "10000", "66000.00"),
        // 2.0 × 0.5 × 1.4 × 1.1 × 3000 = 4 620
        (.otherNonmetal, .undergroundBackfill, .cropland, "kaolin", "3000", "4620.00"),
        // 2.5 × 1.0 × 0.8 × 1.1 × 20000 m³ = 44 000
        (.nonSolidEnergy, .nonSolid, .other, "mineral water", "20000", "44000.00"),
    ])
    func handComputedAssessments(_ c: (MineralClass, MethodDetail, LandType, String, String, String)) throws {
        let (db, conn) = try accrualDatabase()
        try accrualMine("M", c.0, c.1, c.2, mineral: c.3, output: c.4, on: conn)
        let a = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(a.amount.description == c.5)
        #expect(a.formulaAmount.description == c.5)
        #expect(a.basis == "formula" && a.floorAmount == nil && a.planVersion == nil)
        #expect(a.ruleSet == "test-2025")
        #expect(a.version == 1)
        #expect(a.calculation.factors.map(\.table).last == (c.3.contains("coal") || c.3.contains("煤") ? "coal_price" : "region"))
        // stored and read back, recomputed from the stored coefficients
        let again = try Accruals.assessment("M", year: 2026, on: conn)
        #expect(again.amount == a.amount && again.explanation == a.explanation)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'accrual.assess' AND actor = 'fin'") == 1)
    }

    /// Rounded once, half up, to the fen, in Swift and in the database's CHECK alike.
    @Test(arguments: [("0.125", "0.28"), ("0.124", "0.27"), ("0.375", "0.83"), ("1", "2.20")])
    func roundingAtHalfAFen(output: String, expected: String) throws {
        let (_, conn) = try accrualDatabase()
        // 1.0 × 2.0 × 1.0 × 1.1 = 2.2 yuan/t; × 0.125 = 0.275 → 0.28; × 0.375 = 0.825 → 0.83
        try accrualMine("M", .metal, .pitDepth30mOrLess, .grassland, output: output, on: conn)
        let a = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(a.amount.description == expected, "\(a.calculation.exactAmount)")
    }

    @Test func aMissingCoefficientIsRefusedNamingTableKeyAndSet() throws {
        let (db, conn) = try accrualDatabase()
        // 2025 is before test-2025 (2025-07-01): ordos-2025, whose region table is empty
        try accrualMine("M", .metal, .pitDepth30mOrLess, .grassland, output: "1", on: conn)
        _ = try OutputReports.report("M", year: 2024, quantity: try Quantity.parse("5"), by: try fin(), on: conn)
        let e = #expect(throws: ReclaimError.self) { try Accruals.assess("M", year: 2025, by: try fin(), on: conn) }
        #expect(e?.description == "region coefficient for 150621 is not in rule set ordos-2025")
        #expect(e?.kind == .ruleViolation)
        // coal in 2026 under a set whose coal-price table stops at 2025
        let noCoal = testRules.replacingOccurrences(of: "\"test-2025\"", with: "\"test-2026c\"")
            .replacingOccurrences(of: "2025-07-01", with: "2026-01-01")
            .replacingOccurrences(of: "\"coal_price\": {\"2026\": \"1.2\"}", with: "\"coal_price\": {\"2025\": \"1.2\"}")
        _ = try RuleSets.load(try RuleSet.parse(Data(noCoal.utf8)), by: try Actor("boss"), on: conn)
        try accrualMine("C", .solidEnergy, .openPitLayered, .grassland, mineral: "coal", output: "1", on: conn)
        let coal = #expect(throws: ReclaimError.self) { try Accruals.assess("C", year: 2026, by: try fin(), on: conn) }
        #expect(coal?.description == "coal-price coefficient for 2026 is not in rule set test-2026c")
        // no method detail, no output: each named
        _ = try MineRegistry.add(try sampleMine("N"), by: try Actor("boss"), on: conn)
        let noDetail = #expect(throws: ReclaimError.self) { try Accruals.assess("N", year: 2026, by: try fin(), on: conn) }
        #expect(noDetail?.field == "method_detail")
        let noOutput = #expect(throws: ReclaimError.self) { try Accruals.assess("M", year: 2027, by: try fin(), on: conn) }
        #expect(noOutput?.field == "output")
        #expect(try db.count("SELECT count(*) FROM accrual_assessments") == 0)
    }

    /// A set with a later effective date applies from its year on, never before.
    @Test func aLaterRuleSetIsPickedForLaterYearsOnly() throws {
        let (_, conn) = try accrualDatabase()
        // test-2026 (from 2026-01-01, metal 1.5) holds 2026, over test-2025, and never 2025 (ordos-2025's)
        let later = testRules.replacingOccurrences(of: "\"test-2025\"", with: "\"test-2026\"")
            .replacingOccurrences(of: "2025-07-01", with: "2026-01-01")
            .replacingOccurrences(of: "\"metal\": \"1.0\"", with: "\"metal\": \"1.5\"")
        _ = try RuleSets.load(try RuleSet.parse(Data(later.utf8)), by: try Actor("boss"), on: conn)
        try accrualMine("M", .metal, .pitDepth30mOrLess, .grassland, output: "1000", on: conn)
        _ = try OutputReports.report("M", year: 2024, quantity: try Quantity.parse("1000"), by: try fin(), on: conn)
        let y2025 = #expect(throws: ReclaimError.self) { try Accruals.assess("M", year: 2025, by: try fin(), on: conn) }
        #expect(y2025?.description.hasSuffix("rule set ordos-2025") == true)
        let y2026 = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(y2026.ruleSet == "test-2026" && y2026.amount.description == "3300.00")
    }

    /// Rule sets are immutable: loaded twice is a conflict; no coefficient is
    /// added to, changed in or removed from a loaded set, whoever asks.
    @Test func ruleSetsAreImmutable() throws {
        let (db, conn) = try accrualDatabase()
        let twice = #expect(throws: ReclaimError.self) {
            try RuleSets.load(try RuleSet.parse(Data(testRules.utf8)), by: try Actor("boss"), on: conn)
        }
        #expect(twice?.kind == .conflict)
        for sql in ["UPDATE accrual_coefficients SET value = 9 WHERE rule_set = 'test-2025'",
                    "DELETE FROM accrual_coefficients WHERE rule_set = 'test-2025'",
                    "UPDATE accrual_rule_sets SET effective_from = '2020-01-01'",
                    "INSERT INTO accrual_coefficients (rule_set, table_name, key, value) VALUES ('ordos-2025', 'region', '150621', 1.3)"] {
            #expect(throws: PQError.self, "\(sql)") { try conn.execute("\(unescaped: sql)") }
        }
        #expect(try db.count("SELECT count(*) FROM accrual_coefficients WHERE rule_set = 'ordos-2025' AND table_name = 'region'") == 0)
    }

    /// The shipped file and the migrated set are the same figures.
    @Test func theOrdosFileIsWhatTheMigrationLoaded() throws {
        let conn = try TestDatabase.make().connect()
        let file = try RuleSet.parse(try Data(contentsOf: TestEnvironment.sqlDirectory.appendingPathComponent("data/ordos-2025.json")))
        var stored = try RuleSets.find("ordos-2025", on: conn)
        #expect(stored.loadedBy == "migration 0014")
        stored.loadedBy = nil
        stored.loadedAt = nil
        #expect(stored == file)
        #expect(file.baseRate["solid-energy"]?.description == "5.5" && file.land["cropland"]?.description == "1.4")
        #expect(file.method.count == 8 && file.region.isEmpty && file.coalPrice.isEmpty)
    }

    /// The floor: never below the year's cost in the approved plan, and the stored result says which won.
    @Test func theFloorIsTheApprovedPlansYearlyCost() throws {
        let (_, conn) = try accrualDatabase()
        try accrualMine("M", .otherNonmetal, .undergroundBackfill, .cropland, output: "3000", on: conn)  // 4 620.00
        let op = try Actor("opM", role: "operator")
        _ = try Plans.submit("M", try PlanDocument.parse(try examplePlan()), by: op, on: conn)
        // only an approved plan counts
        #expect(try Accruals.assess("M", year: 2026, by: try fin(), on: conn).basis == "formula")
        _ = try Plans.decide("M", version: 1, .approve, reason: nil, by: try Actor("rv", role: "reviewer"), on: conn)
        let a = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(a.version == 2)
        #expect(a.formulaAmount.description == "4620.00")
        #expect(a.floorAmount?.description == "100000.00" && a.planVersion == 1)
        #expect(a.amount.description == "100000.00" && a.basis == "floor")
        #expect(try Accruals.assessment("M", year: 2026, on: conn).explanation.last == "amount: 100000.00 yuan (the plan's cost counts)")
        // a year outside the plan's service period (2025–2027) has no floor: 2024, under a set in force then
        let earlier = testRules.replacingOccurrences(of: "\"test-2025\"", with: "\"test-2024\"")
            .replacingOccurrences(of: "2025-07-01", with: "2024-01-01")
        _ = try RuleSets.load(try RuleSet.parse(Data(earlier.utf8)), by: try Actor("boss"), on: conn)
        _ = try OutputReports.report("M", year: 2023, quantity: try Quantity.parse("3000"), by: try fin(), on: conn)
        #expect(try Accruals.assess("M", year: 2024, by: try fin(), on: conn).floorAmount == nil)
    }

    /// Re-assessing makes a new version, keeps the old, and closes the open reassess-fund obligation.
    @Test func reassessmentClosesTheObligation() throws {
        let (db, conn) = try accrualDatabase()
        try accrualMine("M", .metal, .pitDepth30mOrLess, .grassland, output: "1000", on: conn)
        _ = try MineRegistry.update("M", MineUpdate(methodDetail: .pitDepthOver30m), by: try Actor("boss"), on: conn)
        #expect(try db.count("SELECT count(*) FROM mine_obligations WHERE kind = 'reassess-fund' AND closed_at IS NULL") == 1)
        // what was seen: an assessment on the old plan closed re-assess while re-plan was open
        let early = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(try db.count("SELECT count(*) FROM mine_obligations WHERE kind = 'reassess-fund' AND closed_at IS NULL") == 1)
        // the re-compiled plan approved (its letter signed today), then the re-assessment closes it
        let today = CalendarDate.today(in: Bureau.timeZone).description
        let v = try Plans.submit("M", try PlanDocument.parse(try plan("letter_signed_on", "\"\(today)\"")),
                                 by: try Actor("opM", role: "operator"), on: conn)
        _ = try Plans.decide("M", version: v.version, .approve, reason: nil, by: try Actor("rv", role: "reviewer"), on: conn)
        let first = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(early.amount.description == "2750.00" && first.version == 2)  // 1.0 × 2.5 × 1.0 × 1.1 × 1000, then the floor
        #expect(try db.count("""
            SELECT count(*) FROM mine_obligations
            WHERE kind = 'reassess-fund' AND closed_by = 'fin' AND closed_by_assessment = \(first.id)
            """) == 1)
        #expect(try db.count("SELECT count(*) FROM mine_obligations WHERE closed_at IS NULL") == 0)
        // a corrected output, re-assessed: version 2 counts, version 1 is kept
        _ = try OutputReports.report("M", year: 2025, quantity: try Quantity.parse("2000"), by: try fin(), on: conn)
        let second = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(second.version == 3 && second.formulaAmount.description == "5500.00")
        #expect(try Accruals.assessment("M", year: 2026, on: conn).version == 3)
        #expect(try Accruals.assessment("M", year: 2026, version: 1, on: conn).amount.description == "2750.00")
        #expect(try db.count("SELECT count(*) FROM accrual_assessments") == 3)
        #expect(throws: PQError.self) { try conn.execute("UPDATE accrual_assessments SET amount = 0") }
    }

    /// The what-if quote is the real assessment's figure for the same inputs.
    @Test func aQuoteEqualsTheAssessmentOfTheSameInputs() throws {
        let (_, conn) = try accrualDatabase()
        try accrualMine("M", .solidEnergy, .openPitOther, .forest, mineral: "coal", output: "123456.789", on: conn)
        let a = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        let q = try Accruals.quote(
            AccrualInputs(year: 2026, mineralClass: .solidEnergy, methodDetail: .openPitOther, landType: .forest,
                          regionCode: "150621", coal: true, output: try Quantity.parse("123456.789")), on: conn)
        #expect(q.amount == a.amount)
        #expect(q.calculation == a.calculation)
        // 5.5 × 2.5 × 1.2 × 1.1 × 1.2 × 123456.789 = 2 688 888.86… (21.78 × 123456.789 = 2688888.86442)
        #expect(q.amount.description == "2688888.86")
    }

    /// The database's rule of which method detail fits which method and class is Swift's.
    @Test func methodDetailFitsAreTheSameInSwiftAndTheDatabase() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        _ = try MineRegistry.add(try sampleMine("F"), by: try Actor("boss"), on: conn)
        for detail in MethodDetail.allCases {
            for method in MiningMethod.allCases {
                for mineralClass in MineralClass.allCases {
                    let swift = (try? detail.check(method: method, mineralClass: mineralClass)) != nil
                    var database = true
                    do {
                        try conn.transactionally { c in
                            try c.execute("""
                                UPDATE mines SET method = \(method.rawValue), mineral_class = \(mineralClass.rawValue),
                                       method_detail = \(detail.rawValue) WHERE license = 'F'
                                """)
                            throw CancellationError()  // roll back either way
                        }
                    } catch is CancellationError {
                    } catch {
                        database = false
                    }
                    #expect(swift == database, "\(detail) \(method) \(mineralClass)")
                }
            }
        }
        // and the registry refuses a misfit naming both
        let e = #expect(throws: ReclaimError.self) {
            try MineRegistry.update("F", MineUpdate(methodDetail: .pitDepth30mOrLess), by: try Actor("boss"), on: conn)
        }
        #expect(e?.kind == .ruleViolation)
        #expect(e?.description.contains("does not fit method open-pit with class solid-energy") == true, "\(String(describing: e))")
    }

    /// Output: a correction supersedes, both are kept; two at once chain, never fork.
    @Test func outputReportsSupersedeAndNeverFork() async throws {
        let (db, conn) = try accrualDatabase()
        try accrualMine("M", .metal, .pitDepth30mOrLess, .grassland, output: "1000", on: conn)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let c = try db.connect()
                    _ = try OutputReports.report("M", year: 2025, quantity: try Quantity.parse("\(2000 + i)"), by: try fin(), on: c)
                }
            }
            try await group.waitForAll()
        }
        #expect(try db.count("SELECT count(*) FROM output_reports") == 9)
        #expect(try db.count("SELECT count(*) FROM output_reports WHERE supersedes IS NULL") == 1)
        #expect(try db.count("SELECT count(DISTINCT supersedes) FROM output_reports") == 8)
        #expect(throws: PQError.self) { try conn.execute("DELETE FROM output_reports") }
    }

    /// Shortfalls, against figures computed here from the booked deposits.
    @Test func shortfallsMatchTheBookedDeposits() throws {
        let (_, conn) = try accrualDatabase()
        try accrualMine("M", .metal, .pitDepth30mOrLess, .grassland, output: "1000", on: conn)  // 2 200.00 for 2026
        try accrualMine("K", .metal, .pitDepth30mOrLess, .grassland, output: "100", on: conn)  // 220.00 for 2026
        _ = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        _ = try Accruals.assess("K", year: 2026, by: try fin(), on: conn)
        let deposits: [(String, String, String)] = [
            ("M", "500", "2026-02-01"), ("M", "300.50", "2026-11-01"), ("M", "9999", "2025-12-31"), ("K", "300", "2026-03-01"),
        ]
        var booked: [String: Int64] = [:]
        for (license, amount, date) in deposits {
            let b = Booking(amount: try yuan(amount), valueDate: CalendarDate(iso: date))
            _ = try FundLedger.deposit(license, b, by: try fin(), on: conn)
            if date.hasPrefix("2026") { booked[license, default: 0] += try yuan(amount).fen }
        }
        // a reversed deposit does not count
        let wrong = try FundLedger.deposit("M", Booking(amount: try yuan("1000"), valueDate: CalendarDate(iso: "2026-05-01")),
                                           by: try fin(), on: conn)
        _ = try FundLedger.reverse(wrong.entry.id, reason: "wrong mine", valueDate: CalendarDate(iso: "2026-05-02"),
                                   idempotencyKey: nil, by: try fin(), on: conn)
        let rows = try Accruals.shortfalls(year: 2026, on: conn)
        #expect(rows.map(\.license) == ["K", "M"])
        let m = try #require(rows.last)
        #expect(m.assessed.fen == 220_000 && m.deposited.fen == booked["M"])
        #expect(m.shortfall.fen == 220_000 - (booked["M"] ?? 0))
        let k = try #require(rows.first)
        #expect(k.deposited.fen == booked["K"] && k.shortfall.fen == 0)  // paid more than assessed
        #expect(k.cumulativeShortfall.fen == 0 && m.cumulativeAssessed.fen == 220_000)
        #expect(try Accruals.shortfalls(year: 2026, only: ["K"], on: conn).map(\.license) == ["K"])
    }
}

/// examples/plan.json, as the README documents it.
func examplePlan() throws -> Data {
    try Data(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("examples/plan.json"))
}

/// Issue 30: what was seen: a mistyped coefficient set was locked in for its
/// year (the same name and date refused, a correction dated later never
/// used). Now a correction supersedes it, with its reason, in the database.
@Suite struct RuleSetCorrectionTests {
    @Test func aCorrectionSupersedesAMistypedSetForItsYear() throws {
        let (db, conn) = try accrualDatabase()
        let boss = try Actor("boss", role: "admin")
        try accrualMine("M", .metal, .pitDepth30mOrLess, .grassland, output: "5000", on: conn)
        let first = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(first.amount.description == "11000.00" && first.ruleSet == "test-2025")
        // the metal base rate was typed 1.0 for 1.5: the same jurisdiction and date again is refused, saying how to correct
        let fixedText = testRules.replacingOccurrences(of: #""metal": "1.0""#, with: #""metal": "1.5""#)
        let again = try RuleSet.parse(Data(fixedText.replacingOccurrences(of: "test-2025", with: "test-2025-b").utf8))
        let refused = #expect(throws: ReclaimError.self) { try RuleSets.load(again, by: boss, on: conn) }
        #expect(refused?.kind == .conflict && refused?.message.contains("supersedes") == true)
        // a correction names the set and says why; both or neither
        let half = fixedText.replacingOccurrences(of: #""name": "test-2025","#, with: #""name": "test-2025-b", "supersedes": "test-2025","#)
        #expect(throws: ReclaimError.self) { try RuleSet.parse(Data(half.utf8)) }
        let correction = half.replacingOccurrences(of: #""supersedes": "test-2025","#,
                                                   with: #""supersedes": "test-2025", "correction_reason": "金属基础费率误录为1.0，应为1.5（旗政发〔2025〕12号）","#)
        let loaded = try RuleSets.load(try RuleSet.parse(Data(correction.utf8)), by: boss, on: conn)
        #expect(loaded.supersedes == "test-2025" && loaded.correctionReason?.hasPrefix("金属基础费率") == true)
        #expect(try RuleSets.find("test-2025", on: conn).supersededBy == "test-2025-b")
        // the reassessment uses the correction; the first assessment keeps naming the set it was made with
        let second = try Accruals.assess("M", year: 2026, by: try fin(), on: conn)
        #expect(second.amount.description == "16500.00" && second.ruleSet == "test-2025-b" && second.version == 2)
        #expect(try db.count("SELECT count(*) FROM accrual_assessments WHERE rule_set = 'test-2025'") == 1)
        // a set is corrected once (a further correction corrects the correction), and only for its own year and place
        let twice = correction.replacingOccurrences(of: "test-2025-b", with: "test-2025-c")
        let e1 = #expect(throws: ReclaimError.self) { try RuleSets.load(try RuleSet.parse(Data(twice.utf8)), by: boss, on: conn) }
        #expect(e1?.field == "supersedes" && e1?.message.contains("already superseded") == true, "\(String(describing: e1))")
        let elsewhere = twice.replacingOccurrences(of: #""effective_from": "2025-07-01""#, with: #""effective_from": "2025-08-01""#)
            .replacingOccurrences(of: #""supersedes": "test-2025""#, with: #""supersedes": "test-2025-b""#)
        let e2 = #expect(throws: ReclaimError.self) { try RuleSets.load(try RuleSet.parse(Data(elsewhere.utf8)), by: boss, on: conn) }
        #expect(e2?.field == "supersedes", "\(String(describing: e2))")
        // an operator cannot load one, even through the database directly
        let app = try db.connectAsApp()
        defer { app.close() }
        #expect(throws: PQError.self) {
            try app.execute("""
                INSERT INTO accrual_rule_sets (name, jurisdiction, effective_from, loaded_by, supersedes, correction_reason, generation)
                VALUES ('x-1', '150600', '2025-07-01', 'fin', 'test-2025-b', 'r', 9)
                """)
        }
        #expect(try db.count("SELECT max(generation) FROM accrual_rule_sets") == 2)
    }
}

extension RuleSetCorrectionTests {
    /// Two administrators correct the same mistyped set at once: one
    /// correction is loaded, the other is refused saying the set is already
    /// superseded, and nothing of it is written (no set, no coefficient).
    @Test func twoCorrectionsOfOneSetAtOnce() async throws {
        let (db, _) = try accrualDatabase()
        // both wait on the set they correct, so that they meet in the database
        let holder = try db.connect()
        try holder.execute("BEGIN")
        _ = try holder.query("SELECT name FROM accrual_rule_sets WHERE name = 'test-2025' FOR UPDATE")
        let fixed = testRules.replacingOccurrences(of: #""metal": "1.0""#, with: #""metal": "1.5""#)
        let outcomes = try await withThrowingTaskGroup(of: ReclaimError?.self) { group in
            for n in ["b", "c"] {
                let text = fixed.replacingOccurrences(
                    of: #""name": "test-2025","#,
                    with: #""name": "test-2025-\#(n)", "supersedes": "test-2025", "correction_reason": "金属费率误录 \#(n)","#)
                // each on a thread of its own: both block in the database while this task watches them
                group.addTask {
                    await withCheckedContinuation { done in
                        Thread.detachNewThread {
                            do {
                                _ = try RuleSets.load(try RuleSet.parse(Data(text.utf8)), by: try Actor("boss", role: "admin"),
                                                      on: try db.connect())
                                done.resume(returning: nil)
                            } catch {
                                done.resume(returning: ReclaimError.wrap(error))
                            }
                        }
                    }
                }
            }
            // release the set once both are waiting for it
            while try db.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") < 2 {
                try await Task.sleep(for: .milliseconds(10))
            }
            try holder.execute("COMMIT")
            var all: [ReclaimError?] = []
            for try await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.filter { $0 == nil }.count == 1, "\(outcomes)")
        let refused = try #require(outcomes.compactMap { $0 }.first)
        #expect(refused.field == "supersedes" && refused.message.contains("already superseded"), "\(refused)")
        #expect(try db.count("SELECT count(*) FROM accrual_rule_sets WHERE supersedes = 'test-2025'") == 1)
        #expect(try db.count("SELECT count(*) FROM accrual_rule_sets") == 3)  // ordos-2025, test-2025 and one correction
        #expect(try db.count("""
            SELECT count(*) FROM accrual_coefficients c WHERE NOT EXISTS (SELECT 1 FROM accrual_rule_sets s WHERE s.name = c.rule_set)
            """) == 0)
    }
}
