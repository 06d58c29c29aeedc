import Foundation
import Hummingbird
import PQKit
import Reclaim

/// The green-mine list (绿色矿山) in the browser, for everyone: the list as
/// it stood at a year's end, that year's disclosures (missing ones marked
/// overdue after 31 March) and the year's spot-check draw with its results.
/// The list is kept, disclosed and checked with `reclaim green` or the API.
extension DashboardController {
    @Sendable func green(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        try GreenPolicy.read.check(session.principal)
        let year = try AnnualPlanController.queryYear(request) ?? Bureau.today.year - 1
        let only = MinePolicy.scope(for: session.principal)
        let (report, missing) = try await read(context) { conn in
            (try GreenMines.report(year: year, only: nil, on: conn), try GreenMines.missing(year: year, only: only, on: conn))
        }
        let t = t(context), lang = context.language.report
        let table = report.table(unit: .yuan)
        let lines = Show.table(t, table.columns.map { ($0.key == "license" ? "license" : "green_" + $0.key, false) },
                               table.labelledRows(lang).map { row in
                                   row.enumerated().map { i, cell in
                                       i == 0 && MinePolicy.read(cell).permits(session.principal)
                                           ? Show.link(cell, "/mines/\(Show.segment(cell))") : Show.cell(cell)
                                   }
                               })
        let missingTable = Show.table(t, [("license", false), ("name", false), ("green_due", false), ("state", false)],
                                      missing.map { m in
                                          [Show.cell(m.license), Show.cell(m.name), Show.cell(m.dueOn.description),
                                           Show.cell(t[m.overdue ? "green_overdue" : "green_not_due"] ?? "")]
                                      })
        return pages.render("green", title: "\(t["green"] ?? "") · \(year)", request, context, [
            "year": year, "previous": year - 1, "next": year + 1,
            "lines": report.lines.isEmpty ? false : lines,
            "missing": missing.isEmpty ? false : missingTable,
            "draw": report.seed.map { (t["green_draw_note"] ?? "").replacingOccurrences(of: "{seed}", with: $0)
                .replacingOccurrences(of: "{share}", with: String(report.sharePercent ?? 0)) } ?? false,
        ])
    }
}

extension DashboardController {
    /// A reviewer closes an emergency from the queue, with the measures taken (the same command as `monitor close`).
    @Sendable func closeEmergency(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        guard let id = Int64(try context.path("id")), id >= 1 else { throw ReclaimError(.notFound, "no such event") }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        _ = try await db { try Monitoring.Commands.closeEvent(id, measures: form["measures"] ?? "").run(as: principal, actor: actor, on: $0) }
        return pages.redirect("/queue?done=1")
    }
}
