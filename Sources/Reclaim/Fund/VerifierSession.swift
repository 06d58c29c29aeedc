import Foundation
public import PQKit

/// The ground `fund verify` stands on when the database owner is the
/// adversary. Before it reads anything it refuses to run if the session's
/// search path (set for the role or the database) lets another schema
/// shadow a table it reads or a built-in it uses; then it pins the path to
/// `pg_catalog, pg_temp`, names every table with its schema, turns row
/// security off (a policy hiding rows becomes an error, not a silence), and
/// reads raw values: the times, days and digests are computed in Swift.
enum VerifierSession {
    /// The schema the migrations create Reclaim's tables in.
    static let schema = "public"

    /// Every table the verifier reads.
    static let tables = [
        "ledger_entries", "ledger_postings", "fund_accounts", "mines", "ledger_account_years", "ledger_checkpoints",
        "ledger_checkpoint_heads", "ledger_checkpoint_audit_heads", "audit_log", "audit_chains", "audit_chain_start",
        "ledger_audit_start",
    ]

    /// Every built-in function its SQL still calls (the rest is computed in Swift).
    static let functions = ["count", "sum", "max", "min", "date_part", "make_date", "substr", "textcat", "int8eq", "texteq"]

    /// Operators its SQL uses, which a schema ahead of pg_catalog could redefine.
    static let operators = ["=", "<>", "<", ">", "<=", ">=", "+", "-", "||"]

    /// Refuses (naming the object) or returns with the session pinned. Run
    /// first in the verifier's transaction.
    static func secure(_ conn: Connection) throws {
        // the path as the role and database set it, read with no operator that a schema could redefine; then pinned
        let path = try conn.query("SELECT pg_catalog.unnest(pg_catalog.current_schemas(false)) AS s").rows
            .map { try $0.decode("s", as: String.self) }
        try conn.execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true)")
        // pg_catalog not named is searched first; named, the schemas before it come first
        let beforeCatalog = Array(path.prefix(while: { $0 != "pg_catalog" }))
        let catalogNamed = path.contains("pg_catalog")
        let beforeTables = Array(path.prefix(while: { $0 != schema }))
        var shadows: [String] = []
        if !beforeTables.isEmpty {
            for r in try conn.query("""
                SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ANY(\(beforeTables)) AND c.relname = ANY(\(tables))
                ORDER BY 1, 2
                """).rows {
                shadows.append("\(try r.decode("nspname", as: String.self)).\(try r.decode("relname", as: String.self)) (a table)")
            }
        }
        if catalogNamed, !beforeCatalog.isEmpty {
            for r in try conn.query("""
                SELECT n.nspname, p.proname AS name, 'a function' AS what FROM pg_catalog.pg_proc p
                JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = ANY(\(beforeCatalog))
                  AND (p.proname = ANY(\(functions)) OR p.proname IN ('floor', 'extract', 'encode', 'decode', 'repeat'))
                UNION ALL
                SELECT n.nspname, o.oprname, 'an operator' FROM pg_catalog.pg_operator o
                JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
                WHERE n.nspname = ANY(\(beforeCatalog)) AND o.oprname = ANY(\(operators))
                ORDER BY 1, 2
                """).rows {
                shadows.append("\(try r.decode("nspname", as: String.self)).\(try r.decode("name", as: String.self)) "
                               + "(\(try r.decode("what", as: String.self)))")
            }
        }
        if let first = shadows.first {
            throw ReclaimError(.ruleViolation, field: "search_path",
                               "fund verify refuses to run: \(first) shadows what it reads, on this role's or database's "
                               + "search path \(path.joined(separator: ", "))"
                               + (shadows.count > 1 ? " (and \(shadows.count - 1) more)" : ""))
        }
        // the tables must be tables: not views, and no row security policy forced on them
        for r in try conn.query("""
            SELECT c.relname, c.relkind::text AS kind, c.relrowsecurity AND c.relforcerowsecurity AS forced
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relname = ANY(\(tables))
            ORDER BY 1
            """).rows {
            let name: String = try r.decode("relname")
            if !["r", "p"].contains(try r.decode("kind", as: String.self)) {
                throw ReclaimError(.ruleViolation, field: "table",
                                   "fund verify refuses to run: \(schema).\(name) is no longer a table")
            }
            if try r.decode("forced", as: Bool.self) {
                throw ReclaimError(.ruleViolation, field: "table",
                                   "fund verify refuses to run: \(schema).\(name) has row security forced on it, which could hide rows")
            }
        }
        try conn.execute("SET LOCAL row_security = off")
        try conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        try conn.execute("SET LOCAL TimeZone = 'UTC'")
    }

    /// Days from 2000-01-01 to a `date` read as text (`YYYY-MM-DD`).
    static func day(_ text: String) throws -> Int64 {
        guard let d = CalendarDate(iso: text) else {
            throw ReclaimError(.internal, "a date the verifier cannot read: \(text)")
        }
        return daysFromCivil(d.year, d.month, d.day) - daysFromCivil(2000, 1, 1)
    }

    /// Microseconds since 1970 of a `timestamptz` read as text in UTC with
    /// ISO DateStyle: `YYYY-MM-DD HH:MM:SS[.ffffff]+00`.
    static func micros(_ text: String) throws -> Int64 {
        let u = Array(text.utf8)
        func digits(_ r: Range<Int>) -> Int64? {
            guard r.upperBound <= u.count else { return nil }
            var n: Int64 = 0
            for i in r {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                n = n * 10 + Int64(u[i] - 48)
            }
            return n
        }
        guard u.count >= 22, let date = CalendarDate(iso: String(decoding: u[0..<10], as: UTF8.self)), u[10] == 0x20,
              let h = digits(11..<13), let m = digits(14..<16), let s = digits(17..<19)
        else { throw ReclaimError(.internal, "a time the verifier cannot read: \(text)") }
        var i = 19
        var fraction: Int64 = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var places = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                fraction = fraction * 10 + Int64(u[i] - 48)
                places += 1
                i += 1
            }
            guard places <= 6 else { throw ReclaimError(.internal, "a time the verifier cannot read: \(text)") }
            for _ in places..<6 { fraction *= 10 }
        }
        guard String(decoding: u[i...], as: UTF8.self) == "+00" else {
            throw ReclaimError(.internal, "a time not in UTC: \(text)")
        }
        let days = daysFromCivil(date.year, date.month, date.day)
        return ((days * 24 + h) * 60 + m) * 60_000_000 + s * 1_000_000 + fraction
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
