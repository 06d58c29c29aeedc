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
        try AccrualPolicy.loadRules.check(try context.requirePrincipal())
        let body = try await JSONBody.document(request, context: context)
        let set = try RuleSet.parse(body.bytes)
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try RuleSets.load(set, by: actor, on: conn)))
        }
    }

    /// The `{year}` path parameter.
    static func year(_ context: AppContext) throws -> Int {
        let text = try context.path("year")
        guard text.utf8.count == 4, let year = Int(text) else {
            throw Problem.badRequest("year must be a year like 2025", errors: [.init(field: "year", detail: "must be a year like 2025")])
        }
        return year
    }

    @Sendable func reportOutput(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try AccrualPolicy.reportOutput(license).check(try context.requirePrincipal())
        let year = try Self.year(context)
        let (body, r) = try await JSONBody.read(request, context: context, as: OutputReports.ReportRequest.self)
        let quantity = try r.value()
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.ok, try ReclaimJSON.encode(try OutputReports.report(license, year: year, quantity: quantity, by: actor,
                                                                  on: conn)))
        }
    }

    @Sendable func assess(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try AccrualPolicy.assess.check(try context.requirePrincipal())
        let year = try Self.year(context)
        let (body, _) = try await JSONBody.read(request, context: context, as: EmptyRequest.self)
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Accruals.assess(license, year: year, by: actor, on: conn)))
        }
    }

    @Sendable func assessment(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        let year = try Self.year(context)
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
        var year = Bureau.today.year
        if let text = request.uri.queryParameters[Substring("year")].map(String.init) {
            guard text.utf8.count == 4, let y = Int(text) else {
                throw Problem.badRequest("year must be a year like 2025", errors: [.init(field: "year", detail: "must be a year like 2025")])
            }
            year = y
        }
        let only = MinePolicy.scope(for: principal)
        let asked = year
        let items = try await pool.withConnection { try Accruals.shortfalls(year: asked, only: only, on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }
}
