public import Foundation
public import PQKit

/// What a mine's monitoring watches (矿山地质环境动态监测的监测对象).
public enum HazardKind: String, Sendable, CaseIterable, Codable {
    /// 地面塌陷
    case subsidence
    /// 地裂缝
    case fissure
    /// 滑坡、崩塌
    case landslide
    /// 泥石流
    case debrisFlow = "debris-flow"
    /// 地下水位变化
    case waterLevel = "water-level"
    /// 水质变化
    case waterQuality = "water-quality"
    /// 土地损毁
    case landDamage = "land-damage"
}

/// A calendar quarter, written `2026Q3`.
public struct MonitoringPeriod: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let quarter: Int

    public init(year: Int, quarter: Int) throws {
        _ = try Years.check(year, field: "period")
        guard (1...4).contains(quarter) else { throw ReclaimError.invalid("period", "the quarter is 1 to 4, as in 2026Q3") }
        (self.year, self.quarter) = (year, quarter)
    }

    public static func parse(_ text: String) throws -> MonitoringPeriod {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let parts = t.split(separator: "Q", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), parts[1].count == 1, let q = Int(parts[1]) else {
            throw ReclaimError.invalid("period", "'\(text)' is not a quarter like 2026Q3")
        }
        return try MonitoringPeriod(year: y, quarter: q)
    }

    /// The quarter that holds `day`.
    public static func of(_ day: CalendarDate) -> MonitoringPeriod {
        (try? MonitoringPeriod(year: day.year, quarter: (day.month - 1) / 3 + 1)) ?? MonitoringPeriod(unchecked: day.year, (day.month - 1) / 3 + 1)
    }

    private init(unchecked year: Int, _ quarter: Int) { (self.year, self.quarter) = (year, quarter) }

    public var start: CalendarDate { CalendarDate(year: year, month: (quarter - 1) * 3 + 1, day: 1) ?? Bureau.today }
    public var end: CalendarDate {
        let next = quarter == 4 ? CalendarDate(year: year + 1, month: 1, day: 1) : CalendarDate(year: year, month: quarter * 3 + 1, day: 1)
        return (next ?? Bureau.today).adding(days: -1)
    }

    public var description: String { "\(year)Q\(quarter)" }
    public static func < (a: MonitoringPeriod, b: MonitoringPeriod) -> Bool { (a.year, a.quarter) < (b.year, b.quarter) }

    public init(from decoder: any Decoder) throws { self = try Self.parse(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A mine's quarterly monitoring report (企业自主监测), the shape of
/// `examples/monitoring-report.json`: each hazard watched with its
/// measurement, unit, threshold and whether it was crossed.
public struct MonitoringReportDocument: Sendable, Equatable, Codable {
    public struct Hazard: Sendable, Equatable, Codable {
        public var kind: HazardKind
        /// The quarter's reading (the largest, for a displacement), exact decimal text.
        public var measurement: String
        public var unit: String
        /// The alarm threshold in the same unit, when the plan sets one.
        public var threshold: String?
        public var crossed: Bool
        public var note: String?

        public enum CodingKeys: String, CodingKey, CaseIterable { case kind, measurement, unit, threshold, crossed, note }
    }

    public var hazards: [Hazard]
    public var summary: String

    public enum CodingKeys: String, CodingKey, CaseIterable { case hazards, summary }

    static func decimal(_ text: String, field: String) throws -> Decimal {
        guard text.range(of: #"^-?[0-9]{1,12}(\.[0-9]{1,6})?$"#, options: .regularExpression) != nil, let d = Decimal(string: text) else {
            throw ReclaimError.invalid(field, "'\(text)' is not a decimal reading like 12.5")
        }
        return d
    }

    /// Reads and checks a report file: each hazard once, readings as exact
    /// decimals, and `crossed` agreeing with the threshold when one is given.
    public static func parse(_ data: Data) throws -> MonitoringReportDocument {
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw ReclaimError.invalid("file", "is not a JSON object")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = top.keys.sorted().first(where: { !known.contains($0) }) {
            throw ReclaimError.invalid(unknown, "is not a field of a monitoring report (fields: \(known.sorted().joined(separator: ", ")))")
        }
        var d: MonitoringReportDocument
        do { d = try ReclaimJSON.decode(MonitoringReportDocument.self, from: data) } catch let e as ReclaimError { throw e } catch {
            throw ReclaimError.invalid("file", "does not have the shape of examples/monitoring-report.json (kinds: \(HazardKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !d.hazards.isEmpty else { throw ReclaimError.invalid("hazards", "lists at least one hazard watched") }
        guard Set(d.hazards.map(\.kind)).count == d.hazards.count else { throw ReclaimError(.ruleViolation, field: "hazards", "lists each hazard once") }
        for (i, h) in d.hazards.enumerated() {
            let reading = try decimal(h.measurement, field: "hazards[\(i)].measurement")
            d.hazards[i].unit = try Text.required(h.unit, field: "hazards[\(i)].unit", maxLength: 20)
            d.hazards[i].note = try Text.optional(h.note, field: "hazards[\(i)].note", maxLength: 2000)
            if let t = h.threshold {
                let threshold = try decimal(t, field: "hazards[\(i)].threshold")
                guard h.crossed == (reading >= threshold) else {
                    throw ReclaimError(.ruleViolation, field: "hazards[\(i)].crossed",
                                       "\(h.kind.rawValue): a reading of \(h.measurement) against a threshold of \(t) is \(reading >= threshold ? "" : "not ")crossed")
                }
            }
        }
        d.summary = try Text.optional(d.summary, field: "summary", maxLength: 8000) ?? { throw ReclaimError.invalid("summary", "must not be empty") }()
        return d
    }
}

public struct MonitoringReport: Sendable, Equatable, Codable {
    public var license: String
    public var period: MonitoringPeriod
    public var version: Int
    public var document: MonitoringReportDocument
    public var submittedBy: String
    public var submittedAt: Date

    enum CodingKeys: String, CodingKey {
        case license, period, version, document
        case submittedBy = "submitted_by"
        case submittedAt = "submitted_at"
    }
}

/// An emergency (应急监测) event at a mine: open until a reviewer closes it with the measures taken.
public struct MonitoringEvent: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var kind: HazardKind
    public var occurredAt: Date
    public var description: String
    public var casualties: Int
    @Nullable public var area: Area?
    public var recordedBy: String
    public var recordedAt: Date
    @Nullable public var measures: String?
    @Nullable public var closedBy: String?
    @Nullable public var closedAt: Date?

    public var open: Bool { closedAt == nil }

    enum CodingKeys: String, CodingKey {
        case id, license, kind
        case occurredAt = "occurred_at"
        case description, casualties
        case area = "area_hm2"
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
        case measures
        case closedBy = "closed_by"
        case closedAt = "closed_at"
    }
}

/// The bureau's periodic monitoring of a mine (定期监测).
public struct MonitoringInspection: Sendable, Equatable, Codable {
    public var id: Int64
    public var license: String
    public var date: CalendarDate
    public var finding: String
    public var inspectedBy: String

    enum CodingKeys: String, CodingKey {
        case id, license, date, finding
        case inspectedBy = "inspected_by"
    }
}

/// A mine that owes the period's report.
public struct MonitoringMissing: Sendable, Equatable, Codable {
    public var license: String
    public var name: String
    public var period: MonitoringPeriod
}

/// Dynamic monitoring: the rules here, each held again by the database (sql/functions/monitoring.sql).
public enum Monitoring {
    /// The quarter before today's (Beijing time): the one whose reports are due.
    public static var lastQuarter: MonitoringPeriod { MonitoringPeriod.of(MonitoringPeriod.of(Bureau.today).start.adding(days: -1)) }

    /// The mine's report of `period` (its operator); sent again, a new version.
    public static func report(_ license: String, period: MonitoringPeriod, _ document: MonitoringReportDocument, at moment: Date? = nil,
                              by actor: Actor, on conn: Connection) throws -> MonitoringReport
    {
        let license = try Identifier.license(license)
        return try conn.transactionally { conn in
            let mine = try MineRegistry.find(license, on: conn)
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO monitoring_reports (mine_id, period, version, summary, submitted_by, submitted_at)
                    SELECT m.id, \(period.description),
                           1 + coalesce((SELECT max(version) FROM monitoring_reports r WHERE r.mine_id = m.id AND r.period = \(period.description)), 0),
                           \(document.summary), \(actor.name), coalesce(\(moment), now())
                    FROM mines m WHERE m.license = \(mine.license)
                    RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the report was not stored") }
            let id: Int64 = try row.decode("id")
            for h in document.hazards {
                _ = try DatabaseRefusal.mapping {
                    try conn.execute("""
                        INSERT INTO monitoring_report_hazards (report_id, kind, measurement, unit, threshold, crossed, note)
                        VALUES (\(id), \(h.kind.rawValue), \(h.measurement)::numeric, \(h.unit), \(h.threshold)::numeric, \(h.crossed), \(h.note))
                        """)
                }
            }
            let input = String(decoding: try ReclaimJSON.encode(document), as: UTF8.self)
            try AuditLog.record(action: "monitoring.report", target: "mine:\(mine.license)", input: "\(period)\n\(input)", by: actor, on: conn)
            return try reports(period: period, only: [mine.license], on: conn).first ?? { throw ReclaimError(.internal, "the report was not stored") }()
        }
    }

    /// The latest report of each mine for `period`.
    public static func reports(period: MonitoringPeriod, only: [String]? = nil, on conn: Connection) throws -> [MonitoringReport] {
        let rows = try conn.query("""
            SELECT DISTINCT ON (m.license) r.id, m.license, r.version, r.summary, r.submitted_by, r.submitted_at
            FROM monitoring_reports r JOIN mines m ON m.id = r.mine_id
            WHERE r.period = \(period.description) AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY m.license, r.version DESC
            """).rows
        return try rows.map { r in
            let id: Int64 = try r.decode("id")
            let hazards = try conn.query("""
                SELECT kind, measurement::text AS measurement, unit, threshold::text AS threshold, crossed, note
                FROM monitoring_report_hazards WHERE report_id = \(id) ORDER BY kind
                """).rows.map { h in
                MonitoringReportDocument.Hazard(kind: try h.decodeEnum("kind"), measurement: try h.decode("measurement"), unit: try h.decode("unit"),
                                                threshold: try h.decode("threshold"), crossed: try h.decode("crossed"), note: try h.decode("note"))
            }
            return MonitoringReport(license: try r.decode("license"), period: period, version: Int(try r.decode("version", as: Int32.self)),
                                    document: MonitoringReportDocument(hazards: hazards, summary: try r.decode("summary")),
                                    submittedBy: try r.decode("submitted_by"), submittedAt: try r.decode("submitted_at"))
        }
    }

    /// The mines that owe `period`'s report: every mine not closed, registered before the period ended, with none yet.
    public static func missing(period: MonitoringPeriod, only: [String]? = nil, on conn: Connection) throws -> [MonitoringMissing] {
        try conn.query("""
            SELECT m.license, m.name FROM mines m
            WHERE m.status NOT IN ('closed', 'cancelled') AND (\(only) IS NULL OR m.license = ANY (\(only)))
              AND NOT EXISTS (SELECT 1 FROM monitoring_reports r WHERE r.mine_id = m.id AND r.period = \(period.description))
            ORDER BY m.license
            """).rows.map { MonitoringMissing(license: try $0.decode("license"), name: try $0.decode("name"), period: period) }
    }

    /// An emergency event, recorded at once (the mine's operator, or a reviewer).
    public static func recordEvent(_ license: String, kind: HazardKind, occurredAt: Date, description: String, casualties: Int,
                                   area: Area?, by actor: Actor, on conn: Connection) throws -> MonitoringEvent
    {
        let license = try Identifier.license(license)
        let description = try Text.optional(description, field: "description", maxLength: 4000)
            ?? { throw ReclaimError.invalid("description", "must not be empty") }()
        guard casualties >= 0 else { throw ReclaimError.invalid("casualties", "must be zero or more") }
        return try conn.transactionally { conn in
            let mine = try MineRegistry.find(license, on: conn)
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO monitoring_events (mine_id, kind, occurred_at, description, casualties, area_m2, recorded_by)
                    SELECT id, \(kind.rawValue), \(occurredAt), \(description), \(Int32(casualties)), \(area?.squareMetres), \(actor.name)
                    FROM mines WHERE license = \(mine.license) RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the event was not stored") }
            let id: Int64 = try row.decode("id")
            try AuditLog.record(action: "monitoring.event", target: "mine:\(mine.license)",
                                input: "\(id)\n\(kind.rawValue)\n\(description)\n\(casualties)", by: actor, on: conn)
            return try event(id, on: conn)
        }
    }

    /// Closes an open event with the measures taken (a reviewer).
    public static func closeEvent(_ id: Int64, measures: String, by actor: Actor, on conn: Connection) throws -> MonitoringEvent {
        let measures = try Text.optional(measures, field: "measures", maxLength: 4000) ?? { throw ReclaimError.invalid("measures", "must not be empty") }()
        return try conn.transactionally { conn in
            _ = try event(id, on: conn)
            let inserted = try DatabaseRefusal.mapping {
                try conn.execute("""
                    INSERT INTO monitoring_event_closures (event_id, measures, closed_by) VALUES (\(id), \(measures), \(actor.name))
                    ON CONFLICT DO NOTHING
                    """)
            }
            guard inserted == 1 else { throw ReclaimError(.conflict, field: "id", "event \(id) is closed already") }
            try AuditLog.record(action: "monitoring.close", target: "monitoring-event:\(id)", input: measures, by: actor, on: conn)
            return try event(id, on: conn)
        }
    }

    static let eventColumns = """
        e.id, m.license, e.kind, e.occurred_at, e.description, e.casualties, e.area_m2, e.recorded_by, e.recorded_at,
        c.measures, c.closed_by, c.closed_at
        """

    static func event(_ row: Row) throws -> MonitoringEvent {
        MonitoringEvent(id: try row.decode("id"), license: try row.decode("license"), kind: try row.decodeEnum("kind"),
                        occurredAt: try row.decode("occurred_at"), description: try row.decode("description"),
                        casualties: Int(try row.decode("casualties", as: Int32.self)),
                        area: try row.decode("area_m2", as: Int64?.self).map { Area(squareMetres: $0) },
                        recordedBy: try row.decode("recorded_by"), recordedAt: try row.decode("recorded_at"),
                        measures: try row.decode("measures"), closedBy: try row.decode("closed_by"), closedAt: try row.decode("closed_at"))
    }

    public static func event(_ id: Int64, on conn: Connection) throws -> MonitoringEvent {
        guard let row = try conn.queryFirst("""
            SELECT \(unescaped: eventColumns) FROM monitoring_events e JOIN mines m ON m.id = e.mine_id
            LEFT JOIN monitoring_event_closures c ON c.event_id = e.id WHERE e.id = \(id)
            """)
        else { throw ReclaimError(.notFound, field: "id", "no monitoring event \(id)") }
        return try event(row)
    }

    /// Events, newest first: open ones only, or those of `period` (by when they happened, Beijing time).
    public static func events(openOnly: Bool = false, period: MonitoringPeriod? = nil, only: [String]? = nil, on conn: Connection) throws
        -> [MonitoringEvent]
    {
        try conn.query("""
            SELECT \(unescaped: eventColumns) FROM monitoring_events e JOIN mines m ON m.id = e.mine_id
            LEFT JOIN monitoring_event_closures c ON c.event_id = e.id
            WHERE (NOT \(openOnly) OR c.event_id IS NULL) AND (\(only) IS NULL OR m.license = ANY (\(only)))
              AND (\(period?.start) IS NULL OR bureau_date(e.occurred_at) BETWEEN \(period?.start) AND \(period?.end))
            ORDER BY e.occurred_at DESC, e.id DESC
            """).rows.map(event)
    }

    /// The bureau's inspection of a mine (a reviewer).
    public static func inspect(_ license: String, date: CalendarDate, finding: String, by actor: Actor, on conn: Connection) throws
        -> MonitoringInspection
    {
        let license = try Identifier.license(license)
        let finding = try Text.optional(finding, field: "finding", maxLength: 4000) ?? { throw ReclaimError.invalid("finding", "must not be empty") }()
        return try conn.transactionally { conn in
            let mine = try MineRegistry.find(license, on: conn)
            guard let row = try DatabaseRefusal.mapping({
                try conn.queryFirst("""
                    INSERT INTO monitoring_inspections (mine_id, inspected_on, finding, inspected_by)
                    SELECT id, \(date), \(finding), \(actor.name) FROM mines WHERE license = \(mine.license) RETURNING id
                    """)
            }) else { throw ReclaimError(.internal, "the inspection was not stored") }
            try AuditLog.record(action: "monitoring.inspect", target: "mine:\(mine.license)", input: "\(date)\n\(finding)", by: actor, on: conn)
            return MonitoringInspection(id: try row.decode("id"), license: mine.license, date: date, finding: finding, inspectedBy: actor.name)
        }
    }

    public static func inspections(period: MonitoringPeriod, only: [String]? = nil, on conn: Connection) throws -> [MonitoringInspection] {
        try conn.query("""
            SELECT i.id, m.license, i.inspected_on, i.finding, i.inspected_by FROM monitoring_inspections i JOIN mines m ON m.id = i.mine_id
            WHERE i.inspected_on BETWEEN \(period.start) AND \(period.end) AND (\(only) IS NULL OR m.license = ANY (\(only)))
            ORDER BY i.inspected_on, i.id
            """).rows.map {
            MonitoringInspection(id: try $0.decode("id"), license: try $0.decode("license"), date: try $0.decode("inspected_on"),
                                 finding: try $0.decode("finding"), inspectedBy: try $0.decode("inspected_by"))
        }
    }
}

/// Who does what in monitoring.
public enum MonitoringPolicy {
    /// A mine's own operator reports (an administrator may enter it for them).
    public static func report(_ license: String) -> Policy {
        Policy("report mine \(license)'s monitoring") { ($0.role == .operator && $0.mines.contains(license)) || $0.role == .admin }
    }
    /// An emergency is recorded by the mine's operator or a reviewer.
    public static func event(_ license: String) -> Policy {
        Policy("record an emergency at mine \(license)") {
            ($0.role == .operator && $0.mines.contains(license)) || $0.role == .reviewer || $0.role == .admin
        }
    }
    /// Reviewers close events and inspect.
    public static let review = Policy.roles("close monitoring events and inspect mines", .reviewer)
}

extension Monitoring {
    public enum Commands {
        public static func report(_ license: String, period: MonitoringPeriod, _ document: MonitoringReportDocument) -> Command<MonitoringReport> {
            Command(MonitoringPolicy.report((try? Identifier.license(license)) ?? license)) { actor, conn in
                try Monitoring.report(license, period: period, document, by: actor, on: conn)
            }
        }

        public static func event(_ license: String, kind: HazardKind, occurredAt: Date, description: String, casualties: Int, area: Area?)
            -> Command<MonitoringEvent> {
            Command(MonitoringPolicy.event((try? Identifier.license(license)) ?? license)) { actor, conn in
                try Monitoring.recordEvent(license, kind: kind, occurredAt: occurredAt, description: description, casualties: casualties,
                                           area: area, by: actor, on: conn)
            }
        }

        public static func closeEvent(_ id: Int64, measures: String) -> Command<MonitoringEvent> {
            Command(MonitoringPolicy.review) { actor, conn in try Monitoring.closeEvent(id, measures: measures, by: actor, on: conn) }
        }

        public static func inspect(_ license: String, date: CalendarDate, finding: String) -> Command<MonitoringInspection> {
            Command(MonitoringPolicy.review) { actor, conn in try Monitoring.inspect(license, date: date, finding: finding, by: actor, on: conn) }
        }
    }
}
