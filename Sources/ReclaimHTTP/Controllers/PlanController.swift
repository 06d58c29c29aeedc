import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Plans over HTTP: versions submitted by a mine's operator, decided by
/// reviewers through the shared workflow.
struct PlanController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/plans", list)
        routes.api(.get, "/mines/{license}/plans", listForMine)
        routes.api(.post, "/mines/{license}/plans", body: PlanDocument.self, submit)
        routes.api(.get, "/mines/{license}/plans/{version}", show)
        routes.api(.post, "/mines/{license}/plans/{version}/approval", body: EmptyRequest.self) { try await self.decide(.approve, $0, $1) }
        routes.api(.post, "/mines/{license}/plans/{version}/return", body: ReturnRequest.self) { try await self.decide(.return, $0, $1) }
    }

    static func state(_ request: Request) throws -> PlanState? {
        guard let text = request.uri.queryParameters[Substring("state")].map(String.init) else { return nil }
        guard let state = PlanState(rawValue: text) else {
            let detail = "must be one of \(PlanState.allCases.map(\.rawValue).joined(separator: ", "))"
            throw Problem.badRequest("state \(detail)", errors: [.init(field: "state", detail: detail)])
        }
        return state
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let state = try Self.state(request)
        let only = MinePolicy.scope(for: principal)
        let items = try await pool.withConnection { try Plans.list(state: state, only: only, on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func listForMine(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        let state = try Self.state(request)
        let items = try await pool.withConnection { conn -> [PlanSummary] in
            _ = try MineRegistry.find(license, on: conn)
            return try Plans.list(state: state, only: [license], on: conn)
        }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func submit(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let body = try await JSONBody.document(request, context: context)
        return try await Mutation(pool: pool).run(Plans.Commands.submit(license, try PlanDocument.parse(body.bytes)), request,
                                                  context: context, body: body, status: .created)
    }

    /// `{version}`: a version number, or `current`.
    static func version(_ context: AppContext) throws -> Int? {
        let text = try context.path("version")
        if text == "current" { return nil }
        guard text.utf8.count <= 9, let v = Int(text), v >= 1, String(v) == text else {
            throw Problem.badRequest("version must be a version number or current",
                                     errors: [.init(field: "version", detail: "must be a version number or current")])
        }
        return v
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        let version = try Self.version(context)
        return try jsonResponse(try await pool.withConnection { try Plans.find(license, version: version, on: $0) })
    }

    func decide(_ action: PlanAction, _ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        guard let version = try Self.version(context) else {
            throw Problem.badRequest("name the version to decide", errors: [.init(field: "version", detail: "must be a version number")])
        }
        let (body, reason) = try await JSONBody.decision(returning: action == .return, request, context: context)
        return try await Mutation(pool: pool).run(Plans.Commands.decide(license, version: version, action, reason: reason), request,
                                                  context: context, body: body)
    }
}
