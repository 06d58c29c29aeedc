public import Foundation

/// A primary and an asynchronous streaming read replica of one test's own
/// (scripts/ha.sh --async in a temporary folder).
public final class ReplicatedCluster: @unchecked Sendable {
    public let directory: URL
    public private(set) var ports: (primary: Int, replica: Int) = (0, 0)
    public var primaryURL: String { "postgresql://reclaim@127.0.0.1:\(ports.primary)/reclaim" }
    public var replicaURL: String { "postgresql://reclaim@127.0.0.1:\(ports.replica)/reclaim" }

    public init() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("reclaim-replicated-\(UUID().uuidString.prefix(8))")
        struct Failed: Error {}
        // a random port may be taken by another test's server: try a few
        for attempt in 1...5 {
            let p = Int.random(in: 40_000...59_000)
            ports = (p, p + 1)
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            if try ha("start", "--ports", "\(p),\(p + 1)", "--async", "--opts", "-c fsync=off") == 0 { return }
            _ = try? ha("stop")
            if attempt == 5 { throw Failed() }
        }
    }

    /// Stops both servers and removes their folder.
    public func destroy() {
        _ = try? ha("stop")
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { destroy() }

    private func ha(_ command: String, _ options: String...) throws -> Int32 {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/ha.sh").path
        return try Spawn.run("/bin/bash", [script, command, "--dir", directory.path] + options,
                             environment: ProcessInfo.processInfo.environment)
    }
}
