import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
@testable import ReclaimHTTP
import TestSupport
import Testing

/// Issue 30 item 1, the administrator's job in the browser: users, roles,
/// mines, passwords, enabling and disabling, API tokens issued and revoked.
@Suite struct DashboardAdminTests {
    @Test func anAdministratorManagesAUserFromAddToDisable() async throws {
        let s = try DashboardTests.service()
        try await s.application().test(.router) { client in
            var boss = try await DashboardTests.signIn("boss", client)
            let list = try await client.execute(uri: "/users", method: .get, headers: boss.header)
            #expect(list.status == .ok && list.text.contains(#"href="/users/opA""#) && list.text.contains("采矿权人"), "\(list.text)")
            boss.keep(list)
            func post(_ path: String, _ fields: [(String, String)]) async throws -> TestResponse {
                try await client.execute(uri: path, method: .post, headers: boss.header,
                                         body: DashboardTests.form([("csrf", boss.csrf)] + fields))
            }
            // an operator needs a mine; a taken name is refused; what was typed is kept
            let noMine = try await post("/users", [("name", "wang"), ("role", "operator"), ("mines", ""), ("org", "")])
            #expect(noMine.status == .unprocessableContent && noMine.text.contains(#"value="wang""#))
            let taken = try await post("/users", [("name", "opA"), ("role", "finance"), ("mines", ""), ("org", "")])
            #expect(taken.status == .unprocessableContent)
            let added = try await post("/users", [("name", "wang"), ("role", "operator"), ("mines", "a，B"), ("org", "")])
            #expect(added.headers[.location] == "/users/wang?added=1", "\(added.status) \(added.text)")

            // a password, typed twice
            let differ = try await post("/users/wang/password", [("password", "correct horse battery"), ("password_again", "correct horse batterz")])
            #expect(differ.status == .unprocessableContent && differ.text.contains("两次输入的密码不一致"))
            let short = try await post("/users/wang/password", [("password", "short"), ("password_again", "short")])
            #expect(short.status == .unprocessableContent)
            #expect(try await post("/users/wang/password", [("password", "correct horse battery"), ("password_again", "correct horse battery")])
                .headers[.location] == "/users/wang?password_set=1")
            var wang = DashboardTests.Browser()
            wang.keep(try await client.execute(uri: "/signin", method: .get))
            let signedIn = try await client.execute(uri: "/signin", method: .post, headers: wang.header, body: DashboardTests.form([
                ("csrf", wang.csrf), ("name", "wang"), ("password", "correct horse battery"),
            ]))
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/")
            wang.keep(signedIn)
            #expect(try await client.execute(uri: "/mines/B", method: .get, headers: wang.header).status == .ok)

            // a token, shown once and never kept in a cache
            let issued = try await post("/users/wang/tokens", [("days", "30")])
            #expect(issued.headers[.cacheControl] == "no-store", "\(issued.status) \(issued.text.prefix(300))")
            let token = try #require(issued.text.firstMatch(of: /id="issued-token">(rcl_[0-9a-f]{64})</).map { String($0.output.1) })
            let me = try await client.execute(uri: "/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(me.status == .ok && me.text.contains("\"wang\""))
            #expect(!(try await client.execute(uri: "/users/wang", method: .get, headers: boss.header)).text.contains(token))
            let tokenID = try #require(try s.db.connect().queryFirst("SELECT id FROM api_tokens WHERE user_name = 'wang'")?.decode("id", as: Int64.self))
            // a token URL under another user's name is not found
            #expect(try await post("/users/opA/tokens/\(tokenID)/revoke", []).status == .notFound)
            #expect(try await post("/users/wang/tokens/\(tokenID)/revoke", []).headers[.location] == "/users/wang?revoked=1")
            #expect(try await client.execute(uri: "/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .unauthorized)

            // disabled: the session opens nothing; enabled again: signs in again
            #expect(try await post("/users/wang/disable", []).headers[.location] == "/users/wang?disabled=1")
            let after = try await client.execute(uri: "/mines/B", method: .get, headers: wang.header)
            #expect(after.status == .seeOther && after.headers[.location]?.hasPrefix("/signin") == true, "\(after.status)")
            #expect(try await post("/users/wang/enable", []).headers[.location] == "/users/wang?enabled=1")
            // nobody disables their own name: no button, and the database refuses it
            let own = try await client.execute(uri: "/users/boss", method: .get, headers: boss.header)
            #expect(!own.text.contains(#"id="disable-user""#))
            #expect(try await post("/users/boss/disable", []).status == .unprocessableContent)

            // the trail, filtered to this user and worded for a person
            let trail = try await client.execute(uri: "/audit?target=user%3Awang&from=2020-01-01", method: .get, headers: boss.header)
            #expect(trail.text.contains("用户：新增") && trail.text.contains("用户：停用") && trail.text.contains("用户 wang"), "\(trail.text)")
            #expect(!trail.text.contains("user.add") && !trail.text.contains("令牌：吊销"))  // the revocation's target is the token
            let badDay = try await client.execute(uri: "/audit?from=2026-02-30", method: .get, headers: boss.header)
            #expect(badDay.text.contains(#"id="from-error""#))

            // nobody else manages users
            let li = try await DashboardTests.signIn("li", client)
            #expect(try await client.execute(uri: "/users", method: .get, headers: li.header).status == .forbidden)
        }
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE target = 'user:wang'") == 6)
        try await s.pool.shutdown()
    }

    @Test func settingsAreReadByEveryoneAndSetByAnAdministrator() async throws {
        let s = try DashboardTests.service()
        // every setting of the catalogue is worded in Chinese
        let keys = try await s.pool.withConnection { try Settings.list(on: $0).map(\.key) }
        #expect(keys.filter { SettingLabels.zh[$0] == nil } == [])
        try await s.application().test(.router) { client in
            var boss = try await DashboardTests.signIn("boss", client)
            let page = try await client.execute(uri: "/settings", method: .get, headers: boss.header)
            #expect(page.text.contains("闭坑初步验收结果公告的天数") && page.text.contains(#"action="/settings/closure.notice_days""#))
            boss.keep(page)
            let low = try await client.execute(uri: "/settings/closure.notice_days", method: .post, headers: boss.header,
                                               body: DashboardTests.form([("csrf", boss.csrf), ("value", "10")]))
            #expect(low.status == .unprocessableContent && low.text.contains(#"aria-invalid="true""#), "\(low.text)")
            let set = try await client.execute(uri: "/settings/closure.notice_days", method: .post, headers: boss.header,
                                               body: DashboardTests.form([("csrf", boss.csrf), ("value", "45")]))
            #expect(set.headers[.location] == "/settings?saved=1")
            let li = try await DashboardTests.signIn("li", client)
            let read = try await client.execute(uri: "/settings", method: .get, headers: li.header)
            #expect(read.status == .ok && read.text.contains("45") && !read.text.contains(#"action="/settings/"#))
            #expect(try await client.execute(uri: "/settings/closure.notice_days", method: .post, headers: li.header,
                                             body: DashboardTests.form([("csrf", li.csrf), ("value", "60")])).status == .forbidden)
        }
        let days = try await s.pool.withConnection { try Settings.int("closure.notice_days", on: $0) }
        #expect(days == 45)
        try await s.pool.shutdown()
    }

    @Test func anAuditorVerifiesTheLedgerFromTheDashboard() async throws {
        let s = try DashboardTests.service()
        let conn = try s.db.connect()
        defer { conn.close() }
        _ = try FundLedger.deposit("A", Booking(amount: try Money.parse("10.00")), by: try Actor("li", role: "finance"), on: conn)
        try await s.application().test(.router) { client in
            var aud = try await DashboardTests.signIn("aud", client)
            let page = try await client.execute(uri: "/verify", method: .get, headers: aud.header)
            #expect(page.status == .ok && page.text.contains(#"id="start-verification""#))
            aud.keep(page)
            let started = try await client.execute(uri: "/verify", method: .post, headers: aud.header,
                                                   body: DashboardTests.form([("csrf", aud.csrf), ("checkpoint", ""), ("incremental", "")]))
            let location = try #require(started.headers[.location])
            #expect(location.hasPrefix("/verify/"))
            // the page reloads itself while it runs; follow it as the browser would
            var shown = try await client.execute(uri: location, method: .get, headers: aud.header)
            for _ in 0..<100 where shown.text.contains(#"http-equiv="refresh""#) {
                try await Task.sleep(for: .milliseconds(100))
                shown = try await client.execute(uri: location, method: .get, headers: aud.header)
            }
            #expect(shown.text.contains(#"id="verification-intact""#) && !shown.text.contains(#"http-equiv="refresh""#), "\(shown.text)")
            #expect(shown.text.contains("账本与审计链完好"))
            let bad = try await client.execute(uri: "/verify", method: .post, headers: aud.header,
                                               body: DashboardTests.form([("csrf", aud.csrf), ("checkpoint", "not-a-digest")]))
            #expect(bad.status == .badRequest)
            let li = try await DashboardTests.signIn("li", client)
            #expect(try await client.execute(uri: "/verify", method: .get, headers: li.header).status == .forbidden)
        }
        try await s.pool.shutdown()
    }

    /// The API's shape of a verification: every key, null where nothing is yet;
    /// two started at once: one runs, the other is refused naming it, or starts after it ended.
    @Test func aVerificationOverTheAPIHasEveryKeyAndRunsOneAtATime() async throws {
        let s = try TestService.make()
        try await s.application().test(.router) { client in
            let (a, b) = try await (
                client.execute(uri: "/v1/fund/verifications", method: .post, headers: s.headers("aud"), body: ByteBuffer(string: "{}")),
                client.execute(uri: "/v1/fund/verifications", method: .post, headers: s.headers("boss"), body: ByteBuffer(string: "{}")))
            let statuses = [a.status, b.status]
            #expect(statuses.contains(.accepted) && statuses.allSatisfy { $0 == .accepted || $0 == .conflict }, "\(statuses)")
            let started = try #require(statuses[0] == .accepted ? a : b)
            let job = try started.json()
            for key in ["id", "state", "step", "started_by", "started_at", "finished_at", "checkpoint", "incremental", "report", "failure"] {
                #expect(job.keys.contains(key), "\(key)")
            }
            #expect(started.headers[.location] == "/v1/fund/verifications/\(job["id"] as? String ?? "")")
            #expect(try await client.execute(uri: "/v1/fund/verifications", method: .post, headers: s.headers("li"),
                                             body: ByteBuffer(string: "{}")).status == .forbidden)
            let incremental = try await client.execute(uri: "/v1/fund/verifications", method: .post, headers: s.headers("aud"),
                                                       body: ByteBuffer(string: #"{"incremental": true}"#))
            #expect([.unprocessableContent, .conflict].contains(incremental.status))
        }
        try await s.pool.shutdown()
    }

    /// The service's role writes users only through the functions, and they
    /// take an enabled administrator's name only.
    @Test func theDatabaseKeepsUserAdministrationToAdministrators() async throws {
        let s = try DashboardTests.service()
        let app = try s.db.connectAsApp()
        defer { app.close() }
        let direct = #expect(throws: PQError.self) { try app.execute("INSERT INTO users (name, role, created_by) VALUES ('x', 'admin', 'li')") }
        #expect(direct?.sqlState == .insufficientPrivilege)
        for sql: Query in ["SELECT user_add('x', 'admin', NULL, '{}', 'li', 'finance', NULL)",
                           "SELECT user_set_disabled('boss', true, 'rev', 'reviewer', NULL)",
                           "SELECT api_token_issue('li', sha256('x'), 30, 'opA', 'operator', NULL)"] {
            let e = #expect(throws: PQError.self) { try app.execute(sql) }
            #expect(e?.sqlState == .actorNotAllowed, "\(sql.sql)")
        }
        #expect(try s.count("SELECT count(*) FROM users WHERE name = 'x'") == 0)
        // two administrators adding the same name at once: one user, the other told it exists
        let url = s.db.appURL
        let outcomes = await withTaskGroup(of: ReclaimError.Kind?.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do {
                        let c = try Connection(url, applicationName: "reclaim-test-app")
                        defer { c.close() }
                        _ = try Users.add("zhao", role: .finance, mines: [], by: try Actor("boss", role: "admin"), on: c)
                        return nil
                    } catch let e as ReclaimError { return e.kind } catch { return .internal }
                }
            }
            var kinds: [ReclaimError.Kind?] = []
            for await k in group { kinds.append(k) }
            return kinds
        }
        #expect(outcomes.filter { $0 == nil }.count == 1 && outcomes.contains(.conflict), "\(outcomes)")
        #expect(try s.count("SELECT count(*) FROM users WHERE name = 'zhao'") == 1)
    }

    /// Issue 30: the mines an operator acts for change in the browser (a mine
    /// sold, a new one opened), take effect at once, and are recorded.
    @Test func anAdministratorRebindsAnOperatorsMines() async throws {
        let s = try DashboardTests.service()
        try await s.application().test(.router) { client in
            var boss = try await DashboardTests.signIn("boss", client)
            let page = try await client.execute(uri: "/users/opA", method: .get, headers: boss.header)
            #expect(page.text.contains(#"id="set-mines""#) && DashboardTests.wellFormed(page.text))
            boss.keep(page)
            func bind(_ user: String, _ mines: String) async throws -> TestResponse {
                try await client.execute(uri: "/users/\(user)/mines", method: .post, headers: boss.header,
                                         body: DashboardTests.form([("csrf", boss.csrf), ("mines", mines)]))
            }
            let op = try await DashboardTests.signIn("opA", client)
            #expect(try await client.execute(uri: "/mines/B", method: .get, headers: op.header).status == .forbidden)
            #expect(try await bind("opA", "A\nB").headers[.location] == "/users/opA?mines_set=1")
            #expect(try await client.execute(uri: "/mines/B", method: .get, headers: op.header).status == .ok)
            #expect(try await bind("opA", "B").status == .seeOther)
            #expect(try await client.execute(uri: "/mines/A", method: .get, headers: op.header).status == .forbidden)
            // refused, each said: the same mines again, an unknown mine, none at all, a user who is no operator
            for (user, mines) in [("opA", "B"), ("opA", "B\nNOPE"), ("opA", ""), ("rev", "A")] {
                let refused = try await bind(user, mines)
                #expect(refused.status == .unprocessableContent && refused.text.contains(#"role="alert""#), "\(user) \(mines): \(refused.status)")
            }
            #expect(!(try await client.execute(uri: "/users/rev", method: .get, headers: boss.header).text.contains(#"id="set-mines""#)))
        }
        #expect(try s.count("SELECT count(*) FROM audit_log WHERE action = 'user.mines' AND actor = 'boss' AND target = 'user:opA'") == 2)
        #expect(try s.count("SELECT count(*) FROM user_mines um JOIN mines m ON m.id = um.mine_id WHERE um.user_name = 'opA' AND m.license = 'B'") == 1)
        #expect(try s.count("SELECT count(*) FROM user_mines WHERE user_name = 'opA'") == 1)
        try await s.pool.shutdown()
    }
}
