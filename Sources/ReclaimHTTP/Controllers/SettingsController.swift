import Foundation
import Hummingbird
import PQKit
import Reclaim

/// The bureau's settings over HTTP: everyone signed in reads them, an administrator sets them.
struct SettingsController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/settings", list)
        routes.api(.put, "/settings/{key}", body: Settings.SetRequest.self, set)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requirePrincipal()
        let items = try await pool.withConnection { try Settings.list(on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func set(_ request: Request, _ context: AppContext) async throws -> Response {
        let key = try context.path("key")
        let (body, r) = try await JSONBody.read(request, context: context, as: Settings.SetRequest.self)
        return try await Mutation(pool: pool).run(Settings.Commands.set(key, r.value), request, context: context, body: body)
    }
}
