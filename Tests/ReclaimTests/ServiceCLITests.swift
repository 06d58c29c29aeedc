import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The CLI through the service: the token's user acts, `reclaim login`
/// keeps the token for its owner only, and both modes print the same.
@Suite struct ServiceCLITests {
    func configDir() -> String {
        NSTemporaryDirectory() + "reclaim-config-\(UUID().uuidString)"
    }

    func mode(of path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    @Test func theTokensUserIsTheActor() throws {
        let h = try CLIHarness(.service)
        let who = try h.run(["whoami"], as: "li")
        #expect(who.stdout == "li (finance), through \(try #require(h.serverURL))\n")
        let r = try h.run(["fund", "deposit", "A", "12.5", "--reference", "S-9"], as: "li")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try h.db.count("SELECT count(*) FROM ledger_entries WHERE actor = 'li' AND reference = 'S-9'") == 1)
        // written by the service's least-privileged role, in li's name, with li's role and the request's id
        #expect(try h.db.count("""
            SELECT count(*) FROM audit_log
            WHERE action = 'fund.deposit' AND actor = 'li' AND role = 'finance' AND db_user = 'reclaim_app'
              AND request_id IS NOT NULL
            """) == 1)
    }

    @Test func loginKeepsTheTokenReadableByItsOwnerOnly() throws {
        let h = try CLIHarness(.service)
        let url = try #require(h.serverURL)
        let dir = configDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // no RECLAIM_SERVER, RECLAIM_TOKEN or DATABASE_URL: only what login keeps
        let bare = ["RECLAIM_CONFIG_DIR": dir, "RECLAIM_SERVER": "", "RECLAIM_TOKEN": "", "DATABASE_URL": ""]

        let wrong = try h.run(["login", "--server", url], as: nil, environment: bare, stdin: "rcl_0000\n")
        #expect(wrong.status == 65)
        #expect(wrong.stderr.hasPrefix("error: the token was refused"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/credentials.json"))

        let token = try #require(h.tokens["li"])
        let login = try h.run(["login", "--server", url + "/"], as: nil, environment: bare, stdin: token + "\n")
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout == "logged in to \(url) as li (finance)\n")
        let file = dir + "/credentials.json"
        #expect(mode(of: file) == 0o600)
        #expect(mode(of: dir) == 0o700)

        let who = try h.run(["whoami"], as: nil, environment: bare)
        #expect(who.stdout == "li (finance), through \(url)\n", "\(who.stderr)")
        let dep = try h.run(["fund", "deposit", "A", "7"], as: nil, environment: bare)
        #expect(dep.status == 0, "\(dep.stderr)")
        #expect(try h.db.count("SELECT count(*) FROM ledger_entries WHERE actor = 'li'") == 1)

        // a token file others can read is refused, not used
        chmod(file, 0o644)
        let exposed = try h.run(["fund", "balance", "A"], as: nil, environment: bare)
        #expect(exposed.status == 65)
        #expect(exposed.stderr == "error: credentials: \(file) can be read by others; run: chmod 600 \(file)\n")
        chmod(file, 0o600)

        let logout = try h.run(["logout"], as: nil, environment: bare)
        #expect(logout.stdout == "logged out of \(url)\n")
        let kept = String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self)
        #expect(!kept.contains(token))
    }

    @Test func aRevokedTokenStopsWorking() throws {
        let h = try CLIHarness(.service)
        #expect(try h.run(["fund", "balance", "A"], as: "li").status == 0)
        let conn = try h.db.connect()
        try conn.execute("UPDATE api_tokens SET revoked_at = now(), revoked_by = 'boss' WHERE user_name = 'li'")
        let r = try h.run(["fund", "deposit", "A", "5"], as: "li")
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("error: the token was refused"), "\(r.stderr)")
        #expect(try h.db.count("SELECT count(*) FROM ledger_entries") == 0)
    }

    @Test func missingTokenUnreachableServiceAndAsAreClearErrors() throws {
        let h = try CLIHarness(.service)
        let none = try h.run(["fund", "balance", "A"], as: nil)
        #expect(none.status == 65)
        #expect(none.stderr.hasPrefix("error: token: no token for \(try #require(h.serverURL))"), "\(none.stderr)")

        let away = try h.run(["fund", "balance", "A"], as: "li", environment: ["RECLAIM_SERVER": "http://127.0.0.1:1"])
        #expect(away.status == 69)
        #expect(away.stderr.hasPrefix("error: service unreachable at http://127.0.0.1:1"), "\(away.stderr)")

        let acting = try h.run(["fund", "deposit", "A", "5", "--as", "boss"], as: "li")
        #expect(acting.status == 65)
        #expect(acting.stderr.hasPrefix("error: actor: --as and RECLAIM_USER are for direct database mode"))

        let both = try h.run(["fund", "balance", "A", "--server", "http://x", "--database-url", "postgresql://x"], as: "li")
        #expect(both.status == 65)
        #expect(both.stderr == "error: server: give --server or --database-url, not both\n")

        let bad = try h.run(["fund", "balance", "A", "--server", "ftp://files"], as: "li")
        #expect(bad.status == 65)
        #expect(bad.stderr.hasPrefix("error: server:"))
        #expect(try h.db.count("SELECT count(*) FROM ledger_entries") == 0)
    }

    /// The same commands, run on two fresh installations, one each way,
    /// print the same (apart from the moment of booking).
    @Test func bothModesPrintTheSame() throws {
        let script: [([String], String)] = [
            (["fund", "deposit", "A", "1500.5", "--value-date", "2025-03-01", "--reference", "S-1", "--memo", "首期"], "li"),
            (["fund", "deposit", "B", "12.345678", "--unit", "wan", "--value-date", "2025-03-02"], "li"),
            (["mine", "merge", "--from", "A", "--into", "B", "--approved-on", "2025-03-01", "--document", "整合批复"], "boss"),
            (["fund", "reverse", "2", "--reason", "wrong mine", "--value-date", "2025-03-04"], "li"),
            (["mine", "update", "B", "--status", "suspended"], "boss"),
        ]
        let reads: [([String], String)] = [
            (["fund", "statement", "A"], "li"),
            (["fund", "statement", "B", "--format", "csv"], "li"),
            (["fund", "statement", "B", "--from", "2025-03-03", "--format", "csv", "--lang", "zh"], "li"),
            (["fund", "statement", "B", "--from", "2025-03-03", "--format", "json"], "opA"),
            (["fund", "balance", "--as-of", "2025-03-03"], "aud"),
            (["fund", "balance", "A", "--as-of", "2025-03-03", "--format", "json"], "opA"),
            (["mine", "list", "--format", "csv"], "aud"),
            (["mine", "show", "A", "--format", "json"], "opA"),
            (["fund", "statement", "B"], "opA"),
            (["fund", "deposit", "Z", "1"], "li"),
            (["fund", "withdraw", "A", "99999", "--annual-plan", "2025"], "li"),
            (["whoami", "--format", "json"], "opA"),
            (["report", "reminders", "--format", "csv", "--lang", "zh"], "boss"),
            (["report", "reminders", "--format", "json"], "opA"),
        ]
        var outputs: [CLIMode: [String]] = [:]
        for mode in CLIMode.allCases {
            let h = try CLIHarness(mode)
            try approvedAnnualPlan("A", on: try h.db.connect())
            for (args, user) in script {
                let r = try h.run(args, as: user)
                #expect(r.status == 0, "\(mode) \(args): \(r.stderr)")
            }
            outputs[mode] = try reads.map { args, user in
                let r = try h.run(args, as: user)
                // the database's own timestamps differ between two installations
                let out = r.stdout.replacingOccurrences(
                    of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, with: "T", options: .regularExpression)
                return "\(r.status)\n\(out)\(r.stderr)"
            }
        }
        // not vacuous: the reads printed what was booked, and the refusals refused
        #expect(outputs[.service]?.first?.contains("opening_balance: 0.00") == true)
        #expect(outputs[.service]?.first?.contains("1500.50") == true)
        #expect(outputs[.service]?[8].hasPrefix("65\n") == true)
        for (i, read) in reads.enumerated() {
            #expect(outputs[.direct]?[i] == outputs[.service]?[i], "\(read.0)")
        }
    }
}

extension ServiceCLITests {
    /// Issue 30: `fund import` through the service (the route the dashboard's
    /// upload shares), with the same output and refusals as on the database:
    /// all rows or none, every bad line named, a file sent again booking nothing twice.
    @Test func aBankFileThroughTheServiceAsOnTheDatabase() throws {
        let dir = NSTemporaryDirectory() + "reclaim-bank-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let header = "license,kind,amount,value_date,reference,idempotency_key,memo\n"
        let good = dir + "/good.csv", bad = dir + "/bad.csv"
        try (header + "A,deposit,100.00,2025-03-01,B-1,bank-1,\nB,deposit,250.50,2025-03-02,B-2,bank-2,首期\n").write(toFile: good, atomically: true, encoding: .utf8)
        try (header + "A,deposit,1.00,2025-03-01,B-3,bank-3,\nZ,deposit,x,2025-03-01,B-4,bank-4,\n").write(toFile: bad, atomically: true, encoding: .utf8)
        var outputs: [CLIMode: [String]] = [:]
        for mode in CLIMode.allCases {
            let h = try CLIHarness(mode)
            let dry = try h.run(["fund", "import", good, "--dry-run"], as: "li")
            let first = try h.run(["fund", "import", good], as: "li")
            let again = try h.run(["fund", "import", good, "--format", "json"], as: "li")
            let refused = try h.run(["fund", "import", bad], as: "li")
            let operatorTried = try h.run(["fund", "import", good], as: "opA")
            #expect(first.status == 0 && first.stdout == "booked 2 entries, skipped 0 already booked, 2 rows read\n", "\(mode): \(first.stderr)")
            #expect(dry.stdout == "would book 2 entries, skipped 0 already booked, 2 rows read\n", "\(mode): \(dry.stderr)")
            #expect(again.stdout.contains(#""skipped":2"#) || again.stdout.contains(#""skipped" : 2"#), "\(mode): \(again.stdout)")
            #expect(refused.status == 65 && refused.stderr.contains("error: line 3:"), "\(mode): \(refused.stderr)")
            #expect(operatorTried.status != 0 && operatorTried.stdout.isEmpty)
            #expect(try h.db.count("SELECT count(*) FROM ledger_entries WHERE reference LIKE 'B-%'") == 2, "\(mode)")
            outputs[mode] = [dry.stdout, first.stdout, refused.stdout, refused.stderr]
        }
        #expect(outputs[.direct] == outputs[.service])
    }
}
