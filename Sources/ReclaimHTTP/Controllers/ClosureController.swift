import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Closure acceptance, the working-day calendar and the release of the fund over HTTP.
struct ClosureController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.post, "/mines/{license}/closure-applications", body: Closures.ApplyRequest.self, apply)
        routes.api(.get, "/closure-applications", list)
        routes.api(.get, "/closure-applications/{id}", show)
        routes.api(.post, "/closure-applications/{id}/panel", body: Closures.PanelRequest.self, panel)
        routes.api(.post, "/closure-applications/{id}/visits", body: Closures.VisitRequest.self, visit)
        routes.api(.post, "/closure-applications/{id}/votes", body: Closures.VoteRequest.self, vote)
        routes.api(.post, "/closure-applications/{id}/objections", body: Closures.ObjectionRequest.self, object)
        routes.api(.post, "/closure-applications/{id}/objections/{objection}/outcome", body: Closures.OutcomeRequest.self, resolve)
        routes.api(.post, "/closure-applications/{id}/confirmation", body: Closures.ConfirmRequest.self, confirm)
        routes.api(.post, "/mines/{license}/fund/release", body: EmptyRequest.self, release)
        routes.api(.get, "/calendar", calendar)
        routes.api(.post, "/calendar/holidays", body: WorkCalendar.DayRequest.self) { try await self.addDay(.holiday, $0, $1) }
        routes.api(.post, "/calendar/workdays", body: WorkCalendar.DayRequest.self) { try await self.addDay(.workday, $0, $1) }
        routes.api(.post, "/calendar/schedules", body: WorkCalendar.ScheduleRequest.self, loadSchedule)
    }

    static func id(_ context: AppContext) throws -> Int64 {
        guard let id = Int64(try context.path("id")), id > 0 else {
            throw Problem.badRequest("id must be an application number", errors: [.init(field: "id", detail: "must be a number")])
        }
        return id
    }

    @Sendable func apply(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let (body, a) = try await JSONBody.read(request, context: context, as: Closures.ApplyRequest.self)
        return try await Mutation(pool: pool).run(Closures.Commands.apply(license, evidence: a.evidence ?? [], note: a.note),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let q = request.uri.queryParameters
        var state: ClosureState?
        if let text = q[Substring("state")].map(String.init) {
            guard let s = ClosureState(rawValue: text) else {
                let detail = "must be one of \(ClosureState.allCases.map(\.rawValue).joined(separator: ", "))"
                throw Problem.badRequest("state \(detail)", errors: [.init(field: "state", detail: detail)])
            }
            state = s
        }
        var overdue = false
        if let text = q[Substring("overdue")].map(String.init) {
            guard text == "true" || text == "false" else {
                throw Problem.badRequest("overdue must be true or false", errors: [.init(field: "overdue", detail: "must be true or false")])
            }
            overdue = text == "true"
        }
        let asked = (state, overdue)
        let items = try await pool.withConnection { try Closures.list(state: asked.0, overdue: asked.1, for: principal, on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        let app = try await pool.withConnection { try Closures.find(id, for: principal, on: $0) }
        return try jsonResponse(app)
    }

    @Sendable func panel(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, p) = try await JSONBody.read(request, context: context, as: Closures.PanelRequest.self)
        return try await Mutation(pool: pool).run(Closures.Commands.assignPanel(id, members: try p.names()), request,
                                                  context: context, body: body)
    }

    @Sendable func visit(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, v) = try await JSONBody.read(request, context: context, as: Closures.VisitRequest.self)
        let (date, checked) = try v.values()
        let command = Closures.Commands.recordVisit(id, date: date, participants: v.participants ?? [], checked: checked,
                                                    finding: v.finding)
        return try await Mutation(pool: pool).run(command, request, context: context, body: body, status: .created)
    }

    @Sendable func vote(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, v) = try await JSONBody.read(request, context: context, as: Closures.VoteRequest.self)
        return try await Mutation(pool: pool).run(Closures.Commands.vote(id, pass: v.pass, opinion: v.opinion), request,
                                                  context: context, body: body, status: .created)
    }

    @Sendable func object(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, o) = try await JSONBody.read(request, context: context, as: Closures.ObjectionRequest.self)
        return try await Mutation(pool: pool).run(Closures.Commands.object(id, raisedBy: o.name, contact: o.contact, text: o.text),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func resolve(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        guard let objection = Int64(try context.path("objection")), objection > 0 else {
            throw Problem.badRequest("objection must be a number", errors: [.init(field: "objection", detail: "must be a number")])
        }
        let (body, o) = try await JSONBody.read(request, context: context, as: Closures.OutcomeRequest.self)
        let command = Closures.Commands.resolve(id, objection: objection, upheld: o.upheld, reason: o.reason)
        return try await Mutation(pool: pool).run(command, request, context: context, body: body, status: .created)
    }

    @Sendable func confirm(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, c) = try await JSONBody.read(request, context: context, as: Closures.ConfirmRequest.self)
        return try await Mutation(pool: pool).run(Closures.Commands.confirm(id, number: c.number), request, context: context,
                                                  body: body, status: .created)
    }

    @Sendable func release(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let principal = try context.requirePrincipal()
        _ = try await JSONBody.read(request, context: context, as: EmptyRequest.self)
        let actor = try context.actor()
        let result = try await pool.withConnection {
            try FundLedger.Commands.release(license).run(as: principal, actor: actor, on: $0)
        }
        var response = try jsonResponse(result.entry, status: .created)
        if result.replayed { response.headers[.idempotentReplayed] = "true" }
        return response
    }

    @Sendable func calendar(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requirePrincipal()
        guard let year = try AnnualPlanController.queryYear(request) else {
            throw Problem.badRequest("year is required", errors: [.init(field: "year", detail: "is required")])
        }
        let days = try await pool.withConnection { try WorkCalendar.list(year: year, on: $0) }
        return try jsonResponse(Page(items: days, nextCursor: nil))
    }

    @Sendable func loadSchedule(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, s) = try await JSONBody.read(request, context: context, as: WorkCalendar.ScheduleRequest.self)
        let command = WorkCalendar.Commands.load(try s.calendarDays(), source: s.source)
        struct Loaded: Encodable { var years: [Int] }
        return try await Mutation(pool: pool).run(command.map { Loaded(years: $0) }, request, context: context, body: body,
                                                  status: .created)
    }

    func addDay(_ kind: CalendarDay.Kind, _ request: Request, _ context: AppContext) async throws -> Response {
        let (body, d) = try await JSONBody.read(request, context: context, as: WorkCalendar.DayRequest.self)
        return try await Mutation(pool: pool).run(WorkCalendar.Commands.add(try d.day(), kind, name: d.name), request,
                                                  context: context, body: body, status: .created)
    }
}
