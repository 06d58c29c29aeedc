import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// The dashboard (看板): server-rendered pages under `/` for the bureau's staff
/// and the mines' operators, on the same domain rules and policies as the
/// API. Sign-in by password, a server-side session behind an opaque cookie,
/// a CSRF token in every form; errors are HTML pages in the user's language.
struct DashboardController {
    let pool: ConnectionPool
    let pages: Pages
    /// The pages that only show may read from the replica (`ReadRouting`).
    let reads: ReadRouting
    /// The whole banner's figures at a glance, kept once they are slow to compute.
    let overviews: OverviewCache
    /// Sign-ins at once and per client address.
    let signIns: SignInGate
    /// `fund verify` run for auditors, shared with the API's.
    let verifications: Verifications
    /// The sign-in limiter's refusals are counted here.
    let metrics: ServiceMetrics

    func register(on router: Router<AppContext>) {
        let group = router.group("").add(middleware: DashboardMiddleware(pool: pool, pages: pages, reads: reads))
        group.get("/static/dashboard.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: pages.assets.stylesheet)))
        }
        group.get("/signin", use: signInPage)
        group.post("/signin", use: signIn)
        group.post("/signout", use: signOut)
        group.post("/language", use: language)
        group.get("/", use: home)
        group.get("/mines", use: mines)
        group.get("/mines/{license}", use: mine)
        group.get("/mines/{license}/statement.csv", use: statementCSV)
        group.get("/mines/{license}/disclosure", use: disclosure)
        group.get("/queue", use: queue)
        group.post("/queue/plans/{license}/{version}", use: decidePlan)
        group.post("/queue/annual-plans/{license}/{year}", use: decideAnnualPlan)
        group.post("/queue/closures/{id}", use: voteClosure)
        group.get("/annual/{license}/{year}/view", use: annualView)
        group.get("/plans/{license}", use: planFormPage)
        group.post("/plans/{license}", use: submitPlan)
        group.get("/plans/{license}/{version}", use: planPage)
        group.get("/rules", use: rules)
        group.post("/rules", use: loadRules)
        group.get("/calendar", use: calendar)
        group.post("/calendar/day", use: addCalendarDay)
        group.post("/calendar/load", use: loadCalendar)
        group.get("/green", use: green)
        group.get("/map", use: map)
        group.post("/monitoring/events/{id}/close", use: closeEmergency)
        group.get("/closures", use: closures)
        group.get("/closures/{id}", use: closureCasePage)
        group.post("/closures/{id}/panel", use: assignClosurePanel)
        group.post("/closures/{id}/visit", use: recordClosureVisit)
        group.post("/closures/{id}/vote", use: voteOnClosure)
        group.post("/closures/{id}/objection", use: recordClosureObjection)
        group.post("/closures/{id}/resolve", use: resolveClosureObjection)
        group.post("/closures/{id}/confirm", use: confirmClosure)
        group.get("/fund/import") { request, context in try importPage(request, context) }
        group.post("/fund/import", use: importFile)
        group.get("/fund/reversal/{id}") { request, context in try await reversalForm(request, context, form: nil) }
        group.post("/fund/reversal/{id}", use: reverse)
        group.get("/fund/{kind}") { request, context in try await moneyForm(request, context, form: nil) }
        group.post("/fund/{kind}", use: book)
        group.get("/annual/{license}/{year}") { request, context in try await annualEditor(request, context, form: nil) }
        group.post("/annual/{license}/{year}", use: saveAnnualPlan)
        group.get("/annual/{license}/{year}/report") { request, context in try await annualReport(request, context, form: nil) }
        group.post("/annual/{license}/{year}/report", use: sendAnnualReport)
        group.get("/documents/{id}", use: downloadDocument)
        group.post("/documents", use: uploadDocuments)
        group.get("/output/{license}", use: output)
        group.post("/output/{license}", use: reportOutput)
        group.get("/closure/{license}", use: closure)
        group.post("/closure/{license}", use: applyForClosure)
        group.get("/verify", use: verifyPage)
        group.post("/verify", use: startVerification)
        group.get("/verify/{id}", use: verification)
        group.get("/settings", use: settings)
        group.post("/settings/{key}", use: setSetting)
        group.get("/users", use: users)
        group.post("/users", use: addUser)
        group.get("/users/{name}", use: user)
        group.post("/users/{name}/tokens/{id}/revoke", use: revokeToken)
        for act in ["password", "disable", "enable", "tokens", "mines"] {
            group.post("/users/{name}/\(act)") { request, context in try await actOnUser(request, context, act) }
        }
        group.get("/legacy", use: legacy)
        group.post("/legacy/sites", use: addLegacySite)
        group.post("/legacy/sites/import", use: importLegacySites)
        group.get("/legacy/sites/{code}", use: legacySite)
        group.post("/legacy/sites/{code}/notice", use: openLegacyNotice)
        group.post("/legacy/sites/{code}/objection", use: recordLegacyObjection)
        group.post("/legacy/sites/{code}/close", use: closeLegacyNotice)
        group.post("/legacy/projects", use: addLegacyProject)
        group.get("/legacy/projects/{id}", use: legacyProject)
        group.post("/legacy/projects/{id}/sites", use: addLegacyProjectSite)
        group.post("/legacy/projects/{id}/step", use: stepLegacyProject)
        group.post("/legacy/projects/{id}/progress", use: legacyProgress)
        group.post("/legacy/projects/{id}/money", use: legacyMoney)
        group.get("/reports", use: reports)
        group.get("/reports/{name}", use: reportCSV)
        group.get("/audit", use: audit)
        group.get("/shortfalls", use: shortfalls)
    }

    func t(_ context: AppContext) -> [String: String] { Messages.strings(context.language) }

    func db<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    /// For a page that only shows: the replica when it holds the user's own writes.
    func read<T: Sendable>(_ context: AppContext, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await reads.pool(for: context.dashboard?.principal.name).withConnection(body)
    }

    static func random() -> String { UUID().uuidString.lowercased() }

    /// Cookies are Secure when the page came over TLS (directly, or through
    /// a proxy that says so).
    static func secure(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    // MARK: Signing in and out, language

    @Sendable func signInPage(_ request: Request, _ context: AppContext) async throws -> Response {
        if context.dashboard != nil { return pages.redirect("/") }
        let q = request.uri.queryParameters
        let notice = q["out"] != nil ? t(context)["signed_out"] : q["expired"] != nil ? t(context)["session_expired"] : nil
        return signInForm(request, context, status: .ok, name: "", error: nil, notice: notice)
    }

    /// The sign-in form carries its own CSRF token, matched against a cookie
    /// set with it (there is no session yet).
    func signInForm(_ request: Request, _ context: AppContext, status: HTTPResponse.Status, name: String, error: String?,
                    notice: String?) -> Response {
        let token = Self.random()
        var response = pages.render("signin", title: t(context)["sign_in"] ?? "", request, context, status: status, csrf: token, [
            "form_csrf": token, "typed_name": name, "error": error ?? false, "notice": notice ?? false,
        ])
        response.setCookie(Cookie(name: Pages.signInCookie, value: token, path: "/", secure: Self.secure(request),
                                  httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func signIn(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        guard let sent = form["csrf"], let cookie = request.cookies[Pages.signInCookie]?.value, sent == cookie else {
            throw CSRFRefusal()
        }
        let name = form["name"] ?? "", password = form["password"] ?? ""
        let admission = signIns.enter(address: context.remoteAddress)
        if let reason = admission.rejection { metrics.signInRejected(reason) }
        switch admission {
        case .admitted: break
        case .busy(let seconds), .throttled(let seconds):
            var response = signInForm(request, context, status: .tooManyRequests, name: name,
                                      error: t(context)["sign_in_busy"], notice: nil)
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        let outcome = try await signIns.admitted {
            try await db { try Sessions.signIn(name: name, password: password, on: $0) }
        }
        switch outcome {
        case .signedIn(let cookie, _):
            var response = pages.redirect("/")
            response.setCookie(Cookie(name: Pages.sessionCookie, value: cookie, path: "/", secure: Self.secure(request),
                                      httpOnly: true, sameSite: .strict))
            response.setCookie(Cookie(name: Pages.signInCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        case .wrongNameOrPassword:
            return signInForm(request, context, status: .unauthorized, name: name, error: t(context)["wrong_password"], notice: nil)
        case .locked:
            return signInForm(request, context, status: .tooManyRequests, name: name, error: t(context)["locked"], notice: nil)
        }
    }

    @Sendable func signOut(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        _ = try context.requireSession(form)
        if let cookie = request.cookies[Pages.sessionCookie]?.value {
            try await db { try Sessions.end(cookie: cookie, on: $0) }
        }
        var response = pages.redirect("/signin?out=1")
        response.setCookie(Cookie(name: Pages.sessionCookie, value: "", maxAge: 0, path: "/", secure: Self.secure(request),
                                  httpOnly: true, sameSite: .strict))
        return response
    }

    /// Back to the page a form came from: a local path only, never another
    /// site. Browsers strip tabs and newlines from a URL and read `\` as `/`,
    /// so `/\t/evil.example` would become `//evil.example`: a path with any
    /// control character, blank or backslash, or one that starts `//`, is
    /// the home page instead.
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"),
              !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0 == "\\"
                                                     || $0.properties.isWhitespace || $0.properties.generalCategory == .format })
        else { return "/" }
        return text
    }

    @Sendable func language(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        if context.dashboard != nil {
            _ = try context.requireSession(form)
        } else {
            guard let sent = form["csrf"], sent == request.cookies[Pages.signInCookie]?.value else { throw CSRFRefusal() }
        }
        let lang = DashboardLanguage(rawValue: form["to"] ?? "") ?? .zh
        var response = pages.redirect(Self.localPath(form["back"]))
        response.setCookie(Cookie(name: Pages.languageCookie, value: lang.rawValue, maxAge: 365 * 24 * 3600, path: "/",
                                  secure: Self.secure(request), httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: Home

    @Sendable func home(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let only = MinePolicy.scope(for: session.principal)
        let year = Bureau.today.year
        // The server is chosen when the figures are computed, not at a visit
        // that shows kept ones: such a visit reads nothing (reads_total).
        let principal = session.principal
        let o: Overview, asOf: Date?, own: [Reminder]
        if only == nil {
            (o, asOf) = try await overviews.overview(year: year) { [self] in
                try await read(context) { try Reports.overview(year: year, only: nil, on: $0) }
            }
            own = []
        } else {
            // an operator's own mines, always afresh: the figures and their own 待办 lines in one visit to the database
            (o, own) = try await read(context) {
                (try Reports.overview(year: year, only: only, on: $0), try Reminders.operatorLines(for: principal, on: $0))
            }
            asOf = nil
        }
        let t = t(context)
        let yuan = t["yuan"] ?? ""
        let cards: [[String: Any]] = [
            ["id": "fund-total", "label": t["fund_total"] ?? "", "value": "\(o.fundTotal.display(.yuan)) \(yuan)"],
            ["id": "deposits", "label": "\(t["deposits_year"] ?? "") (\(year))", "value": "\(o.deposits.display(.yuan)) \(yuan)"],
            ["id": "withdrawals", "label": "\(t["withdrawals_year"] ?? "") (\(year))", "value": "\(o.withdrawals.display(.yuan)) \(yuan)"],
            ["id": "shortfalls", "label": t["shortfall_count"] ?? "", "value": String(o.shortfalls),
             "href": "/shortfalls?year=\(year)"],
            ["id": "waiting", "label": t["waiting"] ?? "", "value": String(o.waiting), "href": "/queue"],
            ["id": "overdue", "label": t["closures_overdue"] ?? "", "value": String(o.closuresOverdue)],
            ["id": "reclamation", "label": t["treated_vs_target"] ?? "",
             "value": "\(o.restoration.reclamationRatePercent ?? "—") % · \(o.restoration.reclaimed.hectares) \(t["hm2"] ?? "")"],
        ]
        let table = Show.table(t, [("year", false), ("deposits_year", true), ("withdrawals_year", true), ("treated_area", true)],
                               o.years.map { [Show.cell(String($0.year)), Show.number($0.deposits.description),
                                              Show.number($0.withdrawals.description), Show.number($0.treated.hectares)] })
        // 待办: the banner-wide lines from the same figures (nothing read for a kept overview), and an operator's own
        let reminders = own + Reminders.list(for: principal, overview: o)
        let lang = context.language.report
        return pages.render("home", title: t["home"] ?? "", request, context, [
            "reminders": reminders.isEmpty ? false : ["items": reminders.map {
                ["kind": $0.kind.rawValue, "label": $0.kind.label(lang), "count": $0.count, "link": $0.link] as [String: Any]
            }] as [String: Any],
            "cards": cards, "chart": Chart.yearly(o.years, t), "years_table": table,
            "as_of": asOf.map {
                (t["overview_as_of"] ?? "").replacingOccurrences(of: "{time}", with: Show.time($0, seconds: true))
                    .replacingOccurrences(of: "{seconds}", with: String(overviews.refreshAfter.components.seconds))
            } ?? false,
        ])
    }

    // MARK: Mines

    @Sendable func mines(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let q = request.uri.queryParameters
        let text = q["q"].map(String.init)
        let page = try q["page"].map { p -> Int in
            guard let n = Int(String(p)), n >= 1 else { throw ReclaimError.invalid("page", "must be a page number") }
            return n
        } ?? 1
        let only = MinePolicy.scope(for: session.principal)
        let (found, total, balances) = try await read(context) { conn in
            let (found, total) = try MineRegistry.search(text, page: page, only: only, on: conn)
            // the page's balances in one read, not one a row (issue 33)
            let balances = Dictionary(try FundLedger.balances(only: found.map(\.license), on: conn).map { ($0.license, $0.balance) },
                                      uniquingKeysWith: { first, _ in first })
            return (found, total, balances)
        }
        let t = t(context), lang = context.language.report
        let table = Show.table(t, [("license", false), ("name", false), ("mineral", false), ("scale", false), ("status", false),
                                   ("balance", true)],
                               found.map { m in
                                   [Show.link(m.license, "/mines/\(Show.segment(m.license))"), Show.cell(m.name),
                                    Show.cell(m.mineral), Show.cell(m.scale.label(lang)), Show.cell(m.status.label(lang)),
                                    Show.number(balances[m.license]?.description ?? "")]
                               })
        let pages = max(1, (total + 19) / 20)
        let query = text.map { "q=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&" } ?? ""
        return self.pages.render("mines", title: t["mines"] ?? "", request, context, [
            "q": text ?? "", "mines_table": found.isEmpty ? false : table, "has_mines": !found.isEmpty,
            "previous": page > 1 ? "/mines?\(query)page=\(page - 1)" : false,
            "next": page < pages ? "/mines?\(query)page=\(page + 1)" : false,
            "page_text": "\(page) / \(pages)",
        ])
    }

    static func dateParameter(_ request: Request, _ name: String) throws -> CalendarDate? {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init), !text.isEmpty else { return nil }
        return try FundLedger.parseDate(text, field: name)
    }

    @Sendable func mine(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try MinePolicy.read(license).check(session.principal)
        let t = t(context), lang = context.language.report
        var dateErrors: [String: String] = [:]
        func date(_ name: String) -> CalendarDate? {
            do { return try Self.dateParameter(request, name) } catch {
                dateErrors[name] = Pages.explain(ReclaimError.wrap(error), context.language)
                return nil
            }
        }
        let from = date("from"), to = date("to")
        let (f, tt) = (from, to)
        let (detail, statement, plans, annual, closures) = try await read(context) { conn in
            let detail = try MineRegistry.show(license, on: conn)
            let statement = try FundLedger.statement(license, from: f, to: tt, on: conn)
            let plans = try Plans.list(only: [license], on: conn)
            let annual = try AnnualPlans.list(only: [license], on: conn)
            let closures = try Closures.list(only: [license], on: conn)
            return (detail, statement, plans, annual, closures)
        }
        let m = detail.mine
        let registry = Show.table(t, [("field", false), ("value", false)], [
            [Show.cell(t["license"] ?? ""), Show.cell(m.license)], [Show.cell(t["name"] ?? ""), Show.cell(m.name)],
            [Show.cell(t["holder"] ?? ""), Show.cell(m.holder)], [Show.cell(t["mineral"] ?? ""), Show.cell(m.mineral)],
            [Show.cell(t["scale"] ?? ""), Show.cell(m.scale.label(lang))], [Show.cell(t["method"] ?? ""), Show.cell(m.method.label(lang))],
            [Show.cell(t["status"] ?? ""), Show.cell(m.status.label(lang))], [Show.cell(t["area"] ?? ""), Show.number(m.area.hectares)],
            [Show.cell(t["capacity"] ?? ""),
             Show.cell(m.capacity.map { "\($0) 万\(m.outputUnit == "m3" ? "m³" : "t")/\(t["per_year"] ?? "a")" } ?? "—")],
        ])
        let obligations = Show.table(t, [("kind", false), ("reason", false), ("changed_at", false)],
                                     detail.obligations.map { [Show.cell($0.kind.label(lang)), Show.cell($0.reason), Show.cell(Show.time($0.openedAt))] })
        // finance corrects an entry by reversing it (冲正), from its line; a reversal is not itself reversed
        let corrects = FundPolicy.book.permits(session.principal)
        let lines = Show.table(t, [("entry", true), ("kind", false), ("value_date", false), ("amount", true), ("balance_after", true),
                                   ("reference", false), ("memo", false), ("annual_plan", false)] + (corrects ? [("correct", false)] : []),
                               statement.entries.map { l in
                                   [Show.number(String(l.id)), Show.cell(l.kind.label(lang)), Show.cell(l.valueDate.description),
                                    Show.number(l.amount.display(.yuan)), Show.number(l.balanceAfter.display(.yuan)),
                                    Show.cell(l.reference ?? ""), Show.cell(l.memo ?? ""), Show.cell(l.annualPlanYear.map(String.init) ?? "")]
                                       + (!corrects ? [] : l.kind == .reversal ? [Show.cell("")]
                                           : [Show.link(t["reverse"] ?? "", "/fund/reversal/\(l.id)")])
                               })
        let plansTable = Show.table(t, [("version", true), ("state", false), ("service_period", false), ("cost_total", true)],
                                    plans.map { [Show.link("v\($0.version)", "/plans/\(Show.segment($0.license))/\($0.version)"),
                                                 Show.cell($0.state.label(lang) + ($0.current ? " ✓" : "")),
                                                 Show.cell("\($0.serviceFrom)–\($0.serviceTo)"), Show.number($0.costTotal.display(.yuan))] })
        let segment = Show.segment(license)
        let canAct = AnnualPlanPolicy.act(license).permits(session.principal)
        let annualTable = Show.table(t, [("year", false), ("state", false), ("budget", true), ("waiting_since", false)],
                                     annual.map { a in
                                         [Show.link(String(a.year), canAct ? "/annual/\(segment)/\(a.year)" : "/annual/\(segment)/\(a.year)/view"),
                                          Show.cell(a.state.label(lang)), Show.number(a.budget.display(.yuan)), Show.cell(Show.time(a.since))]
                                     })
        let closureTable = Show.table(t, [("entry", true), ("state", false), ("filed_on", false), ("due_date", false),
                                          ("working_days_left", true)],
                                      closures.map { [Show.link("#\($0.id)", "/closures/\($0.id)"), Show.cell($0.state.label(lang)),
                                                      Show.cell($0.filedOn.description),
                                                      Show.cell($0.dueDate.description + ($0.dueProvisional ? " (\(t["due_provisional"] ?? ""))" : "")),
                                                      Show.number(String($0.workingDaysLeft))] })
        let history = Show.table(t, [("field", false), ("old_value", false), ("new_value", false), ("changed_at", false),
                                     ("changed_by", false)],
                                 detail.history.map { [Show.cell($0.field), Show.cell($0.oldValue ?? ""), Show.cell($0.newValue ?? ""),
                                                       Show.cell(Show.time($0.changedAt)), Show.cell($0.changedBy)] })
        var csv = "/mines/\(segment)/statement.csv"
        let range = [from.map { "from=\($0)" }, to.map { "to=\($0)" }].compactMap { $0 }
        if !range.isEmpty { csv += "?" + range.joined(separator: "&") }
        return pages.render("mine", title: "\(m.name) (\(m.license))", request, context, [
            "registry_table": registry, "obligations_table": detail.obligations.isEmpty ? false : obligations,
            "statement_table": lines, "from": from?.description ?? "", "to": to?.description ?? "",
            "from_error": dateErrors["from"] ?? false, "to_error": dateErrors["to"] ?? false, "csv_href": csv,
            "notice": Self.bookingNotice(request, t) ?? false,
            "opening": statement.openingBalance.description, "closing": statement.closingBalance.description,
            "plans_table": plans.isEmpty ? false : plansTable, "annual_table": annual.isEmpty ? false : annualTable,
            "closure_table": closures.isEmpty ? false : closureTable, "history_table": detail.history.isEmpty ? false : history,
            "can_edit": canAct, "license_path": segment, "edit_year": Bureau.today.year,
            "can_submit_plan": PlanPolicy.submit(license).permits(session.principal),
            "disclosure_years": (max(Years.range.lowerBound, Bureau.today.year - 5)...Bureau.today.year).reversed().map {
                ["year": $0, "selected": $0 == Bureau.today.year - 1] as [String: Any]
            },
        ])
    }

    /// "Booked as entry 12" after a form booked, or that it was a replay.
    static func bookingNotice(_ request: Request, _ t: [String: String]) -> String? {
        let q = request.uri.queryParameters
        if let id = q["booked"].flatMap({ Int64(String($0)) }) { return "\(t["booked"] ?? "") \(id)" }
        if let id = q["replayed"].flatMap({ Int64(String($0)) }) { return "\(t["replayed"] ?? "") \(id)" }
        return nil
    }

    /// The mine's yearly disclosure (信息公示) as the public reads it: the
    /// same page as the API's `Accept: text/html`, in the reader's language,
    /// for the year and unit picked on the mine's page; printable as it is.
    @Sendable func disclosure(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try ReportPolicy.disclosure(license).check(session.principal)
        let year = try AnnualPlanController.queryYear(request) ?? Bureau.today.year - 1
        let (lang, unit) = try ReportController.presentation(request, language: context.language.report)
        let report = try await read(context) { try Reports.disclosure(license, year: year, on: $0) }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: report.html(lang: lang, unit: unit))))
    }

    @Sendable func statementCSV(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try MinePolicy.read(license).check(session.principal)
        let (from, to) = (try Self.dateParameter(request, "from"), try Self.dateParameter(request, "to"))
        // the language asked for (?lang=), else the one the user reads the dashboard in
        let (lang, _) = try ReportController.presentation(request, language: context.language.report)
        let buffer = try await read(context) { conn in
            var out = ByteBuffer()
            try FundLedger.statementCSV(license, from: from, to: to, lang: lang, on: conn) { out.writeBytes($0) }
            return out
        }
        return Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8",
            .contentDisposition: Download.disposition(FundLedger.statementFileName(license, from: from, to: to, lang: lang)),
        ], body: .init(byteBuffer: buffer))
    }
}
