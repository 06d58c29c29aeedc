import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Output, accrual and plan commands, run both ways (see `MineCLITests`):
/// each user acts in their role, and the same assertions hold.
@Suite struct AccrualCLITests {
    /// The test rule set as a file, for `accrual rules load`.
    func rulesFile() throws -> String {
        let path = NSTemporaryDirectory() + "reclaim-rules-\(UUID().uuidString).json"
        try Data(testRules.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    var planFile: String { TestEnvironment.repositoryRoot.appendingPathComponent("examples/plan.json").path }

    @Test(arguments: CLIMode.allCases)
    func outputAssessExplainQuoteAndShortfalls(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let rules = try rulesFile()
        defer { try? FileManager.default.removeItem(atPath: rules) }
        // the administrator loads the bureau's set; nobody else may
        #expect(try h.run(["accrual", "rules", "load", rules], as: "li").stderr
                == "error: li (finance) may not load accrual rule sets\n")
        let load = try h.run(["accrual", "rules", "load", rules], as: "boss")
        #expect(load.stdout == "loaded rule set test-2025 (150600, from 2025-07-01, 19 coefficients)\n", "\(load.stderr)")
        let list = try h.run(["accrual", "rules", "list", "--format", "csv"], as: "aud")
        #expect(list.stdout.contains("test-2025,150600,2025-07-01,19,boss\n") && list.stdout.contains("ordos-2025,150600,2025-01-01,17,migration 0014\n"))
        let show = try h.run(["accrual", "rules", "show", "ordos-2025"], as: "opA")
        #expect(show.stdout.contains("region:\n  (empty: the bureau's to set)\n"))

        // A is an open-pit coal mine on grassland (sampleMine); its method detail is set first, as the
        // refusal says in the CLI's words (the rule speaks of the field, each entry point of its own step)
        #expect(try h.run(["accrual", "assess", "A", "2026"], as: "li").stderr
                == "error: method_detail: mine A has no method detail in the registry; set it first (reclaim mine update A --method-detail …)\n")
        #expect(try h.run(["mine", "update", "A", "--method-detail", "open-pit-layered"], as: "boss").status == 0)
        #expect(try h.run(["accrual", "assess", "A", "2026"], as: "li").stderr
                == "error: output: no output is reported for 2025 for mine A (reclaim output report A 2025 QUANTITY)\n")
        let misfit = try h.run(["mine", "update", "B", "--method-detail", "non-solid"], as: "boss")
        #expect(misfit.status == 65 && misfit.stderr.hasPrefix("error: method_detail: non-solid does not fit"), "\(misfit.stderr)")

        let out = try h.run(["output", "report", "A", "2025", "1000"], as: "opA")
        #expect(out.stdout == "reported 2025 output of A: 1000.000 t (report 1)\n", "\(out.stderr)")
        let notTheirs = try h.run(["output", "report", "B", "2025", "1000"], as: "opA")
        #expect(notTheirs.stderr == "error: opA (operator) may not report output for mine B\n")
        let badQuantity = try h.run(["output", "report", "A", "2025", "1e3"], as: "opA")
        #expect(badQuantity.status == 65 && badQuantity.stderr.hasPrefix("error: quantity:"))
        // what was seen: output for a year that has not ended was accepted
        let thisYear = String(Bureau.today.year)
        let early = try h.run(["output", "report", "A", thisYear, "1000"], as: "opA")
        #expect(early.status == 65 && early.stderr == "error: year: \(thisYear) has not ended: output is reported for a finished year\n",
                "\(early.stderr)")
        let direct = #expect(throws: PQError.self) {
            try h.db.connectAsApp().execute("""
                INSERT INTO output_reports (mine_id, year, quantity, unit, reported_by)
                SELECT id, \(Int32(Bureau.today.year)), 1, 't', 'opA' FROM mines WHERE license = 'A'
                """)
        }
        #expect(direct?.sqlState?.code == "RCRUL")

        #expect(try h.run(["accrual", "assess", "A", "2026"], as: "opA").stderr == "error: opA (operator) may not assess accruals\n")
        let assess = try h.run(["accrual", "assess", "A", "2026", "--format", "json"], as: "li")
        #expect(assess.status == 0, "\(assess.stderr)")
        let a = try json(assess.stdout)
        // 5.5 × 2.0 × 1.0 × 1.1 × 1.2 × 1000 = 14 520
        #expect(a["license"] as? String == "A" && a["year"] as? Int == 2026 && a["rule_set"] as? String == "test-2025")
        #expect(a["output"] as? String == "1000.000" && a["formula_amount"] as? String == "14520.00")
        #expect(a["floor_amount"] is NSNull && a["amount"] as? String == "14520.00" && a["version"] as? Int == 1)
        // the first filling-in of method_detail above opened no obligation for the assessment to close
        #expect(try h.db.count("SELECT count(*) FROM mine_obligations") == 0)

        let explain = try h.run(["accrual", "explain", "A", "2026"], as: "opA")
        #expect(explain.stdout == """
            A, 2026, version 1
            rule set test-2025, in force on 2026-01-01
              base rate (solid-energy): 5.5 yuan/t
            × method coefficient (open-pit-layered): 2.0
            × land coefficient (grassland): 1.0
            × region coefficient (150621): 1.1
            × coal-price coefficient (2026): 1.2
            × output of 2025: 1000.000 t
            = 14520.00000000 yuan
            = 14520.00 yuan, rounded half up to the fen (formula amount)
            floor: none (no approved plan with a cost for 2026)
            amount: 14520.00 yuan (the formula counts)

            """, "\(explain.stderr)")

        let quote = try h.run(["accrual", "quote", "--year", "2026", "--mineral-class", "solid-energy", "--method-detail",
                               "open-pit-layered", "--land-type", "grassland", "--output", "1000", "--mineral", "coal",
                               "--format", "json"], as: "aud")
        #expect(try json(quote.stdout)["amount"] as? String == "14520.00", "\(quote.stderr)")
        let noRegion = try h.run(["accrual", "quote", "--year", "2026", "--mineral-class", "metal", "--method-detail",
                                  "pit-depth-30m-or-less", "--land-type", "other", "--region", "150622", "--output", "5"],
                                 as: "aud")
        #expect(noRegion.status == 65)
        #expect(noRegion.stderr == "error: region coefficient for 150622 is not in rule set test-2025\n")

        #expect(try h.run(["fund", "deposit", "A", "4520", "--value-date", "2026-03-01"], as: "li").status == 0)
        let shortfalls = try h.run(["accrual", "shortfalls", "--year", "2026", "--format", "csv"], as: "aud")
        #expect(shortfalls.stdout == """
            license,year,assessed,deposited,shortfall,cumulative_assessed,cumulative_deposited,cumulative_shortfall
            A,2026,14520.00,4520.00,10000.00,14520.00,4520.00,10000.00

            """, "\(shortfalls.stderr)")
    }

    @Test(arguments: CLIMode.allCases)
    func planSubmitDecideShowAndList(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let submit = try h.run(["plan", "submit", "A", "--file", planFile], as: "opA")
        #expect(submit.stdout == "1\n", "\(submit.stderr)")
        #expect(try h.run(["plan", "submit", "B", "--file", planFile], as: "opA").stderr
                == "error: opA (operator) may not submit plans for mine B\n")
        let pending = try h.run(["plan", "submit", "A", "--file", planFile], as: "opA")
        #expect(pending.status == 65 && pending.stderr.hasPrefix("error: version: version 1 of mine A's plan awaits review"))
        #expect(try h.run(["plan", "approve", "A", "1"], as: "opA").stderr == "error: opA (operator) may not approve a plan version\n")
        let returned = try h.run(["plan", "return", "A", "1", "--reason", "补充费用明细"], as: "rev")
        #expect(returned.stdout == "returned version 1 of A's plan: returned\n", "\(returned.stderr)")
        let again = try h.run(["plan", "approve", "A", "1"], as: "rev")
        #expect(again.status == 65)
        #expect(again.stderr == "error: state: cannot approve a plan version that is returned: nothing can be done to it any more\n")
        #expect(try h.run(["plan", "submit", "A", "--file", planFile], as: "opA").stdout == "2\n")
        #expect(try h.run(["plan", "approve", "A", "2"], as: "rev").stdout == "approved version 2 of A's plan: approved\n")

        let show = try json(try h.run(["plan", "show", "A", "--format", "json"], as: "aud").stdout)
        #expect(show["version"] as? Int == 2 && show["state"] as? String == "approved" && show["current"] as? Bool == true)
        #expect((show["cost"] as? [String: Any])?["total"] as? String == "300000.00")
        #expect((show["decisions"] as? [[String: Any]])?.map { $0["actor"] as? String } == ["opA", "rev"])
        let v1 = try h.run(["plan", "show", "A", "--version", "1"], as: "opA")
        #expect(v1.stdout.contains("state:                   returned") && v1.stdout.contains("(补充费用明细)"), "\(v1.stdout)")
        let list = try h.run(["plan", "list", "--format", "csv"], as: "aud")
        #expect(list.stdout == """
            license,version,state,current,service_from,service_to,cost_total,letter_signed_on,submitted_by
            A,1,returned,no,2025,2027,300000.00,2025-01-05,opA
            A,2,approved,yes,2025,2027,300000.00,2025-01-05,opA

            """)
        #expect(try h.run(["plan", "list", "--state", "returned", "--format", "csv"], as: "aud").stdout.split(separator: "\n").count == 2)
        // the operator of B sees none of A's; nobody sees a plan B does not have
        #expect(try h.run(["plan", "show", "B"], as: "aud").stderr == "error: version: mine B has no plan\n")
    }

    /// A bad file: exit 66 when unreadable, 65 naming the field when inconsistent; nothing written.
    @Test(arguments: CLIMode.allCases)
    func badFilesAreRefusedNamingTheField(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let missing = try h.run(["plan", "submit", "A", "--file", "/nonexistent/plan.json"], as: "opA")
        #expect(missing.status == 66 && missing.stderr == "error: file: cannot read /nonexistent/plan.json\n")
        let path = NSTemporaryDirectory() + "reclaim-plan-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try plan("cost", #"{"total": "1.00", "by_year": {"2025": "1.00"}}"#).write(to: URL(fileURLWithPath: path))
        let short = try h.run(["plan", "submit", "A", "--file", path], as: "opA")
        #expect(short.status == 65)
        #expect(short.stderr == "error: cost.by_year: must cover exactly the service period 2025 to 2027 (missing 2026, 2027)\n")
        try Data(#"{"name": "x", "jurisdiction": "15", "effective_from": "2030-01-01"}"#.utf8).write(to: URL(fileURLWithPath: path))
        let rules = try h.run(["accrual", "rules", "load", path], as: "boss")
        #expect(rules.status == 65 && rules.stderr.hasPrefix("error: jurisdiction:"), "\(rules.stderr)")
        #expect(try h.db.count("SELECT count(*) FROM plans") == 0)
        #expect(try h.db.count("SELECT count(*) FROM accrual_rule_sets") == 1)
    }

    /// A year is four digits in the one range, whichever command takes it: anything else is a usage error
    /// naming the argument, before anything is read or written.
    @Test(arguments: CLIMode.allCases)
    func aYearOutOfRangeIsAUsageErrorEverywhere(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        for (args, name) in [
            (["output", "report", "A", "20x5", "100"], "<year>"), (["output", "report", "A", "1989", "100"], "<year>"),
            (["annual", "show", "A", "2201"], "<year>"), (["report", "fund", "--year", "２０２５"], "--year <year>"),
            (["fund", "withdraw", "A", "1", "--annual-plan", "25"], "--annual-plan <annual-plan>"),
        ] {
            let r = try h.run(args, as: "boss")
            #expect(r.status == 64 && r.stderr.hasPrefix("error: The value '") && r.stderr.contains(name), "\(args): \(r.stderr)")
        }
        #expect(try h.db.count("SELECT count(*) FROM output_reports") == 0)
    }
}
