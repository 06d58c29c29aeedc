import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// The holes a hostile test of the API found, each closed and held closed.
@Suite struct HostileInputTests {
    static let newMine = #"{"license":"%@","name":"n","holder":"h","mineral":"sand","mineral_class":"metal","scale":"small","method":"open-pit","status":"producing","area_hm2":"1","land_type":"other"}"#

    static func mineBody(_ license: String) -> ByteBuffer {
        body(newMine.replacingOccurrences(of: "%@", with: license))
    }

    /// 1. An operator bound to a licence holding commas gains only that mine.
    @Test func aCommaInALicenceGrantsNoOtherMine() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        let setup = try Actor("setup")
        for license in ["X", "Y", "X,Y"] { _ = try MineRegistry.add(try sampleMine(license), by: setup, on: conn) }
        _ = try Users.add("opXY", role: .operator, mines: ["X,Y"], by: setup, on: conn)
        let token = try Users.issueToken(for: "opXY", by: setup, on: conn).token
        let auth: HTTPFields = [.authorization: "Bearer \(token)"]
        #expect(try Users.authenticate(token: token, on: conn)?.mines == ["X,Y"])
        try await s.application().test(.router) { client in
            #expect(try await client.execute(uri: "/v1/mines/X,Y", method: .get, headers: auth).status == .ok)
            try await client.execute(uri: "/v1/mines/X", method: .get, headers: auth).problem(.forbidden)
            try await client.execute(uri: "/v1/mines/Y/fund", method: .get, headers: auth).problem(.forbidden)
            let list = try await client.execute(uri: "/v1/mines", method: .get, headers: auth).json()
            #expect((list["items"] as? [[String: Any]])?.compactMap { $0["license"] as? String } == ["X,Y"])
        }
        try await s.pool.shutdown()
    }

    /// 2. An operator sees only their own legs of an entry, and someone else's
    /// entry is the same 404 as a missing one.
    @Test func anOperatorSeesOnlyTheirLegsAndCannotProbeIds() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        let clerk = try Actor("li", role: "finance")
        _ = try FundLedger.deposit("B", Booking(amount: try Money.parse("100")), by: clerk, on: conn)  // entry 1
        let transfer = try FundLedger.transfer(from: "B", to: "A", merger: try merger("B", into: "A", on: conn),
                                               Booking(amount: try Money.parse("40")), by: clerk, on: conn)
        try await s.application().test(.router) { client in
            let own = try await client.execute(uri: "/v1/fund/entries/\(transfer.entry.id)", method: .get,
                                               headers: s.headers("opA")).json()
            let legs = try #require(own["postings"] as? [[String: Any]])
            #expect(legs.count == 1)
            #expect(legs.first?["license"] as? String == "A")
            // finance still sees both legs
            let all = try await client.execute(uri: "/v1/fund/entries/\(transfer.entry.id)", method: .get,
                                               headers: s.headers("li")).json()
            #expect((all["postings"] as? [Any])?.count == 2)
            let others = try await client.execute(uri: "/v1/fund/entries/1", method: .get, headers: s.headers("opA"))
                .problem(.notFound)
            let missing = try await client.execute(uri: "/v1/fund/entries/424242", method: .get, headers: s.headers("opA"))
                .problem(.notFound)
            #expect(others["title"] as? String == missing["title"] as? String)
            #expect((others["detail"] as? String)?.replacingOccurrences(of: "1", with: "N")
                    == (missing["detail"] as? String)?.replacingOccurrences(of: "424242", with: "N"))
        }
        try await s.pool.shutdown()
    }

    /// 3. A body naming a field twice is refused, not read as its last value.
    /// 10. A token someone put in a query string never reaches the log.
    @Test func secretsInTheQueryAreNotLogged() {
        let logged = RequestLogMiddleware<AppContext>.redacted(
            path: "/v1/mines", query: "access_token=abc123&limit=5&Token=x&api%5Fkey=k&password=&year=2025")
        #expect(logged == "/v1/mines?access_token=***&limit=5&Token=***&api%5Fkey=***&password=***&year=2025")
        #expect(!logged.contains("abc123"))
        #expect(RequestLogMiddleware<AppContext>.redacted(path: "/healthz", query: nil) == "/healthz")
    }

    @Test func duplicateJSONKeysAreRefused() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            for text in [#"{"amount":"1","amount":"1000000"}"#, #"{"amount":"1","\u0061mount":"1000000"}"#,
                         #"{"amount":"1","memo":"x","reference":{"a":1},"amount":"2"}"#] {
                let p = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post,
                                                 headers: s.headers("li"), body: body(text)).problem(.badRequest)
                #expect((p["detail"] as? String)?.contains("amount is given more than once") == true, "\(text)")
            }
            // a repeated key inside a nested object is refused too; distinct keys are fine
            try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                     body: body(#"{"amount":"1","memo":{"a":1,"a":2}}"#)).problem(.badRequest)
            #expect(try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                             body: body(#"{"amount":"1","memo":"amount amount"}"#)).status == .created)
            // JSON is UTF-8 only (RFC 8259): the same repeated key in UTF-16 or UTF-32, with or without a byte-order
            // mark, would be read by Foundation's parser (which guesses the encoding) past a check made on UTF-8
            let twice = #"{"amount":"0.01","amount":"7777.00"}"#
            for encoding: String.Encoding in [.utf16LittleEndian, .utf16BigEndian, .utf16, .utf32LittleEndian, .utf32BigEndian, .utf32] {
                let bytes = try #require(twice.data(using: encoding))
                let p = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                                 body: ByteBuffer(bytes: bytes)).problem(.badRequest)
                #expect((p["detail"] as? String)?.contains("UTF-8") == true, "\(encoding): \(p)")
            }
            let bom = Data([0xEF, 0xBB, 0xBF]) + Data(#"{"amount":"5"}"#.utf8)
            try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                     body: ByteBuffer(bytes: bom)).problem(.badRequest)
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 1)
        try await s.pool.shutdown()
    }

    /// 4. Limits count Unicode scalars: a memo or key of combining marks is
    /// refused as too long (400), not stored or sent to the index (503).
    @Test func combiningMarksCountAgainstLimits() async throws {
        let s = try TestService.make()
        let marks = "a" + String(repeating: "\u{0301}", count: 600)
        try await s.application().test(.router) { client in
            let memo = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                                body: body(#"{"amount":"1","memo":"\#(marks)"}"#)).problem(.badRequest)
            #expect((memo["detail"] as? String)?.hasPrefix("memo") == true)
            let longKey = "k" + String(repeating: "\u{0301}", count: 3000)
            try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li", key: longKey),
                                     body: body(#"{"amount":"1"}"#)).problem(.badRequest)
        }
        #expect(throws: ReclaimError.self) {
            _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("1"), idempotencyKey: "k" + String(repeating: "\u{0301}", count: 3000)),
                                       by: try Actor("li"), on: try s.db.connect())
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 0)
        try await s.pool.shutdown()
    }

    /// 6. Path parameters are percent-decoded: a licence with a space, a
    /// slash, a comma and Chinese works through every route.
    @Test func aLicenceWithSpaceSlashAndChineseWorksThroughEveryRoute() async throws {
        let s = try TestService.make()
        let license = "C15011 2020/采-01"
        let path = "/v1/mines/C15011%202020%2F%E9%87%87-01"
        try await s.application().test(.router) { client in
            let created = try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss"),
                                                   body: Self.mineBody(license))
            #expect(created.status == .created, "\(created.text)")
            #expect(try await client.execute(uri: path, method: .get, headers: s.headers("aud")).status == .ok)
            #expect(try await client.execute(uri: path, method: .patch, headers: s.headers("boss"),
                                             body: body(#"{"name":"改名"}"#)).status == .ok)
            try approvedAnnualPlan(license, on: try s.db.connect())
            for kind in ["deposits", "deposit-conversions", "withdrawals"] {
                let r = try await client.execute(uri: path + "/fund/" + kind, method: .post, headers: s.headers("li"),
                                                 body: body(kind == "withdrawals" ? #"{"amount":"10","annual_plan_year":2025}"# : #"{"amount":"10"}"#))
                #expect(r.status == .created, "\(kind): \(r.text)")
            }
            let fund = try await client.execute(uri: path + "/fund", method: .get, headers: s.headers("aud")).json()
            #expect(fund["balance"] as? String == "10.00")
            #expect(fund["license"] as? String == license)
            let statement = try await client.execute(uri: path + "/fund/statement", method: .get, headers: s.headers("aud"))
            #expect(statement.status == .ok)
            // a transfer names the merger of the two mines; one carried out over the API moves the whole fund
            let unmerged = try await client.execute(
                uri: "/v1/fund/transfers", method: .post, headers: s.headers("li"),
                body: body(#"{"from_license":"\#(license)","to_license":"A","amount":"1"}"#))
            try unmerged.problem(.badRequest)
            let merged = try await client.execute(uri: "/v1/mergers", method: .post, headers: s.headers("boss"), body: body(
                #"{"from_licenses":["\#(license)"],"into_license":"A","approved_on":"2025-01-02","document":"整合批复"}"#)).json()
            let m = try #require(merged["id"] as? Int)
            let moved = try #require((merged["moved"] as? [[String: Any]])?.first)
            #expect(moved["license"] as? String == license && moved["amount"] as? String == "10.00", "\(merged)")
            let transfer = try await client.execute(
                uri: "/v1/fund/transfers", method: .post, headers: s.headers("li"),
                body: body(#"{"from_license":"\#(license)","to_license":"A","amount":"1","merger_id":\#(m)}"#))
            #expect(transfer.status == .unprocessableContent, "\(transfer.text)")
            // a broken escape is a 400, not a 404 or 500
            try await client.execute(uri: "/v1/mines/C%E9%8", method: .get, headers: s.headers("aud")).problem(.badRequest)
        }
        try await s.pool.shutdown()
    }

    /// 5. Look-alike licences are one mine, or refused; lower case finds upper case.
    @Test func lookAlikeLicencesAreOneMine() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            for lookAlike in ["A\u{200B}", "\u{FEFF}A", "A\u{200E}", "A\u{0301}", "A\u{2060}"] {
                let escaped = lookAlike.unicodeScalars.map { String(format: "\\u%04X", $0.value) }.joined()
                try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss"),
                                         body: body(newMineJSON(escaped))).problem(.badRequest)
            }
            for sameMine in ["\u{FF21}", "a", " A "] {
                try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss"),
                                         body: Self.mineBody(sameMine)).problem(.conflict)
            }
            #expect(try await client.execute(uri: "/v1/mines/a", method: .get, headers: s.headers("aud")).status == .ok)
        }
        #expect(try s.count("SELECT count(*) FROM mines") == 2)
        try await s.pool.shutdown()
    }

    func newMineJSON(_ escapedLicense: String) -> String {
        Self.newMine.replacingOccurrences(of: "%@", with: escapedLicense)
    }

    /// 10. The bearer scheme is case-insensitive; a body that is not JSON by
    /// its media type is 415; tokens expire in 90 days unless told otherwise.
    @Test func bearerCaseMediaTypeAndTokenExpiry() async throws {
        let s = try TestService.make()
        let token = try #require(s.tokens["li"])
        try await s.application().test(.router) { client in
            for scheme in ["bearer", "BEARER", "Bearer"] {
                #expect(try await client.execute(uri: "/v1/mines", method: .get,
                                                 headers: [.authorization: "\(scheme) \(token)"]).status == .ok)
            }
            for type in ["text/plain", "application/x-www-form-urlencoded"] {
                var h = s.headers("li")
                h[.contentType] = type
                try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: h,
                                         body: body(#"{"amount":"1"}"#)).problem(.unsupportedMediaType)
            }
            var none = s.headers("li")
            none[.contentType] = nil
            try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: none,
                                     body: body(#"{"amount":"1"}"#)).problem(.unsupportedMediaType)
            var charset = s.headers("li")
            charset[.contentType] = "application/json; charset=utf-8"
            #expect(try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: charset,
                                             body: body(#"{"amount":"1"}"#)).status == .created)
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 1)
        let issued = try Users.issueToken(for: "li", by: try Actor("setup"), on: try s.db.connect())
        let days = try #require(issued.expiresAt).timeIntervalSinceNow / 86_400
        #expect(days > 89.9 && days <= 90)
        try await s.pool.shutdown()
    }

    /// 11. Stored responses are per user, keys are raw UTF-8, and a stored
    /// response expires after 24 hours.
    @Test func theReplayStoreIsPerUserAndExpires() async throws {
        let s = try TestService.make()
        let conn = try s.db.connect()
        _ = try Users.add("boss2", role: .admin, mines: [], by: try Actor("setup"), on: conn)
        let token2 = try Users.issueToken(for: "boss2", by: try Actor("setup"), on: conn).token
        try await s.application().test(.router) { client in
            let first = try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss", key: "K"),
                                                 body: Self.mineBody("N1"))
            #expect(first.status == .created)
            // another admin, same key and body: their own request (the mine exists: 409), not boss's 201
            var h2 = s.headers(nil, key: "K")
            h2[.authorization] = "Bearer \(token2)"
            try await client.execute(uri: "/v1/mines", method: .post, headers: h2, body: Self.mineBody("N1"))
                .problem(.conflict)
            // keys differing only in an invalid byte do not collide: both are refused
            for raw in [[0x6B, 0xFF], [0x6B, 0xFE]] as [[UInt8]] {
                var h = s.headers("boss")
                h.append(HTTPField(name: try #require(HTTPField.Name("Idempotency-Key")), value: raw))
                let p = try await client.execute(uri: "/v1/mines", method: .post, headers: h, body: Self.mineBody("N2"))
                    .problem(.badRequest)
                #expect((p["detail"] as? String)?.contains("printable ASCII") == true)
            }
            // after 24 hours the key is free again
            try conn.execute("UPDATE http_idempotency SET created_at = now() - interval '25 hours'")
            let later = try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss", key: "K"),
                                                 body: Self.mineBody("N3"))
            #expect(later.status == .created, "\(later.text)")
        }
        #expect(try s.count("SELECT count(*) FROM mines WHERE license IN ('N1', 'N3')") == 2)
        #expect(try s.count("SELECT count(*) FROM mines WHERE license = 'N2'") == 0)
        try await s.pool.shutdown()
    }

    /// 12. A known path with a method it does not serve is 405 with Allow.
    @Test func unknownMethodsAre405WithAllow() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            let r = try await client.execute(uri: "/v1/mines/A", method: .delete, headers: s.headers("boss"))
            try r.problem(.methodNotAllowed)
            #expect(r.headers[.allow] == "GET, PATCH")
            let put = try await client.execute(uri: "/v1/fund/transfers", method: .put, headers: s.headers("li"))
            #expect(put.status == .methodNotAllowed && put.headers[.allow] == "POST")
            #expect(try await client.execute(uri: "/healthz", method: .post).headers[.allow] == "GET")
            try await client.execute(uri: "/v1/nowhere", method: .get, headers: s.headers("boss")).problem(.notFound)
        }
        try await s.pool.shutdown()
    }
}
