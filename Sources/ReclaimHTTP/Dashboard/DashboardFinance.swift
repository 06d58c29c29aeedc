import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// Finance's corrections: a reversal (冲正) of one entry with its reason,
/// from the entry's statement line. The same command as the CLI's and the API's.
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
}
