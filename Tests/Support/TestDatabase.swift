public import Foundation
public import PQKit
import Reclaim

/// Where the tests' throwaway cluster is. `make test` starts it and sets
/// RECLAIM_TEST_DATABASE_URL; without it every database test fails loudly.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "RECLAIM_TEST_DATABASE_URL is not set: run the tests with `make test`, which starts a throwaway PostgreSQL"
        }
    }

    public static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["RECLAIM_TEST_DATABASE_URL"], !url.isEmpty else {
            throw Missing()
        }
        return url
    }

    /// The checkout's root folder.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var sqlDirectory: URL { repositoryRoot.appendingPathComponent("sql") }
}

/// A database of its own for one test, created in the throwaway cluster, so
/// tests run in parallel without seeing each other's rows.
public struct TestDatabase: Sendable {
    public let name: String
    public let url: String

    /// Creates an empty database; `migrated` applies every migration in `sql/`.
    public static func make(migrated: Bool = true) throws -> TestDatabase {
        let admin = try TestEnvironment.adminURL()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let conn = try Connection(admin)
        try conn.simple("CREATE DATABASE \(name)")
        conn.close()
        guard let slash = admin.lastIndex(of: "/") else { throw TestEnvironment.Missing() }
        let db = TestDatabase(name: String(name), url: admin[..<slash] + "/" + name)
        if migrated {
            let c = try db.connect()
            try Migrator(directory: TestEnvironment.sqlDirectory).migrate(on: c, by: "test")
        }
        return db
    }

    public func connect() throws -> Connection {
        try Connection(url, applicationName: "reclaim-test")
    }

    /// One integer from a query, for assertions.
    public func count(_ query: Query) throws -> Int64 {
        let conn = try connect()
        return try conn.queryFirst(query)?.decode(0, as: Int64.self) ?? -1
    }
}
