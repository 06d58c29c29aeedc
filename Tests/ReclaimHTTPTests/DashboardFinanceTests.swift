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
/// merger, and a bank file uploaded and booked all or none.
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
        // a merger recorded before `mine merge` moved money with it (transfers named it)
        try merger("A", into: "B", on: conn)
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
            #expect(transfer.text.contains("A → B · 2025-01-02"))
            let mergerID = try #require(transfer.text.firstMatch(of: /<option value="([0-9]+\|A)"/).map { String($0.output.1) })
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

    @Test func aBankFileIsBookedWholeOrRefusedLineByLine() async throws {
        let s = try DashboardTests.service()
        try await s.application().test(.router) { client in
            var b = try await DashboardTests.signIn("li", client)
            let page = try await client.execute(uri: "/fund/import", method: .get, headers: b.header)
            #expect(page.text.contains("license,kind,amount,value_date,reference,idempotency_key,memo"))
            b.keep(page)
            func upload(_ csv: String, dryRun: Bool = false) async throws -> TestResponse {
                let boundary = "----b\(UUID().uuidString.prefix(8))"
                var h = b.header
                h[.contentType] = "multipart/form-data; boundary=\(boundary)"
                var fields = [("csrf", b.csrf)]
                if dryRun { fields.append(("dry_run", "1")) }
                return try await client.execute(uri: "/fund/import", method: .post, headers: h,
                                                body: DashboardDocumentTests.multipart(fields, files: [("流水.csv", Data(csv.utf8))],
                                                                                       boundary: boundary))
            }
            let header = "license,kind,amount,value_date,reference,idempotency_key,memo\n"
            let bad = try await upload(header + "A,deposit,100.00,2026-03-01,S1,k1,\nNOPE,deposit,5.00,2026-03-01,S2,k2,\nA,deposit,1.001,2026-03-01,S3,k3,\n")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("3 行中有 2 行有问题，一笔也未登记"), "\(bad.text)")
            #expect(bad.text.contains("<td class=\"n\">3</td>") || bad.text.contains(">3<"), "the bad line's number is shown")
            #expect(try s.count("SELECT count(*) FROM ledger_entries") == 0)
            let checked = try await upload(header + "A,deposit,100.00,2026-03-01,S1,k1,\nA,deposit,20.00,2026-03-02,S2,k2,\n", dryRun: true)
            #expect(checked.text.contains("检查通过：将登记 2 笔"), "\(checked.text)")
            #expect(try s.count("SELECT count(*) FROM ledger_entries") == 0)
            let booked = try await upload(header + "A,deposit,100.00,2026-03-01,S1,k1,\nA,deposit,20.00,2026-03-02,S2,k2,\n")
            #expect(booked.status == .ok && booked.text.contains("已登记 2 笔"), "\(booked.text)")
            let twice = try await upload(header + "A,deposit,100.00,2026-03-01,S1,k1,\nA,deposit,20.00,2026-03-02,S2,k2,\n")
            #expect(twice.text.contains("已登记 0 笔，跳过已登记的 2 行"))
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 2)
        try await s.pool.shutdown()
    }

    /// The service's role may call the bulk booking, but only for an enabled finance user.
    @Test func theServicesRoleImportsOnlyAsFinance() throws {
        let s = try DashboardTests.service()
        let app = try s.db.connectAsApp()
        defer { app.close() }
        try app.execute("BEGIN")
        try app.execute("""
            CREATE TEMP TABLE fund_import (line bigint, license text, kind text, amount bigint, value_date date, reference text,
                                           idempotency_key text, memo text, annual_plan_year integer) ON COMMIT DROP
            """)
        try app.execute("INSERT INTO fund_import VALUES (2, 'A', 'deposit', 100, '2026-03-01', NULL, 'k', NULL, NULL)")
        for actor in ["opA", "nobody"] {
            try app.execute("SAVEPOINT s")
            let e = #expect(throws: PQError.self) { try app.execute("SELECT * FROM ledger_import(\(actor), false)") }
            #expect(e?.sqlState == .actorNotAllowed, "\(actor)")
            try app.execute("ROLLBACK TO SAVEPOINT s")
        }
        try app.execute("ROLLBACK")
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 0)
    }
}
