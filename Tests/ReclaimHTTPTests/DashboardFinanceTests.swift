import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 1, finance's whole job in the browser: a reversal with its
/// reason from the statement line, a deposit conversion, a transfer for a
/// merger.
@Suite struct DashboardFinanceTests {
    static func key(_ html: String) throws -> String {
        try #require(html.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.output.1) })
    }

    @Test func reversalConversionAndTransferFromTheirForms() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        let deposit = try FundLedger.deposit("A", Booking(amount: try Money.parse("1200.00"), reference: "S-1"),
                                             by: try Actor("li", role: "finance"), on: conn)
        _ = try Mergers.record(from: "A", into: "B", approvedOn: try #require(CalendarDate(iso: "2026-01-05")), document: "内自然资字〔2026〕1号",
                               by: try Actor("boss", role: "admin"), on: conn)
        try await s.application().test(.router) { client in
            var b = try await DashboardTests.signIn("li", client)
            // the statement offers each entry's reversal
            let page = try await client.execute(uri: "/mines/A", method: .get, headers: b.header)
            #expect(page.text.contains(#"href="/fund/reversal/\#(deposit.entry.id)""#) && page.text.contains("1,200.00"), "\(page.text)")
            let form = try await client.execute(uri: "/fund/reversal/\(deposit.entry.id)", method: .get, headers: b.header)
            #expect(form.text.contains("S-1") && form.text.contains("冲正原因"))
            b.keep(form)
            let key = try Self.key(form.text)
            func reverse(_ reason: String, key: String) async throws -> TestResponse {
                try await client.execute(uri: "/fund/reversal/\(deposit.entry.id)", method: .post, headers: b.header,
                                         body: DashboardTests.form([("csrf", b.csrf), ("idempotency_key", key), ("reason", reason),
                                                                    ("value_date", "")]))
            }
            // no reason, no reversal
            let noReason = try await reverse("  ", key: key)
            #expect(noReason.status == .unprocessableContent && noReason.text.contains("请填写冲正原因"))
            #expect(try s.count("SELECT count(*) FROM ledger_entries WHERE kind = 'reversal'") == 0)
            let done = try await reverse("银行退回：账号有误", key: key)
            #expect(done.status == .seeOther && done.headers[.location]?.hasPrefix("/mines/A?booked=") == true, "\(done.text)")
            // sent again: the same reversal, told so; a second reversal with a new key is refused at the top
            #expect(try await reverse("银行退回：账号有误", key: key).headers[.location]?.hasPrefix("/mines/A?replayed=") == true)
            let again = try await reverse("再冲一次", key: key + "-2")
            #expect(again.status == .unprocessableContent && again.text.contains(#"role="alert""#), "\(again.text)")
            #expect(try s.count("SELECT count(*) FROM ledger_entries WHERE kind = 'reversal'") == 1)
            #expect(try s.count("SELECT count(*) FROM ledger_entries WHERE kind = 'reversal' AND reason = '银行退回：账号有误'") == 1)

            // a former deposit (保证金) converted into the fund
            let conversion = try await client.execute(uri: "/fund/conversion", method: .get, headers: b.header)
            #expect(conversion.text.contains("登记保证金转入基金"))
            let converted = try await client.execute(uri: "/fund/conversion", method: .post, headers: b.header, body: DashboardTests.form([
                ("csrf", b.csrf), ("idempotency_key", try Self.key(conversion.text)), ("license", "A"), ("amount", "500.00"),
                ("value_date", "2026-02-01"), ("reference", "BZJ-1"),
            ]))
            #expect(converted.headers[.location]?.hasPrefix("/mines/A?booked=") == true, "\(converted.text)")

            // a transfer names the merger it follows; the money lands in the mine merged into
            let transfer = try await client.execute(uri: "/fund/transfer", method: .get, headers: b.header)
            #expect(transfer.text.contains("A → B · 2026-01-05"))
            let mergerID = try #require(transfer.text.firstMatch(of: /<option value="([0-9]+)"/).map { String($0.output.1) })
            let unchosen = try await client.execute(uri: "/fund/transfer", method: .post, headers: b.header, body: DashboardTests.form([
                ("csrf", b.csrf), ("idempotency_key", try Self.key(transfer.text)), ("merger", ""), ("amount", "100.00"), ("value_date", ""),
            ]))
            #expect(unchosen.status == .unprocessableContent && unchosen.text.contains("请选择一项已登记的整合重组"))
            let moved = try await client.execute(uri: "/fund/transfer", method: .post, headers: b.header, body: DashboardTests.form([
                ("csrf", b.csrf), ("idempotency_key", try Self.key(transfer.text)), ("merger", mergerID), ("amount", "300.00"),
                ("value_date", ""),
            ]))
            #expect(moved.headers[.location]?.hasPrefix("/mines/B?booked=") == true, "\(moved.status) \(moved.text)")
        }
        let a = try FundLedger.balance("A", on: conn), bb = try FundLedger.balance("B", on: conn)
        let (two, three) = (try Money.parse("200.00"), try Money.parse("300.00"))
        #expect(a.balance == two && bb.balance == three, "\(a) \(bb)")
        try await s.pool.shutdown()
    }
}
