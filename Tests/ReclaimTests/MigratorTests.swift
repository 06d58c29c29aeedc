import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

@Suite struct MigratorTests {
    /// A copy of sql/ that a test may change.
    func scratchCopy() throws -> URL {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("reclaim-sql-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: TestEnvironment.sqlDirectory, to: dir)
        return dir
    }

    @Test func rerunningAppliesNothing() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        let migrator = Migrator(directory: TestEnvironment.sqlDirectory)
        let first = try migrator.migrate(on: conn)
        #expect(first.count == (try migrator.migrations().count))
        #expect(first.first?.hasPrefix("0001_") == true)
        #expect(try migrator.migrate(on: conn).isEmpty)
        #expect(try db.count("SELECT count(*) FROM schema_migrations") == Int64(first.count))
    }

    @Test func aChangedAppliedFileIsRefused() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        let dir = try scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Migrator(directory: dir).migrate(on: conn)
        let file = dir.appendingPathComponent("0001_mines.sql")
        let text = try String(contentsOf: file, encoding: .utf8)
        try (text + "\n-- edited\n").write(to: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: ReclaimError.self) { try Migrator(directory: dir).migrate(on: conn) }
        #expect(error?.description.contains("0001_mines.sql was changed after it was applied") == true)
    }

    @Test func aFailingMigrationLeavesNoTrace() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        let dir = try scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "CREATE TABLE half_done (x int); SELECT no_such_function();"
            .write(to: dir.appendingPathComponent("9999_broken.sql"), atomically: true, encoding: .utf8)
        #expect(throws: PQError.self) { try Migrator(directory: dir).migrate(on: conn) }
        #expect(try db.count("SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'") == 0)
        #expect(try db.count("SELECT count(*) FROM schema_migrations WHERE version = 9999") == 0)
        // the files before it were applied and kept
        #expect(try db.count("SELECT count(*) FROM schema_migrations WHERE version = 1") == 1)
    }

    @Test func concurrentMigratorsApplyEachFileOnce() async throws {
        let db = try TestDatabase.make(migrated: false)
        let dir = TestEnvironment.sqlDirectory
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let conn = try db.connect()
                    return try Migrator(directory: dir).migrate(on: conn)
                }
            }
            var all: [[String]] = []
            for try await r in group { all.append(r) }
            return all
        }
        let total = results.map(\.count).reduce(0, +)
        #expect(total == (try Migrator(directory: dir).migrations().count))
        #expect(try db.count("SELECT count(*) FROM schema_migrations") == Int64(total))
    }
}
