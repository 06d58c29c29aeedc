import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// Finance's corrections and bank files: a reversal (冲正) of one entry
/// with its reason, and a bank file booked all or none with every bad line
/// named. The same commands as the CLI's and the API's.
extension DashboardController {
    static func entryID(_ context: AppContext) throws -> Int64 {
        guard let id = Int64(try context.path("id")), id > 0 else { throw ReclaimError(.notFound, field: "entry_id", "no such entry") }
        return id
    }

    func reversalForm(_ request: Request, _ context: AppContext, form: Form?, errors: [String: String] = [:],
                      alert: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        try FundPolicy.book.check(session.principal)
        let id = try Self.entryID(context)
        let t = t(context), lang = context.language.report
        let entry = try await db { try FundLedger.entry(id, on: $0) }
        let mines = Array(Set(entry.postings.compactMap { $0.account == .fund ? $0.license : nil })).sorted()
        let table = Show.table(t, [("field", false), ("value", false)], [
            [Show.cell(t["entry"] ?? ""), Show.cell(String(entry.id))],
            [Show.cell(t["kind"] ?? ""), Show.cell(entry.kind.label(lang))],
            [Show.cell(t["license"] ?? ""), Show.cell(mines.joined(separator: ", "))],
            [Show.cell(t["amount"] ?? ""), Show.cell(entry.amount.display(.yuan))],
            [Show.cell(t["value_date"] ?? ""), Show.cell(entry.valueDate.description)],
            [Show.cell(t["reference"] ?? ""), Show.cell(entry.reference ?? "")],
            [Show.cell(t["booked_by"] ?? ""), Show.cell("\(entry.actor) · \(Show.time(entry.bookedAt))")],
        ], caption: t["entry_to_reverse"])
        func field(_ name: String, _ label: String, type: String = "text", fallback: String = "") -> [String: Any] {
            ["id": name, "name": name, "label": t[label] ?? label, "type": type, "value": form?[name] ?? fallback, "select": false,
             "error": errors[name] ?? false]
        }
        return pages.render("money", title: "\(t["reversal_title"] ?? "") · \(id)", request, context, status: status, [
            "intro": t["reversal_intro"] ?? "", "entry_table": table,
            "fields": [field("reason", "reversal_reason"), field("value_date", "value_date", type: "date", fallback: Bureau.today.description)],
            "has_errors": !errors.isEmpty, "alert": alert ?? false,
            "idempotency_key": form?["idempotency_key"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.random(),
        ])
    }

    /// Reverses the entry with the typed reason; a second reversal, or one of
    /// a reversal, is refused by the ledger and said at the top.
    @Sendable func reverse(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try Self.entryID(context)
        var errors: [String: String] = [:]
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespaces)
        if reason.isEmpty { errors["reason"] = t(context)["reason_required"] ?? "" }
        var date: CalendarDate?
        if let typed = form["value_date"], !typed.isEmpty {
            do { date = try FundLedger.parseDate(typed, field: "value_date") } catch {
                errors["value_date"] = Pages.explain(ReclaimError.wrap(error), context.language)
            }
        }
        let key = form["idempotency_key"] ?? ""
        guard errors.isEmpty, key.count >= 8, key.count <= 100 else {
            return try await reversalForm(request, context, form: form, errors: errors, status: .unprocessableContent)
        }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        let valueDate = date
        do {
            let result = try await db { conn in
                try FundLedger.Commands.reverse(id, reason: reason, valueDate: valueDate, idempotencyKey: "dashboard:\(key)")
                    .run(as: principal, actor: actor, on: conn)
            }
            let mine = result.entry.postings.first { $0.account == .fund }?.license ?? ""
            return pages.redirect("/mines/\(Show.segment(mine))?\(result.replayed ? "replayed" : "booked")=\(result.entry.id)")
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal {
            if let f = e.field, ["reason", "value_date"].contains(f) {
                errors[f] = Pages.explain(e, context.language)
                return try await reversalForm(request, context, form: form, errors: errors, status: .unprocessableContent)
            }
            return try await reversalForm(request, context, form: form, alert: Pages.explain(e, context.language),
                                          status: .unprocessableContent)
        }
    }

    // MARK: Bank files

    func importPage(_ request: Request, _ context: AppContext, report: ImportReport? = nil, refused: String? = nil,
                    status: HTTPResponse.Status = .ok) throws -> Response {
        let session = try context.requireSession()
        try FundPolicy.book.check(session.principal)
        let t = t(context)
        var values: [String: Any] = ["columns": FundLedger.importColumns.joined(separator: ","), "alert": refused ?? false]
        if let report {
            let summary = (t[report.dryRun ? "import_would_book" : "import_booked"] ?? "")
                .replacingOccurrences(of: "{booked}", with: String(report.booked))
                .replacingOccurrences(of: "{skipped}", with: String(report.skipped))
                .replacingOccurrences(of: "{rows}", with: String(report.rows))
            if report.problems.isEmpty {
                values["notice"] = summary
            } else {
                values["alert"] = (t["import_refused"] ?? "").replacingOccurrences(of: "{bad}", with: String(report.problems.count))
                    .replacingOccurrences(of: "{rows}", with: String(report.rows))
                values["problems_table"] = Show.table(t, [("line", true), ("problem", false)],
                                                      report.problems.map { [Show.number(String($0.line)), Show.cell($0.reason)] })
            }
        }
        return pages.render("import", title: t["import_title"] ?? "", request, context, status: status, values)
    }

    /// A bank file from the form: checked (a dry run) or booked, all rows or none.
    @Sendable func importFile(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requireSession()
        guard let boundary = Multipart.boundary(request.headers[.contentType] ?? "") else {
            throw ReclaimError.invalid("form", "send the file as multipart/form-data")
        }
        let buffer = try await context.collectBody(request, limit: 64 << 20)
        let multipart = try Multipart.parse(Data(buffer.readableBytesView), boundary: boundary)
        let session = try context.requireSession(multipart.form)
        guard let file = multipart.parts.first(where: { $0.name == "file" && !($0.fileName ?? "").isEmpty }) else {
            return try importPage(request, context, refused: t(context)["choose_file"], status: .unprocessableContent)
        }
        let path = NSTemporaryDirectory() + "reclaim-bank-\(UUID().uuidString).csv"
        guard FileManager.default.createFile(atPath: path, contents: file.data) else {
            throw ReclaimError(.internal, "the file could not be staged")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dryRun = multipart["dry_run"] == "1"
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let report = try await db { conn in
                try FundLedger.Commands.importCSV(path: path, name: file.fileName, dryRun: dryRun).run(as: principal, actor: actor, on: conn)
            }
            return try importPage(request, context, report: report)
        } catch let rejected as ImportRejected {
            return try importPage(request, context, report: rejected.report, status: .unprocessableContent)
        } catch let e as ReclaimError where e.kind != .unavailable && e.kind != .internal {
            return try importPage(request, context, refused: Pages.explain(e, context.language), status: .unprocessableContent)
        }
    }
}
