import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// The dashboard's forms: the reviewer's queue, finance's bookings, the
/// operator's annual plan editor and report; then the read-only pages.
extension DashboardController {
    // MARK: The reviewer's queue

    @Sendable func queue(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        try PlanPolicy.review.check(session.principal)
        let me = session.principal.name
        let t = t(context)
        // each annual plan whole: the reviewer decides on its works, its revision or its report, not on a budget line
        let principal = session.principal
        // listed green mines whose disclosure is overdue: the bureau follows them up (master plan chapter 6 §1.2)
        let lastYear = Bureau.today.year - 1
        // one visit to the database for the whole page
        let (plans, annual, closures, documents, greenOverdue, emergencies) = try await read(context) { conn in
            let plans = try Plans.list(state: .submitted, on: conn)
            let annual = try [AnnualPlanState.submitted, .revisionSubmitted, .reported].flatMap { state -> [AnnualPlanSummary] in
                try AnnualPlans.list(state: state, on: conn)
            }.map { try AnnualPlans.find($0.license, year: $0.year, on: conn) }
            let closures = try [ClosureState.filed, .underReview, .noticed].flatMap { state -> [ClosureApplication] in
                try Closures.list(state: state, on: conn)
            }
            // what each record carries, so that the reviewer reads it before deciding
            var documents: [String: [DocumentsView]] = [:]
            for p in plans {
                documents["plan-\(p.license)-\(p.version)"] = [try DocumentsView.load(DocumentRecord(.plan, "\(p.license)/\(p.version)"),
                                                                                     license: p.license, for: principal, on: conn)]
            }
            for a in annual { documents["annual-\(a.license)-\(a.year)"] = try Self.annualDocuments(a, for: principal, on: conn) }
            for c in closures {
                documents["closure-\(c.id)"] = try [DocumentSubject.closureApplication, .closureVisit].map {
                    try DocumentsView.load(DocumentRecord($0, String(c.id)), license: c.license, for: principal, on: conn)
                }
            }
            let greenOverdue = GreenMines.isOverdue(year: lastYear) ? try GreenMines.missing(year: lastYear, on: conn) : []
            // emergencies (应急监测) head every reviewer's queue until one of them closes them with the measures taken
            let emergencies = try Monitoring.events(openOnly: true, on: conn)
            return (plans, annual, closures, documents, greenOverdue, emergencies)
        }
        let lang = context.language.report
        func documentsOf(_ key: String) -> [[String: Any]] { (documents[key] ?? []).map { $0.object(back: "/queue", t, lang) } }
        func form(_ action: String, _ decision: String, _ label: String, _ id: String, text: String? = nil,
                  required: Bool = false, secondary: Bool = false) -> [String: Any] {
            ["action": action, "decision": decision, "label": t[label] ?? label, "button_id": "\(decision)-\(id)",
             "text_label": text.map { t[$0] ?? $0 } ?? false, "field_id": "text-\(decision)-\(id)", "required": required,
             "secondary": secondary]
        }
        var items: [(since: String, object: [String: Any])] = []
        for p in plans {
            let id = "plan-\(Show.segment(p.license))-\(p.version)"
            let action = "/queue/plans/\(Show.segment(p.license))/\(p.version)"
            items.append((Show.time(p.submittedAt), [
                "id": id, "heading": "\(t["plans"] ?? "") · \(p.license) v\(p.version)", "since": Show.time(p.submittedAt),
                "license": p.license, "license_path": Show.segment(p.license), "case": "/plans/\(Show.segment(p.license))/\(p.version)",
                "details": "\(t["service_period"] ?? "") \(p.serviceFrom)–\(p.serviceTo) · \(t["cost_total"] ?? "") \(p.costTotal.display(.yuan))",
                "forms": [form(action, "approve", "approve", id), form(action, "return", "return", id, text: "reason", required: true, secondary: true)],
                "documents": documentsOf("plan-\(p.license)-\(p.version)"),
            ]))
        }
        for a in annual {
            let id = "annual-\(Show.segment(a.license))-\(a.year)"
            let action = "/queue/annual-plans/\(Show.segment(a.license))/\(a.year)"
            let forms = a.state == .reported
                ? [form(action, "accept", "accept", id), form(action, "fail", "fail", id, text: "items", required: true, secondary: true)]
                : [form(action, "approve", "approve", id), form(action, "return", "return", id, text: "reason", required: true, secondary: true)]
            let since = a.decisions.last?.decidedAt ?? Date(timeIntervalSince1970: 0)
            items.append((Show.time(since), [
                "id": id, "heading": "\(t["annual_plans"] ?? "") · \(a.license) \(a.year) (\(a.state.label(context.language.report)))",
                "since": Show.time(since), "license": a.license, "license_path": Show.segment(a.license),
                "details": "\(t["budget"] ?? "") \(a.budget.display(.yuan))", "forms": forms,
                "tables": Self.worksTables(a, t, context.language.report),
                "documents": documentsOf("annual-\(a.license)-\(a.year)"),
            ]))
        }
        for c in closures {
            let id = "closure-\(c.id)"
            let action = "/queue/closures/\(c.id)"
            let mayVote = c.state == .underReview && c.panel.contains(me) && !c.votes.contains { $0.reviewer == me }
            items.append((c.filedOn.description, [
                "id": id, "heading": "\(t["closure"] ?? "") · \(c.license) #\(c.id) (\(c.state.label(context.language.report)))", "since": c.filedOn.description,
                "license": c.license, "license_path": Show.segment(c.license), "case": "/closures/\(c.id)",
                "details": "\(t["due_date"] ?? "") \(c.dueDate)\(c.dueProvisional ? " (\(t["due_provisional"] ?? ""))" : "") · \(t["working_days_left"] ?? "") \(c.workingDaysLeft)",
                "forms": mayVote ? [form(action, "pass", "vote_pass", id, text: "opinion", required: true),
                                    form(action, "fail", "vote_fail", id, text: "opinion", required: true, secondary: true)] : [],
                "documents": documentsOf("closure-\(c.id)"),
            ]))
        }
        let sorted = items.sorted { $0.since < $1.since }.map(\.object)
        return pages.render("queue", title: t["queue"] ?? "", request, context, [
            "items": sorted,
            "emergencies": emergencies.isEmpty ? false : ["items": emergencies.map { e in
                ["id": e.id, "license": e.license, "path": Show.segment(e.license), "kind": e.kind.label(context.language.report),
                 "at": Show.time(e.occurredAt), "description": e.description, "casualties": e.casualties,
                 "area": e.area.map { ExactDecimal.grouped($0.hectares) } ?? "—"] as [String: Any]
            }] as [String: Any],
            "green_overdue": greenOverdue.isEmpty ? false : [
                "year": lastYear, "link": "/green?year=\(lastYear)",
                "mines": greenOverdue.map { ["license": $0.license, "name": $0.name, "path": Show.segment($0.license), "due": $0.dueOn.description] },
            ] as [String: Any],
            "notice": request.uri.queryParameters["done"] != nil ? (t["decided"] ?? "")
                : request.uri.queryParameters["attached"].map { (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) } ?? false,
        ])
    }

    /// What a reviewer decides on: the works in force; a revision's works
    /// beside them (each changed cell marked); a year-end report's lines
    /// against what was planned.
    static func worksTables(_ a: AnnualPlan, _ t: [String: String], _ lang: ReportLanguage, report: Bool? = nil) -> [[String: Any]] {
        func measure(_ w: AnnualWork) -> String {
            w.area.map { "\($0.hectares) hm²" } ?? "\(w.quantity?.description ?? "") \(w.unit ?? "")"
        }
        let headings: [(String, Bool)] = [("work_type", false), ("location", false), ("planned_measure", true), ("budget", true),
                                          ("start_month", false), ("end_month", false)]
        func rows(_ works: [AnnualWork], against old: [AnnualWork]?) -> [[Show.Cell]] {
            // works the revision drops: shown struck out, so nothing leaves unnoticed
            let dropped = (old ?? []).dropFirst(works.count).map { w -> [Show.Cell] in
                [Show.cell("✖ \(w.type.label(lang)) （\(t["removed"] ?? "")）"), Show.cell(w.location), Show.number(measure(w)),
                 Show.number(w.budget.description), Show.cell(w.startMonth.description), Show.cell(w.endMonth.description)]
            }
            return works.enumerated().map { i, w in
                let was = old.flatMap { i < $0.count ? $0[i] : nil }
                func mark(_ now: String, _ before: String?) -> String {
                    guard old != nil else { return now }
                    guard let before else { return now + " ✚" }
                    return now == before ? now : "\(now) （\(t["was"] ?? "") \(before)）"
                }
                return [Show.cell(mark(w.type.label(lang), was?.type.label(lang))), Show.cell(mark(w.location, was?.location)),
                        Show.number(mark(measure(w), was.map(measure))), Show.number(mark(w.budget.description, was?.budget.description)),
                        Show.cell(mark(w.startMonth.description, was?.startMonth.description)),
                        Show.cell(mark(w.endMonth.description, was?.endMonth.description))]
            } + dropped
        }
        let inForce = a.works.map(\.planned)
        var tables = [Show.table(t, headings, rows(inForce, against: nil), caption: t["works_in_force"])]
        if let revision = a.pendingRevision {
            tables.append(Show.table(t, headings, rows(revision.works, against: inForce),
                                     caption: "\(t["revision_asked"] ?? "") · \(t["budget"] ?? "") \(revision.budget.display(.yuan))"))
        }
        if report ?? (a.state == .reported) {
            tables.append(Show.table(t, [("work_type", false), ("planned_measure", true), ("done", true), ("budget", true), ("spent", true),
                                         ("evidence_ids", false)],
                                     a.works.map { w in
                                         [Show.cell(w.planned.type.label(lang)), Show.number(measure(w.planned)),
                                          Show.number(w.done.map { $0.area.map { "\($0.hectares) hm²" } ?? "\($0.quantity?.description ?? "") \(w.planned.unit ?? "")" } ?? "—"),
                                          Show.number(w.planned.budget.description), Show.number(w.done?.spent.description ?? "—"),
                                          Show.cell(w.done?.evidence.joined(separator: "、") ?? "")]
                                     }, caption: t["year_end_report"]))
        }
        return tables
    }

    /// A decision is taken in two steps: the queue's button asks, this page
    /// says what will be recorded, under whose name, and only its own button
    /// (which sends `confirmed=1`) records it. Nothing is written before.
    func confirmation(_ request: Request, _ context: AppContext, session: DashboardSession, form: Form, action: String,
                      record: String, details: String?, back: String = "/queue") -> Response {
        let t = t(context)
        let question = (t["confirm_question"] ?? "")
            .replacingOccurrences(of: "{action}", with: action).replacingOccurrences(of: "{record}", with: record)
            .replacingOccurrences(of: "{who}", with: session.principal.name)
        return pages.render("confirm", title: t["confirm_title"] ?? "", request, context, [
            "question": question, "details": details ?? false, "action": request.uri.path,
            "decision": form["decision"] ?? "", "text": (form["text"] ?? "").isEmpty ? false : (form["text"] ?? ""),
            "back": back,
        ])
    }

    @Sendable func decidePlan(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let license = try context.license()
        guard let version = Int(try context.path("version")), version >= 1 else { throw ReclaimError.invalid("version", "must be a version") }
        let action: PlanAction = form["decision"] == "return" ? .return : form["decision"] == "approve" ? .approve
            : try { throw ReclaimError.invalid("decision", "must be approve or return") }()
        guard form["confirmed"] == "1" else {
            try PlanPolicy.review.check(session.principal)
            return confirmation(request, context, session: session, form: form, action: action.label(context.language.report),
                                record: "\(t(context)["plans"] ?? "") · \(license) v\(version)", details: nil)
        }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        _ = try await db {
            try Plans.Commands.decide(license, version: version, action, reason: form["text"]).run(as: principal, actor: actor, on: $0)
        }
        return pages.redirect("/queue?done=1")
    }

    @Sendable func decideAnnualPlan(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let license = try context.license()
        let year = try context.year()
        guard let action = AnnualPlanAction(rawValue: form["decision"] ?? ""), [.approve, .return, .accept, .fail].contains(action) else {
            throw ReclaimError.invalid("decision", "must be approve, return, accept or fail")
        }
        let text = form["text"] ?? ""
        let items = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard form["confirmed"] == "1" else {
            let lang = context.language.report
            let plan = try await read(context) { try AnnualPlans.find(license, year: year, on: $0) }
            try AnnualPlanPolicy.decide(action, plan.license).check(session.principal)
            let t = t(context)
            return confirmation(request, context, session: session, form: form, action: action.label(lang),
                                record: "\(t["annual_plans"] ?? "") · \(plan.license) \(year)",
                                details: "\(t["state"] ?? ""): \(plan.state.label(lang)) · \(t["budget"] ?? "") \(plan.pendingRevision?.budget ?? plan.budget)")
        }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        _ = try await db {
            try AnnualPlans.Commands.decide(license, year: year, action, reason: action == .return ? text : nil,
                                            items: action == .fail ? items : []).run(as: principal, actor: actor, on: $0)
        }
        return pages.redirect("/queue?done=1")
    }

    @Sendable func voteClosure(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        guard let id = Int64(try context.path("id")), id >= 1 else { throw ReclaimError.invalid("id", "must be an application id") }
        guard form["confirmed"] == "1" else {
            let t = t(context)
            return confirmation(request, context, session: session, form: form,
                                action: t[form["decision"] == "pass" ? "vote_pass" : "vote_fail"] ?? "",
                                record: "\(t["closure"] ?? "") #\(id)", details: nil)
        }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        _ = try await db {
            try Closures.Commands.vote(id, pass: form["decision"] == "pass", opinion: form["text"] ?? "")
                .run(as: principal, actor: actor, on: $0)
        }
        return pages.redirect("/queue?done=1")
    }

    // MARK: Finance: deposits and withdrawals

    /// The annual plans a withdrawal may pay, with what is left of each budget.
    static let formTitles: [EntryKind: String] = [
        .deposit: "deposit_title", .withdrawal: "withdrawal_title", .depositConversion: "conversion_title", .transfer: "transfer_title",
    ]

    func kind(_ context: AppContext) throws -> EntryKind {
        switch try context.path("kind") {
        case "deposit": return .deposit
        case "withdrawal": return .withdrawal
        case "conversion": return .depositConversion
        case "transfer": return .transfer
        default: throw ReclaimError(.notFound, "no such form")
        }
    }

    func moneyForm(_ request: Request, _ context: AppContext, form: Form?, errors: [String: String] = [:],
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try FundPolicy.book.check(session.principal)
        let kind = try kind(context)
        let t = t(context)
        // `?license=` lists that mine's plans only: at national scale
        // every payable plan of every mine is tens of thousands of options (issue 33); a licence
        // that is no licence is refused as any malformed parameter is (400), not ignored
        let mine = try request.uri.queryParameters.get("license").map { try Identifier.license($0) }
        let plans = kind == .withdrawal ? try await db { try AnnualPlans.payable(only: mine.map { [$0] }, on: $0) } : []
        let mergers = kind == .transfer ? try await db { try Mergers.list(on: $0) } : []
        func value(_ name: String, _ fallback: String = "") -> String { form?[name] ?? fallback }
        func field(_ name: String, _ label: String, type: String = "text", fallback: String = "") -> [String: Any] {
            ["id": name, "name": name, "label": t[label] ?? label, "type": type, "value": value(name, fallback), "select": false,
             "error": errors[name] ?? false]
        }
        var fields: [[String: Any]] = []
        if kind == .withdrawal {
            let chosen = value("annual_plan")
            var options: [[String: Any]] = [["value": "", "text": t["choose"] ?? "", "selected": chosen.isEmpty]]
            options += plans.map { p in
                let v = "\(p.license)|\(p.year)"
                return ["value": v, "text": "\(p.license) · \(p.year) · \(t["remaining"] ?? "") \(p.remaining) \(t["yuan"] ?? "")",
                        "selected": v == chosen]
            }
            fields.append(["id": "annual_plan", "name": "annual_plan", "label": t["annual_plan_budget"] ?? "",
                           "select": ["options": options], "error": errors["annual_plan"] ?? (plans.isEmpty ? (t["no_annual_plans"] ?? "") : false)])
        } else if kind == .transfer {
            // a transfer follows an approved merger (整合重组) of the two mining rights, and only that
            let chosen = value("merger")
            var options: [[String: Any]] = [["value": "", "text": t["choose"] ?? "", "selected": chosen.isEmpty]]
            // a merger carried out by `mine merge` moved its money already; one recorded before named the
            // transfers that followed it, one per licence merged away
            options += mergers.flatMap { m in
                m.moved.filter { $0.entryID == nil }.map { f in
                    let v = "\(m.id)|\(f.license)"
                    return ["value": v, "text": "\(f.license) → \(m.into) · \(m.approvedOn) · \(m.document)", "selected": v == chosen]
                }
            }
            fields.append(["id": "merger", "name": "merger", "label": t["merger"] ?? "", "select": ["options": options],
                           "error": errors["merger"] ?? (mergers.isEmpty ? (t["no_mergers"] ?? "") : false)])
        } else {
            fields.append(field("license", "license"))
        }
        fields += [field("amount", "amount"), field("value_date", "value_date", type: "date", fallback: Bureau.today.description),
                   field("reference", "reference"), field("memo", "memo")]
        let title = t[Self.formTitles[kind] ?? ""] ?? ""
        return pages.render("money", title: title, request, context, status: status, [
            "intro": kind == .depositConversion ? (t["conversion_intro"] ?? "") : false,
            "action": request.uri.path, "fields": fields, "has_errors": !errors.isEmpty,
            "idempotency_key": form?["idempotency_key"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.random(),
        ])
    }

    /// Books a deposit or withdrawal from the form; a refused field is shown
    /// beside itself with what was typed kept. The form's idempotency key
    /// makes a double submission book once.
    @Sendable func book(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let kind = try kind(context)
        var errors: [String: String] = [:]
        func attempt<T>(_ field: String, _ body: () throws -> T) -> T? {
            do { return try body() } catch let e as ReclaimError {
                errors[field] = Pages.explain(e, context.language)
                return nil
            } catch {
                errors[field] = Pages.explain(ReclaimError.wrap(error), context.language)
                return nil
            }
        }
        var license = form["license"] ?? ""
        var year: Int?
        var merger: (id: Int64, from: String, into: String)?
        if kind == .transfer {
            let chosen = (form["merger"] ?? "").split(separator: "|", maxSplits: 1).map(String.init)
            if chosen.count == 2, let id = Int64(chosen[0]), let m = try await db({ conn in try? Mergers.find(id, on: conn) }),
               m.from.contains(chosen[1]) {
                merger = (id, chosen[1], m.into)
                license = m.into
            } else {
                errors["merger"] = t(context)["choose_merger"] ?? ""
            }
        }
        if kind == .withdrawal {
            let parts = (form["annual_plan"] ?? "").split(separator: "|", maxSplits: 1).map(String.init)
            if parts.count == 2, let y = Int(parts[1]) {
                license = parts[0]
                year = y
            } else {
                errors["annual_plan"] = Pages.explain(ReclaimError.invalid("annual_plan_year", "choose an annual plan"), context.language)
            }
        }
        let amount = attempt("amount") { try Money.parse(typed: form["amount"] ?? "") }
        let typedDate = form["value_date"].flatMap { $0.isEmpty ? nil : $0 }
        let date = typedDate.flatMap { text in attempt("value_date") { try FundLedger.parseDate(text, field: "value_date") } }
        let key = form["idempotency_key"] ?? ""
        guard errors.isEmpty, let amount, key.count >= 8, key.count <= 100 else {
            return try await moneyForm(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
        let booking = Booking(amount: amount, valueDate: date, reference: form["reference"].flatMap { $0.isEmpty ? nil : $0 },
                              memo: form["memo"].flatMap { $0.isEmpty ? nil : $0 }, idempotencyKey: "dashboard:\(key)",
                              annualPlanYear: year)
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        let target = license
        let command = merger.map { FundLedger.Commands.transfer(from: $0.from, to: $0.into, merger: $0.id, booking) }
            ?? FundLedger.Commands.book(kind, target, booking)
        do {
            let result = try await db { conn in try command.run(as: principal, actor: actor, on: conn) }
            // where the money is now: a transfer's receiving mine, else the one mine
            let mine = kind == .transfer ? target : result.entry.postings.first { $0.account == .fund }?.license ?? target
            return pages.redirect("/mines/\(Show.segment(mine))?\(result.replayed ? "replayed" : "booked")=\(result.entry.id)")
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal {
            let field = e.field == "annual_plan_year" ? "annual_plan" : kind == .withdrawal && e.field == "license" ? "annual_plan"
                : kind == .transfer && ["license", "to_license", "from_license", "merger_id"].contains(e.field ?? "") ? "merger"
                : ["license", "amount", "value_date", "reference", "memo"].contains(e.field ?? "") ? (e.field ?? "amount") : "amount"
            errors[field] = Pages.explain(e, context.language)
            return try await moneyForm(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
    }
}
