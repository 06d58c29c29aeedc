import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import TestSupport
import Testing

/// Reads off the primary, on a real streaming replica: statements and
/// reports come from the replica, except a caller's read right after their
/// own write, which the primary answers until the replica has it. The
/// replica's replay is paused to make it visibly behind.
@Suite struct ReplicaTests {
    struct Lines: Decodable {
        struct Line: Decodable { var id: Int64 }
        var entries: [Line]
    }

    @Test func readsGoToTheReplicaButYourOwnWriteIsReadFromThePrimary() async throws {
        let cluster = try ReplicatedCluster()
        defer { cluster.destroy() }
        let setup = try Connection(cluster.primaryURL)
        try Migrator(directory: TestEnvironment.sqlDirectory).migrate(on: setup)
        let admin = try Actor("setup")
        _ = try MineRegistry.add(try sampleMine("A"), by: admin, on: setup)
        _ = try Users.add("li", role: .finance, mines: [], by: admin, on: setup)
        _ = try Users.add("zhou", role: .auditor, mines: [], by: admin, on: setup)
        let li = try Users.issueToken(for: "li", expiresInDays: 1, by: admin, on: setup).token
        let zhou = try Users.issueToken(for: "zhou", expiresInDays: 1, by: admin, on: setup).token
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("10")), by: admin, on: setup)
        try Passwords.set("zhou", password: DashboardTests.password, by: admin, on: setup)
        setup.close()
        let app = { (url: String) in url.replacingOccurrences(of: "reclaim@", with: "reclaim_app@") }
        let pool = ConnectionPool(.init(conninfo: app(cluster.primaryURL), maxConnections: 4))
        let replicaPool = ConnectionPool(.init(conninfo: app(cluster.replicaURL), maxConnections: 4))
        // the test is about where reads go, not about time: a loaded machine must not make the replica look stale
        let reads = ReadRouting(primary: pool, replica: replicaPool, maxLag: .seconds(600), stale: .seconds(600))
        @Sendable func caughtUp() async throws {
            for _ in 0..<100 {
                await reads.look()
                if reads.status?.lagBytes == 0 { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("the replica did not catch up")
        }
        try await caughtUp()
        let replay = try Connection(cluster.replicaURL)
        defer { replay.close() }

        // the home page keeps its figures (as at national scale): a visit that shows kept figures reads nothing
        let overviews = OverviewCache(backgroundFrom: 1, refreshAfter: .seconds(3600))
        try await buildApplication(ServiceConfiguration(conninfo: app(cluster.primaryURL)), pool: pool, reads: reads,
                                   overviews: overviews)
            .test(.router) { client in
                func statement(_ token: String) async throws -> [Int64] {
                    let r = try await client.execute(uri: "/v1/mines/A/fund/statement", method: .get,
                                                     headers: [.authorization: "Bearer \(token)"])
                    #expect(r.status == .ok, "\(r.text)")
                    return try JSONDecoder().decode(Lines.self, from: Data(r.text.utf8)).entries.map(\.id)
                }
                #expect(try await statement(zhou) == [1])
                let browser = try await DashboardTests.signIn("zhou", client)
                _ = try replay.query("SELECT pg_wal_replay_pause()")
                let booked = try await client.execute(
                    uri: "/v1/mines/A/fund/deposits", method: .post,
                    headers: [.authorization: "Bearer \(li)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"amount":"5.00"}"#))
                #expect(booked.status == .created, "\(booked.text)")
                await reads.look()
                #expect((reads.status?.lagBytes ?? 0) > 0)
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.text.contains("reclaim_replica_up 1"))
                #expect(!metrics.text.contains("reclaim_replica_lag_bytes 0\n"))
                // the writer sees their deposit (the primary); someone else, not yet (the paused replica)
                #expect(try await statement(li) == [1, 2])
                #expect(try await statement(zhou) == [1])
                // the dashboard's pages too: the mine's page shows the replica's balance
                let page = try await client.execute(uri: "/mines/A", method: .get, headers: browser.header)
                #expect(page.status == .ok && page.text.contains("10.00") && !page.text.contains("15.00"), "\(page.text)")
                let before = try #require(reads.status)
                _ = try replay.query("SELECT pg_wal_replay_resume()")
                try await caughtUp()
                // caught up past the deposit: both read the replica, and both see it
                #expect(try await statement(li) == [1, 2])
                #expect(try await statement(zhou) == [1, 2])
                let after = try #require(reads.status)
                #expect(after.readsOnReplica == before.readsOnReplica + 2)
                #expect(after.readsOnPrimary == before.readsOnPrimary)
                // signing in computed the home page's figures; showing them again reads from neither server
                for _ in 0..<2 {
                    let home = try await client.execute(uri: "/", method: .get, headers: browser.header)
                    #expect(home.status == .ok && home.text.contains(#"id="as-of""#), "\(home.text)")
                }
                let shown = try #require(reads.status)
                #expect(shown.readsOnReplica == after.readsOnReplica && shown.readsOnPrimary == after.readsOnPrimary)
            }
        try await replicaPool.shutdown()
        try await pool.shutdown()
    }

    /// A replica that does not answer takes no reads: the primary does.
    @Test func aReplicaThatIsDownTakesNoReads() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.destroy() }
        let setup = try Connection(cluster.url)
        try Migrator(directory: TestEnvironment.sqlDirectory).migrate(on: setup)
        setup.close()
        let pool = ConnectionPool(.init(conninfo: cluster.url, maxConnections: 2))
        let nowhere = ConnectionPool(.init(conninfo: "postgresql://reclaim@127.0.0.1:1/reclaim?connect_timeout=1",
                                           maxConnections: 1))
        let reads = ReadRouting(primary: pool, replica: nowhere)
        await reads.look()
        #expect(reads.pool(for: nil) === pool)
        #expect(reads.status?.up == false)
        try await nowhere.shutdown()
        try await pool.shutdown()
    }
}
