import Foundation
public import PQKit

/// What an import did, or would do on a dry run.
public struct ImportReport: Sendable, Codable {
    public struct Problem: Sendable, Equatable, Codable {
        public var line: Int
        public var reason: String
    }

    public var rows: Int
    /// Entries booked (on a dry run: that would be booked).
    public var booked: Int
    /// Rows whose idempotency key was already booked with the same content.
    public var skipped: Int
    public var dryRun: Bool
    public var problems: [Problem]

    enum CodingKeys: String, CodingKey {
        case rows, booked, skipped, problems
        case dryRun = "dry_run"
    }
}

/// An import refused as a whole; nothing was booked.
public struct ImportRejected: Error, Sendable {
    public var report: ImportReport

    public init(report: ImportReport) { self.report = report }
}

extension FundLedger {
    /// The columns an import file's header must name.
    enum ImportColumn: String, CaseIterable {
        case license, kind, amount, valueDate = "value_date", reference, idempotencyKey = "idempotency_key", memo
    }
    public static let importColumns = ImportColumn.allCases.map(\.rawValue)
    /// Optional: the annual plan a withdrawal row pays for (required on withdrawal rows).
    static let annualPlanColumn = "annual_plan_year"

    /// Books a CSV file of deposits and withdrawals (bank records) as one
    /// transaction. The header names the columns `license, kind, amount,
    /// value_date, reference, idempotency_key, memo` (any order). Rows stream
    /// through COPY into a temporary table and are booked set-based by the
    /// database function `ledger_import`. If any row is bad, nothing is
    /// booked and every bad row is reported (`ImportRejected`). Rows whose
    /// key is already booked with the same content are skipped, so a file
    /// imported twice books nothing the second time. Every row needs an
    /// idempotency key for that reason.
    /// `name`: the file's name as the user knows it, for the audit record (default: the path's last part).
    public static func importCSV(path: String, name: String? = nil, dryRun: Bool = false, by actor: Actor, on conn: Connection) throws
        -> ImportReport
    {
        let reader = try CSVReader(path: path)
        guard let header = try reader.next() else {
            throw ReclaimError.invalid("file", "is empty; expected a header row \(importColumns.joined(separator: ","))")
        }
        var index: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() {
            let column = name.trimmingCharacters(in: .whitespaces).lowercased()
            if let earlier = index[column] {
                throw ReclaimError.invalid(
                    "header", "line \(header.line) names the column \(column) twice (fields \(earlier + 1) and \(i + 1))")
            }
            index[column] = i
        }
        let missing = importColumns.filter { index[$0] == nil }
        guard missing.isEmpty, header.problem == nil else {
            throw ReclaimError.invalid(
                "header", "line \(header.line) must name the columns \(importColumns.joined(separator: ",")); missing \(missing.joined(separator: ","))")
        }
        let today = Bureau.today
        // Each column's position, looked up once rather than per row (all present: checked above).
        var at: [ImportColumn: Int] = [:]
        for column in ImportColumn.allCases { at[column] = index[column.rawValue] ?? 0 }
        let planAt = index[annualPlanColumn]

        return try conn.transactionally { conn in
            try conn.execute("""
                CREATE TEMP TABLE fund_import (
                    line bigint NOT NULL, license text NOT NULL, kind text NOT NULL, amount bigint NOT NULL,
                    value_date date NOT NULL, reference text, idempotency_key text NOT NULL, memo text,
                    annual_plan_year integer
                ) ON COMMIT DROP
                """)
            // ledger_import runs as its owner: when that is not this session (the service's role), the
            // owner is let read this session's rows
            if let grant = try conn.queryFirst("""
                SELECT format('GRANT SELECT ON pg_temp.fund_import TO %I', pg_get_userbyid(p.proowner)) AS g
                FROM pg_proc p
                WHERE p.proname = 'ledger_import' AND p.pronamespace = 'public'::regnamespace
                  AND p.proowner <> (SELECT r.oid FROM pg_roles r WHERE r.rolname = session_user)
                """)?.decode("g", as: String.self) {
                try conn.execute(Query(grant))
            }
            var problems: [ImportReport.Problem] = []
            var rows = 0
            try conn.copyIn(
                "COPY fund_import (line, license, kind, amount, value_date, reference, idempotency_key, memo, annual_plan_year) FROM STDIN"
            ) { writer in
                while let record = try reader.next() {
                    rows += 1
                    do {
                        if let problem = record.problem { throw ReclaimError.invalid("csv", problem) }
                        guard record.fields.count == header.fields.count else {
                            throw ReclaimError.invalid(
                                "csv", "expected \(header.fields.count) fields, found \(record.fields.count)")
                        }
                        func field(_ column: ImportColumn) -> String { record.fields[at[column] ?? 0] }
                        let license = try Identifier.license(field(.license))
                        let kind = Text.trimmed(field(.kind))
                        guard kind == EntryKind.deposit.rawValue || kind == EntryKind.withdrawal.rawValue else {
                            throw ReclaimError.invalid("kind", "'\(kind)' is not deposit or withdrawal")
                        }
                        let amount = try Money.parse(field(.amount))
                        let date = try parseDate(field(.valueDate), field: "value_date")
                        guard date <= today else { throw ReclaimError.invalid("value_date", "\(date) is in the future") }
                        if let earliest = earliestValueDate, date < earliest {
                            throw ReclaimError.invalid("value_date", "\(date) is before \(earliest)")
                        }
                        let reference = try Text.optional(field(.reference), field: "reference", maxLength: 100)
                        guard let key = try Text.optional(field(.idempotencyKey), field: "idempotency_key",
                                                          maxLength: 200)
                        else {
                            throw ReclaimError.invalid("idempotency_key", "is required, so that a re-import books nothing")
                        }
                        let memo = try Text.optional(field(.memo), field: "memo", maxLength: 500)
                        let planText = planAt.map { Text.trimmed(record.fields[$0]) } ?? ""
                        var planYear: String?
                        if kind == EntryKind.withdrawal.rawValue {
                            guard !planText.isEmpty else {
                                throw ReclaimError.invalid(annualPlanColumn, "a withdrawal names the annual plan it pays for")
                            }
                            planYear = String(try Years.parse(planText, field: annualPlanColumn))
                        } else if !planText.isEmpty {
                            throw ReclaimError.invalid(annualPlanColumn, "only a withdrawal row names an annual plan")
                        }
                        try writer.writeRow([String(record.line), license, kind, String(amount.fen), date.description,
                                             reference, key, memo, planYear])
                    } catch let error as ReclaimError {
                        problems.append(.init(line: record.line, reason: error.description))
                    }
                }
            }
            let refused = !problems.isEmpty
            try conn.execute("ANALYZE fund_import")
            let decided = try DatabaseRefusal.mapping {
                try conn.query("SELECT line, problem FROM ledger_import(\(actor.name), \(dryRun || refused))").rows
            }
            for r in decided {
                problems.append(.init(line: Int(try r.decode("line", as: Int64.self)), reason: try r.decode("problem")))
            }
            problems.sort { $0.line < $1.line }
            guard let counts = try conn.queryFirst("""
                SELECT count(*) FILTER (WHERE problem IS NULL AND NOT skip) AS booked,
                       count(*) FILTER (WHERE problem IS NULL AND skip) AS skipped
                FROM fund_import_result
                """)
            else { throw ReclaimError(.internal, "import returned nothing") }
            let report = ImportReport(
                rows: rows, booked: problems.isEmpty ? Int(try counts.decode("booked", as: Int64.self)) : 0,
                skipped: Int(try counts.decode("skipped", as: Int64.self)), dryRun: dryRun, problems: problems)
            guard problems.isEmpty else { throw ImportRejected(report: report) }
            if !dryRun && report.booked >= 10_000 {
                // A large import changes the tables' shape; fresh statistics keep later plans right.
                try conn.execute("ANALYZE ledger_entries, ledger_postings, fund_accounts")
            }
            if !dryRun && report.booked > 0 {
                // One audit record per mine booked, so each mine's trail shows its imported entries; it
                // names the mine's last entry of the import and how many (what `fund verify` holds it to).
                let file = name ?? path.split(separator: "/").last.map(String.init) ?? path
                try conn.execute("""
                    SELECT audit_record(\(actor.name), \(actor.role), 'fund.import', 'mine:' || r.license,
                                        \(actor.requestID), \(file) || E'\\n' || r.license || ' booked=' || r.n, r.last,
                                        r.n::integer)
                    FROM (SELECT license, count(*) AS n, max(entry_id) AS last FROM fund_import_booked
                          GROUP BY license ORDER BY license) r
                    """)
            }
            return report
        }
    }
}
