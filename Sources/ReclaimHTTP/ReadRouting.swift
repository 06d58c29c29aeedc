import Foundation
import Hummingbird
import Logging
import PQKit
import Reclaim
import Synchronization

/// Where read-only work runs: reports, statements, balances as of a date and
/// the dashboard's pages go to a streaming replica (`DATABASE_READ_URL`)
/// when one is configured; everything else, and every write, to the primary.
///
/// A read goes to the replica only when the replica is known to hold all
/// the caller has written. A monitor compares, several times a second, how
/// far the primary has flushed its WAL with how far the replica has
/// replayed it: when the replica has replayed up to where the primary's
/// flush stood at time t, every commit acknowledged before t is on it
/// ("caught up at t"). That holds with `synchronous_commit` on (Reclaim's
/// setting: a commit is acknowledged once flushed). The insert position
/// would not do: an idle primary keeps a record inserted but unflushed,
/// which no replica receives, and the replica would never seem caught up.
///
/// A caller whose last write in this process came after the replica last
/// caught up reads from the primary, so a statement right after a booking
/// shows the booking. A replica that does not answer, or has not caught up for
/// `maxLag`, takes no reads at all. (The memory of who wrote when is this
/// process's: behind a load balancer, give a user's requests one service
/// instance, or accept up to the replica's lag across instances.)
public final class ReadRouting: Sendable {
    public let primary: ConnectionPool
    public let replica: ConnectionPool?

    /// Beyond this lag nobody reads from the replica (default 10 s).
    public let maxLag: Duration
    /// A replica whose last look failed, or is older than this, is down (default 2 s).
    public let stale: Duration
    /// How often the monitor looks.
    public static let interval: Duration = .milliseconds(200)

    public struct Status: Sendable {
        public var up: Bool
        /// Bytes of WAL the replica has still to replay, at the last look.
        public var lagBytes: Int64?
        /// Seconds since the replica last held everything the primary had.
        public var lagSeconds: Double?
        public var readsOnReplica: Int
        public var readsOnPrimary: Int
    }

    private struct State {
        var lastWrite: [String: ContinuousClock.Instant] = [:]
        var caughtUpAt: ContinuousClock.Instant?
        var lastLook: ContinuousClock.Instant?
        var lagBytes: Int64?
        var readsOnReplica = 0
        var readsOnPrimary = 0
    }

    private let state = Mutex(State())

    public init(primary: ConnectionPool, replica: ConnectionPool? = nil, maxLag: Duration = .seconds(10),
                stale: Duration = .seconds(2)) {
        self.primary = primary
        self.replica = replica
        self.maxLag = maxLag
        self.stale = stale
    }

    /// The pool for read-only work on behalf of `user` (nil: nobody's own
    /// writes to see).
    public func pool(for user: String?) -> ConnectionPool {
        guard let replica else { return primary }
        let now = ContinuousClock.now
        return state.withLock { s in
            guard let look = s.lastLook, now - look < stale, let caughtUp = s.caughtUpAt,
                  now - caughtUp < maxLag
            else {
                s.readsOnPrimary += 1
                return primary
            }
            if let user, let wrote = s.lastWrite[user], wrote >= caughtUp {
                s.readsOnPrimary += 1
                return primary
            }
            s.readsOnReplica += 1
            return replica
        }
    }

    /// Called after a request of `user` that may have written: until the
    /// replica catches up past this moment, the user's reads stay on the primary.
    public func wrote(_ user: String) {
        guard replica != nil else { return }
        let now = ContinuousClock.now
        state.withLock { $0.lastWrite[user] = now }
    }

    public var status: Status? {
        guard replica != nil else { return nil }
        let now = ContinuousClock.now
        return state.withLock { s in
            let up = s.lastLook.map { now - $0 < stale } ?? false
            return Status(up: up, lagBytes: s.lagBytes, lagSeconds: s.caughtUpAt.map { Self.seconds(now - $0) },
                          readsOnReplica: s.readsOnReplica, readsOnPrimary: s.readsOnPrimary)
        }
    }

    /// One look: where the primary stands, then whether the replica has
    /// replayed that far. A read server that is not in recovery (a replica
    /// promoted after a failover) holds what it has: it counts as caught up.
    public func look() async {
        guard let replica else { return }
        let started = ContinuousClock.now
        do {
            let primaryAt = try await primary.withConnection { conn -> Int64 in
                guard let row = try conn.queryFirst(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint AS at")
                else { throw PQError(kind: .client, message: "no WAL position") }
                return try row.decode("at")
            }
            let replayed = try await replica.withConnection { conn -> Int64? in
                guard let row = try conn.queryFirst("""
                    SELECT pg_is_in_recovery() AS recovering,
                           pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint AS at
                    """)
                else { return nil }
                return try row.decode("recovering", as: Bool.self) ? try row.decode("at", as: Int64?.self) : .max
            }
            let now = ContinuousClock.now
            state.withLock { s in
                s.lastLook = now
                guard let replayed else {
                    s.lagBytes = nil
                    return
                }
                s.lagBytes = max(0, primaryAt - min(replayed, primaryAt))
                if replayed >= primaryAt {
                    s.caughtUpAt = started
                    // writes before it are on the replica now: forget them
                    s.lastWrite = s.lastWrite.filter { $0.value >= started }
                }
            }
        } catch {
            // down or unreachable: `pool(for:)` stops sending reads once the last look is stale
        }
    }

    /// Looks every `interval` until the task is cancelled.
    public func monitor() async {
        guard replica != nil else { return }
        while !Task.isCancelled {
            await look()
            try? await Task.sleep(for: Self.interval)
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Remembers, after any API request that is not a plain read, that its
/// user may have written: their next reads go to the primary until the
/// replica has caught up (read your own writes).
struct ReadYourWritesMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let reads: ReadRouting

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        guard request.method != .get, request.method != .head, let user = context.principal?.name else {
            return try await next(request, context)
        }
        defer { reads.wrote(user) }
        return try await next(request, context)
    }
}
