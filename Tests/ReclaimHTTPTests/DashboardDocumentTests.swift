import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 2 on the dashboard: an operator uploads the annual plan's
/// documents with a plain form, a reviewer reads them in the queue before
/// deciding, a download is an attachment, a refusal says why in Chinese.
@Suite struct DashboardDocumentTests {
    static let pdf = Data("%PDF-1.4\n%%EOF\n".utf8)

    /// A multipart body as Chromium sends it.
    static func multipart(_ fields: [(String, String)], files: [(String, Data)], boundary: String) -> ByteBuffer {
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for (name, data) in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ByteBuffer(bytes: body)
    }

    static func upload(_ b: DashboardTests.Browser, _ client: some TestClientProtocol, subject: String, record: String, back: String,
                       files: [(String, Data)], csrf: String? = nil) async throws -> TestResponse {
        let boundary = "----WebKitFormBoundary\(UUID().uuidString.prefix(16))"
        var h = b.header
        h[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await client.execute(uri: "/documents", method: .post, headers: h,
                                        body: multipart([("csrf", csrf ?? b.csrf), ("subject", subject), ("record", record), ("back", back)], files: files,
                                                        boundary: boundary))
    }

    @Test func anOperatorUploadsAReviewerReadsThemBeforeDeciding() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        // a plan waiting in the queue: approved plan, annual works drafted and submitted by opA
        try approvedAnnualPlan("A", year: 2025, budget: "500.00", on: conn)
        let works = #"{"works": [{"type": "revegetation", "location": "排土场", "area_hm2": "1", "budget": "300.00", "start_month": "2026-04", "end_month": "2026-09"}]}"#
        _ = try AnnualPlans.draft("A", year: 2026, try AnnualWorks.parse(Data(works.utf8), year: 2026),
                                  by: try Actor("opA", role: "operator"), on: conn)
        try await s.application().test(.router) { client in
            var op = try await DashboardTests.signIn("opA", client)
            let editor = try await client.execute(uri: "/annual/A/2026", method: .get, headers: op.header)
            #expect(editor.text.contains(#"enctype="multipart/form-data""#) && editor.text.contains("暂无附件"), "\(editor.text)")
            op.keep(editor)

            // without the page's token: refused, nothing stored
            let forged = try await Self.upload(op, client, subject: "annual-plan", record: "A/2026", back: "/annual/A/2026",
                                               files: [("图.pdf", Self.pdf)], csrf: "forged")
            #expect(forged.status == .forbidden)
            // a web page named .pdf: refused by its content, said in Chinese
            let disguised = try await Self.upload(op, client, subject: "annual-plan", record: "A/2026", back: "/annual/A/2026",
                                                  files: [("报告.pdf", Data("<html></html>".utf8))])
            #expect(disguised.status == .badRequest)
            #expect(disguised.text.contains("附件 报告.pdf 不是 PDF、PNG、JPEG 或 Office 文件"), "\(disguised.text)")

            let sent = try await Self.upload(op, client, subject: "annual-plan", record: "A/2026", back: "/annual/A/2026",
                                             files: [("治理工程平面图.pdf", Self.pdf), ("现场.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1]))])
            #expect(sent.status == .seeOther && sent.headers[.location] == "/annual/A/2026?attached=2", "\(sent.status) \(sent.text)")
            let after = try await client.execute(uri: "/annual/A/2026?attached=2", method: .get, headers: op.header)
            #expect(after.text.contains("已上传 2 个附件") && after.text.contains("治理工程平面图.pdf") && after.text.contains("现场.png"))

            // the plan goes to review; the reviewer sees its documents on its card, without an upload form
            op.keep(after)
            _ = try await client.execute(uri: "/annual/A/2026", method: .post, headers: op.header,
                                         body: DashboardTests.form(Self.editorFields(after.text, csrf: op.csrf) + [("op", "submit")]))
            let rev = try await DashboardTests.signIn("rev", client)
            let queue = try await client.execute(uri: "/queue", method: .get, headers: rev.header)
            let link = try #require(queue.text.firstMatch(of: /href="\/documents\/([0-9]+)" download="治理工程平面图.pdf"/), "\(queue.text)")
            #expect(!queue.text.contains(#"action="/documents""#))
            let download = try await client.execute(uri: "/documents/\(link.output.1)", method: .get, headers: rev.header)
            #expect(download.status == .ok && download.headers[.contentType] == "application/pdf")
            #expect(download.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(download.body.readableBytes == Self.pdf.count)
        }
        #expect(try s.count("SELECT count(*) FROM document_attachments") == 2)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'annual-plan.attach' AND actor = 'opA'") == 2)
        try await s.pool.shutdown()
    }

    /// The editor's own fields as the browser would send them back unchanged.
    static func editorFields(_ html: String, csrf: String) -> [(String, String)] {
        var pairs: [(String, String)] = [("csrf", csrf)]
        for m in html.matches(of: /<input (?:type="hidden" |aria-label="[^"]*" )*(?:id="[^"]*" )?name="([a-z_0-9]+)" value="([^"]*)"/)
        where m.output.1 != "csrf" {
            pairs.append((String(m.output.1), String(m.output.2)))
        }
        for m in html.matches(of: /<select (?:aria-label="[^"]*" )?id="[^"]*" name="([a-z_0-9]+)">.*?<option value="([^"]*)" selected="selected"/) {
            pairs.append((String(m.output.1), String(m.output.2)))
        }
        return pairs
    }

    @Test func theMultipartReaderTakesWhatABrowserSends() throws {
        let body = Self.multipart([("csrf", "t0k"), ("record", "C15 2020/采-01/2026")],
                                  files: [("a \"quoted\".pdf", Data("%PDF-\r\n--x".utf8)), ("", Data())], boundary: "XyZ")
        let m = try Multipart.parse(Data(body.readableBytesView), boundary: "XyZ")
        #expect(m["csrf"] == "t0k" && m["record"] == "C15 2020/采-01/2026")
        #expect(m.parts.filter { $0.name == "file" }.map(\.fileName) == ["a ", ""])  // as sent unescaped: cut at the quote
        #expect(m.parts.first { $0.name == "file" }?.data == Data("%PDF-\r\n--x".utf8))
        #expect(Multipart.boundary("multipart/form-data; boundary=\"XyZ\"") == "XyZ")
        #expect(Multipart.boundary("application/x-www-form-urlencoded") == nil)
        #expect(throws: ReclaimError.self) { try Multipart.parse(Data("--XyZ\r\nno end".utf8), boundary: "XyZ") }
    }
}
