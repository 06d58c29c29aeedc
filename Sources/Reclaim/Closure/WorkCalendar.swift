import Foundation
public import PQKit

/// A day the bureau's calendar lists: a holiday (a weekday off) or a
/// working day (a Saturday or Sunday worked, 调休).
public struct CalendarDay: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, CaseIterable, Codable { case holiday, workday }
    public var day: CalendarDate
    public var kind: Kind
    public var name: String?

    public init(day: CalendarDate, kind: Kind, name: String?) {
        self.day = day
        self.kind = kind
        self.name = name
    }
}

/// The working-day calendar closure acceptance's 60-day clock runs on:
/// weekends are days off unless listed as working days; listed holidays
/// are days off.
public enum WorkCalendar {
    public static func add(_ day: CalendarDate, _ kind: CalendarDay.Kind, name: String?, by actor: Actor,
                           on conn: Connection) throws -> CalendarDay
    {
        let name = try Text.optional(name, field: "name", maxLength: 100)
        return try conn.transactionally { conn in
            let inserted = try conn.execute("""
                INSERT INTO work_calendar (day, kind, name, created_by) VALUES (\(day), \(kind.rawValue), \(name), \(actor.name))
                ON CONFLICT (day) DO NOTHING
                """)
            guard inserted == 1 else {
                throw ReclaimError(.conflict, field: "date", "\(day) is listed in the calendar already")
            }
            try AuditLog.record(action: "calendar.\(kind.rawValue)", target: "calendar:\(day)", input: name ?? "",
                                by: actor, on: conn)
            return CalendarDay(day: day, kind: kind, name: name)
        }
    }

    /// Loads published schedules (`calendar load FILE`: CSV `day,kind,name`,
    /// as `examples/calendar-2026.csv`), all or nothing: each year in the file
    /// is marked as loaded from `source`. A day listed already keeps its row
    /// when it agrees; one listed otherwise is refused, named.
    public static func load(_ days: [CalendarDay], source: String, by actor: Actor, on conn: Connection) throws -> [Int] {
        let source = try Text.required(source, field: "source", maxLength: 200)
        guard !days.isEmpty else { throw ReclaimError.invalid("file", "lists no day") }
        guard Set(days.map(\.day)).count == days.count else {
            throw ReclaimError(.ruleViolation, field: "day", "a schedule lists each day once")
        }
        let years = Set(days.map(\.day.year)).sorted()
        try years.forEach { try Years.check($0, field: "day") }
        return try conn.transactionally { conn in
            for d in days {
                let name = try Text.optional(d.name, field: "name", maxLength: 100)
                let inserted = try conn.execute("""
                    INSERT INTO work_calendar (day, kind, name, created_by) VALUES (\(d.day), \(d.kind.rawValue), \(name), \(actor.name))
                    ON CONFLICT (day) DO NOTHING
                    """)
                if inserted == 0, let kind = try conn.queryFirst("SELECT kind FROM work_calendar WHERE day = \(d.day)")?
                    .decode("kind", as: String.self), kind != d.kind.rawValue {
                    throw ReclaimError(.conflict, field: "day", "\(d.day) is listed as a \(kind) already, not a \(d.kind.rawValue)")
                }
            }
            for year in years {
                _ = try DatabaseRefusal.mapping {
                    try conn.execute("""
                        INSERT INTO work_calendar_years (year, source, loaded_by) VALUES (\(Int32(year)), \(source), \(actor.name))
                        ON CONFLICT (year) DO NOTHING
                        """)
                }
            }
            try AuditLog.record(action: "calendar.load", target: "calendar:\(years.map(String.init).joined(separator: ","))",
                                input: "\(source)\n\(days.count) days", by: actor, on: conn)
            return years
        }
    }

    /// Reads a schedule file: CSV with the header `day,kind,name`.
    public static func parse(csv: String) throws -> [CalendarDay] {
        var lines = csv.split(whereSeparator: \.isNewline).map(String.init)
        if lines.first?.hasPrefix("\u{FEFF}") == true { lines[0].removeFirst() }
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "day,kind,name" else {
            throw ReclaimError.invalid("file", "must begin with the header day,kind,name")
        }
        return try lines.dropFirst().enumerated().compactMap { i, line in
            if line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            let cells = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            let at = "line \(i + 2)"
            guard cells.count >= 2 else { throw ReclaimError.invalid(at, "needs day,kind[,name]") }
            let day = try FundLedger.parseDate(cells[0].trimmingCharacters(in: .whitespaces), field: "\(at) day")
            guard let kind = CalendarDay.Kind(rawValue: cells[1].trimmingCharacters(in: .whitespaces)) else {
                throw ReclaimError.invalid("\(at) kind", "must be holiday or workday")
            }
            let name = cells.count > 2 ? cells[2].trimmingCharacters(in: .whitespaces) : ""
            return CalendarDay(day: day, kind: kind, name: name.isEmpty ? nil : name)
        }
    }

    /// Whether every year from `from` to `to` has a published schedule loaded.
    /// `years`: the years with a schedule loaded (`scheduledYears`, read once for many counts).
    static func scheduled(from: CalendarDate, to: CalendarDate, years: Set<Int>) -> Bool {
        (from.year...max(from.year, to.year)).allSatisfy(years.contains)
    }

    /// The years whose published schedule is loaded.
    static func scheduledYears(on conn: Connection) throws -> Set<Int> {
        Set(try conn.query("SELECT year FROM work_calendar_years").rows.map { Int(try $0.decode("year", as: Int32.self)) })
    }

    public static func list(year: Int, on conn: Connection) throws -> [CalendarDay] {
        try Years.check(year)
        return try conn.query("""
            SELECT day, kind, name FROM work_calendar WHERE extract(year FROM day) = \(Int64(year)) ORDER BY day
            """).rows.map { CalendarDay(day: try $0.decode("day"), kind: try $0.decodeEnum("kind"), name: try $0.decode("name")) }
    }

    /// The listed days from `from` through `through`, for counting.
    static func listed(from: CalendarDate, through: CalendarDate, on conn: Connection) throws
        -> [CalendarDate: CalendarDay.Kind]
    {
        var out: [CalendarDate: CalendarDay.Kind] = [:]
        for r in try conn.query("""
            SELECT day, kind FROM work_calendar WHERE day >= \(from) AND day <= \(through)
            """).rows {
            out[try r.decode("day")] = try r.decodeEnum("kind")
        }
        return out
    }

    /// Whether `day` is a working day, given the listed days.
    public static func isWorkday(_ day: CalendarDate, listed: [CalendarDate: CalendarDay.Kind]) -> Bool {
        if let kind = listed[day] { return kind == .workday }
        return !day.isWeekend
    }

    /// The `n`th working day after `start` (the start day itself not counted).
    public static func workingDay(_ n: Int, after start: CalendarDate, listed: [CalendarDate: CalendarDay.Kind])
        -> CalendarDate
    {
        var day = start
        var count = 0
        while count < n {
            day = day.adding(days: 1)
            if isWorkday(day, listed: listed) { count += 1 }
        }
        return day
    }

    /// Working days in (from, to]; zero when `to` is not after `from`.
    public static func workingDays(after from: CalendarDate, through to: CalendarDate,
                                   listed: [CalendarDate: CalendarDay.Kind]) -> Int
    {
        var day = from
        var count = 0
        while day < to {
            day = day.adding(days: 1)
            if isWorkday(day, listed: listed) { count += 1 }
        }
        return count
    }
}

extension CalendarDate {
    /// Saturday or Sunday (proleptic Gregorian; Zeller's congruence, no Foundation calendar).
    public var isWeekend: Bool {
        var y = year
        var m = month
        if m < 3 { m += 12; y -= 1 }
        let k = y % 100
        let j = y / 100
        let h = (day + (13 * (m + 1)) / 5 + k + k / 4 + j / 4 + 5 * j) % 7  // 0 = Saturday, 1 = Sunday
        return h == 0 || h == 1
    }

    /// The day `n` days later (earlier, for a negative `n`).
    public func adding(days n: Int) -> CalendarDate {
        var y = year, m = month, d = day
        for _ in 0..<max(n, 0) {
            d += 1
            if d > CalendarDate.daysIn(month: m, year: y) {
                d = 1
                m += 1
                if m > 12 { m = 1; y += 1 }
            }
        }
        for _ in 0..<max(-n, 0) {
            d -= 1
            if d < 1 {
                m -= 1
                if m < 1 { m = 12; y -= 1 }
                d = CalendarDate.daysIn(month: m, year: y)
            }
        }
        return CalendarDate(year: y, month: m, day: d) ?? self
    }
}

extension WorkCalendar {
    /// The calendar's upkeep as commands (`ClosurePolicy.calendar`).
    public enum Commands {
        public static func add(_ day: CalendarDate, _ kind: CalendarDay.Kind, name: String?) -> Command<CalendarDay> {
            Command(ClosurePolicy.calendar) { actor, conn in try WorkCalendar.add(day, kind, name: name, by: actor, on: conn) }
        }

        /// A year's published schedule, all at once; the years it covers.
        public static func load(_ days: [CalendarDay], source: String) -> Command<[Int]> {
            Command(ClosurePolicy.calendar) { actor, conn in try WorkCalendar.load(days, source: source, by: actor, on: conn) }
        }
    }
}
