import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

@Suite struct FundConcurrencyTests {
    @Test func twentyRacingWithdrawalsNeverOverdraw() async throws {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("1000")), by: try Actor("clerk"), on: conn)
        // Twenty connections on their own threads, each withdrawing 150: at most six fit.
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 20))
        let outcomes = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await pool.withConnection { c -> Int64? in
                        do {
                            return try FundLedger.withdraw(
                                "A", Booking(amount: try Money.parse("150"), idempotencyKey: "w-\(i)", annualPlanYear: 2025),
                                by: try Actor("clerk-\(i)"), on: c
                            ).entry.id
                        } catch let e as ReclaimError where e.kind == .ruleViolation {
                            return nil
                        }
                    }
                }
            }
            var ids: [Int64?] = []
            for try await id in group { ids.append(id) }
            return ids
        }
        try await pool.shutdown()
        let accepted = outcomes.compactMap { $0 }
        #expect(accepted.count == 6)
        #expect(Set(accepted).count == accepted.count)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 100_000 - 6 * 15_000)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'withdrawal'") == 6)
        #expect(try db.count("SELECT min(balance_after) FROM ledger_postings p JOIN fund_accounts a ON a.id = p.account_id WHERE a.kind = 'fund'") >= 0)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func opposingTransfersFinishWithoutDeadlock() async throws {
        let (db, conn) = try ledgerDatabase()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("10000")), by: try Actor("clerk"), on: conn)
        _ = try FundLedger.deposit("B", Booking(amount: try Money.parse("10000")), by: try Actor("clerk"), on: conn)
        let aIntoB = try merger("A", into: "B", on: conn)
        let bIntoA = try merger("B", into: "A", on: conn)
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 16))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let (from, to, m) = i % 2 == 0 ? ("A", "B", aIntoB) : ("B", "A", bIntoA)
                    for n in 0..<25 {
                        _ = try await pool.withConnection { c in
                            try FundLedger.transfer(
                                from: from, to: to, merger: m, Booking(amount: try Money.parse("1.\(n % 10)0")),
                                by: try Actor("clerk"), on: c)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await pool.shutdown()
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'transfer'") == 16 * 25)
        let a = try FundLedger.balance("A", on: conn).balance.fen
        let b = try FundLedger.balance("B", on: conn).balance.fen
        #expect(a + b == 2_000_000)
        #expect(a == 1_000_000)  // the same amounts went each way
        #expect(try FundLedger.verify(on: conn).isIntact)
    }

    @Test func concurrentRetriesOfOneKeyBookOnce() async throws {
        let (db, conn) = try ledgerDatabase()
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 10))
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await pool.withConnection { c in
                        try FundLedger.deposit(
                            "A", Booking(amount: try Money.parse("42"), reference: "S", idempotencyKey: "same"),
                            by: try Actor("clerk"), on: c
                        ).entry.id
                    }
                }
            }
            var all = Set<Int64>()
            for try await id in group { all.insert(id) }
            return all
        }
        try await pool.shutdown()
        #expect(ids.count == 1)
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 4_200)
    }

    /// Two clerks import the same bank file at the same moment: every row is
    /// booked once, and neither import fails.
    @Test func twoImportsOfOneFileAtOnceBookItOnce() async throws {
        let (db, conn) = try ledgerDatabase()
        let rows = (1...200).map { "\($0 % 2 == 0 ? "A" : "B"),deposit,1.00,2025-03-01,SLIP-\($0),bank-\($0)," }
        let path = try writeCSV(header + rows.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pool = ConnectionPool(.init(conninfo: db.url, maxConnections: 4))
        let reports = try await withThrowingTaskGroup(of: ImportReport.self) { group in
            for clerk in ["clerk-1", "clerk-2", "clerk-3"] {
                group.addTask {
                    try await pool.withConnection { c in try FundLedger.importCSV(path: path, by: try Actor(clerk), on: c) }
                }
            }
            var all: [ImportReport] = []
            for try await r in group { all.append(r) }
            return all
        }
        try await pool.shutdown()
        #expect(reports.map(\.booked).sorted() == [0, 0, 200])
        #expect(reports.map(\.skipped).sorted() == [0, 200, 200])
        #expect(try db.count("SELECT count(*) FROM ledger_entries") == 200)
        #expect(try FundLedger.balance("A", on: conn).balance.fen == 10_000)
        #expect(try FundLedger.verify(on: conn).isIntact)
    }
}

@Suite struct ReversalRaceTests {
    /// Twenty clerks retrying one reversal with one key at once: one reversal,
    /// and every one of them gets it back — none is told "already reversed"
    /// because the first committed between its checks.
    @Test func concurrentRetriesOfOneReversalAllReplay() async throws {
        for _ in 0..<3 {
            let (db, conn) = try ledgerDatabase()
            let deposit = try FundLedger.deposit("A", Booking(amount: try yuan("100")), by: try Actor("li"), on: conn)
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let c = try db.connect()
                        return try FundLedger.reverse(deposit.entry.id, reason: "duplicate slip", idempotencyKey: "rev-1",
                                                      by: try Actor("li"), on: c).entry.id
                    }
                }
                var all: [Int64] = []
                for try await id in group { all.append(id) }
                return all
            }
            #expect(Set(ids).count == 1)
            #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE kind = 'reversal'") == 1)
        }
    }
}
