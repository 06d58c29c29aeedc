import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

@Suite struct MineRegistryTests {
    @Test func addThenShowKeepsEveryField() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let added = try MineRegistry.add(try sampleMine(), by: try Actor("clerk"), on: conn)
        #expect(added.area.squareMetres == 1_234_500)
        #expect(added.regionCode == "150621")
        #expect(added.createdBy == "clerk")
        let shown = try MineRegistry.show(added.license, on: conn)
        #expect(shown.mine == added)
        #expect(shown.obligations.isEmpty)
        #expect(shown.history.isEmpty)
        #expect(try db.count("SELECT count(*) FROM audit_log WHERE action = 'mine.add' AND actor = 'clerk'") == 1)
        #expect(added.licensedOn == Bureau.today)  // a right granted the day it is registered, unless told
    }

    @Test func theDayARightIsHeldSinceIsCheckedAndCorrectedWithHistory() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        var new = try sampleMine()
        for bad in ["1985-12-31", Bureau.today.adding(days: 1).description] {
            new.licensedOn = CalendarDate(iso: bad)
            let error = #expect(throws: ReclaimError.self) { try MineRegistry.add(new, by: try Actor("clerk"), on: conn) }
            #expect(error?.field == "licensed_on", "\(bad)")
        }
        #expect(try db.count("SELECT count(*) FROM mines") == 0)
        new.licensedOn = CalendarDate(iso: "2009-07-01")
        let mine = try MineRegistry.add(new, by: try Actor("clerk"), on: conn)
        #expect(mine.licensedOn.description == "2009-07-01")
        // a correction is history, and no change of what the plan was made for
        let r = try MineRegistry.update(mine.license, MineUpdate(licensedOn: CalendarDate(iso: "2008-07-01")),
                                        by: try Actor("clerk"), on: conn)
        #expect(r.changes.map(\.field) == ["licensed_on"] && r.changes.first?.oldValue == "2009-07-01")
        #expect(r.obligationsOpened.isEmpty && r.mine.licensedOn.description == "2008-07-01")
        // the database refuses a day before licensing began, whoever writes
        #expect(throws: PQError.self) { try conn.execute("UPDATE mines SET licensed_on = '1980-01-01'") }
    }

    @Test func duplicateLicenceIsAConflictAndWritesNothing() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        _ = try MineRegistry.add(try sampleMine(), by: try Actor("clerk"), on: conn)
        let error = #expect(throws: ReclaimError.self) {
            try MineRegistry.add(try sampleMine(), by: try Actor("clerk"), on: conn)
        }
        #expect(error?.kind == .conflict)
        #expect(error?.field == "license")
        #expect(try db.count("SELECT count(*) FROM mines") == 1)
        #expect(try db.count("SELECT count(*) FROM audit_log") == 1)
    }

    @Test func obligingChangeOpensObligationsOnceAndKeepsHistory() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let mine = try MineRegistry.add(try sampleMine(), by: try Actor("clerk"), on: conn)
        let r1 = try MineRegistry.update(
            mine.license, MineUpdate(method: .underground, area: try Area.parseHectares("200")),
            by: try Actor("inspector"), on: conn)
        #expect(r1.changes.map(\.field) == ["method", "area_hm2"])
        #expect(r1.changes.first?.oldValue == "open-pit")
        #expect(r1.changes.first?.newValue == "underground")
        #expect(r1.changes.last?.oldValue == "123.4500")
        #expect(Set(r1.obligationsOpened) == Set(ObligationKind.allCases))

        // a second obliging change while they are open adds history, not duplicates
        let r2 = try MineRegistry.update(mine.license, MineUpdate(scale: .medium), by: try Actor("inspector"), on: conn)
        #expect(r2.obligationsOpened.isEmpty)

        // a status change obliges nothing
        let r3 = try MineRegistry.update(mine.license, MineUpdate(status: .suspended), by: try Actor("x"), on: conn)
        #expect(r3.obligationsOpened.isEmpty)

        let shown = try MineRegistry.show(mine.license, on: conn)
        #expect(shown.obligations.count == 3)
        #expect(shown.history.map(\.field) == ["method", "area_hm2", "scale", "status"])
        #expect(shown.history.allSatisfy { $0.changedBy == "inspector" || $0.field == "status" })
        #expect(shown.mine.method == .underground)
        #expect(shown.mine.updatedBy == "x")
    }

    /// What was seen: filling in method_detail for the first time opened all three §6.2 obligations.
    /// A first filling-in completes the record; a later change of it is a real change of method.
    @Test func aFirstFillingInObligesNothing() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let mine = try MineRegistry.add(try sampleMine(), by: try Actor("clerk"), on: conn)
        let first = try MineRegistry.update(mine.license, MineUpdate(methodDetail: .openPitLayered), by: try Actor("x"), on: conn)
        #expect(first.obligationsOpened.isEmpty && first.changes.map(\.field) == ["method_detail"])
        // what was seen: renaming coal to 煤炭 opened all three; another name of the same mineral obliges nothing
        let renamed = try MineRegistry.update(mine.license, MineUpdate(mineral: "煤炭"), by: try Actor("x"), on: conn)
        #expect(renamed.obligationsOpened.isEmpty && renamed.changes.map(\.field) == ["mineral"])
        let real = try MineRegistry.update(mine.license, MineUpdate(methodDetail: .openPitOther), by: try Actor("x"), on: conn)
        #expect(Set(real.obligationsOpened) == Set(ObligationKind.allCases))
        #expect(Minerals.same("Coal", "煤") && !Minerals.same("coal", "kaolin") && Minerals.same("ore", " ORE"))
    }

    @Test func sameValueIsNoChange() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let mine = try MineRegistry.add(try sampleMine(), by: try Actor("clerk"), on: conn)
        let r = try MineRegistry.update(mine.license, MineUpdate(method: .openPit), by: try Actor("clerk"), on: conn)
        #expect(r.changes.isEmpty)
        #expect(try db.count("SELECT count(*) FROM mine_history") == 0)
        #expect(try db.count("SELECT count(*) FROM mine_obligations") == 0)
    }

    @Test func historyIsAppendOnly() throws {
        let db = try TestDatabase.make()
        let conn = try db.connect()
        let mine = try MineRegistry.add(try sampleMine(), by: try Actor("clerk"), on: conn)
        _ = try MineRegistry.update(mine.license, MineUpdate(status: .closed), by: try Actor("clerk"), on: conn)
        for sql: Query in ["UPDATE mine_history SET new_value = 'producing'", "DELETE FROM mine_history",
                           "TRUNCATE mine_history CASCADE", "DELETE FROM audit_log"] {
            let error = #expect(throws: PQError.self) { try conn.execute(sql) }
            #expect(error?.sqlState == .insufficientPrivilege)
        }
        #expect(try db.count("SELECT count(*) FROM mine_history") == 1)
    }

    @Test func unknownMineIsNotFound() throws {
        let conn = try TestDatabase.make().connect()
        let error = #expect(throws: ReclaimError.self) { try MineRegistry.show("nope", on: conn) }
        #expect(error?.kind == .notFound)
        let e2 = #expect(throws: ReclaimError.self) {
            try MineRegistry.update("nope", MineUpdate(status: .closed), by: try Actor("x"), on: conn)
        }
        #expect(e2?.kind == .notFound)
    }

    @Test func badTextIsRefusedWithItsField() throws {
        let conn = try TestDatabase.make().connect()
        var m = try sampleMine()
        m.name = "   "
        let e1 = #expect(throws: ReclaimError.self) { try MineRegistry.add(m, by: try Actor("x"), on: conn) }
        #expect(e1?.field == "name")
        m = try sampleMine()
        m.regionCode = "15062"
        let e2 = #expect(throws: ReclaimError.self) { try MineRegistry.add(m, by: try Actor("x"), on: conn) }
        #expect(e2?.field == "region_code")
        m = try sampleMine()
        m.license = "bad\u{0}licence"
        let e3 = #expect(throws: ReclaimError.self) { try MineRegistry.add(m, by: try Actor("x"), on: conn) }
        #expect(e3?.field == "license")
    }

    /// Free text is trimmed of tabs and space separators (the ideographic
    /// space a Chinese keyboard types too), limited in characters, not
    /// bytes, and refused with a control character, ASCII or not.
    @Test(arguments: [
        ("\u{3000}乌拉特煤矿 \t", "乌拉特煤矿"),
        ("  Hadamen mine", "Hadamen mine"),
        (String(repeating: "煤", count: 200), String(repeating: "煤", count: 200)),
        (String(repeating: "煤", count: 201), nil),
        (String(repeating: "m", count: 201), nil),
        ("煤矿\u{7}", nil),
        ("mine\u{1b}[2J", nil),
        ("\u{3000}\t ", nil),
    ] as [(String, String?)])
    func freeTextIsTrimmedAndChecked(_ typed: String, _ stored: String?) throws {
        let conn = try TestDatabase.make().connect()
        var m = try sampleMine()
        m.name = typed
        if let stored {
            #expect(try MineRegistry.add(m, by: try Actor("x"), on: conn).name == stored)
        } else {
            let e = #expect(throws: ReclaimError.self) { try MineRegistry.add(m, by: try Actor("x"), on: conn) }
            #expect(e?.field == "name")
        }
    }
}
