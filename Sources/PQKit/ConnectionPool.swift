import NIOPosix
import Synchronization

/// A bounded pool of connections for async code.
///
/// Every libpq call — connecting, the health check, the caller's body and
/// `PQfinish` — runs on the pool's own threads (an `NIOThreadPool` with one
/// thread per connection), never on Swift's cooperative pool. A connection
/// is checked out by one caller at a time. A connection that broke, or that
/// the server closed while it sat idle (a restart), is finished and replaced
/// at its next checkout, so the pool recovers by itself once the server is
/// back. A caller waiting for a connection whose task is cancelled leaves
/// the queue at once.
public final class ConnectionPool: Sendable {
    public struct Configuration: Sendable {
        /// libpq conninfo or `postgres://` URL; empty uses the `PG*` variables.
        public var conninfo: String
        public var maxConnections: Int
        public var applicationName: String
        /// How long a checkout waits for a connection to come free before it
        /// fails with `PQError.Kind.timeout`; nil waits as long as it takes.
        public var acquireTimeout: Duration?
        /// Told how long each checkout waited for its connection (for metrics).
        public var waitObserver: (@Sendable (Duration) -> Void)?

        public init(conninfo: String, maxConnections: Int = 10, applicationName: String = "reclaim",
                    acquireTimeout: Duration? = nil, waitObserver: (@Sendable (Duration) -> Void)? = nil) {
            self.waitObserver = waitObserver
            self.conninfo = conninfo
            self.maxConnections = max(1, maxConnections)
            self.applicationName = applicationName
            self.acquireTimeout = acquireTimeout
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
        /// FIFO; each waiter has an id so that a cancelled one can leave.
        var waiters: [(id: Int, continuation: CheckedContinuation<Connection?, Never>)] = []
        var nextWaiterID = 0
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
    /// returns the connection to the pool. An idle connection is checked on
    /// that thread first and replaced if it broke.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        let asked = ContinuousClock.now
        let connection = try await acquire()
        configuration.waitObserver?(ContinuousClock.now - asked)
        let config = configuration
        let outcome: (result: Result<T, any Error>, kept: Connection?)
        do {
            outcome = try await threads.runIfActive { () -> (Result<T, any Error>, Connection?) in
                var conn = connection
                if !conn.isHealthy {
                    conn.close()
                    do {
                        conn = try Connection(config.conninfo, applicationName: config.applicationName)
                    } catch {
                        return (.failure(error), nil)
                    }
                }
                let result = Result { try body(conn) }
                guard conn.isHealthy else {
                    conn.close()
                    return (result, nil)
                }
                return (result, conn)
            }
        } catch {
            // the threads are stopping: the pool is shut down
            connection.close()
            slotFreed()
            throw error
        }
        if let kept = outcome.kept {
            await release(kept)
        } else {
            slotFreed()
        }
        return try outcome.result.get()
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
        for w in waiters { w.continuation.resume(returning: nil) }
        if !idle.isEmpty {
            try? await threads.runIfActive { for c in idle { c.close() } }
        }
        try await threads.shutdownGracefully()
    }

    // MARK: - Checkout

    private enum Next {
        case use(Connection)
        case open
        case wait
        case closed
    }

    /// A connection to use: an idle one (checked on the pool thread by
    /// `withConnection`), a new one, or one handed over by a release.
    private func acquire() async throws -> Connection {
        let deadline = configuration.acquireTimeout.map { ContinuousClock.now + $0 }
        while true {
            try Task.checkCancellation()
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
                return c
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
                if let deadline, ContinuousClock.now >= deadline {
                    throw PQError(kind: .timeout, message: "no database connection came free in time")
                }
                let id = state.withLock { s in
                    defer { s.nextWaiterID += 1 }
                    return s.nextWaiterID
                }
                // at the deadline the waiter leaves the queue, woken with nil like a cancelled one
                let timer = deadline.map { deadline in
                    Task { [self] in
                        try? await Task.sleep(until: deadline, clock: .continuous)
                        let waiter = state.withLock { s -> CheckedContinuation<Connection?, Never>? in
                            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                            return s.waiters.remove(at: i).continuation
                        }
                        waiter?.resume(returning: nil)
                    }
                }
                defer { timer?.cancel() }
                let handed: Connection? = await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let parked: Bool = state.withLock { s in
                            // Re-check under the lock: a slot may have freed meanwhile,
                            // or the task been cancelled before it could park.
                            if s.closed || !s.idle.isEmpty || s.open < configuration.maxConnections
                                || Task.isCancelled {
                                return false
                            }
                            s.waiters.append((id, continuation))
                            return true
                        }
                        if !parked { continuation.resume(returning: nil) }
                    }
                } onCancel: {
                    // Whoever takes the waiter out of the queue resumes it: here, or a release.
                    let waiter = state.withLock { s -> CheckedContinuation<Connection?, Never>? in
                        guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return s.waiters.remove(at: i).continuation
                    }
                    waiter?.resume(returning: nil)
                }
                if let handed {
                    if Task.isCancelled {
                        // handed over just as the task was cancelled: pass it on
                        await release(handed)
                        throw CancellationError()
                    }
                    return handed
                }
            // nil: a slot was freed, or the task was cancelled; loop.
            }
        }
    }

    /// Returns a healthy connection: to the first waiter, else to the idle list.
    private func release(_ connection: Connection) async {
        let waiter: CheckedContinuation<Connection?, Never>? = state.withLock { s in
            if s.closed {
                s.open -= 1
                return nil
            }
            if !s.waiters.isEmpty { return s.waiters.removeFirst().continuation }
            s.idle.append(connection)
            return nil
        }
        if let waiter {
            waiter.resume(returning: connection)
        } else if state.withLock({ $0.closed }) {
            // PQfinish on a pool thread while they run; inline once they have stopped.
            do {
                try await threads.runIfActive { connection.close() }
            } catch {
                connection.close()
            }
        }
    }

    /// Frees the slot of a connection that was finished (or never opened).
    private func slotFreed() {
        let waiter: CheckedContinuation<Connection?, Never>? = state.withLock { s in
            s.open -= 1
            return s.waiters.isEmpty ? nil : s.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: nil)
    }
}
