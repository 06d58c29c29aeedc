import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import TestSupport
import Testing

@Suite struct APITests {
    @Test func idempotentReplayAnd409OnReuse() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            let first = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post,
                                                 headers: s.headers("li", key: "bank-1"),
                                                 body: body(#"{"amount":"1500.50","reference":"S-1"}"#))
            #expect(first.status == .created)
            #expect(try first.json()["amount"] as? String == "1500.50")
            // same key, same body (keys in another order): the original response
            let again = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post,
                                                 headers: s.headers("li", key: "bank-1"),
                                                 body: body(#"{"reference":"S-1","amount":"1500.50"}"#))
            #expect(again.status == .created)
            #expect(again.text == first.text)
            // same key, other body
            let other = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post,
                                                 headers: s.headers("li", key: "bank-1"),
                                                 body: body(#"{"amount":"1500.51","reference":"S-1"}"#))
            try other.problem(.conflict)
            // same key on another route is another request too
            let elsewhere = try await client.execute(uri: "/v1/mines/B/fund/deposits", method: .post,
                                                     headers: s.headers("li", key: "bank-1"),
                                                     body: body(#"{"amount":"1500.50","reference":"S-1"}"#))
            try elsewhere.problem(.conflict)
            // a mine created twice with one key is created once
            let mine = #"{"license":"N9","name":"n","holder":"h","mineral":"sand","mineral_class":"metal","scale":"small","method":"open-pit","status":"producing","area_hm2":"1","land_type":"other"}"#
            let m1 = try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss", key: "m-1"), body: body(mine))
            let m2 = try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss", key: "m-1"), body: body(mine))
            #expect(m1.status == .created)
            #expect(m2.status == .created)
            #expect(m1.text == m2.text)
            // without the key the second is a conflict
            try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss"), body: body(mine))
                .problem(.conflict)
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 1)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'fund.deposit'") == 1)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'mine.add' AND actor = 'boss'") == 1)
        try await s.pool.shutdown()
    }

    /// Ten clients send the same request with the same key at once: one change, one audit record, and every
    /// client gets the same response.
    @Test func concurrentRetriesWithOneKeyChangeOnce() async throws {
        let s = try TestService.make()
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("500")), by: try Actor("seed"), on: try s.db.connect())
        try approvedAnnualPlan("A", on: try s.db.connect())
        let mine = #"{"license":"N7","name":"n","holder":"h","mineral":"sand","mineral_class":"metal","scale":"small","method":"open-pit","status":"producing","area_hm2":"1","land_type":"other"}"#
        let requests: [(String, String, String, String)] = [
            ("/v1/mines", "boss", "mine-key", mine),
            ("/v1/mines/A/fund/withdrawals", "li", "w-key", #"{"amount":"100","annual_plan_year":2025}"#),
            ("/v1/fund/entries/2/reversal", "li", "r-key", #"{"reason":"duplicate slip"}"#),
        ]
        try await s.application().test(.router) { client in
            for (uri, user, key, text) in requests {
                let responses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                    for _ in 0..<10 {
                        group.addTask {
                            let r = try await client.execute(uri: uri, method: .post, headers: s.headers(user, key: key),
                                                             body: body(text))
                            return (r.status, r.text)
                        }
                    }
                    var all: [(HTTPResponse.Status, String)] = []
                    for try await r in group { all.append(r) }
                    return all
                }
                #expect(responses.allSatisfy { $0.0 == .created }, "\(uri): \(responses.map(\.0)) \(responses.map(\.1))")
                #expect(Set(responses.map(\.1)).count == 1, "\(uri)")
            }
        }
        #expect(try s.count("SELECT count(*) FROM mines WHERE license = 'N7'") == 1)
        #expect(try s.count("SELECT count(*) FROM ledger_entries WHERE kind = 'withdrawal'") == 1)
        #expect(try s.count("SELECT count(*) FROM ledger_entries WHERE kind = 'reversal'") == 1)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE actor IN ('boss', 'li')") == 3)
        #expect(try FundLedger.verify(on: try s.db.connect()).isIntact)
        try await s.pool.shutdown()
    }

    @Test func badInputIsProblemJSONAndWritesNothing() async throws {
        let s = try TestService.make()
        let cases: [(String, String, HTTPResponse.Status, String?)] = [
            ("/v1/mines/A/fund/deposits", "{not json", .badRequest, nil),
            ("/v1/mines/A/fund/deposits", "[1,2]", .badRequest, nil),
            ("/v1/mines/A/fund/deposits", #"{"amount":12}"#, .badRequest, "amount"),
            ("/v1/mines/A/fund/deposits", #"{"amount":"1","colour":"red"}"#, .badRequest, "colour"),
            ("/v1/mines/A/fund/deposits", #"{}"#, .badRequest, "amount"),
            ("/v1/mines/A/fund/deposits", #"{"amount":"12.345"}"#, .badRequest, "amount"),
            ("/v1/mines/A/fund/deposits", #"{"amount":"1e3"}"#, .badRequest, "amount"),
            ("/v1/mines/A/fund/deposits", #"{"amount":"-5"}"#, .badRequest, "amount"),
            ("/v1/mines/A/fund/deposits", #"{"amount":"1","value_date":"2025-02-30"}"#, .badRequest, "value_date"),
            // a withdrawal names the annual plan it pays for
            ("/v1/mines/A/fund/withdrawals", #"{"amount":"1"}"#, .unprocessableContent, "annual_plan_year"),
            ("/v1/mines/A/fund/withdrawals", #"{"amount":"1","annual_plan_year":"2025"}"#, .badRequest, "annual_plan_year"),
            ("/v1/mines/NOPE/fund/deposits", #"{"amount":"1"}"#, .notFound, nil),
            ("/v1/fund/transfers", #"{"from_license":"A","amount":"1"}"#, .badRequest, "to_license"),
            // a number too large for its type is named, not "the body" (found by the contract test)
            ("/v1/fund/transfers", #"{"from_license":"A","to_license":"B","amount":"1","merger_id":206676874939291220540157993722537050112}"#,
             .badRequest, "merger_id"),
            ("/v1/mines/A/fund/withdrawals", #"{"amount":"1","annual_plan_year":99999999999999999999}"#, .badRequest, "annual_plan_year"),
            ("/v1/fund/entries/999/reversal", #"{"reason":"x"}"#, .notFound, nil),
        ]
        try await s.application().test(.router) { client in
            for (uri, text, status, field) in cases {
                let r = try await client.execute(uri: uri, method: .post, headers: s.headers("li"), body: body(text))
                let problem = try r.problem(status)
                if let field {
                    let fields = (problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
                    #expect(fields.contains(field), "\(uri) \(text): \(r.text)")
                }
            }
            let huge = "{\"amount\":\"1\",\"memo\":\"" + String(repeating: "x", count: 1_100_000) + "\"}"
            try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                     body: body(huge)).problem(.contentTooLarge)
        }
        #expect(try s.count("SELECT count(*) FROM ledger_entries") == 0)
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action LIKE 'fund.%'") == 0)
        try await s.pool.shutdown()
    }

    @Test func readsStatementsCSVPagingAndMetrics() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            for (amount, date) in [("100", "2025-01-01"), ("50.50", "2025-02-01")] {
                let r = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                                 body: body(#"{"amount":"\#(amount)","value_date":"\#(date)","memo":"a, \"b\""}"#))
                #expect(r.status == .created, "\(r.text)")
            }
            let bal = try await client.execute(uri: "/v1/mines/A/fund?as_of=2025-01-15", method: .get, headers: s.headers("aud")).json()
            #expect(bal["balance"] as? String == "100.00")
            #expect(bal["as_of"] as? String == "2025-01-15")
            try await client.execute(uri: "/v1/mines/A/fund?as_of=yesterday", method: .get, headers: s.headers("aud"))
                .problem(.badRequest)

            let st = try await client.execute(uri: "/v1/mines/A/fund/statement?from=2025-01-15", method: .get,
                                              headers: s.headers("aud")).json()
            #expect(st["opening_balance"] as? String == "100.00")
            #expect(st["closing_balance"] as? String == "150.50")
            let csv = try await client.execute(uri: "/v1/mines/A/fund/statement", method: .get,
                                               headers: s.headers("aud", accept: "text/csv"))
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\n")
            #expect(lines.first == "id,kind,value_date,amount,balance_after,reference,memo,annual_plan_year")
            #expect(lines.count == 3)
            #expect(lines.last?.hasSuffix(#","a, ""b""","#) == true)

            let page1 = try await client.execute(uri: "/v1/mines?limit=1", method: .get, headers: s.headers("aud")).json()
            #expect((page1["items"] as? [[String: Any]])?.first?["license"] as? String == "A")
            let cursor = try #require(page1["next_cursor"] as? String)
            let page2 = try await client.execute(uri: "/v1/mines?limit=1&cursor=\(cursor)", method: .get,
                                                 headers: s.headers("aud")).json()
            #expect((page2["items"] as? [[String: Any]])?.first?["license"] as? String == "B")
            #expect(page2["next_cursor"] is NSNull)
            try await client.execute(uri: "/v1/mines?limit=0", method: .get, headers: s.headers("aud")).problem(.badRequest)

            let entry = try await client.execute(uri: "/v1/fund/entries/1", method: .get, headers: s.headers("opA")).json()
            #expect(entry["kind"] as? String == "deposit")

            let audit = try await client.execute(uri: "/v1/audit?actor=li", method: .get, headers: s.headers("aud")).json()
            #expect((audit["items"] as? [Any])?.count == 2)

            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.text.contains(#"reclaim_http_requests_total{method="POST",route="/v1/mines/{license}/fund/deposits",status="201"} 2"#))
            #expect(metrics.text.contains("reclaim_ledger_entries_booked_total 2"))
            #expect(metrics.text.contains("reclaim_db_pool_connections{state=\"idle\"}"))
            // the booking statement's own duration, each booking timed (replays and refusals too)
            let bookings = try #require(metrics.text.firstMatch(of: /reclaim_booking_duration_seconds_count (\d+)/).flatMap { Int($0.output.1) })
            #expect(bookings >= 2, "\(metrics.text)")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        try await s.pool.shutdown()
    }

    @Test func readyzFollowsTheDatabaseAndRecovers() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.destroy() }
        let conn = try Connection(cluster.url)
        try Migrator(directory: TestEnvironment.sqlDirectory).migrate(on: conn)
        conn.close()
        let pool = ConnectionPool(.init(conninfo: cluster.url, maxConnections: 4))
        let app = buildApplication(ServiceConfiguration(conninfo: cluster.url), pool: pool)
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            try cluster.stop()
            try await client.execute(uri: "/readyz", method: .get).problem(.serviceUnavailable)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            try cluster.start()
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
        try await pool.shutdown()
    }
}

@Suite struct ReportAPITests {
    @Test func reportsAsJSONCSVAndHTML() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            let r = try await client.execute(uri: "/v1/mines/A/fund/deposits", method: .post, headers: s.headers("li"),
                                             body: body(#"{"amount":"100","value_date":"2025-03-01"}"#))
            #expect(r.status == .created)
            let csv = try await client.execute(uri: "/v1/reports/fund?year=2025&lang=zh&unit=wan", method: .get,
                                               headers: s.headers("aud", accept: "text/csv"))
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.hasPrefix("\u{FEFF}采矿许可证号,") && csv.text.contains("A,能源矿产（固体）,150621,0.000000,0.010000,") && csv.text.contains("矿种类别：能源矿产（固体）") && csv.text.contains("\n合计,"))
            let page = try await client.execute(uri: "/v1/reports/disclosure/A/2025", method: .get,
                                                headers: s.headers("opA", accept: "text/html"))
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<td class=\"n\">100.00</td>") && page.text.hasSuffix("</html>\n"))
            // the page the public reads is as locked down as the dashboard's
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.hasPrefix("default-src 'none'") == true)
            #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            try await client.execute(uri: "/v1/reports/disclosure/B/2025", method: .get, headers: s.headers("opA"))
                .problem(.forbidden)
            try await client.execute(uri: "/v1/reports/disclosure/NOPE/2025", method: .get, headers: s.headers("aud"))
                .problem(.notFound)
            try await client.execute(uri: "/v1/reports/targets", method: .get, headers: s.headers("opA")).problem(.forbidden)
            // the registry as of a day; a day to come is refused by the rule (422), a malformed one is a 400
            let then = try await client.execute(uri: "/v1/reports/targets?as_of=2020-12-31", method: .get, headers: s.headers("rev"))
            let figures = try #require(try JSONSerialization.jsonObject(with: Data(then.text.utf8)) as? [[String: Any]])
            #expect(figures.allSatisfy { $0["as_of"] as? String == "2020-12-31" } && figures.last?["year"] as? Int == 2020)
            #expect(figures.first?["value"] as? String == "0")  // A and B were licensed today
            try await client.execute(uri: "/v1/reports/targets?as_of=\(Bureau.today.adding(days: 1))", method: .get,
                                     headers: s.headers("rev")).problem(.unprocessableContent)
            try await client.execute(uri: "/v1/reports/targets?as_of=2020-13-01", method: .get, headers: s.headers("rev"))
                .problem(.badRequest)
            // a mine registered with the day its right has been held since, and a day to come refused
            let held = #"{"license":"N8","name":"n","holder":"h","mineral":"sand","mineral_class":"metal","scale":"small","method":"open-pit","status":"producing","area_hm2":"1","land_type":"other","licensed_on":"2012-04-05"}"#
            let n8 = try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss"), body: body(held)).json()
            #expect(n8["licensed_on"] as? String == "2012-04-05")
            // corrected, with its history and no §6.2 obligation; a day to come is refused
            let fixed = try await client.execute(uri: "/v1/mines/N8", method: .patch, headers: s.headers("boss"),
                                                 body: body(#"{"licensed_on":"2011-01-01"}"#)).json()
            #expect(fixed["licensed_on"] as? String == "2011-01-01" && (fixed["obligations_opened"] as? [Any])?.isEmpty == true)
            #expect((fixed["changes"] as? [[String: Any]])?.map { $0["old_value"] as? String } == ["2012-04-05"])
            try await client.execute(uri: "/v1/mines/N8", method: .patch, headers: s.headers("boss"),
                                     body: body(#"{"licensed_on":"2999-01-01"}"#)).problem(.badRequest)
            let later = held.replacingOccurrences(of: "N8", with: "N9").replacingOccurrences(of: "2012-04-05", with: "2999-01-01")
            try await client.execute(uri: "/v1/mines", method: .post, headers: s.headers("boss"), body: body(later))
                .problem(.badRequest)
            // neither year nor as_of: this year's, as of today; a malformed one is a 400
            let thisYear = try await client.execute(uri: "/v1/reports/restoration", method: .get, headers: s.headers("aud")).json()
            #expect(thisYear["year"] as? Int == Bureau.today.year && thisYear["as_of"] as? String == Bureau.today.description)
            try await client.execute(uri: "/v1/reports/restoration?as_of=2025-02-30", method: .get, headers: s.headers("aud"))
                .problem(.badRequest)
            try await client.execute(uri: "/v1/reports/restoration?year=0&as_of=2000-01-01", method: .get, headers: s.headers("aud"))
                .problem(.badRequest)
            let both = try await client.execute(uri: "/v1/reports/restoration?year=2024&as_of=2025-03-01", method: .get,
                                                headers: s.headers("aud")).json()
            #expect(both["year"] as? Int == 2024 && both["as_of"] as? String == "2025-03-01")
            try await client.execute(uri: "/v1/reports/closure?lang=fr", method: .get, headers: s.headers("aud", accept: "text/csv"))
                .problem(.badRequest)
            let closure = try await client.execute(uri: "/v1/reports/closure", method: .get, headers: s.headers("rev")).json()
            #expect((closure["counts"] as? [String: Any])?["filed"] as? Int == 0)
        }
        try await s.pool.shutdown()
    }
}

@Suite struct PoolExhaustionTests {
    /// Every pooled connection busy: a request waits the pool's timeout, then
    /// gets 503 problem+json, and nothing hangs; the next one is served.
    @Test func aRequestThatFindsNoConnectionIsA503() async throws {
        let base = try TestService.make()
        try await base.pool.shutdown()
        let pool = ConnectionPool(.init(conninfo: base.db.appURL, maxConnections: 1, acquireTimeout: .milliseconds(300)))
        let s = TestService(db: base.db, pool: pool, tokens: base.tokens)
        try await s.application().test(.router) { client in
            let hold = await ConnectionHold(on: pool)
            let busy = try await client.execute(uri: "/v1/mines", method: .get, headers: s.headers("aud"))
            let problem = try busy.problem(.serviceUnavailable)
            #expect((problem["detail"] as? String)?.contains("busy") == true)
            try await hold.release()
            let served = try await client.execute(uri: "/v1/mines", method: .get, headers: s.headers("aud"))
            #expect(served.status == .ok)
        }
        try await pool.shutdown()
    }
}
