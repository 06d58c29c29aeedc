import Foundation
import PQKit
import Reclaim
import Testing

/// The request types shared by the server and `HTTPBackend`: what the client
/// sends is what the server reads, and the server reads nothing else.
@Suite struct RequestBodyTests {
    func refusal<T: APIRequest>(_ type: T.Type, _ json: String) -> ReclaimError? {
        #expect(throws: ReclaimError.self) { try StrictJSON.decode(type, from: Data(json.utf8)) }
    }

    @Test func whatTheClientSendsTheServerReadsBack() throws {
        let booking = Booking(amount: try Money.parse("1500.50"), valueDate: CalendarDate(iso: "2025-03-01")!,
                              reference: "slip 7", memo: "第一期", annualPlanYear: 2025)
        let sent = try StrictJSON.encode(FundLedger.WithdrawalRequest(booking))
        let read = try StrictJSON.decode(FundLedger.WithdrawalRequest.self, from: sent).booking(idempotencyKey: "k")
        #expect(read.amount == booking.amount && read.valueDate == booking.valueDate && read.reference == "slip 7")
        #expect(read.memo == "第一期" && read.annualPlanYear == 2025 && read.idempotencyKey == "k")
        // absent optionals are left out, not sent as null
        let deposit = String(decoding: try StrictJSON.encode(FundLedger.DepositRequest(Booking(amount: try Money.parse("1")))),
                             as: UTF8.self)
        #expect(deposit == #"{"amount":"1.00"}"#)

        let days = [CalendarDay(day: CalendarDate(iso: "2026-10-01")!, kind: .holiday, name: "国庆节"),
                    CalendarDay(day: CalendarDate(iso: "2026-10-10")!, kind: .workday, name: nil)]
        let schedule = try StrictJSON.decode(WorkCalendar.ScheduleRequest.self,
                                             from: try StrictJSON.encode(WorkCalendar.ScheduleRequest(source: "国务院", days: days)))
        #expect(try schedule.calendarDays() == days)
    }

    @Test func unknownKeysAreRefusedAtEveryLevelTheShapeNames() {
        let top = refusal(FundLedger.DepositRequest.self, #"{"amount":"1","colour":"red","size":1}"#)
        #expect(top?.fieldErrors.map(\.field) == ["colour", "size"])
        let nested = refusal(WorkCalendar.ScheduleRequest.self,
                             #"{"source":"s","days":[{"day":"2026-10-01","kind":"holiday"},{"day":"2026-10-02","kind":"holiday","why":"x"}]}"#)
        #expect(nested?.field == "days[2].why")
    }

    @Test func nullOnlyWhereTheShapeAllowsIt() throws {
        // value_date may be null (today); amount may not, nor a mine's name in a correction
        _ = try StrictJSON.decode(FundLedger.DepositRequest.self, from: Data(#"{"amount":"1","value_date":null}"#.utf8))
        #expect(refusal(FundLedger.DepositRequest.self, #"{"amount":null}"#)?.field == "amount")
        #expect(refusal(MineRegistry.UpdateRequest.self, #"{"name":null}"#)?.message == "must not be null")
    }

    @Test func repeatedKeysWrongTypesAndBadBytesAreRefused() {
        #expect(refusal(FundLedger.DepositRequest.self, #"{"amount":"1","amount":"1000000"}"#)?.field == "amount")
        #expect(refusal(FundLedger.WithdrawalRequest.self, #"{"amount":"1","annual_plan_year":"2025"}"#)?.field == "annual_plan_year")
        #expect(refusal(FundLedger.TransferRequest.self,
                        #"{"from_license":"A","to_license":"B","amount":"1","merger_id":99999999999999999999999}"#)?.field == "merger_id")
        #expect(refusal(FundLedger.DepositRequest.self, "[1]")?.kind == .invalidInput)
        let latin1 = Data([0x7B, 0x22, 0x6D, 0x65, 0x6D, 0x6F, 0x22, 0x3A, 0x22, 0xE9, 0x22, 0x7D])  // {"memo":"é"} in Latin-1
        #expect(throws: ReclaimError.self) { try StrictJSON.decode(FundLedger.DepositRequest.self, from: latin1) }
    }

    @Test func everyMalformedFieldIsNamedAtOnce() throws {
        let body = try StrictJSON.decode(MineRegistry.AddRequest.self, from: Data("""
            {"license":"C1","name":"n","holder":"h","mineral":"sand","mineral_class":"rock","scale":"huge",
             "method":"open-pit","status":"producing","area_hm2":"-1","land_type":"other"}
            """.utf8))
        let error = #expect(throws: ReclaimError.self) { try body.mine() }
        #expect(error?.fieldErrors.map(\.field) == ["mineral_class", "scale", "area_hm2"])
    }
}
