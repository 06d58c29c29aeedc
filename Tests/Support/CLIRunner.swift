public import Foundation

/// Runs the built `reclaim` executable as a user would, and captures what it printed.
public struct CLIResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum CLI {
    /// The `reclaim` binary next to the test bundle (same build folder).
    public static var executable: URL {
        if let env = ProcessInfo.processInfo.environment["RECLAIM_BIN"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let beside = bundleDir.appendingPathComponent("reclaim")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/reclaim")
    }

    public static func run(
        _ arguments: [String], database: TestDatabase? = nil, environment: [String: String] = [:],
        stdin: String? = nil
    ) throws -> CLIResult {
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = database?.url ?? "postgresql://nobody@127.0.0.1:1/none"
        env["RECLAIM_USER"] = nil  // act as the session user unless a test says otherwise
        // direct mode unless a test says otherwise, and never a developer's own login
        env["RECLAIM_SERVER"] = nil
        env["RECLAIM_TOKEN"] = nil
        env["RECLAIM_CONFIG_DIR"] = NSTemporaryDirectory() + "reclaim-noconfig"
        env["RECLAIM_SQL_DIR"] = TestEnvironment.sqlDirectory.path
        for (k, v) in environment { env[k] = v }
        let base = NSTemporaryDirectory() + "reclaim-cli-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let status = try Spawn.run(
            executable.path, arguments, environment: env, stdin: stdin, stdout: base + ".out", stderr: base + ".err")
        func read(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return CLIResult(status: status, stdout: read(base + ".out"), stderr: read(base + ".err"))
    }
}
