import Foundation
import PQKit
import TestSupport
import Testing

@Suite struct ErrorAndTransactionTests {
    func table() throws -> Connection {
        let conn = try TestDatabase.make(migrated: false).connect()
        try conn.execute("""
            CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL CONSTRAINT v_nonnegative CHECK (v >= 0))
            """)
        try conn.execute("INSERT INTO acct VALUES (1, 10)")
        return conn
    }

    @Test func uniqueViolationCarriesSQLStateAndConstraint() throws {
        let conn = try table()
        let error = #expect(throws: PQError.self) { try conn.execute("INSERT INTO acct VALUES (\(1), \(5))") }
        #expect(error?.kind == .server)
        #expect(error?.sqlState == .uniqueViolation)
        #expect(error?.constraint == "acct_pkey")
        #expect(error?.table == "acct")
        #expect(error?.detail?.contains("already exists") == true)
        // description stays generic: no values in logs
        #expect(error?.description == "PQError(server error 23505)")
    }

    @Test func checkViolationCarriesSQLStateAndConstraint() throws {
        let conn = try table()
        let error = #expect(throws: PQError.self) { try conn.execute("UPDATE acct SET v = \(-1) WHERE id = 1") }
        #expect(error?.sqlState == .checkViolation)
        #expect(error?.constraint == "v_nonnegative")
    }

    @Test func throwInsideTransactionRollsBack() throws {
        let conn = try table()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try conn.withTransaction { c in
                try c.execute("UPDATE acct SET v = 99 WHERE id = 1")
                throw Boom()
            }
        }
        #expect(try conn.queryFirst("SELECT v FROM acct")?.decode("v", as: Int32.self) == 10)
        #expect(!conn.inTransaction)
        // a server error inside rolls back too, and the connection stays usable
        #expect(throws: PQError.self) {
            try conn.withTransaction { c in
                try c.execute("UPDATE acct SET v = 50 WHERE id = 1")
                try c.execute("UPDATE acct SET v = -5 WHERE id = 1")
            }
        }
        #expect(try conn.queryFirst("SELECT v FROM acct")?.decode("v", as: Int32.self) == 10)
    }

    @Test func nestedTransactionIsRefused() throws {
        let conn = try table()
        let error = #expect(throws: PQError.self) {
            try conn.withTransaction { c in try c.withTransaction { _ in } }
        }
        #expect(error?.kind == .client)
    }

    @Test func serializationFailureIsRetried() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        try conn.execute("CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL)")
        try conn.execute("INSERT INTO acct VALUES (1, 10)")
        let other = try db.connect()
        var attempts = 0
        try conn.withTransaction(.repeatableRead) { c in
            attempts += 1
            _ = try c.query("SELECT v FROM acct WHERE id = 1")  // takes the snapshot
            if attempts == 1 {
                // Another session changes the row after our snapshot...
                try other.execute("UPDATE acct SET v = v + 100 WHERE id = 1")
            }
            // ...so our update fails with 40001 on the first attempt only.
            try c.execute("UPDATE acct SET v = v + 1 WHERE id = 1")
        }
        #expect(attempts == 2)
        #expect(try conn.queryFirst("SELECT v FROM acct")?.decode("v", as: Int32.self) == 111)
    }

    @Test func retriesAreBounded() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        try conn.execute("CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL)")
        try conn.execute("INSERT INTO acct VALUES (1, 10)")
        let other = try db.connect()
        var attempts = 0
        let error = #expect(throws: PQError.self) {
            try conn.withTransaction(.repeatableRead, maxAttempts: 3) { c in
                attempts += 1
                _ = try c.query("SELECT v FROM acct WHERE id = 1")
                try other.execute("UPDATE acct SET v = v + 100 WHERE id = 1")
                try c.execute("UPDATE acct SET v = v + 1 WHERE id = 1")
            }
        }
        #expect(error?.sqlState == .serializationFailure)
        #expect(attempts == 3)
        #expect(try conn.queryFirst("SELECT v FROM acct")?.decode("v", as: Int32.self) == 310)
    }

    @Test func unreachableServerIsAConnectionError() {
        let error = #expect(throws: PQError.self) {
            _ = try Connection("postgresql://nobody@127.0.0.1:1/none")
        }
        #expect(error?.kind == .connection)
        #expect(error?.isConnectionFailure == true)
    }
}
