import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import PQKit
import Reclaim

/// The dashboard's templates and stylesheet, read from files at start-up.
struct DashboardAssets: Sendable {
    let library: MustacheLibrary
    let stylesheet: String

    /// `RECLAIM_DASHBOARD`, the checkout this binary was built from, or
    /// /usr/share/reclaim/dashboard (the container); nil when none holds them.
    static func locate() -> URL? {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["RECLAIM_DASHBOARD"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: "/usr/share/reclaim/dashboard"))
        return candidates.first { fm.fileExists(atPath: $0.appendingPathComponent("Templates/head.mustache").path) }
    }

    static func load(from folder: URL) throws -> DashboardAssets {
        let fm = FileManager.default
        let templates = folder.appendingPathComponent("Templates")
        var library = MustacheLibrary()
        for file in try fm.contentsOfDirectory(atPath: templates.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        let css = try String(contentsOf: folder.appendingPathComponent("Static/dashboard.css"), encoding: .utf8)
        return DashboardAssets(library: library, stylesheet: css)
    }
}

/// A form's fields (application/x-www-form-urlencoded), in order.
struct Form: Sendable {
    var pairs: [(String, String)]

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    static func parse(_ text: String) -> Form {
        func decode(_ s: Substring) -> String {
            String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        }
        return Form(pairs: text.split(separator: "&").map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        })
    }

    /// The body of a POST: a form of at most 1 MiB, never anything else.
    static func read(_ request: Request, _ context: AppContext) async throws -> Form {
        let type = request.headers[.contentType] ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw ReclaimError.invalid("form", "send the form as application/x-www-form-urlencoded")
        }
        let buffer = try await context.collectBody(request)
        guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) else {
            throw ReclaimError.invalid("form", "is not UTF-8")
        }
        return parse(text)
    }
}

/// Raised for a POST whose CSRF token is missing or wrong.
struct CSRFRefusal: Error {}

/// Turns a request into the dashboard's view of it: the language from its
/// cookie, the session from its cookie, and any error into an HTML page.
struct DashboardMiddleware: RouterMiddleware {
    typealias Context = AppContext
    /// No script, nothing loaded from elsewhere, never framed: every HTML page Reclaim serves.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    let pool: ConnectionPool
    let pages: Pages
    let reads: ReadRouting

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        context.language = request.cookies[Pages.languageCookie].flatMap { DashboardLanguage(rawValue: $0.value) } ?? .zh
        var response: Response
        do {
            if let cookie = request.cookies[Pages.sessionCookie]?.value {
                context.dashboard = try await pool.withConnection { try Sessions.find(cookie: cookie, on: $0) }
            }
            response = try await next(request, context)
        } catch {
            response = pages.failure(error, request, context)
        }
        // a form sent may have written: the user's next pages read the primary until the replica has it
        if request.method == .post, let user = context.dashboard?.principal.name { reads.wrote(user) }
        // No page is cached, framed, or allowed to load anything from elsewhere.
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        response.headers[.referrerPolicy] = "same-origin"
        return response
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}

/// Renders pages: the frame (navigation for the role, language switch,
/// sign-out) around each template, in the user's language.
struct Pages: Sendable {
    let assets: DashboardAssets
    let logger: Logger

    static let sessionCookie = "reclaim_session"
    static let languageCookie = "reclaim_lang"
    static let signInCookie = "reclaim_signin"

    func render(_ template: String, title: String, _ request: Request, _ context: AppContext,
                status: HTTPResponse.Status = .ok, csrf: String? = nil, _ values: [String: Any] = [:]) -> Response {
        let lang = context.language
        let t = Messages.strings(lang)
        let other: DashboardLanguage = lang == .zh ? .en : .zh
        var object: [String: Any] = [
            "t": t, "title": title, "lang_tag": lang.htmlTag, "other_lang": other.rawValue, "other_lang_tag": other.htmlTag,
            "path": request.uri.path, "csrf": csrf ?? context.dashboard?.csrf ?? "", "user": false, "notice": false, "alert": false,
        ]
        if let session = context.dashboard {
            let p = session.principal
            object["user"] = [
                "name": p.name, "role_label": p.role.label(lang.report),
                "nav": Self.navigation(for: p).map { item in
                    ["href": item.href, "label": t[item.key] ?? item.key,
                     "current": item.href == "/" ? request.uri.path == "/" : request.uri.path.hasPrefix(item.href)] as [String: Any]
                },
            ] as [String: Any]
        }
        for (k, v) in values { object[k] = v }
        let html = assets.library.render(object, withTemplate: template) ?? ""
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The pages a role reaches from the menu; each page checks the same
    /// policy again, so a typed URL gets no further.
    static func navigation(for p: Principal) -> [(href: String, key: String)] {
        var items: [(String, String)] = [("/", "home"), ("/mines", "mines")]
        if p.role == .reviewer { items.append(("/queue", "queue")) }
        // experts sit on closure panels; the bureau follows every application
        if [.reviewer, .expert, .admin].contains(p.role) { items.append(("/closures", "closures")) }
        if p.role == .finance {
            items += [("/fund/deposit", "deposit"), ("/fund/withdrawal", "withdrawal"), ("/fund/conversion", "conversion"),
                      ("/fund/transfer", "transfer"), ("/fund/import", "import")]
        }
        if p.role != .operator { items.append(("/legacy", "legacy")) }
        items += [("/map", "map"), ("/green", "green"), ("/reports", "reports")]
        if p.role == .admin { items += [("/users", "users"), ("/settings", "settings"), ("/rules", "rules"), ("/calendar", "calendar")] }
        if p.role == .admin || p.role == .auditor { items += [("/audit", "audit"), ("/verify", "verify")] }
        return items
    }

    /// The page for a path nobody serves, asked for by a browser: plain, as
    /// it needs no session, in the language of the user's cookie.
    static func notFoundPage(_ lang: DashboardLanguage) -> String {
        let t = Messages.strings(lang)
        return """
            <!DOCTYPE html>
            <html lang="\(lang.htmlTag)"><head><meta charset="utf-8" /><title>\(t["error"] ?? "")</title>
            <link rel="stylesheet" href="/static/dashboard.css" /></head>
            <body><main id="main"><h1>\(t["error"] ?? "")</h1><p>\(t["not_found"] ?? "")</p>
            <p><a href="/">\(t["back_home"] ?? "")</a></p></main></body></html>

            """
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The HTML page for an error: sign-in for no session, 403/404/400/503
    /// pages in the user's language; nothing internal is shown.
    func failure(_ error: any Error, _ request: Request, _ context: AppContext) -> Response {
        let t = Messages.strings(context.language)
        // a body that did not arrive is the client's doing: a 4xx like any refusal
        let error = (error as? BodyNotReceived)?.problem ?? error
        if error is CSRFRefusal {
            return render("error", title: t["error"] ?? "", request, context, status: .forbidden, ["message": t["csrf"] ?? ""])
        }
        if let p = error as? Problem, p.status.code < 500 {
            // a malformed parameter (a year, a language, a unit): the user's mistake, said in their language
            logger.notice("dashboard: refused \(request.method) \(request.uri.path): \(p.detail)")
            let key = p.status == .notFound ? "not_found" : "bad_request"
            let message = (t[key] ?? "") + (context.language == .en ? " " + p.detail : "")
            return render("error", title: t["error"] ?? "", request, context, status: p.status, ["message": message])
        }
        if let h = error as? any HTTPResponseError, !(error is Problem) {
            let key = h.status == .notFound ? "not_found" : h.status.code < 500 ? "bad_request" : "unavailable"
            return render("error", title: t["error"] ?? "", request, context, status: h.status, ["message": t[key] ?? ""])
        }
        let e = ReclaimError.wrap(error)
        let (status, key): (HTTPResponse.Status, String) = switch e.kind {
        case .unauthenticated: (.unauthorized, "session_expired")
        case .forbidden: (.forbidden, "forbidden")
        case .notFound: (.notFound, "not_found")
        case .invalidInput, .unreadableInput, .ruleViolation, .conflict: (.badRequest, "bad_request")
        case .unavailable: (.serviceUnavailable, "unavailable")
        default: (.internalServerError, "error")
        }
        if e.kind == .unauthenticated {
            // a cookie that opens nothing any more: the session ended or expired
            return redirect(request.cookies[Pages.sessionCookie] == nil ? "/signin" : "/signin?expired=1")
        }
        if status == .internalServerError {
            logger.error("dashboard: \(String(describing: error))")
        }
        var message = t[key] ?? ""
        if e.kind == .notFound || e.kind == .invalidInput || e.kind == .ruleViolation || e.kind == .conflict {
            message += " " + Pages.explain(e, context.language)
        }
        return render("error", title: t["error"] ?? "", request, context, status: status, ["message": message])
    }

    /// A refusal in the user's language: the domain's own sentence in
    /// English; in Chinese, the database's refusals by their name
    /// (`ReclaimError.refusal`), with the figures they carry, and the rest
    /// by field and kind.
    static func explain(_ e: ReclaimError, _ lang: DashboardLanguage) -> String {
        guard lang == .zh else { return e.description }
        let message = e.message.lowercased()
        // the figures a refusal names ("12.00 yuan available, 50.00 yuan asked"), to say them again in Chinese
        let figures = e.message.matches(of: /-?[0-9]+\.[0-9]{2}/).map { String($0.output) }
        switch e.refusal {
        case "RCCLO": return "该矿山已闭坑验收，剩余基金已于闭坑时返还：不能再存入、支取或转移。"
        case "RCODR" where figures.count >= 2: return "基金余额不足：可用 \(figures[0]) 元，本次 \(figures[1]) 元。"
        case "RCBUD" where figures.count >= 3:
            return "超出该年度计划的剩余预算：剩余 \(figures[0]) 元（批准 \(figures[1]) 元），本次 \(figures[2]) 元。"
        case "fund_no_backdated_overdraft": return "按起息日计算当日基金余额不足：支出的起息日不能早于资金到账的日期。"
        case "RCAPL": return "请选择一份已批准的年度计划：基金只支付已批准计划中的工程。"
        case "RCDOC":
            // the file's name is the sentence's subject: "x.pdf is not a PDF, …" / "x.pdf is 12 bytes; … at most N bytes"
            let name = e.message.components(separatedBy: " is ").first ?? ""
            if message.contains("at most"), let limit = e.message.matches(of: /at most ([0-9]+) bytes/).first.map({ Int($0.output.1) ?? 0 }) {
                return "附件 \(name) 过大：每个文件不超过 \(Show.bytes(limit))。"
            }
            if message.contains("is empty") { return "附件 \(name) 是空文件。" }
            return "附件 \(name) 不是 PDF、PNG、JPEG 或 Office 文件（按文件内容判断，而非文件名）。"
        default: break
        }
        switch (e.field, e.kind) {
        case ("amount", .ruleViolation) where message.contains("budget"): return "超出该年度计划的剩余预算。"
        case ("amount", .ruleViolation): return "基金余额不足。"
        case ("amount", _) where message.contains("thousands separators"):
            return "千位分隔符须每三位一组，如 1,500.00；也可不写分隔符，如 1500.00。"
        case ("amount", _) where message.contains("greater than zero"): return "金额须大于零。"
        case ("amount", _): return "请输入大于零、最多两位小数的金额（元），如 1500.00 或 1,500.00。"
        case ("value_date", _) where message.contains("to today") || message.contains("in the future"):
            return "起息日须在 1990-01-01 至今天（北京时间）之间，不能是将来的日期。"
        case ("value_date", _): return "请输入有效日期（年-月-日），如 2025-03-01。"
        case ("annual_plan_year", _): return "请选择一份已批准的年度计划。"
        case ("license", .notFound), ("mine", .notFound): return "没有该许可证号的矿山。"
        case ("reason", _): return "请填写退回理由。"
        case (_, .conflict): return "该事项已被处理或状态已变化，请刷新页面。"
        case (_, .forbidden): return "您无权执行此操作。"
        case (let field?, .invalidInput) where field.contains("budget"): return "请输入最多两位小数的金额（元）。"
        case (let field?, .invalidInput) where field.contains("area"): return "请输入最多四位小数的面积（公顷）。"
        case (let field?, .invalidInput) where field.contains("month"): return "请输入年度内的月份（年-月）。"
        case (let field?, .invalidInput) where field.contains("quantity"): return "请输入最多三位小数的工程量。"
        case (.some, .invalidInput): return "该项填写不正确或未填写。"
        case (_, .ruleViolation): return "不符合规则：请检查所填内容。"
        default: return "请检查所填内容。"
        }
    }
}

extension AppContext {
    /// The signed-in session, or a redirect to the sign-in page.
    func requireSession() throws -> DashboardSession {
        guard let dashboard else { throw ReclaimError(.unauthenticated, "sign in") }
        return dashboard
    }

    /// The session, after checking the form's CSRF token against it.
    func requireSession(_ form: Form) throws -> DashboardSession {
        let session = try requireSession()
        guard Sessions.csrfMatches(form["csrf"], session) else { throw CSRFRefusal() }
        return session
    }
}

/// Display helpers shared by the pages.
enum Show {
    /// Beijing time, the bureau's (`Bureau.time`); the pages say so where they show times.
    static func time(_ date: Date, seconds: Bool = false) -> String {
        Bureau.time(date, seconds: seconds, offset: false)
    }

    /// A path segment for a licence (which may hold a slash or a space).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A table for the `table` partial: headings by message key, rows of
    /// cells (numbers right-aligned, optional links).
    static func table(_ t: [String: String], _ headings: [(String, Bool)], _ rows: [[Cell]], caption: String? = nil) -> [String: Any] {
        [
            "caption": caption ?? false,
            "headings": headings.map { ["label": t[$0.0] ?? $0.0, "n": $0.1] as [String: Any] },
            "rows": rows.map { ["cells": $0.map(\.object)] },
        ]
    }

    struct Cell {
        var text: String
        var numeric = false
        var href: String?

        var object: [String: Any] { ["text": text, "n": numeric, "href": href ?? false] }
    }

    static func cell(_ text: String) -> Cell { Cell(text: text) }
    static func number(_ text: String) -> Cell { Cell(text: text, numeric: true) }
    static func link(_ text: String, _ href: String) -> Cell { Cell(text: text, href: href) }
}

extension ReclaimError {
    /// A refusal of what the form sent (a value, a rule, a conflict): shown
    /// on the form beside what was typed, rather than as an error page.
    var isShownOnItsForm: Bool { kind == .invalidInput || kind == .ruleViolation || kind == .conflict }
}
