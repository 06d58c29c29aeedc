public import Foundation
public import PQKit

/// The bureau's context: its time zone and its clock. "Today" is the
/// bureau's day in Beijing time, as the database's `bureau_date` has it, read
/// from one clock that a test can fix (`Bureau.$clock.withValue`). Nothing
/// reads the time zone from the environment: the database's rules (value
/// dates, notices, the closure clock) count in Beijing time too, and a
/// service in another zone must not disagree with them.
public enum Bureau {
    /// Inner Mongolia keeps Beijing time.
    public static let timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)
        ?? .current

    /// The clock "now" and "today" are read from; the system's unless a task fixes it.
    @TaskLocal public static var clock: @Sendable () -> Date = { Date() }

    public static var today: CalendarDate { day(of: clock()) }

    /// The bureau's calendar day of a moment (the database's `bureau_date`).
    public static func day(of moment: Date) -> CalendarDate { CalendarDate.today(in: timeZone, now: moment) }

    /// The moment a bureau day begins (midnight, Beijing time).
    public static func start(of day: CalendarDate) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) ?? Date(timeIntervalSince1970: 0)
    }

    /// A moment as a person reads it, in Beijing time: to the minute (or
    /// the second), with the offset where the reader may be elsewhere (the
    /// CLI: "2026-03-01 14:05 +08:00"); the dashboard says "Beijing time"
    /// in its headings instead.
    public static func time(_ moment: Date, seconds: Bool = false, offset: Bool = true) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = (seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm") + (offset ? " xxx" : "")
        return f.string(from: moment)
    }
}

/// A calendar year as Reclaim keeps them, in one rule for every entry point:
/// 1990 (the ledger's earliest records) to 2200.
public enum Years {
    public static let range = 1990...2200

    /// `year`, or a refusal naming `field`.
    @discardableResult
    public static func check(_ year: Int, field: String = "year") throws -> Int {
        guard range.contains(year) else {
            throw ReclaimError.invalid(field, "must be a year from \(range.lowerBound) to \(range.upperBound)")
        }
        return year
    }

    /// Exactly four digits naming a year in range, or a refusal naming `field`.
    public static func parse(_ text: String, field: String = "year") throws -> Int {
        guard text.utf8.count == 4, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let year = Int(text),
              range.contains(year)
        else {
            throw ReclaimError.invalid(field, "'\(text)' is not a year like 2025 (\(range.lowerBound) to \(range.upperBound))")
        }
        return year
    }
}
