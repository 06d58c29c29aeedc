import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import Synchronization
import TestSupport
import Testing

/// The fast fault scenario of make test (the slow ones are `make faults`):
/// PostgreSQL stopped and started again while clients book deposits under
/// idempotency keys. Every request is answered (503 problem+json while the
/// database is down, never another 5xx), each client retries an unanswered
/// key until it is acknowledged, and the ledger holds every acknowledged
/// deposit exactly once; the service recovers without a restart.
@Suite struct FaultTests {
    final class Tally: Sendable {
        let counts = Mutex((acknowledged: 0, unavailable: 0, other5xx: 0, retried: 0))
    }
    final class Flag: Sendable {
        let value = Mutex(false)
    }

    @Test func postgresRestartUnderLoadLosesAndDoublesNothing() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.destroy() }
        let setup = try Connection(cluster.url)
        try Migrator(directory: TestEnvironment.sqlDirectory).migrate(on: setup)
        for license in ["A", "B", "C", "D"] { _ = try MineRegistry.add(try sampleMine(license), by: try Actor("setup"), on: setup) }
        _ = try Users.add("li", role: .finance, mines: [], by: try Actor("setup"), on: setup)
        let token = try Users.issueToken(for: "li", expiresInDays: 1, by: try Actor("setup"), on: setup).token
        setup.close()
        let app = cluster.url.replacingOccurrences(of: "reclaim@", with: "reclaim_app@")
        let pool = ConnectionPool(.init(conninfo: app, maxConnections: 4, acquireTimeout: .seconds(2)))
        let tally = Tally()
        // The restart is placed by what the clients have seen, not by the
        // clock: a fixed sleep either lands after an idle machine's clients
        // have finished or before a busy one's have started.
        let restarted = Flag()
        let afterRestart = 5
        try await buildApplication(ServiceConfiguration(conninfo: app), pool: pool).test(.router) { client in
            let clients = (0..<4).map { n in
                Task {
                    var i = 0
                    var bookedSinceRestart = 0
                    while bookedSinceRestart < afterRestart && !Task.isCancelled {
                        let sawRestart = restarted.value.withLock { $0 }
                        var attempts = 0
                        while true {
                            attempts += 1
                            let r = try await client.execute(
                                uri: "/v1/mines/\(["A", "B", "C", "D"][n])/fund/deposits", method: .post,
                                headers: [.authorization: "Bearer \(token)", .contentType: "application/json",
                                          HTTPField.Name("Idempotency-Key")!: "k-\(n)-\(i)"],
                                body: ByteBuffer(string: #"{"amount": "1.00", "reference": "k-\#(n)-\#(i)"}"#))
                            if r.status.code < 300 {
                                tally.counts.withLock { $0.acknowledged += 1 }
                                break
                            }
                            tally.counts.withLock {
                                if r.status == .serviceUnavailable { $0.unavailable += 1 } else { $0.other5xx += 1 }
                            }
                            // anything but "unavailable" is a defect the checks below report: stop this client
                            if r.status != .serviceUnavailable { return }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        if attempts > 1 { tally.counts.withLock { $0.retried += 1 } }
                        if sawRestart { bookedSinceRestart += 1 }
                        i += 1
                    }
                }
            }
            struct NeverHappened: Error, CustomStringConvertible { var description: String }
            // Generous: under make test every suite runs at once, and the
            // clients' tasks may wait long for a thread (a minute was seen).
            func waitFor(_ what: String, _ condition: () -> Bool) async throws {
                let deadline = ContinuousClock.now + .seconds(300)
                while !condition() {
                    guard ContinuousClock.now < deadline else {
                        throw NeverHappened(description: "\(what) never happened (\(tally.counts.withLock { $0 }))")
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            do {
                try await waitFor("eight acknowledged deposits") { tally.counts.withLock { $0.acknowledged } >= 8 }
                try cluster.stop()
                try await waitFor("a 503 while the database was down") { tally.counts.withLock { $0.unavailable } > 0 }
                try cluster.start()
            } catch {
                for c in clients { c.cancel() }  // no client outlives the test
                throw error
            }
            restarted.value.withLock { $0 = true }
            for c in clients { try await c.value }
        }
        try await pool.shutdown()
        let t = tally.counts.withLock { $0 }
        #expect(t.other5xx == 0)
        #expect(t.unavailable > 0 && t.retried > 0)
        #expect(t.acknowledged >= 8 + 4 * afterRestart)
        let check = try Connection(cluster.url)
        defer { check.close() }
        // every acknowledged deposit is in the ledger exactly once
        #expect(try check.queryFirst("SELECT count(*) AS n FROM ledger_entries")?.decode("n", as: Int64.self) == Int64(t.acknowledged))
        #expect(try check.queryFirst("SELECT count(DISTINCT reference) AS n FROM ledger_entries")?.decode("n", as: Int64.self)
                    == Int64(t.acknowledged))
        #expect(try FundLedger.verify(on: check).isIntact)
    }
}
