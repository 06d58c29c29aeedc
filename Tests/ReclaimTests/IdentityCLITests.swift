import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Who acts in direct database mode: the session user, or — for the
/// database owner only — a registered, enabled user named with --as.
@Suite struct IdentityCLITests {
    func setUp() throws -> TestDatabase {
        let db = try cliLedger()
        #expect(try CLI.run(["user", "add", "li", "--role", "finance"], database: db).status == 0)
        return db
    }

    @Test func theOwnerMayActForARegisteredUserAndBothAreRecorded() throws {
        let db = try setUp()
        let r = try CLI.run(["fund", "deposit", "A", "5", "--as", "li"], database: db)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'fund.deposit' AND actor = 'li' AND db_user = 'reclaim'") == 1)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE actor = 'li'") == 1)
        // RECLAIM_USER is the same as --as
        let env = try CLI.run(["fund", "deposit", "A", "6"], database: db, environment: ["RECLAIM_USER": "li"])
        #expect(env.status == 0, "\(env.stderr)")
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE actor = 'li'") == 2)
    }

    /// A name that is no registered user — a typo, or a look-alike such as
    /// fіn1 with a Cyrillic і — is refused, not recorded.
    @Test(arguments: ["nobody", "f\u{0456}n1", "l\u{0131}", "li\u{200B}"])
    func unregisteredNamesAreRefused(_ name: String) throws {
        let db = try setUp()
        let r = try CLI.run(["fund", "deposit", "A", "5", "--as", name], database: db)
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("error: actor:"), "\(r.stderr)")
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
    }

    @Test func aDisabledUserCannotBeActedFor() throws {
        let db = try setUp()
        #expect(try CLI.run(["user", "disable", "li"], database: db).status == 0)
        let r = try CLI.run(["fund", "deposit", "A", "5", "--as", "li"], database: db)
        #expect(r.status == 65)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
    }

    /// A session that is not the owner (the service's reclaim_app) may not
    /// use --as, and acting as itself it is no user the database lets book.
    @Test func aNonOwnerSessionActsOnlyAsItself() throws {
        let db = try setUp()
        let app = ["DATABASE_URL": db.appURL]
        let asLi = try CLI.run(["fund", "deposit", "A", "5", "--as", "li"], database: db, environment: app)
        #expect(asLi.status == 65)
        #expect(asLi.stderr.contains("only the database owner may act for another user"), "\(asLi.stderr)")
        let itself = try CLI.run(["fund", "deposit", "A", "5"], database: db, environment: app)
        #expect(itself.status == 65)
        #expect(itself.stderr.contains("reclaim_app is not an enabled user"), "\(itself.stderr)")
        let mine = try CLI.run(addArguments(replacing: "--license", with: "Q1"), database: db, environment: app)
        #expect(mine.status == 65)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 0)
        #expect(try db.count("SELECT count(*) FROM mines WHERE license = 'Q1'") == 0)
    }
}
