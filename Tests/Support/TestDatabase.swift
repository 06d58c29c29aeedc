public import Foundation
public import PQKit
import Reclaim
import Synchronization

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

    /// Creates an empty database; `migrated` makes it a copy of a template
    /// database that has every migration in `sql/` applied. The template is
    /// migrated once (per content of `sql/`, so an edit makes a new one) and
    /// copied with `CREATE DATABASE … TEMPLATE`, much faster than migrating
    /// every test's database, however many suites there are.
    public static func make(migrated: Bool = true) throws -> TestDatabase {
        let admin = try TestEnvironment.adminURL()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let conn = try Connection(admin)
        defer { conn.close() }
        if migrated {
            let template = try Template.ensure(on: conn, admin: admin)
            try conn.simple("CREATE DATABASE \(name) TEMPLATE \(template)")
        } else {
            try conn.simple("CREATE DATABASE \(name)")
        }
        return TestDatabase(name: String(name), url: try url(admin, database: String(name)))
    }

    static func url(_ admin: String, database: String) throws -> String {
        guard let slash = admin.lastIndex(of: "/") else { throw TestEnvironment.Missing() }
        return admin[..<slash] + "/" + database
    }

    /// The migrated template, made once per process and content of `sql/`.
    enum Template {
        static let made = Mutex<String?>(nil)

        static func ensure(on conn: Connection, admin: String) throws -> String {
            try made.withLock { made in
                if let made { return made }
                let name = "tpl_" + (try contentKey(on: conn))
                // Another test process may be making the same template.
                try conn.execute("SELECT pg_advisory_lock(7411)")
                defer { _ = try? conn.execute("SELECT pg_advisory_unlock(7411)") }
                let exists = try conn.queryFirst("SELECT 1 AS x FROM pg_database WHERE datname = \(name)") != nil
                if !exists {
                    let building = name + "_new"
                    try conn.simple("DROP DATABASE IF EXISTS \(building)")
                    try conn.simple("CREATE DATABASE \(building)")
                    let c = try Connection(try TestDatabase.url(admin, database: building), applicationName: "reclaim-test")
                    try Migrator(directory: TestEnvironment.sqlDirectory).migrate(on: c, by: "test")
                    c.close()
                    // Only finished templates carry the name; nobody connects to them.
                    try conn.simple("ALTER DATABASE \(building) RENAME TO \(name)")
                    try conn.simple("ALTER DATABASE \(name) WITH ALLOW_CONNECTIONS false")
                }
                made = name
                return name
            }
        }

        /// A digest of every file under `sql/`, names and contents.
        static func contentKey(on conn: Connection) throws -> String {
            let root = TestEnvironment.sqlDirectory
            var text = ""
            let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.sorted() ?? []
            for f in files where f.hasSuffix(".sql") {
                text += f + "\n" + (String(data: FileManager.default.contents(atPath: root.appendingPathComponent(f).path) ?? Data(), encoding: .utf8) ?? "")
            }
            return try conn.queryFirst("SELECT left(encode(sha256(convert_to(\(text), 'UTF8')), 'hex'), 16) AS k")?
                .decode("k") ?? "x"
        }
    }

    public func connect() throws -> Connection {
        try Connection(url, applicationName: "reclaim-test")
    }

    /// The same database as the service's least-privileged role
    /// (`reclaim_app`, made by migration 0009), as `make run` connects it.
    public var appURL: String {
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@", range: scheme.upperBound..<url.endIndex)
        else { return url }
        return url.replacingCharacters(in: scheme.upperBound..<at.lowerBound, with: "reclaim_app")
    }

    public func connectAsApp() throws -> Connection {
        try Connection(appURL, applicationName: "reclaim-test-app")
    }

    /// One integer from a query, for assertions.
    public func count(_ query: Query) throws -> Int64 {
        let conn = try connect()
        return try conn.queryFirst(query)?.decode(0, as: Int64.self) ?? -1
    }
}
