import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Annual plans over HTTP: /v1/mines/{license}/annual-plans/{year} with a
/// sub-resource per transition, and the reviewers' queue across mines.
struct AnnualPlanController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/annual-plans", list)
        routes.api(.get, "/annual-plans/missing", missing)
        routes.api(.get, "/mines/{license}/annual-plans/{year}", show)
        routes.api(.put, "/mines/{license}/annual-plans/{year}/draft", body: AnnualWorks.self) { try await self.works(revision: false, $0, $1) }
        routes.api(.post, "/mines/{license}/annual-plans/{year}/revision", body: AnnualWorks.self) { try await self.works(revision: true, $0, $1) }
        routes.api(.post, "/mines/{license}/annual-plans/{year}/report", body: AnnualReportFile.self, report)
        for (route, action) in [("submission", AnnualPlanAction.submit), ("approval", .approve), ("return", .return),
                                ("acceptance", .accept), ("failure", .fail)] {
            let body: any BodyShape.Type = action == .return ? ReturnRequest.self : action == .fail ? AnnualPlans.FailureRequest.self
                : EmptyRequest.self
            routes.api(.post, "/mines/{license}/annual-plans/{year}/\(route)", body: body) { try await self.decide(action, $0, $1) }
        }
    }

    static func queryYear(_ request: Request) throws -> Int? {
        guard let text = request.uri.queryParameters[Substring("year")].map(String.init) else { return nil }
        do { return try Years.parse(text) } catch let e as ReclaimError {
            throw Problem.badRequest(e.description, errors: [.init(field: "year", detail: e.message)])
        }
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let year = try Self.queryYear(request)
        var state: AnnualPlanState?
        if let text = request.uri.queryParameters[Substring("state")].map(String.init) {
            guard let s = AnnualPlanState(rawValue: text) else {
                let detail = "must be one of \(AnnualPlanState.allCases.map(\.rawValue).joined(separator: ", "))"
                throw Problem.badRequest("state \(detail)", errors: [.init(field: "state", detail: detail)])
            }
            state = s
        }
        let asked = state
        let only = MinePolicy.scope(for: principal)
        let items = try await pool.withConnection { try AnnualPlans.list(year: year, state: asked, only: only, on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func missing(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let year = try Self.queryYear(request) ?? Bureau.today.year
        let only = MinePolicy.scope(for: principal)
        let items = try await pool.withConnection { try AnnualPlans.missing(year: year, only: only, on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        let year = try context.year()
        return try jsonResponse(try await pool.withConnection { try AnnualPlans.find(license, year: year, on: $0) })
    }

    func works(revision: Bool, _ request: Request, _ context: AppContext) async throws -> Response {
        let (license, year) = (try context.license(), try context.year())
        let body = try await JSONBody.document(request, context: context)
        let works = try AnnualWorks.parse(body.bytes, year: year)
        let command = revision ? AnnualPlans.Commands.revise(license, year: year, works)
            : AnnualPlans.Commands.draft(license, year: year, works)
        return try await Mutation(pool: pool).run(command, request, context: context, body: body)
    }

    @Sendable func report(_ request: Request, _ context: AppContext) async throws -> Response {
        let (license, year) = (try context.license(), try context.year())
        let body = try await JSONBody.document(request, context: context)
        return try await Mutation(pool: pool).run(AnnualPlans.Commands.report(license, year: year, file: body.bytes), request,
                                                  context: context, body: body)
    }

    func decide(_ action: AnnualPlanAction, _ request: Request, _ context: AppContext) async throws -> Response {
        let (license, year) = (try context.license(), try context.year())
        let body: JSONBody
        var reason: String?
        var items: [String] = []
        if action == .fail {
            let (b, f) = try await JSONBody.read(request, context: context, as: AnnualPlans.FailureRequest.self)
            (body, items) = (b, f.items ?? [])
        } else {
            (body, reason) = try await JSONBody.decision(returning: action == .return, request, context: context)
        }
        return try await Mutation(pool: pool).run(AnnualPlans.Commands.decide(license, year: year, action, reason: reason, items: items),
                                                  request, context: context, body: body)
    }
}
