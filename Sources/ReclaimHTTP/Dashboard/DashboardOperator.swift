import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// The operator's (采矿权人) own reports and filings in the browser: last
/// year's output, and the closure application with its checklist and its
/// documents. The same commands and the database's rules as the CLI's.
extension DashboardController {
    // MARK: Output (产量)

    func outputPage(_ request: Request, _ context: AppContext, form: Form? = nil, errors: [String: String] = [:],
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try MinePolicy.read(license).check(session.principal)
        let t = t(context)
        let (mine, reports) = try await read(context) { conn in
            (try MineRegistry.find(license, on: conn), try OutputReports.history(license, on: conn))
        }
        let table = Show.table(t, [("year", false), ("quantity", true), ("reported_by", false), ("at", false), ("state", false)],
                               reports.enumerated().map { i, r in
                                   let superseded = reports[..<i].contains { $0.year == r.year }
                                   return [Show.cell(String(r.year)), Show.number("\(ExactDecimal.grouped(r.quantity.description)) \(r.unit)"),
                                           Show.cell(r.reportedBy), Show.cell(Show.time(r.reportedAt)),
                                           Show.cell(t[superseded ? "superseded" : "in_force"] ?? "")]
                               })
        func field(_ name: String, _ label: String, fallback: String) -> [String: Any] {
            ["id": name, "name": name, "label": t[label] ?? label, "type": "text", "value": form?[name] ?? fallback, "select": false,
             "error": errors[name] ?? false]
        }
        let mayReport = AccrualPolicy.reportOutput(mine.license).permits(session.principal)
        return pages.render("output", title: "\(t["output_title"] ?? "") · \(mine.name)", request, context, status: status, [
            "table": reports.isEmpty ? false : table, "may_report": mayReport, "has_errors": !errors.isEmpty,
            "fields": [field("year", "year", fallback: String(Bureau.today.year - 1)),
                       field("quantity", "output_quantity", fallback: "")],
            "unit_note": (t["output_unit"] ?? "").replacingOccurrences(of: "{unit}", with: mine.mineralClass == .nonSolidEnergy ? "m³" : "t"),
            "notice": request.uri.queryParameters["reported"] != nil ? (t["reported"] ?? "") : false,
            "license_path": Show.segment(mine.license),
        ])
    }

    @Sendable func output(_ request: Request, _ context: AppContext) async throws -> Response {
        try await outputPage(request, context)
    }

    /// Records the year's output; a second report of a year supersedes the first (kept).
    @Sendable func reportOutput(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let license = try context.license()
        var errors: [String: String] = [:]
        var year: Int?
        var quantity: Quantity?
        do { year = try Years.parse(form["year"] ?? "") } catch { errors["year"] = Pages.explain(ReclaimError.wrap(error), context.language) }
        do { quantity = try Quantity.parse(typed: form["quantity"] ?? "") } catch {
            errors["quantity"] = Pages.explain(ReclaimError.wrap(error), context.language)
        }
        guard errors.isEmpty, let year, let quantity else {
            return try await outputPage(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            _ = try await db { try Accruals.Commands.reportOutput(license, year: year, quantity: quantity).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/output/\(Show.segment(license))?reported=1")
        } catch let e as ReclaimError where e.kind == .invalidInput || e.kind == .ruleViolation {
            errors[e.field == "quantity" ? "quantity" : "year"] = Pages.explain(e, context.language)
            return try await outputPage(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
    }

    // MARK: Closure application (闭坑验收申请)

    func closurePage(_ request: Request, _ context: AppContext, form: Form? = nil, alert: String? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try MinePolicy.read(license).check(session.principal)
        let t = t(context), lang = context.language.report
        let principal = session.principal
        let (mine, checklist, applications, documents) = try await db { conn in
            let mine = try MineRegistry.find(license, on: conn)
            let apps = try Closures.list(only: [mine.license], on: conn)
            let docs = try apps.map { try DocumentsView.load(DocumentRecord(.closureApplication, String($0.id)), license: mine.license,
                                                               for: principal, on: conn) }
            return (mine, try Closures.checklist(mine.license, on: conn), apps, docs)
        }
        let back = request.uri.path
        let open = applications.first { [.filed, .underReview, .noticed].contains($0.state) }
        return pages.render("closure", title: "\(t["closure_title"] ?? "") · \(mine.name)", request, context, status: status, [
            "checks": checklist.map { c in
                ["label": c.check.label(lang), "met": c.unmet.isEmpty, "details": c.unmet.map { ["text": $0] }] as [String: Any]
            },
            "all_met": checklist.allSatisfy { $0.unmet.isEmpty },
            "may_apply": ClosurePolicy.apply(mine.license).permits(principal) && open == nil,
            "open": open.map { a in (t["closure_open"] ?? "").replacingOccurrences(of: "{id}", with: String(a.id))
                .replacingOccurrences(of: "{state}", with: a.state.label(lang)) } ?? false,
            "applications": zip(applications, documents).map { a, d in
                ["id": a.id, "state": a.state.label(lang), "filed_on": a.filedOn.description, "due": a.dueDate.description,
                 "evidence": a.evidence.joined(separator: "；"), "documents": d.object(back: back, t, lang)] as [String: Any]
            },
            "evidence": form?["evidence"] ?? "", "note": form?["note"] ?? "", "alert": alert ?? false,
            "notice": request.uri.queryParameters["filed"] != nil ? (t["closure_filed"] ?? "")
                : request.uri.queryParameters["attached"].map { (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) } ?? false,
        ])
    }

    @Sendable func closure(_ request: Request, _ context: AppContext) async throws -> Response {
        try await closurePage(request, context)
    }

    /// Files the application: refused, with every unmet condition, unless none is (the database decides).
    @Sendable func applyForClosure(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let license = try context.license()
        let evidence = (form["evidence"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let note = form["note"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let app = try await db { try Closures.Commands.apply(license, evidence: evidence, note: note).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/closure/\(Show.segment(app.license))?filed=\(app.id)")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            let why = e.unmet.isEmpty ? Pages.explain(e, context.language)
                : (t(context)["closure_unmet"] ?? "") + " " + e.unmet.compactMap { ClosureCheck(rawValue: $0.kind)?.label(context.language.report) }
                    .joined(separator: "；")
            return try await closurePage(request, context, form: form, alert: why, status: .unprocessableContent)
        }
    }
}
