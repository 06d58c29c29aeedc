import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Every enumeration exists twice, as a Swift enum and as a CHECK in the
/// database; these tests hold them to each other so they cannot drift.
@Suite struct EnumConstraintTests {
    /// The quoted values of the CHECK constraint on `table.column`.
    static func allowed(_ table: String, _ column: String, on conn: Connection) throws -> Set<String> {
        let defs = try conn.query("""
            SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            WHERE t.relname = \(table) AND c.contype = 'c'
            """).rows.map { try $0.decode("def", as: String.self) }
        // CHECK ((kind = ANY (ARRAY['deposit'::text, ...]))) — the one on this column
        // the column's own list (CHECK ((c = ANY ...)))) before any rule that merely mentions it
        let def = try #require(defs.first { $0.hasPrefix("CHECK ((\(column) = ANY") }
            ?? defs.first { $0.contains("(\(column) = ANY") || $0.contains("((\(column) = ANY") })
        var values = Set<String>()
        var rest = Substring(def)
        while let open = rest.firstIndex(of: "'") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "'") else { break }
            values.insert(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        return values
    }

    @Test func swiftEnumsMatchTheDatabaseChecks() throws {
        let conn = try TestDatabase.make().connect()
        func same<E: RawRepresentable & CaseIterable>(_ type: E.Type, _ table: String, _ column: String) throws
        where E.RawValue == String {
            #expect(Set(E.allCases.map(\.rawValue)) == (try Self.allowed(table, column, on: conn)), "\(E.self) vs \(table).\(column)")
        }
        try same(EntryKind.self, "ledger_entries", "kind")
        try same(AccountKind.self, "fund_accounts", "kind")
        try same(Role.self, "users", "role")
        try same(MineralClass.self, "mines", "mineral_class")
        try same(MineScale.self, "mines", "scale")
        try same(MiningMethod.self, "mines", "method")
        try same(MineStatus.self, "mines", "status")
        try same(LandType.self, "mines", "land_type")
        try same(ObligationKind.self, "mine_obligations", "kind")
        try same(MethodDetail.self, "mines", "method_detail")
        try same(RuleSet.Table.self, "accrual_coefficients", "table_name")
        try same(LandType.self, "plan_damaged_land", "land_type")
        try same(DocumentSubject.self, "document_attachments", "subject")
        try same(GreenRemovalCause.self, "green_removals", "cause")
        try same(GreenCheckResult.self, "green_checks", "result")
        try same(HazardKind.self, "monitoring_report_hazards", "kind")
        try same(HazardKind.self, "monitoring_events", "kind")
    }

    /// The closure checklist names every condition `closure_unmet` can raise, and no other.
    @Test func theClosureChecklistIsTheDatabasesConditions() throws {
        let sql = try String(contentsOf: TestEnvironment.sqlDirectory.appendingPathComponent("functions/closure.sql"), encoding: .utf8)
        let kinds = Set(sql.matches(of: /kind := '([a-z-]+)'/).map { String($0.output.1) })
        #expect(kinds == Set(ClosureCheck.allCases.map(\.rawValue)))
        #expect(Closures.checked.count == ClosureCheck.allCases.count)
    }

    /// The helper really reads the constraint: a value outside it is absent.
    @Test func theReaderSeesTheValues() throws {
        let conn = try TestDatabase.make().connect()
        let roles = try Self.allowed("users", "role", on: conn)
        #expect(roles.contains("finance") && !roles.contains("root"))
    }
}
