import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Issue 31: `reclaim monitor` and `report monitoring`, on the database and
/// through the service, with the same output and refusals.
@Suite struct MonitorCLITests {
    @Test func theQuarterInBothModes() throws {
        let example = TestEnvironment.repositoryRoot.appendingPathComponent("examples/monitoring-report.json").path
        let q = MonitoringPeriod.of(Bureau.today).description
        var outputs: [CLIMode: [String]] = [:]
        for mode in CLIMode.allCases {
            let h = try CLIHarness(mode)
            var seen: [String] = []
            func run(_ args: [String], as user: String, status: Int32 = 0) throws -> String {
                let r = try h.run(args, as: user)
                #expect(r.status == status, "\(mode) \(args): \(r.stderr)")
                seen.append("\(r.status)\n\(r.stdout)\(r.stderr)")
                return r.stdout
            }
            #expect(try run(["monitor", "missing", q, "--format", "csv"], as: "rev").contains("B,"))
            #expect(try run(["monitor", "report", "A", "--period", q, "--file", example], as: "opA").contains("water-level"))
            _ = try run(["monitor", "report", "B", "--period", q, "--file", example], as: "opA", status: 65)
            #expect(!(try run(["monitor", "missing", q, "--format", "csv"], as: "opA").contains("B,")))  // an operator sees its own
            let event = try run(["monitor", "event", "A", "--kind", "landslide", "--occurred-at", "2026-01-02 08:00", "--description", "南帮局部崩塌",
                                 "--casualties", "0", "--format", "csv"], as: "opA")
            let id = try #require(event.split(separator: "\n").dropFirst().first?.split(separator: ",").first.map(String.init))
            #expect(try run(["monitor", "events", "--open"], as: "rev").contains("南帮局部崩塌"))
            _ = try run(["monitor", "close", id, "--measures", "清理危岩，设置警示"], as: "opA", status: 65)
            _ = try run(["monitor", "close", id, "--measures", "清理危岩，设置警示"], as: "rev")
            #expect(!(try run(["monitor", "events", "--open"], as: "rev").contains("南帮局部崩塌")))
            _ = try run(["monitor", "inspect", "B", "--date", Bureau.today.description, "--finding", "边坡稳定"], as: "rev")
            let summary = try run(["report", "monitoring", "--period", q, "--level", "banner", "--format", "csv", "--lang", "zh"], as: "aud")
            #expect(summary.hasPrefix("\u{FEFF}监测对象,监测矿山数,超过预警值矿山数") && summary.contains("地下水位变化,1,1,0,0"), "\(summary)")
            #expect(try run(["monitor", "export", "--period", q], as: "aud").contains(#""format" : "reclaim-monitoring-export-v1""#))
            outputs[mode] = seen.map { $0.replacingOccurrences(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"#, with: "TIME", options: .regularExpression) }
        }
        // the export's generated_at and the report's submitted_at differ between installations: everything before them matches
        #expect(outputs[.direct]?.prefix(11) == outputs[.service]?.prefix(11))
    }
}
