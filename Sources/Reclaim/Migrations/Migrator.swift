public import Foundation
public import PQKit

/// Applies the numbered, forward-only SQL files in `sql/`, then the live
/// definitions in `sql/functions/`.
///
/// Each numbered file runs in its own transaction and is recorded with a
/// SHA-256 checksum; one that was applied and has since changed is refused:
/// history is not edited. Numbered files hold tables, constraints and data
/// changes. Functions, triggers and views live in `sql/functions/`, one file
/// per area; a file whose checksum differs from the one recorded is applied
/// again (its statements are `CREATE OR REPLACE`), all changed files in one
/// transaction, in name order, after the numbered files. A session advisory
/// lock keeps two migrators from racing.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public var version: Int
        public var name: String
        public var sql: String
    }

    public let directory: URL

    /// Same number for every Reclaim migrator: "reclaim migrations" in ASCII.
    static let lockKey: Int64 = 0x7265_636C_6169_6D

    public init(directory: URL) {
        self.directory = directory
    }

    /// `RECLAIM_SQL_DIR`, else `sql/` in the working directory, else the
    /// nearest `sql/` above the executable (a build folder inside the
    /// checkout), else `/usr/share/reclaim/sql` (the container image).
    public static func locateDirectory() -> URL? {
        let fm = FileManager.default
        func valid(_ url: URL) -> Bool {
            (try? fm.contentsOfDirectory(atPath: url.path))?.contains { $0.hasPrefix("0001_") } ?? false
        }
        if let env = ProcessInfo.processInfo.environment["RECLAIM_SQL_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("sql")
        if valid(cwd) { return cwd }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("sql")
            if valid(candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let shared = URL(fileURLWithPath: "/usr/share/reclaim/sql")
        return valid(shared) ? shared : nil
    }

    /// The migration files, in order. Names are `NNNN_description.sql`.
    public func migrations() throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw ReclaimError.invalid("migrations", "cannot read \(directory.path)")
        }
        var found: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            guard let prefix = name.split(separator: "_").first, let version = Int(prefix), version > 0 else {
                throw ReclaimError.invalid("migrations", "\(name) does not start with a number like 0001_")
            }
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
                  let sql = String(data: data, encoding: .utf8)
            else { throw ReclaimError.invalid("migrations", "cannot read \(name) as UTF-8") }
            if found.contains(where: { $0.version == version }) {
                throw ReclaimError.invalid("migrations", "two files carry number \(version)")
            }
            found.append(Migration(version: version, name: name, sql: sql))
        }
        return found
    }

    /// The definition files of `sql/functions/`: `common.sql` (the shared
    /// helpers the others call) first, then the rest in name order (`version` is 0).
    public func definitions() throws -> [Migration] {
        let folder = directory.appendingPathComponent("functions")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        let ordered = names.sorted { ($0 == "common.sql" ? 0 : 1, $0) < ($1 == "common.sql" ? 0 : 1, $1) }
        return try ordered.filter { $0.hasSuffix(".sql") }.map { name in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                  let sql = String(data: data, encoding: .utf8)
            else { throw ReclaimError.invalid("migrations", "cannot read functions/\(name) as UTF-8") }
            return Migration(version: 0, name: "functions/" + name, sql: sql)
        }
    }

    /// Applies what is pending; returns the names applied (empty when up to
    /// date): numbered files as `0001_mines.sql`, definitions as `functions/ledger.sql`.
    @discardableResult
    public func migrate(on conn: Connection, by actor: String = "reclaim") throws -> [String] {
        let all = try migrations()
        try conn.execute("SELECT pg_advisory_lock(\(Migrator.lockKey))")
        defer { _ = try? conn.execute("SELECT pg_advisory_unlock(\(Migrator.lockKey))") }
        try conn.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                applied_by  text NOT NULL
            )
            """)
        try conn.execute("""
            CREATE TABLE IF NOT EXISTS schema_functions (
                name        text PRIMARY KEY,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                applied_by  text NOT NULL
            )
            """)
        var applied: [Int: (String, String)] = [:]
        for row in try conn.query("SELECT version, name, checksum FROM schema_migrations").rows {
            applied[Int(try row.decode("version", as: Int32.self))] = (try row.decode("name"), try row.decode("checksum"))
        }
        var done: [String] = []
        for m in all {
            let checksum = try Self.checksum(m.sql, on: conn)
            if let (name, recorded) = applied[m.version] {
                guard recorded == checksum else {
                    throw ReclaimError(.ruleViolation, field: "migrations",
                        "\(m.name) was changed after it was applied (as \(name)); add a new migration instead")
                }
                continue
            }
            try conn.withTransaction { conn in
                try conn.simple(m.sql)
                try conn.execute("""
                    INSERT INTO schema_migrations (version, name, checksum, applied_by)
                    VALUES (\(Int32(m.version)), \(m.name), \(checksum), \(actor))
                    """)
            }
            done.append(m.name)
        }
        done += try applyDefinitions(on: conn, by: actor)
        if !done.isEmpty {
            // New tables start without statistics; give the planner some.
            try conn.execute("ANALYZE")
        }
        return done
    }

    /// Re-applies the definition files whose checksum changed, all in one
    /// transaction: either every changed definition is live, or none is.
    private func applyDefinitions(on conn: Connection, by actor: String) throws -> [String] {
        var recorded: [String: String] = [:]
        for row in try conn.query("SELECT name, checksum FROM schema_functions").rows {
            recorded[try row.decode("name")] = try row.decode("checksum")
        }
        var changed: [(Migration, String)] = []
        for d in try definitions() {
            let checksum = try Self.checksum(d.sql, on: conn)
            if recorded[d.name] != checksum { changed.append((d, checksum)) }
        }
        guard !changed.isEmpty else { return [] }
        try conn.withTransaction { conn in
            for (d, checksum) in changed {
                try conn.simple(d.sql)
                try conn.execute("""
                    INSERT INTO schema_functions (name, checksum, applied_by) VALUES (\(d.name), \(checksum), \(actor))
                    ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now(),
                        applied_by = EXCLUDED.applied_by
                    """)
            }
        }
        return changed.map(\.0.name)
    }

    /// Sets the login password of the service's role (reclaim_app, made by
    /// migration 0009). ALTER ROLE takes no parameters: the server quotes the
    /// password itself (`format('%L')`), so no value is spliced by hand.
    public static func setApplicationPassword(_ password: String, on conn: Connection) throws {
        guard let statement: String = try conn.queryFirst(
            "SELECT format('ALTER ROLE reclaim_app PASSWORD %L', \(password)::text) AS s")?.decode("s")
        else { throw ReclaimError(.internal, "no statement") }
        try conn.simple(statement)
    }

    static func checksum(_ sql: String, on conn: Connection) throws -> String {
        try conn.queryFirst("SELECT encode(sha256(convert_to(\(sql), 'UTF8')), 'hex') AS c")?.decode("c") ?? ""
    }
}
