import Foundation
import PQKit
public import Reclaim
#if canImport(Glibc)
import Glibc
#endif

/// The two ways the CLI runs a command the API offers.
public enum CLIMode: String, CaseIterable, Sendable, CustomStringConvertible {
    /// On the database, as its owner acting for the user (`RECLAIM_USER`).
    case direct
    /// Through a running `reclaim serve`, with the user's token.
    case service

    public var description: String { rawValue }
}

/// A migrated database with mines A and B and a user of every role, and the
/// CLI run in one mode over it. In service mode a real `reclaim serve`
/// process (as `reclaim_app`, on a free port) answers, and DATABASE_URL
/// points nowhere: a command that silently fell back to the database fails.
/// Both modes act as the same user, so a suite's assertions hold in both.
public final class CLIHarness: @unchecked Sendable {
    public let mode: CLIMode
    public let db: TestDatabase
    public private(set) var tokens: [String: String] = [:]
    private var server: pid_t?
    private var serverLog: String?
    /// The service's URL, in service mode.
    public private(set) var serverURL: String?

    public static let users: [(String, Role, [String])] = [
        ("boss", .admin, []), ("li", .finance, []), ("opA", .operator, ["A"]), ("rev", .reviewer, []),
        ("aud", .auditor, []),
    ]

    /// `mines`: the licences registered before the users (operators are bound to A).
    public init(_ mode: CLIMode, mines: [String] = ["A", "B"]) throws {
        self.mode = mode
        db = try TestDatabase.make()
        let conn = try db.connect()
        defer { conn.close() }
        let setup = try Actor("setup")
        for license in mines {
            _ = try MineRegistry.add(try sampleMine(license), by: setup, on: conn)
        }
        for (name, role, bound) in Self.users where bound.allSatisfy(mines.contains) {
            _ = try Users.add(name, role: role, mines: bound, by: setup, on: conn)
            tokens[name] = try Users.issueToken(for: name, expiresInDays: 30, by: setup, on: conn).token
        }
        if mode == .service { try startServer() }
    }

    deinit {
        if let server {
            kill(server, SIGTERM)
            _ = try? Spawn.wait(server)
        }
        if let serverLog { try? FileManager.default.removeItem(atPath: serverLog) }
    }

    /// Starts `reclaim serve --port 0` and waits for the port it prints.
    private func startServer() throws {
        let log = NSTemporaryDirectory() + "reclaim-serve-\(UUID().uuidString).log"
        serverLog = log
        var env = ProcessInfo.processInfo.environment
        env["RECLAIM_SQL_DIR"] = TestEnvironment.sqlDirectory.path
        env["RECLAIM_OPENAPI"] = TestEnvironment.repositoryRoot.appendingPathComponent("openapi.yaml").path
        let pid = try Spawn.start(
            CLI.executable.path,
            ["serve", "--database-url", db.appURL, "--port", "0", "--pool-size", "4", "--log-level", "notice"],
            environment: env, stdout: log, stderr: log)
        server = pid
        // "--log-level notice" keeps request lines (info) out of the log, not the listening line.
        for _ in 0..<400 {
            let text = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
            if let range = text.range(of: #"listening on http://[0-9.]+:[0-9]+"#, options: .regularExpression) {
                serverURL = String(text[range].dropFirst("listening on ".count))
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                server = nil
                throw Spawn.Failure(description: "reclaim serve ended before listening: \(text)")
            }
            usleep(25_000)
        }
        throw Spawn.Failure(description: "reclaim serve did not listen within 10 s")
    }

    /// A token for a user a test registered itself.
    public func addToken(_ user: String, _ token: String) { tokens[user] = token }

    /// The environment that makes the CLI act as `user` in this mode.
    public func environment(as user: String?) -> [String: String] {
        switch mode {
        case .direct:
            var env = ["DATABASE_URL": db.url, "RECLAIM_SERVER": ""]
            if let user { env["RECLAIM_USER"] = user }
            return env
        case .service:
            return ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "RECLAIM_SERVER": serverURL ?? "",
                    "RECLAIM_TOKEN": user.flatMap { tokens[$0] } ?? ""]
        }
    }

    /// Runs `reclaim arguments` as `user` (a name of `users`).
    public func run(_ arguments: [String], as user: String?, environment extra: [String: String] = [:],
                    stdin: String? = nil) throws -> CLIResult
    {
        var env = environment(as: user)
        for (k, v) in extra { env[k] = v }
        return try CLI.run(arguments, database: nil, environment: env, stdin: stdin)
    }
}
