import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Dynamic monitoring (动态监测) over HTTP: the same commands and policies as
/// `reclaim monitor`; an operator reads and writes its own mines' only.
struct MonitoringController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.post, "/mines/{license}/monitoring/{period}", body: MonitoringReportDocument.self, report)
        routes.api(.get, "/monitoring/{period}/reports", reports)
        routes.api(.get, "/monitoring/{period}/missing", missing)
        routes.api(.get, "/monitoring/{period}/export", export)
        routes.api(.get, "/monitoring/events", events)
        routes.api(.post, "/monitoring/events", body: Monitoring.EventRequest.self, event)
        routes.api(.post, "/monitoring/events/{id}/closure", body: Monitoring.CloseRequest.self, close)
        routes.api(.post, "/mines/{license}/inspections", body: Monitoring.InspectRequest.self, inspect)
    }

    static func period(_ context: AppContext) throws -> MonitoringPeriod {
        do { return try MonitoringPeriod.parse(try context.path("period")) } catch let e as ReclaimError {
            throw Problem.badRequest(e.description, errors: [.init(field: "period", detail: e.message)])
        }
    }

    @Sendable func report(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let period = try Self.period(context)
        let body = try await JSONBody.document(request, context: context)
        return try await Mutation(pool: pool).run(Monitoring.Commands.report(license, period: period, try MonitoringReportDocument.parse(body.bytes)),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func reports(_ request: Request, _ context: AppContext) async throws -> Response {
        let only = MinePolicy.scope(for: try context.requirePrincipal())
        let period = try Self.period(context)
        return try jsonResponse(Page(items: try await pool.withConnection { try Monitoring.reports(period: period, only: only, on: $0) }, nextCursor: nil))
    }

    @Sendable func missing(_ request: Request, _ context: AppContext) async throws -> Response {
        let only = MinePolicy.scope(for: try context.requirePrincipal())
        let period = try Self.period(context)
        return try jsonResponse(Page(items: try await pool.withConnection { try Monitoring.missing(period: period, only: only, on: $0) }, nextCursor: nil))
    }

    @Sendable func export(_ request: Request, _ context: AppContext) async throws -> Response {
        let only = MinePolicy.scope(for: try context.requirePrincipal())
        let period = try Self.period(context)
        return try jsonResponse(try await pool.withConnection { try Monitoring.export(period: period, only: only, on: $0) })
    }

    @Sendable func events(_ request: Request, _ context: AppContext) async throws -> Response {
        let only = MinePolicy.scope(for: try context.requirePrincipal())
        let openOnly: Bool
        switch request.uri.queryParameters["open"] {
        case nil, "false": openOnly = false
        case "true": openOnly = true
        default: throw Problem.badRequest("open must be true or false", errors: [.init(field: "open", detail: "must be true or false")])
        }
        return try jsonResponse(Page(items: try await pool.withConnection { try Monitoring.events(openOnly: openOnly, only: only, on: $0) },
                                     nextCursor: nil))
    }

    @Sendable func event(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, e) = try await JSONBody.read(request, context: context, as: Monitoring.EventRequest.self)
        let command = Monitoring.Commands.event(e.license, kind: try e.hazard(), occurredAt: try e.time(), description: e.description,
                                                casualties: e.casualties ?? 0, area: try e.area())
        return try await Mutation(pool: pool).run(command, request, context: context, body: body, status: .created)
    }

    @Sendable func close(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let id = Int64(try context.path("id")), id > 0 else {
            throw Problem.badRequest("id must be an event number", errors: [.init(field: "id", detail: "must be a number")])
        }
        let (body, c) = try await JSONBody.read(request, context: context, as: Monitoring.CloseRequest.self)
        return try await Mutation(pool: pool).run(Monitoring.Commands.closeEvent(id, measures: c.measures), request, context: context, body: body,
                                                  status: .created)
    }

    @Sendable func inspect(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let (body, i) = try await JSONBody.read(request, context: context, as: Monitoring.InspectRequest.self)
        return try await Mutation(pool: pool).run(Monitoring.Commands.inspect(license, date: try i.day(), finding: i.finding), request,
                                                  context: context, body: body, status: .created)
    }
}
