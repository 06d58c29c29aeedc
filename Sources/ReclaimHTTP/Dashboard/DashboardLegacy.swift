import Foundation
import HTTPTypes
import Hummingbird
import PQKit
import Reclaim

/// The banner's historical and abandoned-mine programme (历史遗留矿山) in the
/// browser, end to end: the survey's sites (one by one or from the survey
/// file), each site's public notice with its objections and outcome, the
/// projects with their budgets by source, sites, steps, progress on the
/// ground and money, and the documents of notices and projects. The same
/// commands as `reclaim legacy …` and the API's, under `LegacyPolicy` and,
/// for money, `FundPolicy`.
extension DashboardController {
    // MARK: The programme

    func legacyPage(_ request: Request, _ context: AppContext, form: [String: String] = [:], alert: String? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try LegacyPolicy.read.check(session.principal)
        let t = t(context), lang = context.language.report
        let (sites, projects) = try await read(context) { (try LegacySites.list(on: $0), try LegacyProjects.list(on: $0)) }
        let sitesTable = Show.table(t, [("code", false), ("township", false), ("area", true), ("notice_state", false), ("projects", false)],
                                    sites.map { s in
                                        [Show.link(s.code, "/legacy/sites/\(Show.segment(s.code))"), Show.cell(s.township),
                                         Show.number(ExactDecimal.grouped(s.area.hectares)),
                                         Show.cell(ReportRowLabels.group(s.noticeState, lang) + (s.restored ? " · \(t["restored"] ?? "")" : "")),
                                         s.project.map { Show.link("#\($0)", "/legacy/projects/\($0)") } ?? Show.cell("")]
                                    })
        let projectsTable = Show.table(t, [("entry", true), ("name", false), ("state", false), ("area", true), ("treated", true),
                                           ("planned", true), ("committed", true), ("spent", true)],
                                       projects.map { p in
                                           [Show.link("#\(p.id)", "/legacy/projects/\(p.id)"), Show.cell(p.name), Show.cell(p.state.label(lang)),
                                            Show.number(ExactDecimal.grouped(p.area.hectares)), Show.number(ExactDecimal.grouped(p.treated.hectares)),
                                            Show.number(p.planned.display(.yuan)), Show.number(p.committed.display(.yuan)),
                                            Show.number(p.spent.display(.yuan))]
                                       })
        let manages = LegacyPolicy.manage.permits(session.principal)
        func value(_ name: String) -> String { form[name] ?? "" }
        return pages.render("legacy", title: t["legacy"] ?? "", request, context, status: status, [
            "sites_table": sites.isEmpty ? false : sitesTable, "projects_table": projects.isEmpty ? false : projectsTable,
            "alert": alert ?? false,
            "notice": request.uri.queryParameters["imported"].map { (t["sites_imported"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) } ?? false,
            "manage": manages ? [
                "code": value("code"), "township": value("township"), "area": value("area_hm2"), "former_mine": value("former_mine"),
                "problems": ProblemType.allCases.map { p in
                    ["type": p.rawValue, "label": p.label(lang), "unit": p.unit.map { Self.unitLabel($0, t) } ?? false,
                     "quantity": value("problem_\(p.rawValue)"), "other_unit": value("unit_other")] as [String: Any]
                },
                "name": value("name"), "approval": value("approval"), "contractor": value("contractor"),
                "sources": FundingSource.allCases.map { ["source": $0.rawValue, "label": $0.label(lang), "amount": value("budget_\($0.rawValue)")] },
            ] as [String: Any] : false,
        ])
    }

    static func unitLabel(_ unit: String, _ t: [String: String]) -> String {
        ["m2": "m²", "m3": "m³", "m": "m", "count": t["unit_count"] ?? "count"][unit] ?? unit
    }

    @Sendable func legacy(_ request: Request, _ context: AppContext) async throws -> Response {
        try await legacyPage(request, context)
    }

    /// A surveyed site from the form: its problems one input per kind.
    @Sendable func addLegacySite(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let fields = Dictionary(form.pairs, uniquingKeysWith: { a, _ in a })
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let problems = try ProblemType.allCases.compactMap { type -> SiteProblem? in
                let q = (form["problem_\(type.rawValue)"] ?? "").trimmingCharacters(in: .whitespaces)
                guard !q.isEmpty else { return nil }
                let quantity = try Quantity.parse(typed: q, field: "problem_\(type.rawValue)")
                // in the survey file's notation, so that the same rules read it
                guard type == .other else { return try SiteProblem.parse("\(type.rawValue)=\(quantity)", field: "problem_\(type.rawValue)") }
                let unit = (form["unit_other"] ?? "").trimmingCharacters(in: .whitespaces)
                guard !unit.isEmpty else { throw ReclaimError.invalid("unit_other", "say the unit of the other problem, like m³") }
                return try SiteProblem.parse("other=\(quantity):\(unit)", field: "unit_other")
            }
            let former = (form["former_mine"] ?? "").trimmingCharacters(in: .whitespaces)
            let site = NewSite(code: form["code"] ?? "", township: form["township"] ?? "",
                               area: try Area.parseHectares(typed: form["area_hm2"] ?? "", field: "area_hm2"),
                               formerMine: former.isEmpty ? nil : former, problems: problems)
            let added = try await db { try LegacySites.Commands.add(site).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/legacy/sites/\(Show.segment(added.code))?done=1")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await legacyPage(request, context, form: fields, alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    /// The survey file (the CSV `legacy import` reads), all or nothing.
    @Sendable func importLegacySites(_ request: Request, _ context: AppContext) async throws -> Response {
        let (_, file, session) = try await upload(request, context, limit: 16 << 20)
        try LegacyPolicy.manage.check(session.principal)
        guard let file else { return try await legacyPage(request, context, alert: t(context)["choose_file"], status: .unprocessableContent) }
        let path = NSTemporaryDirectory() + "reclaim-survey-\(UUID().uuidString).csv"
        guard FileManager.default.createFile(atPath: path, contents: file.data) else { throw ReclaimError(.internal, "the file could not be staged") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let n = try await db { try LegacySites.Commands.importCSV(path: path).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/legacy?imported=\(n)")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await legacyPage(request, context, alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    /// A project with its planned budget by source.
    @Sendable func addLegacyProject(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let fields = Dictionary(form.pairs, uniquingKeysWith: { a, _ in a })
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            var budget: [FundingSource: Money] = [:]
            for source in FundingSource.allCases {
                let text = (form["budget_\(source.rawValue)"] ?? "").trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { budget[source] = try Money.parse(typed: text, field: "budget_\(source.rawValue)") }
            }
            let command = LegacyProjects.Commands.add(name: form["name"] ?? "", approval: form["approval"] ?? "",
                                                      contractor: form["contractor"] ?? "", budget: budget)
            let project = try await db { try command.run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/legacy/projects/\(project.id)?done=1")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await legacyPage(request, context, form: fields, alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    // MARK: A site and its notice (无主认定公告)

    func legacySiteCode(_ context: AppContext) throws -> String {
        let code = try context.path("code")
        guard !code.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
        else { throw ReclaimError(.notFound, "no such site") }
        return code
    }

    func legacySitePage(_ request: Request, _ context: AppContext, form: [String: String] = [:], alert: String? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try LegacyPolicy.read.check(session.principal)
        let code = try legacySiteCode(context)
        let principal = session.principal
        let (site, documents) = try await read(context) { conn in
            let site = try LegacySites.find(code, on: conn)
            return (site, try DocumentsView.load(DocumentRecord(.legacyNotice, site.code), license: nil, for: principal, on: conn))
        }
        let t = t(context), lang = context.language.report
        let details = Show.table(t, [("field", false), ("value", false)], [
            [Show.cell(t["code"] ?? ""), Show.cell(site.code)], [Show.cell(t["township"] ?? ""), Show.cell(site.township)],
            [Show.cell(t["area"] ?? ""), Show.number(ExactDecimal.grouped(site.area.hectares))],
            [Show.cell(t["former_mine"] ?? ""), Show.cell(site.formerMine ?? "")],
            [Show.cell(t["notice_state"] ?? ""), Show.cell(ReportRowLabels.group(site.noticeState, lang))],
            [Show.cell(t["projects"] ?? ""), site.project.map { Show.link("#\($0)", "/legacy/projects/\($0)") } ?? Show.cell("")],
            [Show.cell(t["restored"] ?? ""), Show.cell(ReportRowLabels.group(site.restored ? "true" : "false", lang))],
        ] + site.problems.map { p in
            [Show.cell("\(t["site_problem"] ?? "") · \(p.type.label(lang))"), Show.number("\(ExactDecimal.grouped(p.quantity.description)) \(Self.unitLabel(p.unit, t))")]
        })
        let manages = LegacyPolicy.manage.permits(principal)
        let back = "/legacy/sites/\(Show.segment(site.code))"
        let notice: Any = site.notice.map { n in
            ["period": "\(n.startOn) – \(n.endsOn)（\(n.days) \(t["days"] ?? "")）",
             "objections": n.objections.map { ["text": $0] }, "has_objections": !n.objections.isEmpty,
             "outcome": n.outcome.map { ReportRowLabels.group($0, lang) + (n.owner.map { "：\($0)" } ?? "") } ?? false] as [String: Any]
        } ?? false
        return pages.render("legacy_site", title: "\(t["site"] ?? "") · \(site.code)", request, context, status: status, [
            "details": details, "notice_record": notice, "alert": alert ?? false, "base": back,
            "notice": request.uri.queryParameters["done"] != nil ? (t["decided"] ?? "")
                : request.uri.queryParameters["attached"].map { (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) } ?? false,
            "open_form": manages && site.noticeState == "none" ? ["days": form["days"] ?? "", "start": form["start"] ?? Bureau.today.description] as [String: Any] : false,
            "objection_form": manages && site.noticeState == "open" ? ["text": form["text"] ?? ""] as [String: Any] : false,
            "close_form": manages && site.noticeState == "open" ? [
                "owner": form["owner"] ?? "",
                "outcomes": ["ownerless", "owner-found"].map { ["value": $0, "label": ReportRowLabels.group($0, lang), "selected": form["outcome"] == $0] },
            ] as [String: Any] : false,
            "documents": site.noticeState == "none" && documents.items.isEmpty ? false : documents.object(back: back, t, lang),
        ])
    }

    @Sendable func legacySite(_ request: Request, _ context: AppContext) async throws -> Response {
        try await legacySitePage(request, context)
    }

    /// One step on a site's notice; a refusal is shown on its page with what was typed kept.
    func legacySiteStep(_ request: Request, _ context: AppContext, _ command: (Form, String) throws -> Command<LegacySite>)
        async throws -> Response
    {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let code = try legacySiteCode(context)
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let command = try command(form, code)
            let site = try await db { try command.run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/legacy/sites/\(Show.segment(site.code))?done=1")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await legacySitePage(request, context, form: Dictionary(form.pairs, uniquingKeysWith: { a, _ in a }),
                                            alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    @Sendable func openLegacyNotice(_ request: Request, _ context: AppContext) async throws -> Response {
        try await legacySiteStep(request, context) { form, code in
            let daysText = (form["days"] ?? "").trimmingCharacters(in: .whitespaces)
            let startText = (form["start"] ?? "").trimmingCharacters(in: .whitespaces)
            let days = try daysText.isEmpty ? nil : Int(daysText.precomposedStringWithCompatibilityMapping)
                ?? { throw ReclaimError.invalid("days", "'\(daysText)' is not a number of days") }()
            let start = try startText.isEmpty ? nil : FundLedger.parseDate(startText, field: "start")
            return LegacySites.Commands.openNotice(code, days: days, start: start)
        }
    }

    @Sendable func recordLegacyObjection(_ request: Request, _ context: AppContext) async throws -> Response {
        try await legacySiteStep(request, context) { form, code in
            LegacySites.Commands.objection(code, text: (form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Sendable func closeLegacyNotice(_ request: Request, _ context: AppContext) async throws -> Response {
        try await legacySiteStep(request, context) { form, code in
            let owner = (form["owner"] ?? "").trimmingCharacters(in: .whitespaces)
            return LegacySites.Commands.closeNotice(code, outcome: form["outcome"] ?? "", owner: owner.isEmpty ? nil : owner)
        }
    }

    // MARK: A project (历史遗留矿山治理项目)

    func legacyProjectID(_ context: AppContext) throws -> Int64 {
        guard let id = Int64(try context.path("id")), id >= 1 else { throw ReclaimError(.notFound, "no such legacy project") }
        return id
    }

    func legacyProjectPage(_ request: Request, _ context: AppContext, form: [String: String] = [:], alert: String? = nil,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try LegacyPolicy.read.check(session.principal)
        let id = try legacyProjectID(context)
        let principal = session.principal
        let (p, documents) = try await read(context) { conn in
            (try LegacyProjects.find(id, on: conn),
             try DocumentsView.load(DocumentRecord(.legacyProject, String(id)), license: nil, for: principal, on: conn))
        }
        let t = t(context), lang = context.language.report
        let details = Show.table(t, [("field", false), ("value", false)], [
            [Show.cell(t["name"] ?? ""), Show.cell(p.name)], [Show.cell(t["approval"] ?? ""), Show.cell(p.approvalRef)],
            [Show.cell(t["contractor"] ?? ""), Show.cell(p.contractor)], [Show.cell(t["manager"] ?? ""), Show.cell(p.manager)],
            [Show.cell(t["state"] ?? ""), Show.cell(p.state.label(lang))],
            [Show.cell(t["area"] ?? ""), Show.number(ExactDecimal.grouped(p.area.hectares))],
            [Show.cell(t["treated"] ?? ""), Show.number(ExactDecimal.grouped(p.treated.hectares))],
        ])
        let funding = Show.table(t, [("source", false), ("planned", true), ("committed", true), ("spent", true), ("remaining", true)],
                                 p.funding.map { f in
                                     [Show.cell(f.source.label(lang)), Show.number(f.planned.display(.yuan)), Show.number(f.committed.display(.yuan)),
                                      Show.number(f.spent.display(.yuan)), Show.number(f.remaining.display(.yuan))]
                                 })
        let history = Show.table(t, [("changed_at", false), ("action", false), ("state", false), ("changed_by", false), ("opinion", false)],
                                 p.decisions.map { d in
                                     [Show.cell(Show.time(d.decidedAt)), Show.cell(LegacyProjectAction(rawValue: d.action)?.label(lang) ?? d.action),
                                      Show.cell(LegacyProjectState(rawValue: d.to)?.label(lang) ?? d.to), Show.cell(d.actor), Show.cell(d.note ?? "")]
                                 })
        let manages = LegacyPolicy.manage.permits(principal)
        // the steps the workflow allows from here to this person (approving and accepting: never the project's manager)
        let steps = LegacyProjects.workflow.actions(from: p.state).filter { $0 != .plan }.filter { a in
            LegacyPolicy.step(a).permits(principal) && !((a == .approve || a == .accept) && p.manager == principal.name)
        }
        let back = "/legacy/projects/\(p.id)"
        return pages.render("legacy_project", title: "\(t["project"] ?? "") #\(p.id) · \(p.name)", request, context, status: status, [
            "details": details, "funding": funding, "history": p.decisions.isEmpty ? false : history,
            "sites": p.sites.map { ["code": $0, "href": "/legacy/sites/\(Show.segment($0))"] }, "has_sites": !p.sites.isEmpty,
            "alert": alert ?? false, "base": back,
            "notice": request.uri.queryParameters["done"] != nil ? (t["decided"] ?? "")
                : Self.bookingNotice(request, t) ?? request.uri.queryParameters["attached"].map {
                    (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) } ?? false,
            "site_form": manages && [.planned, .approved].contains(p.state) ? ["code": form["code"] ?? ""] as [String: Any] : false,
            "steps": steps.map { a in ["action": a.rawValue, "label": a.label(lang), "id": "step-\(a.rawValue)",
                                      "needs_opinion": a == .accept || a == .approve || a == .suspend] as [String: Any] },
            "has_steps": !steps.isEmpty, "opinion": form["text"] ?? "",
            "progress_form": manages && p.state == .inWorks ? [
                "sites": p.sites.map { ["code": $0, "selected": form["site"] == $0] as [String: Any] },
                "area": form["area_hm2"] ?? "", "date": form["date"] ?? Bureau.today.description, "evidence": form["evidence"] ?? "",
            ] as [String: Any] : false,
            "money_form": FundPolicy.book.permits(principal) && [.approved, .inWorks, .suspended, .completed].contains(p.state) ? [
                "kinds": [EntryKind.legacyCommit, .legacySpend].map { k in
                    ["value": k.rawValue, "label": k.label(lang), "selected": form["kind"] == k.rawValue] as [String: Any]
                },
                "sources": p.funding.map { f in
                    ["value": f.source.rawValue, "label": "\(f.source.label(lang))（\(t["remaining"] ?? "") \(f.remaining.display(.yuan))）",
                     "selected": form["source"] == f.source.rawValue] as [String: Any]
                },
                "amount": form["amount"] ?? "", "value_date": form["value_date"] ?? Bureau.today.description,
                "reference": form["reference"] ?? "", "work": form["work"] ?? "",
                "idempotency_key": form["idempotency_key"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.random(),
            ] as [String: Any] : false,
            "documents": documents.object(back: back, t, lang),
        ])
    }

    @Sendable func legacyProject(_ request: Request, _ context: AppContext) async throws -> Response {
        try await legacyProjectPage(request, context)
    }

    /// One change to a project; a refusal is shown on its page with what was typed kept.
    func legacyProjectStep<T: Sendable>(_ request: Request, _ context: AppContext, form: Form, session: DashboardSession,
                                        _ command: (Int64) throws -> Command<T>, done: (T) -> String = { _ in "done=1" })
        async throws -> Response
    {
        let id = try legacyProjectID(context)
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let command = try command(id)
            let result = try await db { try command.run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/legacy/projects/\(id)?\(done(result))")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await legacyProjectPage(request, context, form: Dictionary(form.pairs, uniquingKeysWith: { a, _ in a }),
                                               alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    @Sendable func addLegacyProjectSite(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        return try await legacyProjectStep(request, context, form: form, session: session) { id in
            LegacyProjects.Commands.addSite(id, code: (form["code"] ?? "").trimmingCharacters(in: .whitespaces))
        }
    }

    /// Approve, start, suspend, resume, complete, accept; approving and accepting ask first.
    @Sendable func stepLegacyProject(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try legacyProjectID(context)
        guard let action = LegacyProjectAction(rawValue: form["decision"] ?? ""), action != .plan else {
            throw ReclaimError.invalid("decision", "must be a step of a legacy project")
        }
        let opinion = (form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if (action == .approve || action == .accept), form["confirmed"] != "1" {
            try LegacyPolicy.step(action).check(session.principal)
            let t = t(context)
            return confirmation(request, context, session: session, form: form, action: action.label(context.language.report),
                                record: "\(t["project"] ?? "") #\(id)", details: nil, back: "/legacy/projects/\(id)")
        }
        return try await legacyProjectStep(request, context, form: form, session: session) { id in
            LegacyProjects.Commands.step(id, action, opinion: opinion.isEmpty ? nil : opinion)
        }
    }

    @Sendable func legacyProgress(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        return try await legacyProjectStep(request, context, form: form, session: session) { id in
            let evidence = (form["evidence"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            return LegacyProjects.Commands.progress(id, code: form["site"] ?? "",
                                                    area: try Area.parseHectares(typed: form["area_hm2"] ?? "", field: "area_hm2"),
                                                    on: try FundLedger.parseDate(form["date"] ?? "", field: "date"), evidence: evidence)
        }
    }

    /// Finance commits money to the project or pays its works, once per form (its idempotency key).
    @Sendable func legacyMoney(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        return try await legacyProjectStep(request, context, form: form, session: session, { id in
            guard let kind = EntryKind(rawValue: form["kind"] ?? ""), kind == .legacyCommit || kind == .legacySpend else {
                throw ReclaimError.invalid("kind", "choose an allocation or a payment")
            }
            guard let source = FundingSource(rawValue: form["source"] ?? "") else { throw ReclaimError.invalid("source", "choose a funding source") }
            let key = form["idempotency_key"] ?? ""
            guard (8...100).contains(key.count) else { throw ReclaimError.invalid("idempotency_key", "send the form again from its page") }
            func text(_ name: String) -> String? {
                let v = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            let booking = Booking(amount: try Money.parse(typed: form["amount"] ?? ""),
                                  valueDate: try text("value_date").map { try FundLedger.parseDate($0, field: "value_date") },
                                  reference: text("reference"), memo: nil, idempotencyKey: "dashboard:\(key)")
            return LegacyProjects.Commands.book(kind, project: id, source: source, booking, work: text("work"))
        }, done: { (result: BookingResult) in "\(result.replayed ? "replayed" : "booked")=\(result.entry.id)" })
    }
}
