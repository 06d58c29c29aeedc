public import Foundation
public import PQKit

/// A mine's production of one year (产量), which the next year's accrual
/// multiplies. One figure per mine and year: a correction supersedes it.
public struct OutputReport: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var year: Int
    public var quantity: Quantity
    /// t, or m3 for mineral water and geothermal (non-solid-energy mines)
    public var unit: String
    /// The report this one corrects.
    @Nullable public var supersedes: Int64?
    public var reportedAt: Date
    public var reportedBy: String

    enum CodingKeys: String, CodingKey {
        case id, license, year, quantity, unit, supersedes
        case reportedAt = "reported_at"
        case reportedBy = "reported_by"
    }
}

public enum OutputReports {
    /// Reports `quantity` for `year`; if the year has a report, this one
    /// supersedes it (both are kept, the new one counts). Two reports at once
    /// for the same year: one supersedes the other, never both the same.
    public static func report(_ license: String, year: Int, quantity: Quantity, by actor: Actor, on conn: Connection)
        throws -> OutputReport
    {
        try Years.check(year)
        // what was seen: output for a year under way was accepted; a year's output is known once it has ended
        guard year < Bureau.today.year else {
            throw ReclaimError(.ruleViolation, field: "year", "\(year) has not ended: output is reported for a finished year")
        }
        let license = try Identifier.license(license)
        return try conn.transactionally { conn in
            guard let mine = try conn.queryFirst("""
                SELECT id, output_unit FROM mines WHERE license = \(license) FOR UPDATE
                """)
            else { throw MineRegistry.notFound(license) }
            let mineID: Int64 = try mine.decode("id")
            // in the licence's unit (the registry's, from the mineral: sql/functions/mines.sql)
            let unit: String = try mine.decode("output_unit")
            let current = try conn.queryFirst("""
                SELECT max(id) AS id FROM output_reports WHERE mine_id = \(mineID) AND year = \(Int64(year))
                """)?.decode("id", as: Int64?.self)
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO output_reports (mine_id, year, quantity, unit, supersedes, reported_by)
                    VALUES (\(mineID), \(Int64(year)), \(quantity.description)::numeric, \(unit), \(current), \(actor.name))
                    RETURNING id, year, quantity::text AS quantity, unit, supersedes, reported_at, reported_by
                    """)
            }) else { throw ReclaimError(.internal, "the report was not stored") }
            let report = try OutputReport(row: row, license: license)
            try AuditLog.record(action: "output.report", target: "mine:\(license)",
                                input: "\(year)\n\(quantity)\n\(unit)", by: actor, on: conn)
            return report
        }
    }

    /// The report that counts for the year (the latest), or nil.
    static func current(mineID: Int64, license: String, year: Int, on conn: Connection) throws -> OutputReport? {
        try conn.queryFirst("""
            SELECT id, year, quantity::text AS quantity, unit, supersedes, reported_at, reported_by
            FROM output_reports WHERE mine_id = \(mineID) AND year = \(Int64(year)) ORDER BY id DESC LIMIT 1
            """).map { try OutputReport(row: $0, license: license) }
    }
}

extension OutputReport {
    init(row: Row, license: String) throws {
        id = try row.decode("id")
        self.license = license
        year = Int(try row.decode("year", as: Int32.self))
        quantity = try Quantity.parse(try row.decode("quantity"))
        unit = try row.decode("unit")
        supersedes = try row.decode("supersedes")
        reportedAt = try row.decode("reported_at")
        reportedBy = try row.decode("reported_by")
    }
}

extension OutputReports {
    /// Every report of the mine, newest first, corrections included.
    public static func history(_ license: String, on conn: Connection) throws -> [OutputReport] {
        let license = try Identifier.license(license)
        return try conn.query("""
            SELECT r.id, r.year, r.quantity::text AS quantity, r.unit, r.supersedes, r.reported_at, r.reported_by
            FROM output_reports r JOIN mines m ON m.id = r.mine_id WHERE m.license = \(license) ORDER BY r.year DESC, r.id DESC
            """).rows.map { try OutputReport(row: $0, license: license) }
    }
}
