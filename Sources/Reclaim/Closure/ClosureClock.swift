public import PQKit

/// Closure acceptance's clock (土地复垦条例 art. 29): 60 working days from
/// filing to the confirmation or the rectification opinion. The time the
/// operator spends rectifying after an opinion does not count (整改期间不
/// 计入): a re-application's clock runs on from the days the mine's earlier
/// applications used, each from its filing to its opinion. Pure arithmetic
/// on the work calendar, so it is the same wherever it is shown.
public struct ClosureClock: Sendable, Equatable {
    /// One earlier application that ended in a rectification opinion.
    public struct Round: Sendable, Equatable {
        public var filed: CalendarDate
        public var opinion: CalendarDate
        public init(filed: CalendarDate, opinion: CalendarDate) {
            self.filed = filed
            self.opinion = opinion
        }
    }

    public var due: CalendarDate
    /// Working days used in all, the earlier rounds' included.
    public var used: Int
    /// Of those, the earlier rounds'.
    public var carried: Int
    /// Working days from today through the due date (0 once decided).
    public var left: Int
    public var overdue: Bool

    /// The clock of an application filed on `filed`, decided on `decided`
    /// (nil while open), seen on `today`, after the earlier `rounds`.
    public init(filed: CalendarDate, decided: CalendarDate?, rounds: [Round], today: CalendarDate,
                allowed: Int = 60, listed: [CalendarDate: CalendarDay.Kind])
    {
        carried = rounds.reduce(0) { $0 + WorkCalendar.workingDays(after: $1.filed, through: $1.opinion, listed: listed) }
        due = WorkCalendar.workingDay(max(allowed - carried, 0), after: filed, listed: listed)
        let through = min(decided ?? today, today)
        used = carried + (through > filed ? WorkCalendar.workingDays(after: filed, through: through, listed: listed) : 0)
        let open = decided == nil
        left = open ? WorkCalendar.workingDays(after: today, through: due, listed: listed) : 0
        overdue = open && today > due
    }
}
