import Foundation
import HTTPTypes
import Hummingbird
import PQKit
import Reclaim

/// The administrator's reference data in the browser: the accrual's
/// coefficient rule sets (计提系数), loaded from their file and corrected by
/// a set that supersedes a mistyped one with a reason; and the working-day
/// calendar the closure clock runs on (节假日安排), a day at a time or a
/// published schedule from its file. The same commands as `accrual rules
/// load` and `calendar add|load`.
extension DashboardController {
    // MARK: Rule sets

    func rulesPage(_ request: Request, _ context: AppContext, form: Multipart? = nil, alert: String? = nil,
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try AccrualPolicy.loadRules.check(session.principal)
        let sets = try await read(context) { try RuleSets.list(on: $0) }
        let t = t(context)
        let table = Show.table(t, [("name", false), ("jurisdiction", false), ("effective_from", false), ("loaded_by", false),
                                   ("correction", false)],
                               sets.map { s in
                                   let correction = [s.supersedes.map { "\(t["supersedes"] ?? "") \($0)：\(s.correctionReason ?? "")" },
                                                     s.supersededBy.map { "\(t["superseded_by"] ?? "") \($0)" }]
                                       .compactMap { $0 }.joined(separator: "；")
                                   return [Show.cell(s.name), Show.cell(s.jurisdiction), Show.cell(s.effectiveFrom.description),
                                           Show.cell("\(s.loadedBy ?? "") · \(s.loadedAt.map { Show.time($0) } ?? "")"), Show.cell(correction)]
                               })
        let chosen = form?["supersedes"] ?? ""
        return pages.render("rules", title: t["rules"] ?? "", request, context, status: status, [
            "table": sets.isEmpty ? false : table, "alert": alert ?? false,
            "sets": [["value": "", "label": t["not_a_correction"] ?? "", "selected": chosen.isEmpty]]
                + sets.filter { $0.supersededBy == nil }.map { ["value": $0.name, "label": "\($0.name)（\($0.jurisdiction) · \($0.effectiveFrom)）",
                                                                "selected": $0.name == chosen] },
            "reason": form?["correction_reason"] ?? "",
            "notice": request.uri.queryParameters["loaded"].map { (t["rules_loaded"] ?? "").replacingOccurrences(of: "{name}", with: String($0)) } ?? false,
        ])
    }

    @Sendable func rules(_ request: Request, _ context: AppContext) async throws -> Response {
        try await rulesPage(request, context)
    }

    /// One uploaded file and the form's other fields, after the CSRF check.
    func upload(_ request: Request, _ context: AppContext, limit: Int) async throws -> (Multipart, Multipart.Part?, DashboardSession) {
        _ = try context.requireSession()  // nobody signed out sends anything, however large
        guard let boundary = Multipart.boundary(request.headers[.contentType] ?? "") else {
            throw ReclaimError.invalid("form", "send the file as multipart/form-data")
        }
        let buffer = try await context.collectBody(request, limit: limit)
        let multipart = try Multipart.parse(Data(buffer.readableBytesView), boundary: boundary)
        let session = try context.requireSession(multipart.form)
        return (multipart, multipart.parts.first { $0.name == "file" && !($0.fileName ?? "").isEmpty }, session)
    }

    /// A set from its file; a correction names the set it replaces here or in the file, with the reason.
    @Sendable func loadRules(_ request: Request, _ context: AppContext) async throws -> Response {
        let (form, file, session) = try await upload(request, context, limit: 4 << 20)
        try AccrualPolicy.loadRules.check(session.principal)
        guard let file else { return try await rulesPage(request, context, form: form, alert: t(context)["choose_file"], status: .unprocessableContent) }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            var set = try RuleSet.parse(file.data)
            let supersedes = (form["supersedes"] ?? "").trimmingCharacters(in: .whitespaces)
            let reason = (form["correction_reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if !supersedes.isEmpty || !reason.isEmpty {
                // the form's choice stands for the file's: one correction, named once, with its reason
                guard !supersedes.isEmpty, !reason.isEmpty else {
                    throw ReclaimError(.ruleViolation, field: supersedes.isEmpty ? "supersedes" : "correction_reason",
                                       "a correction names the set it supersedes and gives its correction_reason")
                }
                set.supersedes = supersedes.isEmpty ? nil : supersedes
                set.correctionReason = reason.isEmpty ? nil : reason
            }
            let loaded = try await db { [set] in try Accruals.Commands.loadRules(set).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/rules?loaded=\(loaded.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await rulesPage(request, context, form: form, alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    // MARK: The working-day calendar

    func calendarPage(_ request: Request, _ context: AppContext, form: [String: String] = [:], alert: String? = nil,
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try ClosurePolicy.calendar.check(session.principal)
        let year = try request.uri.queryParameters["year"].map { try Years.parse(String($0)) } ?? Bureau.today.year
        let days = try await read(context) { try WorkCalendar.list(year: year, on: $0) }
        let t = t(context), lang = context.language.report
        let table = Show.table(t, [("day", false), ("day_kind", false), ("day_name", false)],
                               days.map { [Show.cell($0.day.description), Show.cell($0.kind.label(lang)), Show.cell($0.name ?? "")] })
        let kind = form["kind"] ?? CalendarDay.Kind.holiday.rawValue
        return pages.render("calendar", title: "\(t["calendar"] ?? "") · \(year)", request, context, status: status, [
            "year": year, "previous": year - 1, "next": year + 1,
            "table": days.isEmpty ? false : table, "none": (t["calendar_none"] ?? "").replacingOccurrences(of: "{year}", with: String(year)),
            "alert": alert ?? false,
            "kinds": CalendarDay.Kind.allCases.map { ["value": $0.rawValue, "label": $0.label(lang), "selected": $0.rawValue == kind] },
            "day": form["day"] ?? "", "name": form["name"] ?? "", "source": form["source"] ?? "",
            "notice": request.uri.queryParameters["done"] != nil ? (t["decided"] ?? "") : false,
        ])
    }

    @Sendable func calendar(_ request: Request, _ context: AppContext) async throws -> Response {
        try await calendarPage(request, context)
    }

    /// One day: a holiday on a weekday, or a weekend day worked (调休).
    @Sendable func addCalendarDay(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        let fields = Dictionary(form.pairs, uniquingKeysWith: { a, _ in a })
        do {
            let day = try FundLedger.parseDate(form["day"] ?? "", field: "day")
            guard let kind = CalendarDay.Kind(rawValue: form["kind"] ?? "") else { throw ReclaimError.invalid("kind", "must be holiday or workday") }
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            _ = try await db { try WorkCalendar.Commands.add(day, kind, name: name.isEmpty ? nil : name).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/calendar?year=\(day.year)&done=1")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await calendarPage(request, context, form: fields, alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }

    /// A published schedule from its CSV file (`day,kind,name`), all or nothing.
    @Sendable func loadCalendar(_ request: Request, _ context: AppContext) async throws -> Response {
        let (form, file, session) = try await upload(request, context, limit: 1 << 20)
        try ClosurePolicy.calendar.check(session.principal)
        let fields = ["source": form["source"] ?? ""]
        guard let file else { return try await calendarPage(request, context, form: fields, alert: t(context)["choose_file"], status: .unprocessableContent) }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            guard let text = String(data: file.data, encoding: .utf8) else { throw ReclaimError.invalid("file", "is not UTF-8 text") }
            let days = try WorkCalendar.parse(csv: text)
            let source = (form["source"] ?? "").trimmingCharacters(in: .whitespaces)
            let years = try await db { try WorkCalendar.Commands.load(days, source: source).run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/calendar?year=\(years.first ?? Bureau.today.year)&done=1")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await calendarPage(request, context, form: fields, alert: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }
}
