import Foundation
import Hummingbird
import PQKit
import Reclaim

/// GET /v1/reports/…: the bureau's reports, JSON (or CSV by `Accept: text/csv`).
struct ReportController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/reports/fund", fund)
    }

    @Sendable func fund(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let text = request.uri.queryParameters[Substring("year")].map(String.init), text.utf8.count == 4,
              let year = Int(text), (1990...2200).contains(year) else {
            throw Problem.badRequest("year must be a year from 1990 to 2200", errors: [.init(field: "year", detail: "must be a year")])
        }
        let only = MinePolicy.scope(for: principal)
        let report = try await pool.withConnection { try Reports.fund(year: year, only: only, on: $0) }
        if request.headers[.accept]?.contains("text/csv") == true {
            let csv = ([FundReportLine.csvHeaders] + (report.mines + [report.totals]).map(\.csvCells)).map(CSV.line)
                .joined(separator: "\n") + "\n"
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        return try jsonResponse(report)
    }
}

extension FundReportLine {
    static let csvHeaders = ["license", "mineral_class", "region_code", "opening", "deposits", "conversions", "withdrawals",
                             "transfers_in", "transfers_out", "releases", "closing", "assessed", "shortfall"]
    var csvCells: [String] {
        [license, mineralClass, regionCode] + [opening, deposits, conversions, withdrawals, transfersIn, transfersOut, releases,
                                               closing, assessed, shortfall].map(\.description)
    }
}
