import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 items 1 and 3: reports on screen, with a year picker, 元 or 万元,
/// amounts with separators, mine names, and the same view's downloads.
@Suite struct DashboardReportTests {
    @Test func aReportOnScreenInYuanOrWanAndOnlyAnOperatorsOwnMines() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        let year = Bureau.today.year
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("1234567.89"), reference: "S-1"),
                                   by: try Actor("li", role: "finance"), on: conn)
        try await s.application().test(.router) { client in
            let li = try await DashboardTests.signIn("li", client)
            let list = try await client.execute(uri: "/reports", method: .get, headers: li.header)
            #expect(list.text.contains(#"href="/reports/fund?year=\#(year)&amp;unit=yuan""#) || list.text.contains("/reports/fund?year=\(year)&"),
                    "\(list.text)")
            let yuan = try await client.execute(uri: "/reports/fund?year=\(year)&unit=yuan", method: .get, headers: li.header)
            #expect(yuan.status == .ok && yuan.text.contains("1,234,567.89") && yuan.text.contains("SECRET-7788"), "\(yuan.text)")
            #expect(yuan.text.contains(#"<option value="\#(year)" selected="selected">"#))
            let wan = try await client.execute(uri: "/reports/fund?year=\(year)&unit=wan", method: .get, headers: li.header)
            #expect(wan.text.contains("123.456789") && wan.text.contains("万元"), "\(wan.text)")
            #expect(wan.text.contains("/reports/fund.csv?year=\(year)&amp;lang=zh&amp;unit=wan"))
            #expect(try await client.execute(uri: "/reports/fund?unit=pounds", method: .get, headers: li.header).status == .badRequest)
            #expect(try await client.execute(uri: "/reports/fund?year=1066", method: .get, headers: li.header).status == .badRequest)

            let op = try await DashboardTests.signIn("opA", client)
            let own = try await client.execute(uri: "/reports/fund?year=\(year)", method: .get, headers: op.header)
            #expect(own.status == .ok && own.text.contains("1,234,567.89") && !own.text.contains("SECRET-7788"))
            #expect(try await client.execute(uri: "/reports/targets", method: .get, headers: op.header).status == .forbidden)
        }
        try await s.pool.shutdown()
    }

    /// What was seen: `class:solid-energy`, `false`, `approved` in Chinese files. A Chinese CSV and the
    /// screen read codes by their labels; the English CSV keeps the codes scripts are written against.
    @Test func aChineseFileReadsItsCodesByTheirLabels() {
        let t = ReportTable([("license", .text), ("mineral_class", .text), ("state", .text), ("overdue", .text)],
                            rows: [["A", "solid-energy", "under-review", "false"], ["class:metal", "", "", ""], ["total", "", "", "true"]],
                            labelers: ["license": ReportRowLabels.group, "mineral_class": MineralClass.labeler,
                                       "state": ClosureState.labeler, "overdue": ReportRowLabels.yesNo])
        let zh = t.csv(.zh, unit: .yuan)
        #expect(zh.contains("A,能源矿产（固体）,\(ClosureState.underReview.labels.zh),否"), "\(zh)")
        #expect(zh.contains("矿种类别：金属矿产,,,") && zh.contains("合计,,,是"))
        let en = t.csv(.en, unit: .yuan)
        #expect(en.contains("A,solid-energy,under-review,false") && en.contains("class:metal") && en.contains("total,,,true"))
        #expect(ReportRowLabels.state("missing", .zh) == "未提交" && ReportRowLabels.state("approved", .zh) == AnnualPlanState.approved.labels.zh)
        #expect(ReportRowLabels.group("source:central", .zh).hasPrefix("资金来源："))
    }

    @Test func groupingPutsSeparatorsInTheWholePartOnly() {
        #expect(ExactDecimal.grouped("1033571542.40") == "1,033,571,542.40")
        #expect(ExactDecimal.grouped("-1500.00") == "-1,500.00")
        #expect(ExactDecimal.grouped("999.123456") == "999.123456")
        #expect(ExactDecimal.grouped("123456.789012") == "123,456.789012")
        #expect(ExactDecimal.grouped("") == "" && ExactDecimal.grouped("n/a") == "n/a")
    }

    /// The yearly disclosure (信息公示) from the mine's page, in the reader's language and the unit picked.
    @Test func theYearlyDisclosureFromTheMinesPage() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("1234567.89"), valueDate: try FundLedger.parseDate("\(Bureau.today.year - 1)-03-01", field: "value_date")),
                                   by: try Actor("li", role: "finance"), on: conn)
        try await s.application().test(.router) { client in
            let op = try await DashboardTests.signIn("opA", client)
            let mine = try await client.execute(uri: "/mines/A", method: .get, headers: op.header)
            #expect(mine.text.contains(#"id="show-disclosure""#))
            let page = try await client.execute(uri: "/mines/A/disclosure?year=\(Bureau.today.year - 1)&unit=wan", method: .get, headers: op.header)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("123.46") && page.text.contains("万元") && DashboardTests.wellFormed(page.text), "\(page.text)")
            #expect(try await client.execute(uri: "/mines/A/disclosure?unit=lakh", method: .get, headers: op.header).status == .badRequest)
            #expect(try await client.execute(uri: "/mines/B/disclosure", method: .get, headers: op.header).status == .forbidden)
        }
        try await s.pool.shutdown()
    }
}
