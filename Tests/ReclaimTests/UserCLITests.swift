import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

@Suite struct UserCLITests {
    /// Dashboard passwords: from standard input only with --password-stdin,
    /// never the command line; checked; only hashed; admins only.
    @Test func passwordsFromStandardInputOnly() throws {
        let db = try TestDatabase.make()
        #expect(try CLI.run(["user", "add", "li", "--role", "finance"], database: db).status == 0)
        #expect(try CLI.run(["user", "add", "wang", "--role", "finance"], database: db).status == 0)
        let set = try CLI.run(["user", "password", "li", "--password-stdin"], database: db, stdin: "a long enough secret\n")
        #expect(set.status == 0 && set.stdout == "password set for li\n", "\(set.stderr)")
        #expect(try db.count("SELECT count(*) FROM user_passwords WHERE user_name = 'li' AND hash LIKE '$2a$12$%'") == 1)
        #expect(try db.count("SELECT count(*) FROM user_passwords WHERE password_matches('a long enough secret', hash)") == 1)
        #expect(try db.count("SELECT count(*) FROM user_passwords WHERE hash LIKE '%secret%'") == 0)
        // no terminal and no flag: refused, as is a short one or an unknown user
        let noTerminal = try CLI.run(["user", "password", "li"], database: db, stdin: "a long enough secret\n")
        #expect(noTerminal.status == 65 && noTerminal.stderr.contains("--password-stdin"))
        let short = try CLI.run(["user", "password", "li", "--password-stdin"], database: db, stdin: "short\n")
        #expect(short.status == 65 && short.stderr.contains("at least 10 characters"))
        #expect(try CLI.run(["user", "password", "nobody", "--password-stdin"], database: db, stdin: "a long enough secret\n").status == 65)
        // a finance user may not set anyone's password
        let asFinance = try CLI.run(["user", "password", "wang", "--password-stdin", "--as", "li"], database: db,
                                    stdin: "a long enough secret\n")
        #expect(asFinance.status == 65 && asFinance.stderr.contains("may not manage users"))
        #expect(try db.count("SELECT count(*) FROM user_passwords") == 1)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'user.password'") == 1)
    }

    @Test func knownUsersAreHeldToTheirRole() throws {
        let db = try TestDatabase.make()
        // The OS user (no Reclaim user of that name) sets things up.
        #expect(try CLI.run(["user", "add", "boss", "--role", "admin"], database: db).status == 0)
        #expect(try CLI.run(["user", "add", "li", "--role", "finance"], database: db).status == 0)
        #expect(try CLI.run(addArguments + ["--as", "boss"], database: db).status == 0)

        // finance may book but not register mines; admin may register but not book
        let refused = try CLI.run(addArguments(replacing: "--license", with: "X2") + ["--as", "li"], database: db)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("may not manage mines"))
        #expect(try CLI.run(["fund", "deposit", "C150000001", "5", "--as", "boss"], database: db).status == 65)
        #expect(try CLI.run(["fund", "deposit", "C150000001", "5", "--as", "li"], database: db).status == 0)
        #expect(try db.count("SELECT count(*) FROM mines") == 1)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE actor = 'li' AND role = 'finance'") == 1)

        // operators need a mine; tokens are shown once and only hashed
        #expect(try CLI.run(["user", "add", "op", "--role", "operator"], database: db).status == 65)
        #expect(try CLI.run(["user", "add", "op", "--role", "operator", "--mine", "C150000001"], database: db).status == 0)
        let token = try CLI.run(["token", "issue", "li", "--expires-in-days", "7"], database: db)
        #expect(token.status == 0)
        #expect(token.stdout.hasPrefix("rcl_"))
        let plain = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try db.count("SELECT count(*) FROM api_tokens WHERE token_hash = sha256(convert_to(\(plain), 'UTF8'))") == 1)
        #expect(try db.count("SELECT count(*) FROM api_tokens WHERE encode(token_hash, 'escape') LIKE '%rcl_%'") == 0)
        #expect(try CLI.run(["token", "revoke", "1"], database: db).status == 0)
        #expect(try CLI.run(["token", "revoke", "1"], database: db).status == 65)

        #expect(try CLI.run(["user", "disable", "li"], database: db).status == 0)
        #expect(try CLI.run(["fund", "deposit", "C150000001", "5", "--as", "li"], database: db).status == 65)
        let list = try CLI.run(["user", "list", "--format", "csv"], database: db)
        #expect(list.stdout.contains("li,finance,,yes"))
        let audit = try CLI.run(["audit", "list", "--actor", "li", "--format", "json"], database: db)
        #expect(audit.stdout.contains("fund.deposit"))
    }

    /// `user mines`: an operator's mines replaced as a whole, refused for anyone else.
    @Test func anOperatorsMinesAreReplaced() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        for license in ["A", "B"] { _ = try MineRegistry.add(try sampleMine(license), by: try Actor("setup"), on: conn) }
        #expect(try CLI.run(["user", "add", "op", "--role", "operator", "--mine", "A"], database: db).status == 0)
        #expect(try CLI.run(["user", "add", "li", "--role", "finance"], database: db).status == 0)
        let moved = try CLI.run(["user", "mines", "op", "--mine", "B", "--mine", "A"], database: db)
        #expect(moved.status == 0 && moved.stdout == "user op acts for A, B\n", "\(moved.stderr)")
        #expect(try CLI.run(["user", "mines", "li", "--mine", "A"], database: db).status == 65)
        let none = try CLI.run(["user", "mines", "op"], database: db)
        #expect(none.status != 0 && none.stderr.contains("mines"))
        #expect(try db.count("SELECT count(*) FROM user_mines WHERE user_name = 'op'") == 2)
    }
}
