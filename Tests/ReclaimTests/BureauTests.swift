import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// The bureau's day, from one clock a test can fix, in Beijing time as the database counts it.
@Suite struct BureauTests {
    @Test func todayIsTheBureausDayFromAClockATestCanFix() throws {
        // 17:00 UTC on 30 June is 01:00 on 1 July in Beijing
        let evening = try #require(ISO8601DateFormatter().date(from: "2026-06-30T17:00:00Z"))
        let day = Bureau.$clock.withValue({ evening }) { Bureau.today }
        #expect(day.description == "2026-07-01")
        // a booking without a value date takes the bureau's day, and the database agrees it has come
        let (_, conn) = try ledgerDatabase(annualPlans: false)
        let booked = try Bureau.$clock.withValue({ evening }) {
            try FundLedger.deposit("A", Booking(amount: try yuan("1")), by: try clerk(), on: conn)
        }
        #expect(booked.entry.valueDate.description == "2026-07-01")
    }

    @Test func oneYearRuleForEveryEntryPoint() throws {
        #expect(try Years.parse("2025") == 2025 && Years.range == 1990...2200)
        for bad in ["2201", "1989", "202", "２０２５", "+202", "20x5"] {
            let e = #expect(throws: ReclaimError.self, "\(bad)") { try Years.parse(bad, field: "annual_plan_year") }
            #expect(e?.field == "annual_plan_year")
        }
        #expect(throws: ReclaimError.self) { try Years.check(2201) }
    }
}
