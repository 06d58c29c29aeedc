import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// One row of the annual plan editor, as typed.
struct WorkRow {
    var n: Int
    var values: [String: String]

    static let fields = ["location", "area_hm2", "quantity", "unit", "budget", "start_month", "end_month"]
    static let sizes = ["location": 18, "area_hm2": 8, "quantity": 8, "unit": 4, "budget": 10, "start_month": 7, "end_month": 7]
    /// Fields the editor does not let the operator type but must carry, so
    /// that saving never loses them: a work's GeoJSON, as JSON text, in a
    /// hidden input (checked again like any other input when it comes back).
    static let carried = ["geometry"]

    /// The works file's object for this row: what was typed, empty cells left
    /// out, and what was carried.
    var document: [String: Any] {
        var d: [String: Any] = ["type": values["type"] ?? ""]
        for f in Self.fields { if let v = values[f]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { d[f] = v } }
        if let g = values["geometry"], !g.isEmpty {
            // text that is no JSON is sent as text, for the works' parser to refuse by name
            d["geometry"] = (try? JSONSerialization.jsonObject(with: Data(g.utf8))) ?? g
        }
        return d
    }
}

extension DashboardController {
    // MARK: The operator's annual plan editor and report

    func annualTarget(_ context: AppContext) throws -> (DashboardSession, String, Int) {
        let session = try context.requireSession()
        let license = try context.license()
        try AnnualPlanPolicy.act(license).check(session.principal)
        let year = try context.year()
        return (session, license, year)
    }

    func annualEditor(_ request: Request, _ context: AppContext, form: Form?, rows given: [WorkRow]? = nil,
                      errors: [String: String] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let (session, license, year) = try annualTarget(context)
        let t = t(context)
        let lang = context.language.report
        let principal = session.principal, back = request.uri.path
        let (plan, documents): (AnnualPlan?, [DocumentsView]) = try await db { conn in
            let plan: AnnualPlan
            do { plan = try AnnualPlans.find(license, year: year, on: conn) } catch let e as ReclaimError where e.kind == .notFound {
                _ = try MineRegistry.find(license, on: conn)  // an unknown mine is a 404, not a new plan
                return (nil, [])
            }
            return (plan, try Self.annualDocuments(plan, for: principal, on: conn))
        }
        let editable = plan.map { $0.state == .draft || $0.state == .returned } ?? true
        let rows = given ?? (plan?.works.enumerated().map { i, w in
            WorkRow(n: i + 1, values: [
                "type": w.planned.type.rawValue, "location": w.planned.location, "area_hm2": w.planned.area?.hectares ?? "",
                "quantity": w.planned.quantity?.description ?? "", "unit": w.planned.unit ?? "", "budget": w.planned.budget.description,
                "start_month": w.planned.startMonth.description, "end_month": w.planned.endMonth.description,
                "geometry": w.planned.geometry ?? "",
            ])
        } ?? [WorkRow(n: 1, values: ["type": WorkType.revegetation.rawValue, "start_month": "\(year)-04", "end_month": "\(year)-09"])])
        let q = request.uri.queryParameters
        let notice = q["saved"] != nil ? t["saved"] : q["submitted"] != nil ? t["submitted"] : q["reported"] != nil ? t["reported"]
            : q["attached"].map { (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) }
        // why it came back: the reason of the latest return or failed acceptance, and the items to rectify
        let sentBack = plan?.decisions.last.flatMap { d in
            [AnnualPlanAction.return.rawValue, AnnualPlanAction.fail.rawValue].contains(d.action) ? d : nil
        }
        let history = Show.table(t, [("decided_at", false), ("action", false), ("state", false), ("decided_by", false), ("reason", false)],
                                 (plan?.decisions ?? []).map { d in
                                     [Show.cell(Show.time(d.decidedAt)),
                                      Show.cell(AnnualPlanAction(rawValue: d.action)?.label(lang) ?? d.action),
                                      Show.cell(AnnualPlanState(rawValue: d.to)?.label(lang) ?? d.to),
                                      Show.cell(d.actor), Show.cell(d.note ?? "")]
                                 }, caption: t["review_history"])
        let works = Show.table(t, [("work_type", false), ("location", false), ("area_hm2", true), ("quantity", true),
                                   ("budget", true), ("start_month", false), ("end_month", false)],
                               (plan?.works ?? []).map { w in
                                   [Show.cell(w.planned.type.label(lang)), Show.cell(w.planned.location),
                                    Show.number(w.planned.area?.hectares ?? ""),
                                    Show.number(w.planned.quantity.map { "\($0) \(w.planned.unit ?? "")" } ?? ""),
                                    Show.number(w.planned.budget.description), Show.cell(w.planned.startMonth.description),
                                    Show.cell(w.planned.endMonth.description)]
                               }, caption: t["works"])
        return pages.render("annual", title: "\(t["annual_plans"] ?? "") · \(license) · \(year)", request, context, status: status, [
            "editable": editable, "state": plan?.state.label(lang) ?? "", "row_count": rows.count,
            "sent_back": sentBack.map { d in
                ["reason": d.note ?? "", "by": d.actor, "at": Show.time(d.decidedAt),
                 "failed": d.action == AnnualPlanAction.fail.rawValue] as [String: Any]
            } ?? false,
            "rectifications": (plan?.rectifications ?? []).map { ["item": $0] },
            "has_rectifications": !(plan?.rectifications.isEmpty ?? true),
            "history": plan.map { $0.decisions.isEmpty } == false ? history : false,
            "works_table": works, "documents": documents.map { $0.object(back: back, t, lang) },
            "reportable": plan.map { [.approved, .revisionReturned, .failed].contains($0.state) } ?? false,
            "has_errors": !errors.isEmpty, "works_error": errors["works"] ?? false, "notice": notice ?? false,
            "rows": rows.map { row in
                [
                    "n": row.n,
                    "geometry": row.values["geometry"].flatMap { $0.isEmpty ? nil : $0 } ?? false,
                    "types": WorkType.allCases.map {
                        ["value": $0.rawValue, "label": $0.label(lang), "selected": $0.rawValue == row.values["type"]] as [String: Any]
                    },
                    "cells": WorkRow.fields.map { f in
                        ["name": f, "label": t[f] ?? f, "value": row.values[f] ?? "", "size": WorkRow.sizes[f] ?? 8,
                         "error": errors["\(f)_\(row.n)"] ?? false] as [String: Any]
                    },
                ] as [String: Any]
            },
        ])
    }

    /// Save, submit, or add a row. The works go through `AnnualWorks.parse`,
    /// the rules the CLI's works file and the API's body meet; a refusal
    /// naming `works[i].field` is shown beside that cell.
    @Sendable func saveAnnualPlan(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let (_, license, year) = try annualTarget(context)
        let count = min(max(Int(form["rows"] ?? "") ?? 0, 0), 200)
        var rows = (1...max(count, 1)).map { n in
            WorkRow(n: n, values: Dictionary(uniqueKeysWithValues: (["type"] + WorkRow.fields + WorkRow.carried).map {
                ($0, form["\($0)_\(n)"] ?? "")
            }))
        }.filter { form["remove_\($0.n)"] == nil }
        for i in rows.indices { rows[i].n = i + 1 }
        if form["op"] == "add" || rows.isEmpty {
            rows.append(WorkRow(n: rows.count + 1, values: ["type": WorkType.revegetation.rawValue]))
            return try await annualEditor(request, context, form: form, rows: rows)
        }
        let submit = form["op"] == "submit"
        let document = ["works": rows.map(\.document)]
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let data = try JSONSerialization.data(withJSONObject: document)
            let works = try AnnualWorks.parse(data, year: year)
            try await db { conn in
                // saving and submitting are one action, as the operator pressed one button
                try conn.transactionally { conn in
                    _ = try AnnualPlans.Commands.draft(license, year: year, works).run(as: principal, actor: actor, on: conn)
                    if submit {
                        _ = try AnnualPlans.Commands.decide(license, year: year, .submit).run(as: principal, actor: actor, on: conn)
                    }
                }
            }
            return pages.redirect("/annual/\(Show.segment(license))/\(year)?\(submit ? "submitted" : "saved")=1")
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal && e.kind != .forbidden {
            var errors: [String: String] = [:]
            if let field = e.field, let (n, name) = Self.cell(field) {
                errors["\(name)_\(n)"] = Pages.explain(e, context.language)
            }
            errors["works"] = Pages.explain(e, context.language)
            return try await annualEditor(request, context, form: form, rows: rows, errors: errors, status: .unprocessableContent)
        }
    }

    /// `works[2].budget` → (2, "budget").
    static func cell(_ field: String) -> (Int, String)? {
        guard field.hasPrefix("works["), let close = field.firstIndex(of: "]"),
              let n = Int(field[field.index(field.startIndex, offsetBy: 6)..<close]) else { return nil }
        let rest = field[field.index(after: close)...]
        return rest.hasPrefix(".") ? (n, String(rest.dropFirst())) : (n, "location")
    }

    /// An annual plan's documents, and its year-end report's once there is one.
    static func annualDocuments(_ plan: AnnualPlan, for principal: Principal, on conn: Connection) throws -> [DocumentsView] {
        let record = "\(plan.license)/\(plan.year)"
        var views = [try DocumentsView.load(DocumentRecord(.annualPlan, record), license: plan.license, for: principal, on: conn)]
        if plan.works.contains(where: { $0.done != nil }) {
            views.append(try DocumentsView.load(DocumentRecord(.annualReport, record), license: plan.license, for: principal, on: conn))
        }
        return views
    }

    func annualReport(_ request: Request, _ context: AppContext, form: Form?, errors: [String: String] = [:],
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let (session, license, year) = try annualTarget(context)
        let t = t(context)
        let principal = session.principal, back = request.uri.path, lang = context.language.report
        let (plan, documents) = try await db { conn in
            let plan = try AnnualPlans.find(license, year: year, on: conn)
            return (plan, try Self.annualDocuments(plan, for: principal, on: conn))
        }
        let rows: [[String: Any]] = plan.works.map { w in
            let measure = w.planned.area != nil ? "area_hm2" : "quantity"
            let planned = w.planned.area.map { "\($0.hectares) hm²" } ?? "\(w.planned.quantity?.description ?? "") \(w.planned.unit ?? "")"
            return [
                "n": w.work, "type": w.planned.type.label(context.language.report), "location": "\(w.planned.location) (\(planned))",
                "cells": [measure, "spent", "evidence"].map { f in
                    ["name": f, "label": t[f] ?? f, "value": form?["\(f)_\(w.work)"] ?? "", "error": errors["\(f)_\(w.work)"] ?? false]
                        as [String: Any]
                },
            ]
        }
        return pages.render("annual_report", title: "\(t["report_annual_plan"] ?? "") · \(license) · \(year)", request, context,
                            status: status, ["rows": rows, "has_errors": !errors.isEmpty, "documents": documents.map { $0.object(back: back, t, lang) },
                                             "notice": request.uri.queryParameters["attached"].map {
                                                 (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0))
                                             } ?? false])
    }

    @Sendable func sendAnnualReport(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let (_, license, year) = try annualTarget(context)
        let plan = try await db { try AnnualPlans.find(license, year: year, on: $0) }
        let lines: [[String: Any]] = plan.works.map { w in
            let measure = w.planned.area != nil ? "area_hm2" : "quantity"
            var line: [String: Any] = ["work": w.work, measure: form["\(measure)_\(w.work)"] ?? "", "spent": form["spent_\(w.work)"] ?? ""]
            let evidence = (form["evidence_\(w.work)"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if !evidence.isEmpty { line["evidence"] = evidence }
            return line
        }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let data = try JSONSerialization.data(withJSONObject: ["works": lines])
            _ = try await db { try AnnualPlans.Commands.report(license, year: year, file: data).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/annual/\(Show.segment(license))/\(year)?reported=1")
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal && e.kind != .forbidden {
            var errors: [String: String] = ["works": Pages.explain(e, context.language)]
            if let field = e.field, let (n, name) = Self.cell(field) { errors["\(name)_\(n)"] = Pages.explain(e, context.language) }
            return try await annualReport(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
    }

    // MARK: Read-only pages

    /// 欠提矿山: the mines that owe part of their accrual, any year up to
    /// `year`, most owed first, with the year's and the running figures.
    @Sendable func shortfalls(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let t = t(context)
        let year = try AnnualPlanController.queryYear(request) ?? Bureau.today.year
        let only = MinePolicy.scope(for: session.principal)
        let owing = try await read(context) { try Accruals.shortfalls(year: year, only: only, on: $0) }
            .filter { $0.cumulativeShortfall.fen > 0 }
            .sorted { ($0.cumulativeShortfall.fen, $1.license) > ($1.cumulativeShortfall.fen, $0.license) }
        let table = Show.table(t, [("license", false), ("assessed_year", true), ("deposited_year", true), ("shortfall_year", true),
                                   ("assessed_total", true), ("deposited_total", true), ("shortfall_total", true)],
                               owing.map { s in
                                   [Show.link(s.license, "/mines/\(Show.segment(s.license))"), Show.number(s.assessed.description),
                                    Show.number(s.deposited.description), Show.number(s.shortfall.description),
                                    Show.number(s.cumulativeAssessed.description), Show.number(s.cumulativeDeposited.description),
                                    Show.number(s.cumulativeShortfall.description)]
                               }, caption: "\(t["shortfall_count"] ?? "") · \(year)")
        return pages.render("listing", title: t["shortfall_count"] ?? "", request, context, [
            "intro": (t["shortfalls_intro"] ?? "").replacingOccurrences(of: "{year}", with: String(year)), "links": false,
            "older": false, "sections": [["heading": "\(t["shortfall_count"] ?? "") (\(owing.count))",
                                          "table": owing.isEmpty ? false : table]] as [[String: Any]],
        ])
    }

    static let reportNames = ["fund", "restoration", "annual-plans", "closure", "legacy", "targets"]

    @Sendable func reports(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let t = t(context)
        let year = Bureau.today.year
        let operatorOnly = session.principal.role == .operator
        let names = Self.reportNames.filter { !operatorOnly || !["legacy", "targets"].contains($0) }
        let items: [[String: Any]] = names.flatMap { name -> [[String: Any]] in
            let yearly = ["fund", "restoration", "annual-plans"].contains(name)
            let years = yearly ? [year - 1, year] : [nil]
            return years.map { y in
                let q = y.map { "year=\($0)&" } ?? ""
                return ["label": (t["report_" + name.replacingOccurrences(of: "-", with: "_")] ?? name) + (y.map { " \($0)" } ?? ""),
                        "downloads": [["href": "/reports/\(name)?\(q)unit=yuan", "text": t["view_on_screen"] ?? ""],
                                      ["href": "/reports/\(name).csv?\(q)lang=zh", "text": t["download_zh"] ?? ""],
                                      ["href": "/reports/\(name).csv?\(q)lang=en", "text": t["download_en"] ?? ""]]]
            }
        }
        return pages.render("listing", title: t["reports"] ?? "", request, context, [
            "intro": false, "links": ["items": items], "sections": [] as [Any], "older": false,
        ])
    }

    /// A report's CSV, as the API's: the same `ReportTable`, headings in the
    /// language asked for (Chinese with a byte-order mark).
    @Sendable func reportCSV(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let p = session.principal
        let file = try context.path("name")
        if Self.reportNames.contains(file) { return try await reportScreen(request, context, name: file) }
        guard file.hasSuffix(".csv"), Self.reportNames.contains(String(file.dropLast(4))) else {
            throw ReclaimError(.notFound, "no such report")
        }
        let name = String(file.dropLast(4))
        // the language asked for (?lang=), else the one the user reads the dashboard in
        let (lang, unit) = try ReportController.presentation(request, language: context.language.report)
        let year = try AnnualPlanController.queryYear(request) ?? Bureau.today.year
        let table = try await reportTable(name, year: year, unit: unit, for: p, context)
        // named as the reports page names it (Messages' report_…), in Chinese; by its path in English
        let title = lang == .zh ? Messages.text("report_" + name.replacingOccurrences(of: "-", with: "_"), .zh) : name
        let fileName = ["closure", "legacy", "targets"].contains(name) ? "\(title).csv" : "\(title)_\(year).csv"
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: Download.disposition(fileName)],
                        body: .init(byteBuffer: ByteBuffer(string: table.csv(lang, unit: unit))))
    }

    /// A report on screen: a year picker for the yearly ones, 元 or 万元,
    /// the headings in the user's language, amounts with separators, and
    /// the same view's downloads.
    func reportScreen(_ request: Request, _ context: AppContext, name: String) async throws -> Response {
        let session = try context.requireSession()
        let t = t(context), lang = context.language.report
        let (_, unit) = try ReportController.presentation(request, language: lang)
        let yearly = ["fund", "restoration", "annual-plans"].contains(name)
        let year = try AnnualPlanController.queryYear(request) ?? Bureau.today.year
        let table = try await reportTable(name, year: year, unit: unit, for: session.principal, context)
        let title = (t["report_" + name.replacingOccurrences(of: "-", with: "_")] ?? name) + (yearly ? " \(year)" : "")
        let headings = table.headings(lang, unit: unit)
        let numeric = table.columns.map { $0.kind != .text }
        let rows: [[Show.Cell]] = table.labelledRows(lang).map { row in
            row.enumerated().map { i, text in
                guard i < numeric.count, numeric[i] else { return Show.cell(text) }
                return Show.number(table.columns[i].kind == .money ? ExactDecimal.grouped(text) : text)
            }
        }
        let shown: [String: Any] = [
            "caption": false,
            "headings": zip(headings, numeric).map { ["label": $0.0, "n": $0.1] as [String: Any] },
            "rows": rows.map { ["cells": $0.map(\.object)] },
        ]
        let q = yearly ? "year=\(year)&" : ""
        let first = 2021, last = Bureau.today.year + 1
        return pages.render("report", title: title, request, context, [
            "name": name, "yearly": yearly,
            "years": (first...last).reversed().map { ["value": $0, "selected": $0 == year] as [String: Any] },
            "units": [["value": "yuan", "label": t["unit_yuan"] ?? "", "selected": unit == .yuan],
                      ["value": "wan", "label": t["unit_wan"] ?? "", "selected": unit == .wan]] as [[String: Any]],
            "table": table.rows.isEmpty ? false : shown,
            "csv_zh": "/reports/\(name).csv?\(q)lang=zh&unit=\(unit.rawValue)", "csv_en": "/reports/\(name).csv?\(q)lang=en&unit=\(unit.rawValue)",
        ])
    }

    /// A report as its table, for this person (an operator: their mines only).
    func reportTable(_ name: String, year: Int, unit: Money.Unit, for p: Principal, _ context: AppContext) async throws -> ReportTable {
        let only = MinePolicy.scope(for: p)
        if name == "legacy" { try LegacyPolicy.read.check(p) }
        if name == "targets" { try ReportPolicy.targets.check(p) }
        return try await read(context) { conn in
            switch name {
            case "fund": return try Reports.fund(year: year, only: only, on: conn).table(unit: unit)
            case "restoration": return try Reports.restoration(year: year, only: only, on: conn).table(unit: unit)
            case "annual-plans": return try Reports.annualPlans(year: year, only: only, on: conn).table(unit: unit)
            case "closure": return try Reports.closure(only: only, on: conn).table(unit: unit)
            case "legacy": return try Reports.legacy(on: conn).table(unit: unit)
            default: return try Reports.targets(on: conn).table(unit: unit)
            }
        }
    }

    @Sendable func audit(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        try AuditPolicy.read.check(session.principal)
        let t = t(context), lang = context.language.report
        let q = request.uri.queryParameters
        let before = try q["before"].map { s -> Int64 in
            guard let n = Int64(String(s)), n >= 1 else { throw ReclaimError.invalid("before", "must be an audit row id") }
            return n
        }
        // filters: who, which record (as the trail names it, e.g. mine:C150…), which days (Beijing time)
        func text(_ name: String) -> String? { q[Substring(name)].map { String($0).trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } }
        var errors: [String: String] = [:]
        func day(_ name: String) -> CalendarDate? {
            do { return try Self.dateParameter(request, name) } catch {
                errors[name] = Pages.explain(ReclaimError.wrap(error), context.language)
                return nil
            }
        }
        let (actor, target, from, to) = (text("actor"), text("target"), day("from"), day("to"))
        let filter = AuditLog.Filter(actor: actor, target: target, from: from.map(Bureau.start(of:)),
                                     to: to.map { Bureau.start(of: $0).addingTimeInterval(86_400) }, limit: 100)
        let records = try await read(context) { conn -> [AuditRecord] in
            // newest first, a page of 100 at a time: the filter's rows below `before`
            try AuditLog.latest(filter, before: before, on: conn)
        }
        let table = Show.table(t, [("entry", true), ("at", false), ("actor", false), ("action", false), ("target", false)],
                               records.map { [Show.number(String($0.id)), Show.cell(Show.time($0.at)),
                                              Show.cell($0.actor + ($0.role.map { " (\(Role(rawValue: $0)?.label(lang) ?? $0))" } ?? "")),
                                              Show.cell(AuditLabels.action($0.action, lang)), Show.cell(AuditLabels.target($0.target, lang))] })
        let oldest = records.last?.id ?? 0
        var older = "/audit?before=\(oldest)"
        for (k, v) in [("actor", actor), ("target", target), ("from", from?.description), ("to", to?.description)] {
            if let v { older += "&\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        }
        return pages.render("audit", title: t["audit"] ?? "", request, context, [
            "table": records.isEmpty ? false : table, "older": records.count == 100 && oldest > 1 ? older : false,
            "actor": actor ?? "", "target": target ?? "", "from": from?.description ?? "", "to": to?.description ?? "",
            "from_error": errors["from"] ?? false, "to_error": errors["to"] ?? false,
        ])
    }
}
