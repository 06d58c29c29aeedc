import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import TestSupport
import Testing

/// Documents over the API, and the database's own rules on them.
@Suite struct DocumentAPITests {
    static let pdf = Data("%PDF-1.7\n%%EOF\n".utf8)

    static func body(_ subject: String, _ record: String, _ files: [(String, Data)]) -> ByteBuffer {
        let list = files.map { #"{"name": "\#($0.0)", "content_base64": "\#($0.1.base64EncodedString())"}"# }.joined(separator: ",")
        return ByteBuffer(string: #"{"subject": "\#(subject)", "record": "\#(record)", "files": [\#(list)]}"#)
    }

    @Test func uploadedDownloadedAndSeenOnlyByThoseWhoSeeTheRecord() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        defer { conn.close() }
        try approvedAnnualPlan("A", year: 2026, budget: "500.00", on: conn)
        try approvedAnnualPlan("B", year: 2026, budget: "500.00", on: conn)
        // an operator of B, to see that A's documents are not theirs
        _ = try Users.add("opB", role: .operator, mines: ["B"], by: try Actor("setup"), on: conn)
        let opB = try Users.issueToken(for: "opB", expiresInDays: 1, by: try Actor("setup"), on: conn).token
        try await s.application().test(.router) { client in
            let made = try await client.execute(uri: "/v1/documents", method: .post, headers: s.headers("opA"),
                                                body: Self.body("annual-plan", "a/2026", [("计划附图.pdf", Self.pdf)]))
            #expect(made.status == .created, "\(made.text)")
            let id = try #require((try JSONSerialization.jsonObject(with: Data(made.text.utf8)) as? [[String: Any]])?.first?["id"] as? Int)

            // mine B's plan is not opA's to document, in the service or in the database
            let other = try await client.execute(uri: "/v1/documents", method: .post, headers: s.headers("opA"),
                                                 body: Self.body("annual-plan", "B/2026", [("x.pdf", Self.pdf)]))
            #expect(other.status == .forbidden, "\(other.text)")

            let download = try await client.execute(uri: "/v1/documents/\(id)", method: .get, headers: s.headers("aud"))
            #expect(download.status == .ok)
            #expect(download.body.getBytes(at: download.body.readerIndex, length: download.body.readableBytes) == [UInt8](Self.pdf))
            #expect(download.headers[.contentType] == "application/pdf")
            #expect(download.headers[.xContentTypeOptions] == "nosniff")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(download.headers[.contentDisposition]?.contains("filename*=UTF-8''%E8%AE%A1%E5%88%92") == true)

            // another mine's operator: as if there were nothing
            var h = s.headers(nil)
            h[.authorization] = "Bearer \(opB)"
            #expect(try await client.execute(uri: "/v1/documents/\(id)", method: .get, headers: h).status == .notFound)
            #expect(try await client.execute(uri: "/v1/documents?subject=annual-plan&record=A%2F2026", method: .get, headers: h).status
                    == .notFound)
            // what schemathesis sent: a NUL in a record's name is no record, not a database error
            #expect(try await client.execute(uri: "/v1/documents?subject=legacy-notice&record=%00S%F3%BC%A1%9E", method: .get,
                                             headers: s.headers("aud")).status == .notFound)
            let listed = try await client.execute(uri: "/v1/documents?subject=annual-plan&record=A%2F2026", method: .get,
                                                  headers: s.headers("opA"))
            #expect(listed.status == .ok && listed.text.contains("\"file_name\":\"计划附图.pdf\""), "\(listed.text)")

            // a name with a path is refused, nothing written
            let path = try await client.execute(uri: "/v1/documents", method: .post, headers: s.headers("opA"),
                                                body: Self.body("annual-plan", "A/2026", [("../x.pdf", Self.pdf)]))
            #expect(path.status == .unprocessableContent)

            // the size setting holds: at its floor, a larger PDF is refused by name
            #expect(try await client.execute(uri: "/v1/settings/documents.max_bytes", method: .put, headers: s.headers("boss"),
                                             body: ByteBuffer(string: #"{"value": "65536"}"#)).status == .ok)
            var big = Self.pdf
            big.append(Data(repeating: 0x20, count: 70_000))
            let tooBig = try await client.execute(uri: "/v1/documents", method: .post, headers: s.headers("opA"),
                                                  body: Self.body("annual-plan", "A/2026", [("大.pdf", big)]))
            #expect(tooBig.status == .unprocessableContent)
            #expect(tooBig.text.contains("大.pdf is 70015 bytes; a document may be at most 65536 bytes"), "\(tooBig.text)")
        }
        #expect(try s.count("SELECT count(*) FROM document_attachments") == 1)
        try await s.pool.shutdown()
    }

    @Test func theDatabaseRefusesDirectWritesAndWrongActors() throws {
        let db = try TestDatabase.make()
        let owner = try db.connect()
        defer { owner.close() }
        _ = try MineRegistry.add(try sampleMine("A"), by: try Actor("setup"), on: owner)
        _ = try MineRegistry.add(try sampleMine("B"), by: try Actor("setup"), on: owner)
        _ = try Users.add("opA", role: .operator, mines: ["A"], by: try Actor("setup"), on: owner)
        _ = try Users.add("li", role: .finance, mines: [], by: try Actor("setup"), on: owner)
        try approvedAnnualPlan("B", year: 2026, budget: "500.00", on: owner)
        let planB: Int64 = try #require(try owner.queryFirst("SELECT id FROM annual_plans")?.decode("id"))
        let app = try db.connectAsApp()
        defer { app.close() }
        let content = ByteA([UInt8](Self.pdf))
        // the service's role cannot write the tables, only call document_attach
        let direct = #expect(throws: PQError.self) {
            try app.execute("INSERT INTO documents (sha256, media_type, size, content) VALUES (sha256(\(content)), 'application/pdf', 15, \(content))")
        }
        #expect(direct?.sqlState == .insufficientPrivilege)
        // and through it, as nobody allowed: finance, or an operator of another mine
        for (actor, role) in [("li", "finance"), ("opA", "operator")] {
            let e = #expect(throws: PQError.self) {
                try app.execute("SELECT document_attach('annual-plan', \(planB), 'x.pdf', \(content), \(actor), \(role), NULL)")
            }
            #expect(e?.sqlState == .actorNotAllowed, "\(actor)")
        }
        // a stored document cannot be edited or removed, even by the owner's ordinary statements
        _ = try owner.execute("SELECT document_attach('annual-plan', \(planB), 'x.pdf', \(content), 'setup', 'admin', NULL)")
        for sql: Query in ["UPDATE documents SET content = '\\x00'", "DELETE FROM document_attachments",
                           "UPDATE document_attachments SET file_name = 'y.pdf'"] {
            #expect(throws: PQError.self) { try owner.execute(sql) }
        }
        // content and its key cannot disagree
        let forged = #expect(throws: PQError.self) {
            try owner.execute("INSERT INTO documents (sha256, media_type, size, content) VALUES (sha256('\\x01'), 'application/pdf', 15, \(content))")
        }
        #expect(forged?.constraint == "documents_content_addressed")
    }

    /// A retry and two clients at once: the same file sent twice to one record
    /// is one attachment; twenty clients attaching one content to two records
    /// at once store it once and attach it once to each.
    @Test func aRetryAndTwentyClientsAtOnceAttachOnce() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        defer { conn.close() }
        try approvedAnnualPlan("A", year: 2026, budget: "500.00", on: conn)
        try approvedAnnualPlan("B", year: 2026, budget: "500.00", on: conn)
        try await s.application().test(.router) { client in
            var ids: [Int] = []
            for _ in 0..<2 {
                let r = try await client.execute(uri: "/v1/documents", method: .post, headers: s.headers("opA"),
                                                 body: Self.body("annual-plan", "A/2026", [("图.pdf", Self.pdf)]))
                #expect(r.status == .created)
                ids += ((try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
            }
            #expect(ids.count == 2 && ids[0] == ids[1], "\(ids)")
        }
        // twenty at once, on their own connections, to A's and B's plans as an administrator
        let pdf = Data("%PDF-1.7\nshared\n%%EOF\n".utf8)
        let appURL = s.db.appURL
        let errors = await withTaskGroup(of: String?.self) { group in
            for n in 0..<20 {
                group.addTask {
                    do {
                        let c = try Connection(appURL, applicationName: "reclaim-test-app")
                        defer { c.close() }
                        _ = try Documents.attach([NewDocument(fileName: "共用.pdf", content: pdf)],
                                                 to: DocumentRecord(.annualPlan, n % 2 == 0 ? "A/2026" : "B/2026"),
                                                 by: try Actor("boss", role: "admin"), on: c)
                        return nil
                    } catch { return "\(error)" }
                }
            }
            var failed: [String] = []
            for await e in group { if let e { failed.append(e) } }
            return failed
        }
        #expect(errors == [])
        #expect(try s.count("SELECT count(*) FROM document_attachments") == 3)
        #expect(try s.count("SELECT count(*) FROM documents") == 2)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'annual-plan.attach'") == 3)
        try await s.pool.shutdown()
    }
}
