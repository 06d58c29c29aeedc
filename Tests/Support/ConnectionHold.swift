public import PQKit
import Synchronization

/// One of a pool's connections, held by a task until the test lets it go.
///
/// Tests that need a full pool must know it is full: sleeping "long enough"
/// for a holder task to check a connection out fails when the machine is busy
/// (CI runs every suite at once on two cores) and the caller under test gets
/// the connection first.
public final class ConnectionHold: Sendable {
    private final class Flag: Sendable { let value = Mutex(false) }
    private let released = Flag()
    private let task: Task<Void, any Error>

    /// Returns once the holder is inside `withConnection`, holding it.
    public init(on pool: ConnectionPool) async {
        let (holding, signal) = AsyncStream<Void>.makeStream()
        let released = released
        task = Task {
            try await pool.withConnection { conn in
                signal.yield()
                while !released.value.withLock({ $0 }) { try conn.execute("SELECT pg_sleep(0.01)") }
            }
        }
        var it = holding.makeAsyncIterator()
        _ = await it.next()
    }

    /// Gives the connection back and waits until the pool has it again.
    public func release() async throws {
        released.value.withLock { $0 = true }
        try await task.value
    }
}
