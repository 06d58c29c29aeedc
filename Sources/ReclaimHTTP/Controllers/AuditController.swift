import Foundation
import Hummingbird
import PQKit
import Reclaim

/// GET /v1/audit: the audit trail, for admins and auditors.
struct AuditController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/audit", list)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        try AuditPolicy.read.check(try context.requirePrincipal())
        let paging = try Paging(request)
        let q = request.uri.queryParameters
        var after: Int64?
        if let c = paging.cursor {
            guard let n = Int64(c) else { throw Problem.badRequest("cursor is not valid") }
            after = n
        }
        let filter = AuditLog.Filter(
            actor: q[Substring("actor")].map(String.init), target: q[Substring("target")].map(String.init),
            from: try request.queryDate("from").map(Bureau.start(of:)),
            to: try request.queryDate("to").map { Bureau.start(of: $0).addingTimeInterval(86_400) },
            afterID: after, limit: paging.limit + 1)
        let records = try await pool.withConnection { try AuditLog.list(filter, on: $0) }
        let items = Array(records.prefix(paging.limit))
        return try jsonResponse(Page(items: items, nextCursor: records.count > paging.limit ? items.last.map { String($0.id) } : nil))
    }
}

