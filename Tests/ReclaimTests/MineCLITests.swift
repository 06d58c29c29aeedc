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

@Suite struct MineCLITests {
    @Test func addListShowUpdateEndToEnd() throws {
        let db = try TestDatabase.make()
        let add = try CLI.run(addArguments, database: db)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("C150000001"))

        let list = try CLI.run(["mine", "list", "--format", "json"], database: db)
        #expect(list.status == 0)
        let mines = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(mines.count == 1)
        #expect(mines.first?["area_hm2"] as? String == "123.4500")
        #expect(mines.first?["mineral_class"] as? String == "solid-energy")
        #expect(mines.first?["created_by"] as? String == "reclaim")  // the database session user

        let csv = try CLI.run(["mine", "list", "--format", "csv"], database: db)
        #expect(csv.stdout.hasPrefix("license,name,holder,"))
        #expect(csv.stdout.contains("C150000001,示例煤矿,示例公司,coal"))

        let update = try CLI.run(["mine", "update", "C150000001", "--area-hm2", "150", "--status", "suspended"], database: db)
        #expect(update.status == 0, "\(update.stderr)")
        #expect(update.stdout.contains("obligation opened: recompile-plan"))

        let show = try CLI.run(["mine", "show", "C150000001", "--format", "json"], database: db)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(detail["area_hm2"] as? String == "150.0000")
        #expect((detail["open_obligations"] as? [Any])?.count == 3)
        let history = try #require(detail["history"] as? [[String: Any]])
        #expect(history.count == 2)
        #expect(history.first?["changed_by"] as? String == "reclaim")

        let table = try CLI.run(["mine", "show", "C150000001"], database: db)
        #expect(table.stdout.contains("recompile-plan"))
        #expect(table.stdout.contains("area_hm2: 123.4500 -> 150.0000"))
    }

    /// Each bad input: the exit code, one `error:` line naming the field, and nothing written.
    @Test(arguments: [
        (addArguments(replacing: "--mineral-class", with: "uranium"), Int32(64), "mineral-class"),
        (addArguments(replacing: "--area-hm2", with: "=-1"), 65, "area-hm2"),
        (addArguments(replacing: "--area-hm2", with: "lots"), 65, "area-hm2"),
        (addArguments(replacing: "--area-hm2", with: "1.234567"), 65, "area-hm2"),
        (addArguments(replacing: "--area-hm2", with: "0"), 65, "area"),
        (addArguments(replacing: "--holder", with: nil), 64, "holder"),
        (addArguments(replacing: "--name", with: " "), 65, "name"),
        (addArguments(replacing: "--region-code", with: nil) + ["--region-code", "abc"], 65, "region_code"),
        (addArguments + ["--as", ""], 65, "actor"),
    ])
    func badInputChangesNothing(arguments: [String], status: Int32, field: String) throws {
        let db = try TestDatabase.make()
        // "--area-hm2=-1" has to be passed joined, or the parser reads -1 as an option
        var args = arguments
        if let i = args.firstIndex(of: "=-1") {
            args.remove(at: i)
            args[i - 1] = "--area-hm2=-1"
        }
        let r = try CLI.run(args, database: db)
        #expect(r.status == status, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains(field))
        #expect(try db.count("SELECT count(*) FROM mines") == 0)
        #expect(try db.count("SELECT count(*) FROM audit_log") == 0)
    }

    @Test func duplicateLicenceExits65() throws {
        let db = try TestDatabase.make()
        #expect(try CLI.run(addArguments, database: db).status == 0)
        let again = try CLI.run(addArguments(replacing: "--name", with: "另一个"), database: db)
        #expect(again.status == 65)
        #expect(again.stderr == "error: license: mine C150000001 is already registered\n")
        #expect(try db.count("SELECT count(*) FROM mines WHERE name = '示例煤矿'") == 1)
        #expect(try db.count("SELECT count(*) FROM mines") == 1)
    }

    @Test func unreachableDatabaseExits69() throws {
        let r = try CLI.run(["mine", "list", "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        #expect(r.status == 69)
        #expect(r.stderr.hasPrefix("error: database unreachable"))
    }

    @Test func unknownMineAndEmptyUpdate() throws {
        let db = try TestDatabase.make()
        let show = try CLI.run(["mine", "show", "NOPE"], database: db)
        #expect(show.status == 65)
        #expect(show.stderr.contains("license"))
        let empty = try CLI.run(["mine", "update", "NOPE"], database: db)
        #expect(empty.status == 64)
    }
}
