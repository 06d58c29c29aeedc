public import Foundation

/// A PostgreSQL cluster of one test's own (scripts/pg.sh in a temporary
/// folder), for tests that stop and restart the server.
public final class PrivateCluster: @unchecked Sendable {
    public let directory: URL
    public private(set) var port: Int
    public var url: String { "postgresql://reclaim@127.0.0.1:\(port)/reclaim" }

    public init() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("reclaim-private-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // a random port may be taken by another test's server: try a few
        port = Int.random(in: 40_000...60_000)
        for attempt in 1...5 {
            do {
                try control("start")
                return
            } catch where attempt < 5 {
                port = Int.random(in: 40_000...60_000)
            }
        }
    }

    public func start() throws { try control("start") }
    public func stop() throws { try control("stop") }

    /// Stops the server and removes its folder.
    public func destroy() {
        try? control("stop")
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { destroy() }

    private func control(_ command: String) throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/pg.sh").path
        let status = try Spawn.run(
            "/bin/bash", [script, command, "--dir", directory.path, "--port", String(port), "--throwaway"],
            environment: ProcessInfo.processInfo.environment)
        struct Failed: Error { var command: String }
        guard status == 0 else { throw Failed(command: command) }
    }
}
