import Foundation
import PQKit
import Synchronization
import TestSupport
import Testing

/// The most connections seen in use at once.
final class Peak: Sendable {
    let value = Mutex(0)
}

@Suite struct PoolTests {
    /// With every connection busy, a checkout waits up to the acquire
    /// timeout, then fails with `.timeout`, leaves the queue, and the pool
    /// serves the next caller once a connection is free again.
    @Test func aCheckoutGivesUpAtTheAcquireTimeout() async throws {
        let db = try TestDatabase.make(migrated: false)
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 1, acquireTimeout: .milliseconds(200)))
        let hold = await ConnectionHold(on: pool)  // the only connection
        let e = await #expect(throws: PQError.self) { try await pool.withConnection { _ in 1 } }
        #expect(e?.kind == .timeout)
        #expect(pool.stats.waiting == 0)
        try await hold.release()
        #expect(try await pool.withConnection { conn in try conn.queryFirst("SELECT 7 AS n")?.decode("n", as: Int32.self) } == 7)
        try await pool.shutdown()
    }

    /// Every checkout tells the wait observer how long it waited (the
    /// service's `reclaim_db_pool_wait_seconds`), whether it waited or not.
    @Test func everyCheckoutReportsItsWait() async throws {
        let db = try TestDatabase.make(migrated: false)
        let waits = Mutex<[Duration]>([])
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 2, waitObserver: { d in waits.withLock { $0.append(d) } }))
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<12 {
                group.addTask { try await pool.withConnection { conn in try conn.queryFirst("SELECT 1 AS n")?.decode("n") ?? 0 } }
            }
            for try await n in group { #expect(n == 1) }
        }
        try await pool.shutdown()
        let seen = waits.withLock { $0 }
        #expect(seen.count == 12 && seen.allSatisfy { $0 >= .zero })
    }

    @Test func fiftyConcurrentTasksShareFiveConnections() async throws {
        let db = try TestDatabase.make(migrated: false)
        let setup = try db.connect()
        try setup.execute("CREATE TABLE hits (task int PRIMARY KEY, pid int NOT NULL)")
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 5))
        let peak = Peak()
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for task in 0..<50 {
                group.addTask {
                    try await pool.withConnection { conn in
                        let s = pool.stats
                        peak.value.withLock { $0 = max($0, s.inUse) }
                        let pid = conn.backendPID
                        try conn.execute("SELECT pg_sleep(0.01)")
                        try conn.execute("INSERT INTO hits VALUES (\(Int32(task)), \(pid))")
                        return pid
                    }
                }
            }
            var pids = Set<Int32>()
            for try await pid in group { pids.insert(pid) }
            #expect(pids.count <= 5)
            #expect(pids.count >= 2)
        }
        #expect(try db.count("SELECT count(*) FROM hits") == 50)
        #expect(try db.count("SELECT count(DISTINCT pid) FROM hits") <= 5)
        #expect(peak.value.withLock { $0 } <= 5)
        let stats = pool.stats
        #expect(stats.inUse == 0)
        #expect(stats.waiting == 0)
        try await pool.shutdown()
    }

    @Test func aFailingBodyReturnsItsConnection() async throws {
        let db = try TestDatabase.make(migrated: false)
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 1))
        for _ in 0..<3 {
            await #expect(throws: PQError.self) {
                try await pool.withConnection { try $0.execute("SELECT * FROM no_such_table") }
            }
        }
        let one = try await pool.withConnection { conn in
            try conn.queryFirst("SELECT 1")?.decode(0, as: Int32.self)
        }
        #expect(one == 1)
        try await pool.shutdown()
    }

    @Test func poolRecoversAfterServerRestart() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.destroy() }
        let pool = ConnectionPool(.init(conninfo: cluster.url, maxConnections: 3))
        let before = try await pool.withConnection { c in c.backendPID }
        #expect(before > 0)

        try cluster.stop()
        let error = await #expect(throws: PQError.self) {
            try await pool.withConnection { c in try c.execute("SELECT 1") }
        }
        #expect(error?.isConnectionFailure == true)

        try cluster.start()
        // No new pool: the broken connections are replaced by themselves.
        for _ in 0..<5 {
            let value = try await pool.withConnection { c in
                try c.queryFirst("SELECT 41 + 1")?.decode(0, as: Int32.self)
            }
            #expect(value == 42)
        }
        try await pool.shutdown()
    }

    /// A caller whose task is cancelled while it waits leaves the queue: the
    /// pool's waiting count goes back to zero and the next caller is served.
    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let db = try TestDatabase.make(migrated: false)
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 1))
        let hold = await ConnectionHold(on: pool)
        let waiter = Task { try await pool.withConnection { _ in 1 } }
        while pool.stats.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        waiter.cancel()
        let outcome = await waiter.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(pool.stats.waiting == 0)
        try await hold.release()
        #expect(try await pool.withConnection { conn in try conn.queryFirst("SELECT 2 AS n")?.decode("n", as: Int32.self) } == 2)
        try await pool.shutdown()
    }

    /// A connection the server killed while it sat idle is replaced on the
    /// pool's thread at its next checkout; the caller never sees it.
    @Test func aConnectionKilledWhileIdleIsReplaced() async throws {
        let db = try TestDatabase.make(migrated: false)
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 1))
        let first = try await pool.withConnection { $0.backendPID }
        let admin = try db.connect()
        defer { admin.close() }
        // pg_terminate_backend only signals; wait until the backend is gone
        // rather than sleeping and hoping, which a busy CI machine outruns.
        try admin.execute("SELECT pg_terminate_backend(\(first))")
        while try admin.queryFirst("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = \(first)")?.decode("n", as: Int64.self) != 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let second = try await pool.withConnection { $0.backendPID }
        #expect(second != first && second != 0)
        #expect(pool.stats.idle == 1 && pool.stats.inUse == 0)
        try await pool.shutdown()
    }
}
