import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Issue 32's commands as a user types them, run both ways (direct, and
/// through the service): a boundary from the licence's table, the map's
/// GeoJSON, a merger of two licences, `report mergers` and `report scales`.
@Suite struct MiningRightsCLITests {
    @Test(arguments: CLIMode.allCases)
    func boundaryMapMergerAndScalesFromTheCommandLine(mode: CLIMode) throws {
        let h = try CLIHarness(mode, mines: ["A", "B", "C"])
        let table = TestEnvironment.repositoryRoot.appendingPathComponent("examples/turning-points.txt").path
        // a licence's turning points: set with the area check's warning on stderr (1000 × 1234.5 m is 123.45 hm²)
        let set = try h.run(["mine", "boundary", "set", "A", "--file", table, "--format", "json"], as: "boss")
        #expect(set.status == 0, "\(set.stderr)")
        let b = try json(set.stdout)
        #expect(b["source"] as? String == "turning-points" && b["source_srid"] as? Int == 4525 && b["warning"] is NSNull, "\(set.stdout)")
        // an operator may not; a file that is no table is refused naming the field, nothing written
        #expect(try h.run(["mine", "boundary", "set", "A", "--file", table], as: "opA").status == 65)
        let junk = try writeCSV("not a table\n1,2\n")
        defer { try? FileManager.default.removeItem(atPath: junk) }
        let refused = try h.run(["mine", "boundary", "set", "A", "--file", junk], as: "boss")
        #expect(refused.status == 65 && refused.stderr.hasPrefix("error: boundary:") && refused.stdout.isEmpty, "\(refused.stderr)")
        #expect(try h.db.count("SELECT count(*) FROM mine_boundaries") == 1)
        #expect(try h.run(["mine", "boundary", "show", "A", "--format", "csv"], as: "opA").stdout.hasPrefix("version,license,source"))

        // the map's layers, the operator's own mine only
        let map = try h.run(["report", "map", "--format", "geojson"], as: "opA")
        #expect(map.status == 0, "\(map.stderr)")
        let features = try json(map.stdout)["features"] as? [[String: Any]] ?? []
        #expect(features.compactMap { ($0["properties"] as? [String: Any])?["license"] as? String } == ["A"])

        // a merger of two licences into a third, its money moved once; the same command again moves nothing
        #expect(try h.run(["fund", "deposit", "B", "250", "--value-date", "2025-03-01"], as: "li").status == 0)
        let merge = ["mine", "merge", "--from", "A", "B", "--into", "C", "--approved-on", "2025-06-30", "--document", "整合批复1号"]
        let merged = try h.run(merge, as: "boss")
        #expect(merged.status == 0 && merged.stdout.hasPrefix("merger 1: A, B into C, approved 2025-06-30 (整合批复1号)\n"), "\(merged.stdout) \(merged.stderr)")
        let again = try h.run(merge, as: "boss")
        #expect(again.status == 65 && again.stderr.hasPrefix("error: from_licenses:"), "\(again.stderr)")
        let report = try h.run(["report", "mergers", "--format", "csv"], as: "aud")
        #expect(report.stdout == "merger_id,approved_on,document,from_license,into_license,moved,entry_id\n"
                + "1,2025-06-30,整合批复1号,A,C,0.00,\n1,2025-06-30,整合批复1号,B,C,250.00,2\n", "\(report.stdout)")
        #expect(try h.db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'transfer'") == 1)

        // the scales: coal has no minimum in the plan's table, so nothing to list
        let scales = try h.run(["report", "scales", "--format", "json"], as: "aud")
        #expect(scales.status == 0, "\(scales.stderr)")
        let ruleSet = try json(scales.stdout)["rule_set"] as? String
        #expect(ruleSet == "dalad-2021-2025")
    }
}
