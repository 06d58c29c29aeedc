import NIOPosix
import Synchronization

/// A bounded pool of connections for async code.
///
/// Blocking libpq calls run on the pool's own threads (an `NIOThreadPool`
/// with one thread per connection), never on Swift's cooperative pool. A
/// connection is checked out by one caller at a time. A connection that
/// broke, or that the server closed while it sat idle (a restart), is
/// finished and replaced on the next checkout, so the pool recovers by
/// itself once the server is back.
public final class ConnectionPool: Sendable {
    public struct Configuration: Sendable {
        /// libpq conninfo or `postgres://` URL; empty uses the `PG*` variables.
        public var conninfo: String
        public var maxConnections: Int
        public var applicationName: String

        public init(conninfo: String, maxConnections: Int = 10, applicationName: String = "reclaim") {
            self.conninfo = conninfo
            self.maxConnections = max(1, maxConnections)
            self.applicationName = applicationName
        }
    }

    /// A snapshot for metrics.
    public struct Stats: Sendable, Equatable {
        public var inUse: Int
        public var idle: Int
        public var waiting: Int
    }

    private struct State {
        var idle: [Connection] = []
        /// Open connections, idle or checked out, plus ones being opened.
        var open = 0
        var waiters: [CheckedContinuation<Connection?, Never>] = []
        var closed = false
    }

    public let configuration: Configuration
    private let threads: NIOThreadPool
    private let state = Mutex(State())

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        threads = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        threads.start()
    }

    public var stats: Stats {
        state.withLock { s in
            Stats(inUse: s.open - s.idle.count, idle: s.idle.count, waiting: s.waiters.count)
        }
    }

    /// Checks out a connection, runs `body` with it on a pool thread, and
    /// returns the connection to the pool.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await threads.runIfActive { try body(connection) }
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// `withConnection` plus `Connection.withTransaction`.
    public func withTransaction<T: Sendable>(
        _ isolation: Connection.IsolationLevel = .readCommitted,
        _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await withConnection { conn in try conn.withTransaction(isolation) { try body($0) } }
    }

    /// Closes idle connections and stops the threads. Connections still
    /// checked out are closed when they come back.
    public func shutdown() async throws {
        let (idle, waiters) = state.withLock { s in
            s.closed = true
            defer {
                s.idle = []
                s.waiters = []
            }
            s.open -= s.idle.count
            return (s.idle, s.waiters)
        }
        for w in waiters { w.resume(returning: nil) }
        for c in idle { c.close() }
        try await threads.shutdownGracefully()
    }

    // MARK: - Checkout

    private enum Next {
        case use(Connection)
        case open
        case wait
        case closed
    }

    private func acquire() async throws -> Connection {
        while true {
            let next: Next = state.withLock { s in
                if s.closed { return .closed }
                if let c = s.idle.popLast() { return .use(c) }
                if s.open < configuration.maxConnections {
                    s.open += 1
                    return .open
                }
                return .wait
            }
            switch next {
            case .closed:
                throw PQError(kind: .client, message: "the connection pool is shut down")
            case .use(let c):
                if c.isHealthy { return c }
                discard(c)
            case .open:
                do {
                    let config = configuration
                    return try await threads.runIfActive {
                        try Connection(config.conninfo, applicationName: config.applicationName)
                    }
                } catch {
                    slotFreed()
                    throw error
                }
            case .wait:
                let handed: Connection? = await withCheckedContinuation { continuation in
                    let parked: Bool = state.withLock { s in
                        // Re-check under the lock: a slot may have freed meanwhile.
                        if s.closed || !s.idle.isEmpty || s.open < configuration.maxConnections {
                            return false
                        }
                        s.waiters.append(continuation)
                        return true
                    }
                    if !parked { continuation.resume(returning: nil) }
                }
                if let handed { return handed }
            // nil: a slot was freed; loop and take it.
            }
        }
    }

    private func release(_ connection: Connection) {
        guard connection.isHealthy else {
            discard(connection)
            return
        }
        let waiter: CheckedContinuation<Connection?, Never>? = state.withLock { s in
            if s.closed {
                s.open -= 1
                return nil
            }
            if !s.waiters.isEmpty { return s.waiters.removeFirst() }
            s.idle.append(connection)
            return nil
        }
        if let waiter {
            waiter.resume(returning: connection)
        } else if state.withLock({ $0.closed }) {
            connection.close()
        }
    }

    /// Finishes a broken connection and frees its slot.
    private func discard(_ connection: Connection) {
        connection.close()
        slotFreed()
    }

    private func slotFreed() {
        let waiter: CheckedContinuation<Connection?, Never>? = state.withLock { s in
            s.open -= 1
            return s.waiters.isEmpty ? nil : s.waiters.removeFirst()
        }
        waiter?.resume(returning: nil)
    }
}
