import Foundation
import PQKit
import TestSupport
import Testing

@Suite struct TypeRoundTripTests {
    @Test func integersBooleansAndText() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        let row = try #require(try conn.queryFirst("""
            SELECT \(Int16.min)::int2 AS a, \(Int32.max)::int4 AS b, \(Int64.min)::int8 AS c, \(true) AS d,
                   \("王家塔煤矿 ✓ 'quote' \\ back") AS e, \(false) AS f
            """))
        #expect(try row.decode("a", as: Int16.self) == Int16.min)
        #expect(try row.decode("b", as: Int32.self) == Int32.max)
        #expect(try row.decode("c", as: Int64.self) == Int64.min)
        #expect(try row.decode("d", as: Bool.self) == true)
        #expect(try row.decode("e", as: String.self) == "王家塔煤矿 ✓ 'quote' \\ back")
        #expect(try row.decode("f", as: Bool.self) == false)
    }

    @Test func nullBecomesNilOnlyForOptionals() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        let none: String? = nil
        let row = try #require(try conn.queryFirst("SELECT \(none)::text AS n, \(Int64?.some(7)) AS s"))
        #expect(try row.decode("n", as: String?.self) == nil)
        #expect(try row.decode("s", as: Int64?.self) == 7)
        let error = #expect(throws: PQError.self) { try row.decode("n", as: String.self) }
        #expect(error?.kind == .decoding)
        #expect(error?.column == "n")
        #expect(error?.message.contains("String") == true)
    }

    @Test func decodingErrorNamesColumnAndType() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        let row = try #require(try conn.queryFirst("SELECT 'abc'::text AS word"))
        let error = #expect(throws: PQError.self) { try row.decode("word", as: Int64.self) }
        #expect(error?.message == "column \"word\" cannot be decoded as Int64")
        #expect(throws: PQError.self) { try row.decode("missing", as: Int64.self) }
    }

    @Test func datesTimestampsUUIDsAndBytes() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        let day = try #require(CalendarDate(iso: "2024-02-29"))
        let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let id = UUID()
        let bytes = ByteA((0...255).map(UInt8.init))
        let row = try #require(try conn.queryFirst("""
            SELECT \(day) AS d, \(instant) AS t, \(id) AS u, \(bytes) AS b,
                   '2025-03-01'::date AS d2, now() AS n
            """))
        #expect(try row.decode("d", as: CalendarDate.self) == day)
        let back = try row.decode("t", as: Date.self)
        #expect(abs(back.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode("u", as: UUID.self) == id)
        #expect(try row.decode("b", as: ByteA.self) == bytes)
        #expect(try row.decode("d2", as: CalendarDate.self).description == "2025-03-01")
        // a date column also decodes as a Date (UTC midnight)
        #expect(try row.decode("d2", as: Date.self).timeIntervalSince1970 == 1_740_787_200)
        let now = try row.decode("n", as: Date.self)
        #expect(abs(now.timeIntervalSinceNow) < 300)
    }

    @Test func calendarDateRejectsImpossibleDays() {
        #expect(CalendarDate(iso: "2023-02-29") == nil)
        #expect(CalendarDate(iso: "2024-13-01") == nil)
        #expect(CalendarDate(iso: "2024-1-01") == nil)
        #expect(CalendarDate(iso: "") == nil)
        #expect(CalendarDate(iso: "2024-04-31") == nil)
        #expect(CalendarDate(iso: "2024-04-30")?.description == "2024-04-30")
    }

    @Test func textArraysQuoteEveryElement() throws {
        let conn = try TestDatabase.make(migrated: false).connect()
        let values = ["plain", "with,comma", "quote\"d", "back\\slash", "{braces}", "中文", ""]
        let row = try #require(try conn.queryFirst("""
            SELECT cardinality(\(values)) AS n, \(values)[3] AS third, \(values)[4] AS fourth,
                   'with,comma' = ANY(\(values)) AS found, 'with' = ANY(\(values)) AS partial
            """))
        #expect(try row.decode("n", as: Int32.self) == 7)
        #expect(try row.decode("third", as: String.self) == "quote\"d")
        #expect(try row.decode("fourth", as: String.self) == "back\\slash")
        #expect(try row.decode("found", as: Bool.self))
        #expect(try !row.decode("partial", as: Bool.self))
    }

    @Test func valuesAreParametersNotSQL() throws {
        let db = try TestDatabase.make(migrated: false)
        let conn = try db.connect()
        try conn.execute("CREATE TABLE t (v text)")
        let hostile = "x'); DROP TABLE t; --"
        try conn.execute("INSERT INTO t VALUES (\(hostile))")
        #expect(try conn.queryFirst("SELECT v FROM t")?.decode("v", as: String.self) == hostile)
    }
}
