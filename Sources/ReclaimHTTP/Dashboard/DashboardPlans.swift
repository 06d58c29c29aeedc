import Foundation
import HTTPTypes
import Hummingbird
import PQKit
import Reclaim

/// The protection and land-reclamation plan (矿山地质环境保护与土地复垦方案)
/// in the browser: each version read whole beside the one in force, its
/// history and documents, the reviewer's decision; and the operator's form
/// that submits a version (the plan file's fields, checked by `PlanDocument`
/// as the CLI's file and the API's body are).
extension DashboardController {
    func planVersionNumber(_ context: AppContext) throws -> Int {
        guard let version = Int(try context.path("version")), version >= 1 else { throw ReclaimError(.notFound, "no such plan version") }
        return version
    }

    @Sendable func planPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try MinePolicy.read(license).check(session.principal)
        let version = try planVersionNumber(context)
        let principal = session.principal
        let (plan, inForce, documents) = try await read(context) { conn in
            let plan = try Plans.find(license, version: version, on: conn)
            let current = try? Plans.find(license, on: conn)
            return (plan, current.flatMap { $0.state == .approved && $0.version != plan.version ? $0 : nil },
                    try DocumentsView.load(DocumentRecord(.plan, "\(plan.license)/\(plan.version)"), license: plan.license,
                                           for: principal, on: conn))
        }
        let t = t(context), lang = context.language.report
        // each figure beside the version in force, so that a reviewer sees what a new version changes
        func rows(_ d: PlanDocument) -> [(String, String)] {
            [("service_period", "\(d.serviceFrom)–\(d.serviceTo)"),
             ("responsibility_area", ExactDecimal.grouped(d.responsibilityArea.hectares)),
             ("planned_reclaimed", ExactDecimal.grouped(d.plannedReclaimed.hectares)),
             ("target_rate", "\(d.targetRatePercent) %"),
             ("cost_total", d.costTotal.display(.yuan)),
             ("letter_signed_on", d.letterSignedOn.description)]
                + LandType.allCases.map { type in
                    let land = d.damagedLand.first { $0.landType == type }
                    return ("\(t["damaged_land"] ?? "") · \(type.label(lang))",
                            land.map { "\(ExactDecimal.grouped($0.existing.hectares)) / \(ExactDecimal.grouped($0.predicted.hectares))" } ?? "—")
                }
                + d.costByYear.keys.sorted().map { ("\(t["cost_year"] ?? "") \($0)", d.costByYear[$0]?.display(.yuan) ?? "") }
        }
        let these = rows(plan.document)
        let old = inForce.map { Dictionary(rows($0.document), uniquingKeysWith: { a, _ in a }) }
        let keys = these.map(\.0) + (inForce.map { rows($0.document).map(\.0).filter { k in !these.contains { $0.0 == k } } } ?? [])
        let mine = Dictionary(these, uniquingKeysWith: { a, _ in a })
        let figures = Show.table(t, [("field", false), ("this_version", false)] + (inForce != nil ? [("in_force", false)] : []),
                                 keys.map { k in
                                     let now = mine[k] ?? "—"
                                     let label = t[k] ?? k
                                     guard let old else { return [Show.cell(label), Show.cell(now)] }
                                     let before = old[k] ?? "—"
                                     return [Show.cell(now == before ? label : "\(label) ✎"), Show.cell(now), Show.cell(before)]
                                 })
        let history = Show.table(t, [("changed_at", false), ("action", false), ("state", false), ("changed_by", false), ("decision_note", false)],
                                 plan.decisions.map { d in
                                     [Show.cell(Show.time(d.decidedAt)), Show.cell(PlanAction(rawValue: d.action)?.label(lang) ?? d.action),
                                      Show.cell(PlanState(rawValue: d.to)?.label(lang) ?? d.to), Show.cell(d.actor), Show.cell(d.note ?? "")]
                                 })
        let segment = Show.segment(plan.license)
        let action = "/queue/plans/\(segment)/\(plan.version)"
        let reviews = plan.state == .submitted && PlanPolicy.review.permits(principal) && plan.submittedBy != principal.name
        let back = request.uri.path
        return pages.render("plan", title: "\(t["plans"] ?? "") · \(plan.license) v\(plan.version)", request, context, [
            "state": plan.state.label(lang) + (plan.current ? " · \(t["current_plan"] ?? "")" : ""),
            "submitted": "\(plan.submittedBy) · \(Show.time(plan.submittedAt))",
            "license": plan.license, "license_path": segment,
            "in_force_note": inForce.map { (t["in_force_version"] ?? "").replacingOccurrences(of: "{version}", with: "v\($0.version)") } ?? false,
            "figures": figures, "history": plan.decisions.isEmpty ? false : history,
            "documents": documents.object(back: back, t, lang),
            "review": reviews ? ["action": action] as [String: Any] : false,
            "notice": request.uri.queryParameters["submitted"] != nil ? (t["plan_submitted"] ?? "")
                : request.uri.queryParameters["attached"].map { (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) } ?? false,
        ])
    }

    // MARK: An annual plan read whole (年度治理计划), for whoever reads the mine

    /// The plan as the reviewer decided it and the auditor checks it: works
    /// in force, a pending revision beside them, the year-end report against
    /// the plan, rectification items, the history with every reason, and the
    /// documents. The operator edits on `/annual/…`; this page changes nothing.
    @Sendable func annualView(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try MinePolicy.read(license).check(session.principal)
        let year = try context.year()
        let principal = session.principal
        let (a, documents) = try await read(context) { conn in
            let a = try AnnualPlans.find(license, year: year, on: conn)
            return (a, try Self.annualDocuments(a, for: principal, on: conn))
        }
        let t = t(context), lang = context.language.report
        let summary = Show.table(t, [("field", false), ("value", false)], [
            [Show.cell(t["state"] ?? ""), Show.cell(a.state.label(lang))],
            [Show.cell(t["budget"] ?? ""), Show.number(a.budget.display(.yuan))],
            [Show.cell(t["withdrawn"] ?? ""), Show.number(a.withdrawn.display(.yuan))],
            [Show.cell(t["budget_remaining"] ?? ""), Show.number(a.remaining.display(.yuan))],
            [Show.cell(t["area"] ?? ""), Show.number(ExactDecimal.grouped(a.area.hectares))],
        ])
        let history = Show.table(t, [("changed_at", false), ("action", false), ("state", false), ("changed_by", false), ("decision_note", false)],
                                 a.decisions.map { d in
                                     [Show.cell(Show.time(d.decidedAt)), Show.cell(AnnualPlanAction(rawValue: d.action)?.label(lang) ?? d.action),
                                      Show.cell(AnnualPlanState(rawValue: d.to)?.label(lang) ?? d.to), Show.cell(d.actor), Show.cell(d.note ?? "")]
                                 })
        let back = request.uri.path
        return pages.render("annual_view", title: "\(t["annual_plans"] ?? "") · \(a.license) \(a.year)", request, context, [
            "summary": summary, "license": a.license, "license_path": Show.segment(a.license),
            "tables": Self.worksTables(a, t, lang, report: a.works.contains { $0.done != nil }),
            "rectifications": a.rectifications.map { ["item": $0] }, "has_rectifications": !a.rectifications.isEmpty,
            "history": a.decisions.isEmpty ? false : history,
            "documents": documents.map { $0.object(back: back, t, lang) },
            "edit": AnnualPlanPolicy.act(a.license).permits(principal) ? "/annual/\(Show.segment(a.license))/\(a.year)" : false,
        ])
    }

    // MARK: The operator's form

    func planForm(_ request: Request, _ context: AppContext, form: Form?, alert: String? = nil,
                  status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        let license = try context.license()
        try PlanPolicy.submit(license).check(session.principal)
        // a new version starts from the one in force (or the latest), so that only what changes is typed
        let latest = try await read(context) { conn in try? Plans.find(license, on: conn) }
        let d = latest?.document
        let t = t(context), lang = context.language.report
        func value(_ name: String, _ fallback: String) -> String { form?[name] ?? fallback }
        let lands: [[String: Any]] = LandType.allCases.map { type in
            let land = d?.damagedLand.first { $0.landType == type }
            return ["type": type.rawValue, "label": type.label(lang),
                    "existing": value("existing_\(type.rawValue)", land?.existing.hectares ?? ""),
                    "predicted": value("predicted_\(type.rawValue)", land?.predicted.hectares ?? "")]
        }
        let byYear = d.map { d in d.costByYear.keys.sorted().map { "\($0) \(d.costByYear[$0]?.description ?? "")" }.joined(separator: "\n") } ?? ""
        return pages.render("plan_form", title: "\(t["submit_plan"] ?? "") · \(license)", request, context, status: status, [
            "alert": alert ?? false, "license": license,
            "starts_from": latest.map { (t["plan_starts_from"] ?? "").replacingOccurrences(of: "{version}", with: String($0.version)) } ?? false,
            "service_from": value("service_from", d.map { String($0.serviceFrom) } ?? String(Bureau.today.year)),
            "service_to": value("service_to", d.map { String($0.serviceTo) } ?? ""),
            "lands": lands,
            "responsibility_area": value("responsibility_area", d?.responsibilityArea.hectares ?? ""),
            "planned_reclaimed": value("planned_reclaimed", d?.plannedReclaimed.hectares ?? ""),
            "target_rate": value("target_rate", d?.targetRatePercent ?? ""),
            "cost_total": value("cost_total", d?.costTotal.description ?? ""),
            "cost_by_year": value("cost_by_year", byYear),
            "letter_signed_on": value("letter_signed_on", d?.letterSignedOn.description ?? ""),
        ])
    }

    @Sendable func planFormPage(_ request: Request, _ context: AppContext) async throws -> Response {
        try await planForm(request, context, form: nil)
    }

    /// The form's fields as a plan, each read as a person types it; a
    /// wrong one is refused naming its field, as the plan file's are.
    static func planDocument(_ form: Form) throws -> PlanDocument {
        func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        func year(_ name: String) throws -> Int {
            guard let y = Int(field(name).precomposedStringWithCompatibilityMapping) else {
                throw ReclaimError.invalid(name, "'\(field(name))' is not a year like 2025")
            }
            return y
        }
        let lands = try LandType.allCases.compactMap { type -> PlanDocument.DamagedLand? in
            let (e, p) = (field("existing_\(type.rawValue)"), field("predicted_\(type.rawValue)"))
            guard !e.isEmpty || !p.isEmpty else { return nil }
            return PlanDocument.DamagedLand(landType: type,
                                            existing: try Area.parseHectares(typed: e.isEmpty ? "0" : e, field: "existing_\(type.rawValue)"),
                                            predicted: try Area.parseHectares(typed: p.isEmpty ? "0" : p, field: "predicted_\(type.rawValue)"))
        }
        var byYear: [Int: Money] = [:]
        for line in field("cost_by_year").split(whereSeparator: \.isNewline) {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "：" || $0 == ":" }).map(String.init)
            guard parts.count == 2, let y = Int(parts[0].precomposedStringWithCompatibilityMapping), byYear[y] == nil else {
                throw ReclaimError.invalid("cost_by_year", "'\(line)' is not a line like 2025 100,000.00 (a year once, then its amount)")
            }
            byYear[y] = try PlanDocument.yuan(typed: parts[1], field: "cost_by_year")
        }
        return try PlanDocument(
            serviceFrom: try year("service_from"), serviceTo: try year("service_to"), damagedLand: lands,
            responsibilityArea: try Area.parseHectares(typed: field("responsibility_area"), field: "responsibility_area"),
            plannedReclaimed: try Area.parseHectares(typed: field("planned_reclaimed"), field: "planned_reclaimed"),
            targetRateBasisPoints: try PlanDocument.basisPoints(typed: field("target_rate"), field: "target_rate"),
            costTotal: try PlanDocument.yuan(typed: field("cost_total"), field: "cost_total"), costByYear: byYear,
            letterSignedOn: try FundLedger.parseDate(field("letter_signed_on"), field: "letter_signed_on"))
    }

    @Sendable func submitPlan(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let license = try context.license()
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let document = try Self.planDocument(form)
            let plan = try await db { try Plans.Commands.submit(license, document).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/plans/\(Show.segment(plan.license))/\(plan.version)?submitted=1")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await planForm(request, context, form: form, alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }
}
