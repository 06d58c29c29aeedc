import Foundation
import Hummingbird
import PQKit
import Reclaim

/// /v1/mines: the registry over HTTP.
struct MineController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/mines", list)
        routes.api(.post, "/mines", body: MineRegistry.AddRequest.self, create)
        routes.api(.get, "/mines/{license}", show)
        routes.api(.patch, "/mines/{license}", body: MineRegistry.UpdateRequest.self, update)
        routes.api(.get, "/mergers", mergers)
        routes.api(.post, "/mergers", body: Mergers.RecordRequest.self, merge)
    }

    @Sendable func mergers(_ request: Request, _ context: AppContext) async throws -> Response {
        try MinePolicy.readMergers.check(try context.requirePrincipal())
        let items = try await pool.withConnection { try Mergers.list(on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func merge(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, m) = try await JSONBody.read(request, context: context, as: Mergers.RecordRequest.self)
        let command = MineRegistry.Commands.merge(from: m.fromLicenses, into: m.intoLicense, approvedOn: try m.approvalDate(),
                                                  document: m.document)
        return try await Mutation(pool: pool).run(command, request, context: context, body: body, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let paging = try Paging(request)
        let only = MinePolicy.scope(for: principal)
        let mines = try await pool.withConnection { conn in
            try MineRegistry.list(on: conn, after: paging.cursor, limit: paging.limit + 1, only: only)
        }
        let items = Array(mines.prefix(paging.limit))
        return try jsonResponse(Page(items: items, nextCursor: mines.count > paging.limit ? items.last?.license : nil))
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        return try jsonResponse(try await pool.withConnection { try MineRegistry.show(license, on: $0) })
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, m) = try await JSONBody.read(request, context: context, as: MineRegistry.AddRequest.self)
        return try await Mutation(pool: pool).run(MineRegistry.Commands.add(try m.mine()), request, context: context, body: body,
                                                  status: .created)
    }

    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let (body, u) = try await JSONBody.read(request, context: context, as: MineRegistry.UpdateRequest.self)
        return try await Mutation(pool: pool).run(MineRegistry.Commands.update(license, try u.change()), request, context: context,
                                                  body: body)
    }
}
