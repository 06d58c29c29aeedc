import Foundation
import Hummingbird
import PQKit
import Reclaim

/// The accrual over HTTP: rule sets, output reports, assessments, the
/// what-if quote and shortfalls. Rules and figures are the domain's.
struct AccrualController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/accrual/rule-sets", ruleSets)
        routes.api(.post, "/accrual/rule-sets", body: RuleSetFile.self, loadRuleSet)
        routes.api(.get, "/accrual/rule-sets/{name}", ruleSet)
        routes.api(.put, "/mines/{license}/output/{year}", body: OutputReports.ReportRequest.self, reportOutput)
        routes.api(.post, "/mines/{license}/accruals/{year}", body: EmptyRequest.self, assess)
        routes.api(.get, "/mines/{license}/accruals/{year}", assessment)
        routes.api(.post, "/accrual/quote", body: Accruals.QuoteRequest.self, quote)
        routes.api(.get, "/accrual/shortfalls", shortfalls)
    }

    @Sendable func ruleSets(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requirePrincipal()
        let sets = try await pool.withConnection { try RuleSets.list(on: $0) }
        return try jsonResponse(Page(items: sets, nextCursor: nil))
    }

    @Sendable func ruleSet(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requirePrincipal()
        let name = try context.path("name")
        return try jsonResponse(try await pool.withConnection { try RuleSets.find(name, on: $0) })
    }

    @Sendable func loadRuleSet(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.document(request, context: context)
        return try await Mutation(pool: pool).run(Accruals.Commands.loadRules(try RuleSet.parse(body.bytes)), request,
                                                  context: context, body: body, status: .created)
    }

    @Sendable func reportOutput(_ request: Request, _ context: AppContext) async throws -> Response {
        let (license, year) = (try context.license(), try context.year())
        let (body, r) = try await JSONBody.read(request, context: context, as: OutputReports.ReportRequest.self)
        return try await Mutation(pool: pool).run(Accruals.Commands.reportOutput(license, year: year, quantity: try r.value()),
                                                  request, context: context, body: body)
    }

    @Sendable func assess(_ request: Request, _ context: AppContext) async throws -> Response {
        let (license, year) = (try context.license(), try context.year())
        let (body, _) = try await JSONBody.read(request, context: context, as: EmptyRequest.self)
        return try await Mutation(pool: pool).run(Accruals.Commands.assess(license, year: year), request, context: context,
                                                  body: body, status: .created)
    }

    @Sendable func assessment(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        let year = try context.year()
        return try jsonResponse(try await pool.withConnection { try Accruals.assessment(license, year: year, on: $0) })
    }

    @Sendable func quote(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requirePrincipal()
        let (_, q) = try await JSONBody.read(request, context: context, as: Accruals.QuoteRequest.self)
        let inputs = try q.inputs()
        return try jsonResponse(try await pool.withConnection { try Accruals.quote(inputs, on: $0) })
    }

    @Sendable func shortfalls(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let year = try AnnualPlanController.queryYear(request) ?? Bureau.today.year
        let only = MinePolicy.scope(for: principal)
        let items = try await pool.withConnection { try Accruals.shortfalls(year: year, only: only, on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }
}
