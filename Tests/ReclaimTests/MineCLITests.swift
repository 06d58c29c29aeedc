import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

let addArguments = [
    "mine", "add", "--license", "C150000001", "--name", "示例煤矿", "--holder", "示例公司", "--mineral", "coal",
    "--mineral-class", "solid-energy", "--scale", "large", "--method", "open-pit", "--status", "producing",
    "--area-hm2", "123.45", "--land-type", "grassland",
]

/// `addArguments` with one option's value replaced, or the option removed (nil).
func addArguments(replacing option: String, with value: String?) -> [String] {
    guard let i = addArguments.firstIndex(of: option) else { return addArguments }
    var args = addArguments
    if let value {
        args[i + 1] = value
    } else {
        args.removeSubrange(i...(i + 1))
    }
    return args
}

/// Every mine command, run both ways: on the database (the owner acting for
/// the user) and through a running service with the user's token. The same
/// assertions hold in both: output, exit codes and who is recorded.
@Suite struct MineCLITests {
    @Test(arguments: CLIMode.allCases)
    func addListShowUpdateEndToEnd(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let add = try h.run(addArguments, as: "boss")
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "registered mine C150000001\n")

        let list = try h.run(["mine", "list", "--format", "json"], as: "aud")
        #expect(list.status == 0, "\(list.stderr)")
        let mines = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(mines.map { $0["license"] as? String } == ["A", "B", "C150000001"])
        let added = try #require(mines.last)
        #expect(added["area_hm2"] as? String == "123.4500")
        #expect(added["mineral_class"] as? String == "solid-energy")
        #expect(added["created_by"] as? String == "boss")

        let csv = try h.run(["mine", "list", "--format", "csv"], as: "aud")
        #expect(csv.stdout.hasPrefix("license,name,holder,"))
        #expect(csv.stdout.contains("C150000001,示例煤矿,示例公司,coal"))
        // an operator lists only their own mine
        let own = try h.run(["mine", "list", "--format", "csv"], as: "opA")
        #expect(own.stdout.split(separator: "\n").count == 2, "\(own.stdout)")

        let update = try h.run(["mine", "update", "C150000001", "--area-hm2", "150", "--status", "suspended"], as: "boss")
        #expect(update.status == 0, "\(update.stderr)")
        #expect(update.stdout.contains("obligation opened: recompile-plan"))

        let show = try h.run(["mine", "show", "c150000001", "--format", "json"], as: "li")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(detail["area_hm2"] as? String == "150.0000")
        #expect((detail["open_obligations"] as? [Any])?.count == 3)
        let history = try #require(detail["history"] as? [[String: Any]])
        #expect(history.count == 2)
        #expect(history.first?["changed_by"] as? String == "boss")

        let table = try h.run(["mine", "show", "C150000001"], as: "li")
        #expect(table.stdout.contains("recompile-plan"))
        #expect(table.stdout.contains("area_hm2: 123.4500 -> 150.0000"))
        #expect(try h.db.count("SELECT count(*) FROM audit_log WHERE target = 'mine:C150000001' AND actor = 'boss'") == 2)

        // the day the right has been held since: today when not given, corrected with history and no obligation
        #expect(added["licensed_on"] as? String == Bureau.today.description)
        let since = try h.run(["mine", "update", "C150000001", "--licensed-on", "2010-06-01"], as: "boss")
        #expect(since.status == 0 && since.stdout == "licensed_on: \(Bureau.today) -> 2010-06-01\n", "\(since.stdout)\(since.stderr)")
        let again = try h.run(["mine", "update", "C150000001", "--licensed-on", "2010-06-01"], as: "boss")
        #expect(again.stdout == "no change to mine C150000001\n")
        #expect(try h.db.count("SELECT count(*) FROM mine_obligations") == 3)
        #expect(try h.db.count("SELECT count(*) FROM mine_history WHERE field = 'licensed_on'") == 1)
    }

    /// Each bad input: the exit code, one `error:` line naming the field, and nothing written.
    @Test(arguments: CLIMode.allCases, [
        (addArguments(replacing: "--mineral-class", with: "uranium"), Int32(64), "mineral-class"),
        (addArguments(replacing: "--area-hm2", with: "=-1"), 65, "area-hm2"),
        (addArguments(replacing: "--area-hm2", with: "lots"), 65, "area-hm2"),
        (addArguments(replacing: "--area-hm2", with: "1.234567"), 65, "area-hm2"),
        (addArguments(replacing: "--area-hm2", with: "0"), 65, "area"),
        (addArguments(replacing: "--holder", with: nil), 64, "holder"),
        (addArguments(replacing: "--name", with: " "), 65, "name"),
        (addArguments(replacing: "--region-code", with: nil) + ["--region-code", "abc"], 65, "region_code"),
        (addArguments + ["--as", ""], 65, "actor"),
        (addArguments + ["--licensed-on", "2025-02-30"], 64, "licensed-on"),
        (addArguments + ["--licensed-on", "1985-12-31"], 65, "licensed_on"),
    ])
    func badInputChangesNothing(mode: CLIMode, input: ([String], Int32, String)) throws {
        let (arguments, status, field) = input
        let h = try CLIHarness(mode)
        let audited = try h.db.count("SELECT count(*) FROM audit_log")
        // "--area-hm2=-1" has to be passed joined, or the parser reads -1 as an option
        var args = arguments
        if let i = args.firstIndex(of: "=-1") {
            args.remove(at: i)
            args[i - 1] = "--area-hm2=-1"
        }
        let r = try h.run(args, as: "boss")
        #expect(r.status == status, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains(field))
        #expect(try h.db.count("SELECT count(*) FROM mines") == 2)
        #expect(try h.db.count("SELECT count(*) FROM audit_log") == audited)
    }

    @Test(arguments: CLIMode.allCases)
    func duplicateLicenceExits65(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        #expect(try h.run(addArguments, as: "boss").status == 0)
        let again = try h.run(addArguments(replacing: "--name", with: "另一个"), as: "boss")
        #expect(again.status == 65)
        #expect(again.stderr == "error: license: mine C150000001 is already registered\n")
        #expect(try h.db.count("SELECT count(*) FROM mines WHERE name = '示例煤矿'") == 1)
    }

    /// The policies are the same ones both ways: finance staff may not register mines.
    @Test(arguments: CLIMode.allCases)
    func aRoleWithoutTheRightIsRefused(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let r = try h.run(addArguments, as: "li")
        #expect(r.status == 65)
        #expect(r.stderr == "error: li (finance) may not manage mines\n")
        #expect(try h.db.count("SELECT count(*) FROM mines") == 2)
    }

    @Test func unreachableDatabaseExits69() throws {
        let r = try CLI.run(["mine", "list", "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        #expect(r.status == 69)
        #expect(r.stderr.hasPrefix("error: database unreachable"))
    }

    @Test(arguments: CLIMode.allCases)
    func unknownMineAndEmptyUpdate(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let show = try h.run(["mine", "show", "NOPE"], as: "aud")
        #expect(show.status == 65)
        #expect(show.stderr == "error: license: no mine with licence NOPE\n")
        let empty = try h.run(["mine", "update", "NOPE"], as: "boss")
        #expect(empty.status == 64)
    }
}
