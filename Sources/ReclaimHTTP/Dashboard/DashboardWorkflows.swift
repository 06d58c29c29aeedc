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
        let (plans, annual, closures) = try await read(context) { conn in
            (try Plans.list(state: .submitted, on: conn),
             try [AnnualPlanState.submitted, .revisionSubmitted, .reported].flatMap { state -> [AnnualPlanSummary] in
                 try AnnualPlans.list(state: state, on: conn)
             },
             try [ClosureState.filed, .underReview, .noticed].flatMap { state -> [ClosureApplication] in
                 try Closures.list(state: state, on: conn)
             })
        }
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
                "license": p.license, "license_path": Show.segment(p.license),
                "details": "\(t["service_period"] ?? "") \(p.serviceFrom)–\(p.serviceTo) · \(t["cost_total"] ?? "") \(p.costTotal)",
                "forms": [form(action, "approve", "approve", id), form(action, "return", "return", id, text: "reason", required: true, secondary: true)],
            ]))
        }
        for a in annual {
            let id = "annual-\(Show.segment(a.license))-\(a.year)"
            let action = "/queue/annual-plans/\(Show.segment(a.license))/\(a.year)"
            let forms = a.state == .reported
                ? [form(action, "accept", "accept", id), form(action, "fail", "fail", id, text: "items", required: true, secondary: true)]
                : [form(action, "approve", "approve", id), form(action, "return", "return", id, text: "reason", required: true, secondary: true)]
            items.append((Show.time(a.since), [
                "id": id, "heading": "\(t["annual_plans"] ?? "") · \(a.license) \(a.year) (\(a.state.label(context.language.report)))",
                "since": Show.time(a.since), "license": a.license, "license_path": Show.segment(a.license),
                "details": "\(t["budget"] ?? "") \(a.budget)", "forms": forms,
            ]))
        }
        for c in closures {
            let id = "closure-\(c.id)"
            let action = "/queue/closures/\(c.id)"
            let mayVote = c.state == .underReview && c.panel.contains(me) && !c.votes.contains { $0.reviewer == me }
            items.append((c.filedOn.description, [
                "id": id, "heading": "\(t["closure"] ?? "") · \(c.license) #\(c.id) (\(c.state.label(context.language.report)))", "since": c.filedOn.description,
                "license": c.license, "license_path": Show.segment(c.license),
                "details": "\(t["due_date"] ?? "") \(c.dueDate)\(c.dueProvisional ? " (\(t["due_provisional"] ?? ""))" : "") · \(t["working_days_left"] ?? "") \(c.workingDaysLeft)",
                "forms": mayVote ? [form(action, "pass", "vote_pass", id, text: "opinion", required: true),
                                    form(action, "fail", "vote_fail", id, text: "opinion", required: true, secondary: true)] : [],
            ]))
        }
        let sorted = items.sorted { $0.since < $1.since }.map(\.object)
        return pages.render("queue", title: t["queue"] ?? "", request, context, [
            "items": sorted, "notice": request.uri.queryParameters["done"] != nil ? (t["decided"] ?? "") : false,
        ])
    }

    @Sendable func decidePlan(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let license = try context.license()
        guard let version = Int(try context.path("version")), version >= 1 else { throw ReclaimError.invalid("version", "must be a version") }
        let action: PlanAction = form["decision"] == "return" ? .return : form["decision"] == "approve" ? .approve
            : try { throw ReclaimError.invalid("decision", "must be approve or return") }()
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
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        _ = try await db {
            try Closures.Commands.vote(id, pass: form["decision"] == "pass", opinion: form["text"] ?? "")
                .run(as: principal, actor: actor, on: $0)
        }
        return pages.redirect("/queue?done=1")
    }

    // MARK: Finance: deposits and withdrawals

    /// The annual plans a withdrawal may pay, with what is left of each budget.
    static func payablePlans(on conn: Connection) throws -> [AnnualPlan] {
        try AnnualPlans.list(on: conn).filter(\.state.paysForWorks)
            .map { try AnnualPlans.find($0.license, year: $0.year, on: conn) }
            .sorted { ($0.license, $0.year) < ($1.license, $1.year) }
    }

    func kind(_ context: AppContext) throws -> EntryKind {
        switch try context.path("kind") {
        case "deposit": return .deposit
        case "withdrawal": return .withdrawal
        default: throw ReclaimError(.notFound, "no such form")
        }
    }

    func moneyForm(_ request: Request, _ context: AppContext, form: Form?, errors: [String: String] = [:],
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try FundPolicy.book.check(session.principal)
        let kind = try kind(context)
        let t = t(context)
        let plans = kind == .withdrawal ? try await db { try Self.payablePlans(on: $0) } : []
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
        } else {
            fields.append(field("license", "license"))
        }
        fields += [field("amount", "amount"), field("value_date", "value_date", type: "date", fallback: Bureau.today.description),
                   field("reference", "reference"), field("memo", "memo")]
        let title = t[kind == .deposit ? "deposit_title" : "withdrawal_title"] ?? ""
        return pages.render("money", title: title, request, context, status: status, [
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
        do {
            let result = try await db { conn in
                try FundLedger.Commands.book(kind, target, booking).run(as: principal, actor: actor, on: conn)
            }
            let mine = result.entry.postings.first { $0.account == .fund }?.license ?? target
            return pages.redirect("/mines/\(Show.segment(mine))?\(result.replayed ? "replayed" : "booked")=\(result.entry.id)")
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal {
            let field = e.field == "annual_plan_year" ? "annual_plan" : kind == .withdrawal && e.field == "license" ? "annual_plan"
                : ["license", "amount", "value_date", "reference", "memo"].contains(e.field ?? "") ? (e.field ?? "amount") : "amount"
            errors[field] = Pages.explain(e, context.language)
            return try await moneyForm(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
    }
}
