import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Issue 31: `reclaim green` and `report green`, on the database and through
/// the service, with the same output and the same refusals.
@Suite struct GreenCLITests {
    @Test func theGreenCycleInBothModes() throws {
        let example = TestEnvironment.repositoryRoot.appendingPathComponent("examples/green-disclosure.json").path
        let last = Bureau.today.year - 1, earlier = Bureau.today.year - 2
        var outputs: [CLIMode: [String]] = [:]
        for mode in CLIMode.allCases {
            let h = try CLIHarness(mode)
            _ = try Users.add("e1", role: .expert, mines: [], org: "旗林草局", by: try Actor("setup"), on: try h.db.connect())
            var seen: [String] = []
            func run(_ args: [String], as user: String, status: Int32 = 0) throws -> String {
                let r = try h.run(args, as: user)
                #expect(r.status == status, "\(mode) \(args): \(r.stderr)")
                seen.append("\(r.status)\n\(r.stdout)\(r.stderr)")
                return r.stdout
            }
            for license in ["A", "B"] {
                _ = try run(["green", "add", license, "--year", "2020", "--standard", "DZ/T 0315-2018", "--document", "内自然资字〔2020〕1号",
                             "--listed-on", "2020-12-31"], as: "boss")
            }
            _ = try run(["green", "add", "A", "--year", "2021", "--standard", "x", "--document", "y"], as: "opA", status: 65)
            #expect(try run(["green", "list", "--as-of", "2020-12-31", "--format", "csv"], as: "aud").contains("A,"))
            #expect(try run(["green", "list", "--as-of", "2020-12-30"], as: "aud").split(separator: "\n").count == 2)  // headings only
            #expect(try run(["green", "disclose", "A", String(last), "--file", example], as: "opA").hasPrefix("disclosed A \(last) (version 1), self-assessed 88.0 of 100"))
            _ = try run(["green", "disclose", "B", String(last), "--file", example], as: "opA", status: 65)
            // earlier's disclosures were due by 31 March of last year: both overdue
            let overdue = try run(["green", "overdue", String(earlier), "--format", "csv"], as: "boss")
            #expect(overdue.contains("A,") && overdue.contains("B,") && overdue.contains(",yes"), "\(overdue)")
            _ = try run(["green", "overdue", String(last), "--all"], as: "opA")
            let drawn = try run(["green", "draw", String(last), "--share", "100", "--seed", "达拉特旗-\(last)-公开"], as: "boss")
            #expect(drawn.contains("e1 rev") || drawn.contains("rev e1"), "\(drawn)")
            _ = try run(["green", "draw", String(last), "--share", "20", "--seed", "again"], as: "boss", status: 65)
            #expect(try run(["green", "draw", String(last), "--verify"], as: "aud").hasPrefix("verified: the draw of \(last)"))
            _ = try run(["green", "check", "B", String(last), "--result", "remove", "--finding", "监督检查不合格"], as: "rev")
            _ = try run(["green", "check", "A", String(last), "--result", "pass", "--finding", "ok"], as: "opA", status: 65)
            #expect(try run(["green", "show", "B"], as: "aud").contains("spot-check"))
            let report = try run(["report", "green", "--year", String(last), "--format", "csv", "--lang", "zh"], as: "aud")
            // B was removed this year, after the report's year: it was still listed at that year's end
            #expect(report.hasPrefix("\u{FEFF}采矿许可证号,名称,列入年度") && report.contains("移出名录") && report.contains("88.0"), "\(report)")
            // the draw published as JSON, drawn again by anyone from the file alone
            let published = try run(["green", "draw", String(last), "--verify", "--format", "json"], as: "aud")
            let file = NSTemporaryDirectory() + "draw-\(UUID().uuidString).json"
            try published.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let offline = try CLI.run(["green", "draw", "--verify", "--file", file], database: nil,
                                      environment: ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "RECLAIM_SERVER": ""])
            #expect(offline.status == 0 && offline.stdout.hasPrefix("verified:"), "\(offline.stderr)")
            // a sample that is not what its inputs draw: an inspector swapped for one of the bureau's choosing
            var object = try #require(try JSONSerialization.jsonObject(with: Data(published.utf8)) as? [String: Any])
            var sample = try #require(object["sample"] as? [[String: Any]])
            sample[0]["inspectors"] = ["rev", "someone"]
            object["sample"] = sample
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
            #expect(try CLI.run(["green", "draw", "--verify", "--file", file], database: nil, environment: [:]).status == 65)
            outputs[mode] = seen
        }
        #expect(outputs[.direct] == outputs[.service])
    }
}
