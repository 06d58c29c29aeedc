import Foundation
import Hummingbird
import PQKit
import Reclaim

/// The green-mine list (绿色矿山), its disclosures and its spot checks over
/// HTTP, under /v1/green: the same commands and policies as `reclaim green`.
/// The list, the draws and the results are public; an operator reads and
/// writes its own mines' disclosures only.
struct GreenController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/green/mines", list)
        routes.api(.post, "/green/mines", body: GreenMines.AddRequest.self, add)
        routes.api(.get, "/green/mines/{license}", history)
        routes.api(.post, "/green/mines/{license}/removal", body: GreenMines.RemoveRequest.self, remove)
        routes.api(.post, "/green/mines/{license}/disclosures/{year}", body: GreenDisclosureDocument.self, disclose)
        routes.api(.get, "/green/disclosures/{year}", disclosures)
        routes.api(.get, "/green/disclosures/{year}/missing", missing)
        routes.api(.post, "/green/draws", body: GreenMines.DrawRequest.self, draw)
        routes.api(.get, "/green/draws/{year}", findDraw)
        routes.api(.get, "/green/draws/{year}/verification", verifyDraw)
        routes.api(.get, "/green/draws/{year}/checks", checks)
        routes.api(.post, "/green/draws/{year}/checks", body: GreenMines.CheckRequest.self, check)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        try GreenPolicy.read.check(try context.requirePrincipal())
        let asOf = try request.uri.queryParameters[Substring("as_of")].map { try FundLedger.parseDate(String($0), field: "as_of") }
        return try jsonResponse(Page(items: try await pool.withConnection { try GreenMines.list(asOf: asOf, on: $0) }, nextCursor: nil))
    }

    @Sendable func history(_ request: Request, _ context: AppContext) async throws -> Response {
        try GreenPolicy.read.check(try context.requirePrincipal())
        let license = try context.license()
        return try jsonResponse(Page(items: try await pool.withConnection { try GreenMines.history(license, on: $0) }, nextCursor: nil))
    }

    @Sendable func add(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, a) = try await JSONBody.read(request, context: context, as: GreenMines.AddRequest.self)
        return try await Mutation(pool: pool).run(GreenMines.Commands.add(a.license, year: a.year, standard: a.standard, document: a.document,
                                                                          listedOn: try a.listedOnDay()),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func remove(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let (body, r) = try await JSONBody.read(request, context: context, as: GreenMines.RemoveRequest.self)
        return try await Mutation(pool: pool).run(GreenMines.Commands.remove(license, reason: r.reason, document: r.document),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func disclose(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let year = try context.year()
        let body = try await JSONBody.document(request, context: context)
        return try await Mutation(pool: pool).run(GreenMines.Commands.disclose(license, year: year, try GreenDisclosureDocument.parse(body.bytes)),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func disclosures(_ request: Request, _ context: AppContext) async throws -> Response {
        let only = MinePolicy.scope(for: try context.requirePrincipal())
        let year = try context.year()
        return try jsonResponse(Page(items: try await pool.withConnection { try GreenMines.disclosures(year: year, only: only, on: $0) },
                                     nextCursor: nil))
    }

    @Sendable func missing(_ request: Request, _ context: AppContext) async throws -> Response {
        let only = MinePolicy.scope(for: try context.requirePrincipal())
        let year = try context.year()
        return try jsonResponse(Page(items: try await pool.withConnection { try GreenMines.missing(year: year, only: only, on: $0) },
                                     nextCursor: nil))
    }

    @Sendable func draw(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, d) = try await JSONBody.read(request, context: context, as: GreenMines.DrawRequest.self)
        return try await Mutation(pool: pool).run(GreenMines.Commands.draw(year: d.year, sharePercent: d.sharePercent, seed: d.seed),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func findDraw(_ request: Request, _ context: AppContext) async throws -> Response {
        try GreenPolicy.read.check(try context.requirePrincipal())
        let year = try context.year()
        return try jsonResponse(try await pool.withConnection { try GreenMines.findDraw(year: year, on: $0) })
    }

    @Sendable func verifyDraw(_ request: Request, _ context: AppContext) async throws -> Response {
        try GreenPolicy.read.check(try context.requirePrincipal())
        let year = try context.year()
        return try jsonResponse(try await pool.withConnection { try GreenMines.verifyDraw(year: year, on: $0) })
    }

    @Sendable func checks(_ request: Request, _ context: AppContext) async throws -> Response {
        try GreenPolicy.read.check(try context.requirePrincipal())
        let year = try context.year()
        return try jsonResponse(Page(items: try await pool.withConnection { try GreenMines.checks(year: year, on: $0) }, nextCursor: nil))
    }

    @Sendable func check(_ request: Request, _ context: AppContext) async throws -> Response {
        let year = try context.year()
        let (body, c) = try await JSONBody.read(request, context: context, as: GreenMines.CheckRequest.self)
        return try await Mutation(pool: pool).run(GreenMines.Commands.check(c.license, year: year, result: try c.checkResult(), finding: c.finding),
                                                  request, context: context, body: body, status: .created)
    }
}
