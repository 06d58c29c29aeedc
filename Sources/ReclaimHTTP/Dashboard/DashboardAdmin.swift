import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// The administrator's job in the browser: users with their roles and
/// mines, enabling and disabling them, their passwords, their API tokens
/// (a new one shown once); and the bureau's settings. The same commands as
/// the CLI's (`Users.Commands`, `Settings.Commands`), checked again by the
/// database (sql/functions/users.sql, settings.sql).
extension DashboardController {
    static func userName(_ context: AppContext) throws -> String {
        try Identifier.userName(try context.path("name"), field: "name")
    }

    @Sendable func users(_ request: Request, _ context: AppContext) async throws -> Response {
        try await usersPage(request, context, form: nil)
    }

    func usersPage(_ request: Request, _ context: AppContext, form: Form?, error: String? = nil,
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try UserPolicy.manage.check(session.principal)
        let t = t(context), lang = context.language.report
        let users = try await read(context) { try Users.list(on: $0) }
        let table = Show.table(t, [("user_name", false), ("role", false), ("mines", false), ("org", false), ("status", false)],
                               users.map { u in
                                   [Show.link(u.name, "/users/\(Show.segment(u.name))"), Show.cell(u.role.label(lang)),
                                    Show.cell(u.mines.joined(separator: ", ")), Show.cell(u.org ?? ""),
                                    Show.cell(t[u.disabled ? "disabled" : "enabled"] ?? "")]
                               })
        let chosen = form?["role"] ?? Role.operator.rawValue
        return pages.render("users", title: t["users"] ?? "", request, context, status: status, [
            "users_table": table, "alert": error ?? false,
            "roles": Role.allCases.map { ["value": $0.rawValue, "label": $0.label(lang), "selected": $0.rawValue == chosen] as [String: Any] },
            "name": form?["name"] ?? "", "org": form?["org"] ?? "", "mines": form?["mines"] ?? "",
        ])
    }

    /// A new user from the form; refusals (a taken name, an operator with no
    /// mine, an unknown licence) are said at the top with what was typed kept.
    @Sendable func addUser(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        guard let role = Role(rawValue: form["role"] ?? "") else {
            return try await usersPage(request, context, form: form, error: t(context)["choose_role"], status: .unprocessableContent)
        }
        let mines = (form["mines"] ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0 == "\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let org = (form["org"] ?? "").isEmpty ? nil : form["org"]
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let user = try await db { conn in
                try Users.Commands.add(form["name"] ?? "", role: role, mines: mines, org: org).run(as: principal, actor: actor, on: conn)
            }
            return pages.redirect("/users/\(Show.segment(user.name))?added=1")
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal {
            return try await usersPage(request, context, form: form, error: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    func userPage(_ request: Request, _ context: AppContext, issued: IssuedToken? = nil, error: String? = nil,
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try UserPolicy.manage.check(session.principal)
        let name = try Self.userName(context)
        let t = t(context), lang = context.language.report
        let (user, tokens) = try await db { conn in (try Users.find(name, on: conn), try Users.tokens(of: name, on: conn)) }
        let segment = Show.segment(user.name)
        let details = Show.table(t, [("field", false), ("value", false)], [
            [Show.cell(t["user_name"] ?? ""), Show.cell(user.name)], [Show.cell(t["role"] ?? ""), Show.cell(user.role.label(lang))],
            [Show.cell(t["mines"] ?? ""), Show.cell(user.mines.joined(separator: ", "))], [Show.cell(t["org"] ?? ""), Show.cell(user.org ?? "")],
            [Show.cell(t["status"] ?? ""), Show.cell(t[user.disabled ? "disabled" : "enabled"] ?? "")],
            [Show.cell(t["created"] ?? ""), Show.cell("\(user.createdBy) · \(Show.time(user.createdAt))")],
        ])
        let now = Date()
        let tokenRows: [[String: Any]] = tokens.map { k in
            let state = k.revokedAt != nil ? "revoked" : (k.expiresAt.map { $0 < now } ?? false) ? "expired" : "active"
            return ["id": k.id, "created": "\(k.createdBy) · \(Show.time(k.createdAt))", "expires": k.expiresAt.map { Show.time($0) } ?? "",
                    "state": t["token_\(state)"] ?? state, "revocable": state == "active",
                    "action": "/users/\(segment)/tokens/\(k.id)/revoke"]
        }
        let q = request.uri.queryParameters
        let notice = ["added", "password_set", "mines_set", "enabled", "disabled", "revoked"].first { q[Substring($0)] != nil }.flatMap { t["user_\($0)"] }
        return pages.render("user", title: "\(t["users"] ?? "") · \(user.name)", request, context, status: status, [
            "details_table": details, "disabled": user.disabled, "self": user.name == session.principal.name,
            "mines_form": user.role == .operator ? ["mines": user.mines.joined(separator: "\n")] as [String: Any] : false,
            "base": "/users/\(segment)", "tokens": tokenRows, "has_tokens": !tokenRows.isEmpty,
            "issued": issued.map { ["token": $0.token, "expires": $0.expiresAt.map { Show.time($0) } ?? ""] as [String: Any] } ?? false,
            "notice": notice ?? false, "alert": error ?? false,
        ])
    }

    @Sendable func user(_ request: Request, _ context: AppContext) async throws -> Response {
        try await userPage(request, context)
    }

    /// One administrator action on a user, from the user's page: then back to
    /// it, with what was done said, or the refusal at the top.
    func actOnUser(_ request: Request, _ context: AppContext, _ act: String) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let name = try Self.userName(context)
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        let back = "/users/\(Show.segment(name))"
        do {
            switch act {
            case "password":
                guard form["password"] == form["password_again"] else {
                    return try await userPage(request, context, error: t(context)["passwords_differ"], status: .unprocessableContent)
                }
                let password = form["password"] ?? ""
                try await db { try Users.Commands.setPassword(name, password).run(as: principal, actor: actor, on: $0) }
                return pages.redirect(back + "?password_set=1")
            case "mines":
                // one licence per line (or separated by commas), as typed
                let mines = (form["mines"] ?? "").split(whereSeparator: { $0.isNewline || $0 == "," || $0 == "，" || $0 == "、" })
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                do {
                    _ = try await db { try Users.Commands.setMines(name, mines).run(as: principal, actor: actor, on: $0) }
                } catch let e as ReclaimError where e.kind == .notFound && e.field == "mines" {
                    // a licence typed that is no mine's: said on the form, like any other refusal of it
                    return try await userPage(request, context, error: Pages.explain(e, context.language), status: .unprocessableContent)
                }
                return pages.redirect(back + "?mines_set=1")
            case "disable":
                try await db { try Users.Commands.disable(name).run(as: principal, actor: actor, on: $0) }
                return pages.redirect(back + "?disabled=1")
            case "enable":
                try await db { try Users.Commands.enable(name).run(as: principal, actor: actor, on: $0) }
                return pages.redirect(back + "?enabled=1")
            case "tokens":
                let days = Int(form["days"] ?? "")
                let issued = try await db {
                    try Users.Commands.issueToken(for: name, expiresInDays: days).run(as: principal, actor: actor, on: $0)
                }
                // shown once, on this answer, never stored: no redirect to a page that could show it again
                var response = try await userPage(request, context, issued: issued)
                response.headers[.cacheControl] = "no-store"
                return response
            default:
                throw ReclaimError(.notFound, "no such action")
            }
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal && e.kind != .notFound && e.kind != .forbidden {
            return try await userPage(request, context, error: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    @Sendable func revokeToken(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let name = try Self.userName(context)
        guard let id = Int64(try context.path("id")), id > 0 else { throw ReclaimError(.notFound, "no such token") }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        // the token must be this user's: a URL naming another's is not found
        guard try await db({ conn in try Users.tokens(of: name, on: conn).contains { $0.id == id } }) else {
            throw ReclaimError(.notFound, "no such token")
        }
        try await db { try Users.Commands.revokeToken(id).run(as: principal, actor: actor, on: $0) }
        return pages.redirect("/users/\(Show.segment(name))?revoked=1")
    }
}

extension DashboardController {
    /// The bureau's settings: everyone signed in reads them (they are the
    /// rules' numbers); an administrator changes one at a time, within its
    /// bounds, audited.
    func settingsPage(_ request: Request, _ context: AppContext, error: (key: String, message: String)? = nil,
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        let t = t(context), lang = context.language.report
        let settings = try await read(context) { try Settings.list(on: $0) }
        let editable = SettingsPolicy.manage.permits(session.principal)
        let rows: [[String: Any]] = settings.enumerated().map { i, s in
            let set: String = s.setBy.map { by in "\(by) · \(s.setAt.map { Show.time($0) } ?? "")" } ?? (t["default_value"] ?? "")
            let refused: Any = error?.key == s.key ? (error?.message ?? "") : false
            return ["n": i + 1, "key": s.key, "meaning": SettingLabels.meaning(s, lang), "value": s.value, "unit": s.unit,
                    "bounds": "\(s.floor)–\(s.ceiling)", "default": s.defaultValue, "set": set,
                    "action": "/settings/\(s.key)", "error": refused]
        }
        let saved: Any = request.uri.queryParameters["saved"] != nil ? (t["saved"] ?? "") : false
        return pages.render("settings", title: t["settings"] ?? "", request, context, status: status,
                            ["editable": editable, "settings": rows, "notice": saved])
    }

    @Sendable func settings(_ request: Request, _ context: AppContext) async throws -> Response {
        try await settingsPage(request, context)
    }

    @Sendable func setSetting(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let key = try context.path("key")
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            _ = try await db { try Settings.Commands.set(key, form["value"] ?? "").run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/settings?saved=1")
        } catch let e as ReclaimError where e.kind == .invalidInput || e.kind == .ruleViolation {
            return try await settingsPage(request, context, error: (key, Pages.explain(e, context.language)), status: .unprocessableContent)
        }
    }
}

extension DashboardController {
    /// `fund verify` for an auditor: start a verification, watch its step
    /// (the page reloads itself every two seconds while it runs, no script),
    /// read its report.
    @Sendable func verifyPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        try FundPolicy.verify.check(session.principal)
        let t = t(context), lang = context.language.report
        let jobs = verifications.recent()
        return pages.render("verify", title: t["verify_title"] ?? "", request, context, [
            "jobs": jobs.map { j in
                ["id": j.id, "started": "\(j.startedBy) · \(Show.time(j.startedAt, seconds: true))",
                 "state": Self.verificationState(j, t, lang)] as [String: Any]
            },
            "has_jobs": !jobs.isEmpty,
        ])
    }

    static func verificationState(_ j: Verifications.Job, _ t: [String: String], _ lang: ReportLanguage) -> String {
        switch j.state {
        case .running: return (t["verify_running"] ?? "") + (j.step.map { "：" + $0.label(lang) } ?? "")
        case .failed: return (t["verify_failed"] ?? "") + " " + (j.failure ?? "")
        case .done: return t[j.report?.isIntact == true ? "verify_intact" : "verify_broken"] ?? ""
        }
    }

    @Sendable func startVerification(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let digest = (form["checkpoint"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard digest.isEmpty || (digest.count == 64 && digest.allSatisfy(\.isHexDigit)) else {
            throw ReclaimError.invalid("checkpoint", "must be a checkpoint's digest (64 hexadecimal digits)")
        }
        let job = try verifications.start(pool: pool, by: session.principal, checkpoint: digest.isEmpty ? nil : digest,
                                          incremental: form["incremental"] == "1" && !digest.isEmpty)
        return pages.redirect("/verify/\(job.id)")
    }

    @Sendable func verification(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        try FundPolicy.verify.check(session.principal)
        let t = t(context), lang = context.language.report
        guard let job = verifications.job(try context.path("id")) else { throw ReclaimError(.notFound, "no such verification") }
        let report = job.report
        let counts = report.map { r in
            Show.table(t, [("field", false), ("value", true)], [
                [Show.cell(t["verify_entries"] ?? ""), Show.number(ExactDecimal.grouped(String(r.entries)))],
                [Show.cell(t["verify_postings"] ?? ""), Show.number(ExactDecimal.grouped(String(r.postings)))],
                [Show.cell(t["verify_accounts"] ?? ""), Show.number(ExactDecimal.grouped(String(r.accounts)))],
                [Show.cell(t["verify_audit_rows"] ?? ""), Show.number(ExactDecimal.grouped(String(r.auditRows)))],
            ])
        }
        let problems = report.map { r in
            Show.table(t, [("entry", true), ("license", false), ("target", false), ("problem", false)],
                       r.problems.map { p in
                           [Show.number(p.entryID.map(String.init) ?? p.auditID.map { "audit \($0)" } ?? ""),
                            Show.cell([p.license, p.account].compactMap { $0 }.joined(separator: " ")),
                            Show.cell(p.target.map { AuditLabels.target($0, lang) } ?? ""), Show.cell(p.problem)]
                       })
        }
        var values: [String: Any] = ["state": Self.verificationState(job, t, lang), "intact": report?.isIntact ?? false]
        values["refresh"] = job.state == .running ? "2" : false
        values["broken"] = report.map { !$0.isIntact } ?? false
        values["checkpoint"] = job.checkpoint ?? false
        values["started"] = "\(job.startedBy) · \(Show.time(job.startedAt, seconds: true))"
        let finished: Any = job.finishedAt.map { Show.time($0, seconds: true) } ?? false
        values["finished"] = finished
        if let counts { values["counts"] = counts } else { values["counts"] = false }
        if let problems, report?.problems.isEmpty == false { values["problems"] = problems } else { values["problems"] = false }
        return pages.render("verification", title: t["verify_title"] ?? "", request, context, values)
    }
}
