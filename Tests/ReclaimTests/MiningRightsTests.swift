import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Issue 32: mining-right boundaries on PostGIS, the banner's outline, and
/// mergers carried out whole.
@Suite struct MiningRightsTests {
    static func admin() throws -> Actor { try Actor("boss", role: "admin") }

    /// A database with mines A, B and C (123.45 hm² each, as licensed).
    static func registry(_ licenses: [String] = ["A", "B", "C"]) throws -> (TestDatabase, Connection) {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        for l in licenses { _ = try MineRegistry.add(try sampleMine(l), by: try admin(), on: conn) }
        return (db, conn)
    }

    /// A licence's rectangle in zone 37 (CM 111°E) near 110.05°E 40.3°N, `width` by `height` metres.
    static func table(width: Int, height: Int) -> String {
        let (n, e) = (4_463_000, 37_419_000)
        return """
            点号,X,Y
            1,\(n).00,\(e).00
            2,\(n).00,\(e + width).00
            3,\(n - height).00,\(e + width).00
            4,\(n - height).00,\(e).00
            """
    }

    /// The turning points converted by PostGIS land where PROJ's own cs2cs
    /// puts them, computed independently (to a millionth of a second of arc).
    @Test func turningPointsConvertAsCs2csDoes() throws {
        let (_, conn) = try Self.registry()
        defer { conn.close() }
        let cs2cs = try #require(["/usr/bin/cs2cs", "/usr/local/bin/cs2cs"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                 "cs2cs (Debian proj-bin) is needed; scripts/test.sh installs it")
        let set = try MineBoundaries.set("A", try BoundaryInput.parse(Self.table(width: 1000, height: 1234)), by: try Self.admin(), on: conn)
        #expect(set.source == "turning-points" && set.sourceSRID == 4525)
        // the stored ring, corner by corner, against cs2cs's conversion of the table's X Y (northing, easting)
        let ring = try #require(try conn.queryFirst("""
            SELECT string_agg(ST_X(p.geom)::text || ' ' || ST_Y(p.geom)::text, ',' ORDER BY p.path) AS lonlat
            FROM mine_boundaries b, ST_DumpPoints(b.boundary) p WHERE b.id = \(set.version)
            """)?.decode("lonlat", as: String.self))
        let stored = ring.split(separator: ",").map { $0.split(separator: " ").compactMap { Double($0) } }
        let input = "4463000 37419000\n4463000 37420000\n4461766 37420000\n4461766 37419000\n4463000 37419000\n"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cs2cs)
        process.arguments = ["-f", "%.10f", "EPSG:4525", "EPSG:4490"]
        let (stdin, stdout) = (Pipe(), Pipe())
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // cs2cs writes CGCS2000 as latitude, longitude (EPSG's axis order)
        let expected = output.split(separator: "\n").map { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).prefix(2).compactMap { Double($0) } }
        #expect(stored.count == 5 && expected.count == 5, "\(ring) / \(output)")
        for (s, e) in zip(stored, expected) where s.count == 2 && e.count == 2 {
            #expect(abs(s[0] - e[1]) < 3e-9 && abs(s[1] - e[0]) < 3e-9, "PostGIS \(s) vs cs2cs \(e)")
        }
        #expect(abs(stored[0][0] - 110.0) < 1 && abs(stored[0][1] - 40.3) < 0.1)
    }

    /// The polygon is checked in the database, whoever writes it: closed
    /// rings, no self-intersection, a polygon, inside the banner.
    @Test func ringsAreValidatedInTheDatabase() throws {
        let (db, conn) = try Self.registry()
        defer { conn.close() }
        func refusal(_ geojson: String) -> String? {
            let e = #expect(throws: ReclaimError.self) {
                try MineBoundaries.set("A", try BoundaryInput.parse(geojson), by: try Self.admin(), on: conn)
            }
            #expect(e?.kind == .ruleViolation && e?.field == "boundary", "\(String(describing: e))")
            return e?.message
        }
        let open = #"{"type":"Polygon","coordinates":[[[110,40.2],[110.01,40.2],[110.01,40.21],[110,40.21]]]}"#
        #expect(refusal(open)?.contains("not closed") == true)
        let bowTie = #"{"type":"Polygon","coordinates":[[[110,40.2],[110.01,40.21],[110.01,40.2],[110,40.21],[110,40.2]]]}"#
        #expect(refusal(bowTie)?.contains("not valid: Self-intersection") == true)
        let elsewhere = #"{"type":"Polygon","coordinates":[[[100,40.2],[100.01,40.2],[100.01,40.21],[100,40.21],[100,40.2]]]}"#
        #expect(refusal(elsewhere)?.contains("not inside the banner's outline") == true)
        #expect(refusal(#"{"type":"Point","coordinates":[110,40.2]}"#)?.contains("Polygon or MultiPolygon") == true)
        #expect(refusal(#"{"type":"Polygon","coordinates":"x"}"#)?.contains("cannot be read") == true)
        let otherCRS = #"{"type":"Polygon","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"coordinates":[[[110,40.2],[110.01,40.2],[110.01,40.21],[110,40.2]]]}"#
        #expect(refusal(otherCRS)?.contains("no other crs") == true)
        // a client writing the table itself meets the same rule (the owner's session, even)
        let direct = #expect(throws: PQError.self) {
            try conn.execute("""
                INSERT INTO mine_boundaries (mine_id, boundary, source, source_srid, area_m2, licensed_area_m2, recorded_by)
                SELECT id, ST_Multi(ST_GeomFromText('POLYGON((110 40.2, 110.01 40.21, 110.01 40.2, 110 40.21, 110 40.2))', 4490)),
                       'geojson', 4490, 1, 1, 'boss' FROM mines WHERE license = 'A'
                """)
        }
        #expect(direct?.sqlState?.code == "RCRUL")
        #expect(try db.count("SELECT count(*) FROM mine_boundaries") == 0)
        // and a good one, as a Feature
        let square = #"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[110,40.2],[110.01,40.2],[110.01,40.21],[110,40.21],[110,40.2]]]}}"#
        let b = try MineBoundaries.set("A", try BoundaryInput.parse(square), by: try Self.admin(), on: conn)
        #expect(b.source == "geojson" && b.area.squareMetres > 940_000 && b.area.squareMetres < 950_000)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'mine.boundary' AND target = 'mine:A'") == 1)
    }

    /// The area on the ellipsoid against the licensed area: a warning beyond 1 %, history kept.
    @Test func theAreaCheckWarnsBeyondOnePercent() throws {
        let (_, conn) = try Self.registry()
        defer { conn.close() }
        // 1000 m by 1234.5 m in the plane is the licensed 123.45 hm², give or take the projection's scale
        let close = try MineBoundaries.set("A", try BoundaryInput.parse(Self.table(width: 1000, height: 1234) .replacingOccurrences(of: "4461766.00", with: "4461765.50")),
                                           by: try Self.admin(), on: conn)
        #expect(close.warning == nil && close.licensedArea.hectares == "123.4500", "\(close)")
        let off = try MineBoundaries.set("A", try BoundaryInput.parse(Self.table(width: 1000, height: 1300)), by: try Self.admin(), on: conn)
        #expect(off.warning?.contains("more than 1 %") == true && off.differencePercent?.hasPrefix("5.") == true, "\(off)")
        let history = try MineBoundaries.history("A", on: conn)
        #expect(history.map(\.version) == [off.version, close.version])
        // exactly 1 % is not beyond it; a square metre more is
        let licensed = Area(squareMetres: 1_000_000)
        #expect(BoundaryRules.difference(measured: Area(squareMetres: 1_010_000), licensed: licensed) == ("1.00", false))
        #expect(BoundaryRules.difference(measured: Area(squareMetres: 1_010_001), licensed: licensed).overOnePercent)
        #expect(BoundaryRules.difference(measured: Area(squareMetres: 989_999), licensed: licensed) == ("-1.00", true))
    }

    /// The bureau's outline replaces the approximate one; boundaries left outside are named.
    @Test func theOfficialOutlineReplacesTheApproximateOne() throws {
        let (_, conn) = try Self.registry()
        defer { conn.close() }
        #expect(try !BannerOutline.current(on: conn).official)
        _ = try MineBoundaries.set("A", try BoundaryInput.parse(Self.table(width: 1000, height: 1234)), by: try Self.admin(), on: conn)
        let small = #"{"type":"Polygon","coordinates":[[[109.0,40.0],[109.5,40.0],[109.5,40.4],[109.0,40.4],[109.0,40.0]]]}"#
        let loaded = try BannerOutline.load(small, label: "达拉特旗界（自然资源局 2026）", by: try Self.admin(), on: conn)
        #expect(loaded.official && loaded.minesOutside == ["A"] && loaded.label.hasPrefix("达拉特旗界"))
        let refused = #expect(throws: ReclaimError.self) {
            try BannerOutline.load(#"{"type":"LineString","coordinates":[[109,40],[110,40]]}"#, label: "x", by: try Self.admin(), on: conn)
        }
        #expect(refused?.field == "outline")
        // a new boundary must now fit the new outline
        #expect(throws: ReclaimError.self) {
            try MineBoundaries.set("B", try BoundaryInput.parse(Self.table(width: 1000, height: 1234)), by: try Self.admin(), on: conn)
        }
    }

    /// A merger moves each merged fund whole, once: the licences cancelled,
    /// their funds closed, their obligations closed, the survivor's opened;
    /// run again it is refused and moves nothing.
    @Test func aMergerMovesTheMoneyOnceAndCancelsTheLicences() throws {
        let (db, conn) = try Self.registry()
        defer { conn.close() }
        let clerk = try Actor("li", role: "finance")
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("1200.50")), by: clerk, on: conn)
        _ = try FundLedger.deposit("B", Booking(amount: try Money.parse("300.00")), by: clerk, on: conn)
        _ = try MineRegistry.update("A", MineUpdate(scale: .medium), by: try Self.admin(), on: conn)  // opens A's §6.2 obligations
        _ = try GreenMines.add("A", year: 2024, standard: "DZ/T 0315-2018", document: "绿色矿山1号",
                               dated: try #require(CalendarDate(year: 2024, month: 12, day: 31)), by: try Self.admin(), on: conn)
        let day = try #require(CalendarDate(year: 2025, month: 6, day: 30))
        let m = try Mergers.record(from: ["A", "B"], into: "C", approvedOn: day, document: "整合批复1号", by: try Self.admin(), on: conn)
        let expected = [try Money.parse("1200.50"), try Money.parse("300.00")]
        #expect(m.from == ["A", "B"] && m.into == "C" && m.moved.map(\.amount) == expected)
        #expect(try FundLedger.balance("C", on: conn).balance == (try Money.parse("1500.50")))
        #expect(try FundLedger.balance("A", on: conn).balance == .zero)
        #expect(try FundLedger.balance("B", on: conn).balance == .zero)
        // every moved entry names the merger
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'transfer' AND reference LIKE 'merger:' || \(String(m.id)) || ' %'") == 2)
        #expect(try MineRegistry.show("A", on: conn).mine.status == .cancelled)
        #expect(try db.count("SELECT count(*) FROM mine_history h JOIN mines m ON m.id = h.mine_id WHERE m.license IN ('A', 'B') AND h.field = 'status' AND h.new_value = 'cancelled'") == 2)
        #expect(try db.count("SELECT count(*) FROM mine_obligations o JOIN mines m ON m.id = o.mine_id WHERE m.license = 'A' AND o.closed_at IS NULL") == 0)
        #expect(try db.count("SELECT count(*) FROM mine_obligations o JOIN mines m ON m.id = o.mine_id WHERE m.license = 'C' AND o.closed_at IS NULL") == 3)
        // the green list lets the cancelled licence go, on the merger's day, naming it
        #expect(try db.count("SELECT count(*) FROM green_removals WHERE cause = 'cancellation' AND removed_on = DATE '2025-06-30' AND document = '整合批复1号'") == 1)
        // a merged licence's fund takes nothing more, and is never merged again
        let late = #expect(throws: ReclaimError.self) {
            try FundLedger.deposit("A", Booking(amount: try Money.parse("1.00")), by: clerk, on: conn)
        }
        #expect(late?.message.contains("merged away by merger \(m.id)") == true, "\(String(describing: late))")
        let again = #expect(throws: ReclaimError.self) {
            try Mergers.record(from: ["A", "B"], into: "C", approvedOn: day, document: "整合批复1号", by: try Self.admin(), on: conn)
        }
        #expect(again?.field == "from_licenses" && again?.message.contains("merged away by merger \(m.id) already") == true)
        #expect(throws: ReclaimError.self) {
            try MineRegistry.update("A", MineUpdate(status: .producing), by: try Self.admin(), on: conn)
        }
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'transfer'") == 2)
        #expect(try FundLedger.verify(on: conn).isIntact)
        // the registry no longer counts them
        #expect(try db.count("SELECT count(*) FROM registry_as_of(bureau_date(now()))") == 1)
    }

    /// Twenty administrators carrying out the same merger at once: one merger, the money moved once.
    @Test func twentyMergersAtOnceMoveTheMoneyOnce() async throws {
        let (db, conn) = try Self.registry(["D", "E", "F"])
        defer { conn.close() }
        let clerk = try Actor("li", role: "finance")
        _ = try FundLedger.deposit("D", Booking(amount: try Money.parse("500.00")), by: clerk, on: conn)
        _ = try FundLedger.deposit("E", Booking(amount: try Money.parse("250.25")), by: clerk, on: conn)
        let day = try #require(CalendarDate(year: 2025, month: 6, day: 30))
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 20))
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await pool.withConnection { c in
                        do {
                            // some name the licences in the other order: the locks are taken in id order all the same
                            _ = try Mergers.record(from: i % 2 == 0 ? ["D", "E"] : ["E", "D"], into: "F", approvedOn: day,
                                                   document: "整合批复2号", by: try Self.admin(), on: c)
                            return true
                        } catch let e as ReclaimError where e.kind == .ruleViolation {
                            return false
                        }
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        try await pool.shutdown()
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try db.count("SELECT count(*) FROM mergers") == 1)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'transfer'") == 2)
        #expect(try FundLedger.balance("F", on: conn).balance == (try Money.parse("750.25")))
        #expect(try FundLedger.verify(on: conn).isIntact)
    }
}

/// Issue 32: capacity and output units per licence, the accrual's
/// conversion, and the minimum production scales.
@Suite struct CapacityAndUnitsTests {
    /// Sand reports in m³; the rate is per tonne, so the accrual weighs the
    /// m³ at the mineral's bulk density, says so, and the database checks it.
    @Test func cubicMetresAreWeighedWhereTheRateIsPerTonne() throws {
        let (db, conn) = try accrualDatabase()
        defer { conn.close() }
        let sand = try accrualMine("S1", .buildingNonmetal, .pitDepth30mOrLess, .other, mineral: "construction sand", output: "10000",
                                   on: conn)
        #expect(sand.outputUnit == "m3")
        #expect(try db.count("SELECT count(*) FROM output_reports WHERE unit = 'm3'") == 1)
        let a = try Accruals.assess("S1", year: 2026, by: try fin(), on: conn)
        // 3.0 yuan/t × 2.0 × 0.8 × 1.1 × 10000 m³ × 1.5 t/m³ = 79 200
        #expect(a.amount == (try Money.parse("79200.00")), "\(a.amount)")
        let lines = a.calculation.lines
        #expect(lines.contains { $0.contains("3.0 yuan/t") } && lines.contains { $0.contains("bulk density 1.500 t/m³ (conversion.kg_per_m3.construction-sand)") },
                "\(lines)")
        // the stored assessment reads back the same, and explains the same
        #expect(try Accruals.assessment("S1", year: 2026, on: conn).calculation.lines == lines)
        // another density setting changes the next assessment, and the record of the first keeps its own
        _ = try Settings.set("conversion.kg_per_m3.construction-sand", "1600", by: try Actor("boss", role: "admin"), on: conn)
        #expect(try Accruals.assess("S1", year: 2026, by: try fin(), on: conn).amount == (try Money.parse("84480.00")))
        #expect(try db.count("SELECT count(*) FROM accrual_assessments WHERE conversion_kg_per_m3 = 1500") == 1)
        // a coal mine stays in tonnes, unconverted
        let coal = try accrualMine("C1", .solidEnergy, .openPitLayered, .grassland, mineral: "coal", output: "1000", on: conn)
        #expect(coal.outputUnit == "t")
        #expect(try Accruals.assess("C1", year: 2026, by: try fin(), on: conn).calculation.conversionKgPerM3 == nil)
        // a row that skips the conversion is refused by the database itself
        let skipped = #expect(throws: PQError.self) {
            try conn.execute("""
                INSERT INTO accrual_assessments (mine_id, year, version, rule_set, output_report_id, output, output_unit,
                    mineral_class, method_detail, land_type, region_code, coal, base_rate, method_coefficient, land_coefficient,
                    region_coefficient, formula_amount, amount, basis, assessed_by)
                SELECT a.mine_id, a.year, 9, a.rule_set, a.output_report_id, a.output, 'm3', a.mineral_class, a.method_detail,
                       a.land_type, a.region_code, a.coal, a.base_rate, a.method_coefficient, a.land_coefficient,
                       a.region_coefficient, 52800, 52800, 'formula', a.assessed_by
                FROM accrual_assessments a JOIN mines m ON m.id = a.mine_id WHERE m.license = 'S1' AND a.version = 1
                """)
        }
        #expect(skipped != nil)
    }

    /// Capacity is kept with the mine's history; the unit follows the mineral.
    @Test func capacityHasHistoryAndTheUnitFollowsTheMineral() throws {
        let (db, conn) = try MiningRightsTests.registry(["A"])
        defer { conn.close() }
        let admin = try MiningRightsTests.admin()
        _ = try MineRegistry.update("A", MineUpdate(capacity: try Capacity.parse("120")), by: admin, on: conn)
        let changed = try MineRegistry.update("A", MineUpdate(mineral: "建筑用砂", mineralClass: .buildingNonmetal,
                                                                   methodDetail: .pitDepth30mOrLess, capacity: try Capacity.parse("8.5")),
                                              by: admin, on: conn)
        #expect(changed.mine.outputUnit == "m3" && changed.mine.capacity?.description == "8.50")
        let history = try db.count("""
            SELECT count(*) FROM mine_history h JOIN mines m ON m.id = h.mine_id
            WHERE m.license = 'A' AND ((h.field = 'capacity' AND h.new_value IN ('120.00', '8.50')) OR (h.field = 'output_unit' AND h.new_value = 'm3'))
            """)
        #expect(history == 3)
        #expect(throws: ReclaimError.self) { try Capacity.parse("0") }
        #expect(throws: ReclaimError.self) { try Capacity.parse("1.234") }
    }

    /// §6.2: a capacity crossing a national class (coal: medium from 45 万t/a) obliges a re-plan, whatever the label.
    @Test func aRealChangeOfCapacityClassOpensTheReplan() throws {
        let (db, conn) = try MiningRightsTests.registry(["A"])  // coal, labelled large
        defer { conn.close() }
        let admin = try MiningRightsTests.admin()
        #expect(try MineRegistry.update("A", MineUpdate(capacity: try Capacity.parse("30")), by: admin, on: conn).obligationsOpened.isEmpty)  // first recorded
        #expect(try MineRegistry.update("A", MineUpdate(capacity: try Capacity.parse("44.99")), by: admin, on: conn).obligationsOpened.isEmpty)  // still small
        let crossed = try MineRegistry.update("A", MineUpdate(capacity: try Capacity.parse("60")), by: admin, on: conn)
        #expect(crossed.obligationsOpened == ObligationKind.allCases && crossed.mine.scale == .large)
        #expect(try db.count("SELECT count(*) FROM mine_obligations WHERE reason LIKE '%capacity class changed from small to medium (44.99 → 60.00 万t/a)%'") == 3)
    }

    /// `report scales`: the plan's minimums (专栏10), converted where the plan states the other unit.
    @Test func theScalesReportListsTheMinesBelowTheirMinimum() throws {
        let (_, conn) = try MiningRightsTests.registry([])
        defer { conn.close() }
        let admin = try MiningRightsTests.admin()
        func mine(_ license: String, _ mineral: String, _ capacity: String?) throws {
            var m = try sampleMine(license)
            (m.mineral, m.mineralClass, m.methodDetail) = (mineral, .buildingNonmetal, .pitDepth30mOrLess)
            m.licensedOn = CalendarDate(year: 2020, month: 1, day: 1)
            m.capacity = try capacity.map { try Capacity.parse($0) }
            _ = try MineRegistry.add(m, by: admin, on: conn)
        }
        try mine("SAND-1", "construction sand", "4")     // below 6 万m³
        try mine("SAND-2", "建筑用砂", "6")               // at it: not below
        try mine("STONE-1", "building-stone limestone", "3.9")  // 6 万t at 1.5 t/m³ = 4 万m³: below
        try mine("SAND-3", "construction sand", nil)      // cannot be judged
        try mine("COAL-1", "coal", "100")                 // no minimum in the plan's table
        let r = try Reports.scales(on: conn)
        #expect(r.ruleSet == "dalad-2021-2025" && r.belowCount == 2 && r.unknownCount == 1)
        #expect(r.mines.map(\.license) == ["SAND-1", "STONE-1", "SAND-3", "SAND-2"])
        let stone = try #require(r.mines.first { $0.license == "STONE-1" })
        #expect(stone.minimum.description == "4.00" && stone.note?.contains("1.500 t/m³") == true)
    }
}
