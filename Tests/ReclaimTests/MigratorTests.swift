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
        let numbered = try migrator.migrations().count
        #expect(first.count == numbered + (try migrator.definitions().count))
        #expect(first.first?.hasPrefix("0001_") == true)
        #expect(first.last?.hasPrefix("functions/") == true)
        #expect(try migrator.migrate(on: conn).isEmpty)
        #expect(try db.count("SELECT count(*) FROM schema_migrations") == Int64(numbered))
        #expect(try db.count("SELECT count(*) FROM schema_functions") == Int64(first.count - numbered))
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
        let migrator = Migrator(directory: dir)
        #expect(total == (try migrator.migrations().count + migrator.definitions().count))
        #expect(try db.count("SELECT count(*) FROM schema_migrations") == Int64(try migrator.migrations().count))
    }

    /// The live definition of fund_post is in one file, with its planner
    /// setting written inside CREATE FUNCTION.
    @Test func everyFunctionHasOneHomeAndKeepsItsPlannerSettings() throws {
        let defs = try Migrator(directory: TestEnvironment.sqlDirectory).definitions()
        let homes = defs.filter { $0.sql.contains("FUNCTION fund_post(") }
        #expect(homes.map(\.name) == ["functions/ledger.sql"])
        let db = try TestDatabase.make()
        for name in ["fund_post", "ledger_book", "ledger_entry_rows", "review_apply"] {
            #expect(try db.count("SELECT count(*) FROM pg_proc WHERE proname = \(name) AND 'enable_seqscan=off' = ANY(proconfig)") == 1, "\(name)")
        }
        #expect(try db.count("SELECT count(*) FROM pg_proc WHERE proname = 'ledger_import' AND 'work_mem=512MB' = ANY(proconfig)") == 1)
    }

    /// A changed definition file is applied again, and nothing else is; a
    /// broken one leaves every definition as it was.
    @Test func aChangedDefinitionIsReappliedAndABrokenOneChangesNothing() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        let dir = try scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Migrator(directory: dir).migrate(on: conn)
        let common = dir.appendingPathComponent("functions/common.sql")
        let original = try String(contentsOf: common, encoding: .utf8)
        try (original + "\nCREATE OR REPLACE FUNCTION reclaim_probe() RETURNS int LANGUAGE sql AS $$ SELECT 7 $$;\n")
            .write(to: common, atomically: true, encoding: .utf8)
        #expect(try Migrator(directory: dir).migrate(on: conn) == ["functions/common.sql"])
        #expect(try db.count("SELECT reclaim_probe()") == 7)

        try (original + "\nCREATE OR REPLACE FUNCTION reclaim_probe() RETURNS int LANGUAGE sql AS $$ SELECT 8 $$;\n")
            .write(to: common, atomically: true, encoding: .utf8)
        try "SELECT no_such_function();".write(to: dir.appendingPathComponent("functions/zzz.sql"), atomically: true,
                                               encoding: .utf8)
        #expect(throws: PQError.self) { try Migrator(directory: dir).migrate(on: conn) }
        #expect(try db.count("SELECT reclaim_probe()") == 7)
        #expect(try db.count("SELECT count(*) FROM schema_functions WHERE name = 'functions/zzz.sql'") == 0)
    }

    /// An installation from before the audit trail was chained: its old rows
    /// are kept as they were, the chains start after them, verify passes.
    @Test func anOlderTrailUpgradesToChains() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        let old = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("reclaim-sql-old-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: old) }
        for m in try Migrator(directory: TestEnvironment.sqlDirectory).migrations() where m.version <= 7 {
            try m.sql.write(to: old.appendingPathComponent(m.name), atomically: true, encoding: .utf8)
        }
        try Migrator(directory: old).migrate(on: conn)
        try conn.execute("SELECT audit_record('admin', NULL, 'mine.add', 'mine:A', NULL, 'legacy')")
        try conn.execute("SELECT audit_record('admin', NULL, 'mine.add', 'mine:A', NULL, 'legacy 2')")
        // a mine and a booking under the old definitions: version-1 hashes, an unchained audit row
        try conn.execute("""
            INSERT INTO mines (license, name, holder, mineral, mineral_class, scale, method, status, area_m2, land_type,
                               created_by, updated_by)
            VALUES ('A', 'a', 'h', 'coal', 'solid-energy', 'large', 'open-pit', 'producing', 1, 'other', 'x', 'x')
            """)
        try conn.query("""
            SELECT * FROM fund_post('deposit', 'A', NULL, 100, DATE '2025-01-02', NULL, NULL, NULL, 'old-1', 'admin',
                                    NULL, NULL, 'x')
            """)
        try Migrator(directory: TestEnvironment.sqlDirectory).migrate(on: conn)
        try conn.execute("SELECT audit_record('admin', NULL, 'mine.update', 'mine:A', NULL, 'chained')")
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("2")), by: try Actor("admin"), on: conn)
        let report = try FundLedger.verify(on: conn)
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.auditRows == 2)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE hash IS NULL") == 3)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE hash_version = 1") == 1)
        #expect(try db.count("SELECT count(*) FROM ledger_entries WHERE hash_version = 3") == 1)
        #expect(try db.count("SELECT seq FROM audit_log WHERE input_digest = sha256('chained')") == 1)
    }
}
