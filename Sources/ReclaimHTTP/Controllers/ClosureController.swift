import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Closure acceptance, the working-day calendar and the release of the fund over HTTP.
struct ClosureController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.post, "/mines/{license}/closure-applications", apply)
        routes.api(.get, "/closure-applications", list)
        routes.api(.get, "/closure-applications/{id}", show)
        routes.api(.post, "/closure-applications/{id}/panel", panel)
        routes.api(.post, "/closure-applications/{id}/visits", visit)
        routes.api(.post, "/closure-applications/{id}/votes", vote)
        routes.api(.post, "/closure-applications/{id}/objections", object)
        routes.api(.post, "/closure-applications/{id}/objections/{objection}/outcome", resolve)
        routes.api(.post, "/closure-applications/{id}/confirmation", confirm)
        routes.api(.post, "/mines/{license}/fund/release", release)
        routes.api(.get, "/calendar", calendar)
        routes.api(.post, "/calendar/holidays") { try await self.addDay(.holiday, $0, $1) }
        routes.api(.post, "/calendar/workdays") { try await self.addDay(.workday, $0, $1) }
        routes.api(.post, "/calendar/schedules", loadSchedule)
    }

    static func id(_ context: AppContext) throws -> Int64 {
        guard let id = Int64(try context.path("id")), id > 0 else {
            throw Problem.badRequest("id must be an application number", errors: [.init(field: "id", detail: "must be a number")])
        }
        return id
    }

    @Sendable func apply(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let principal = try context.requirePrincipal()
        var body = try await JSONBody.read(request, context: context, allowed: ["evidence", "note"])
        let evidence = body.strings("evidence") ?? []
        let note = body.string("note", nullable: true)
        try body.finish()
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Closures.Commands.apply(license, evidence: evidence, note: note).run(as: principal, actor: actor, on: conn)))
        }
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
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        // `reviewers` is the field's name before experts sat on panels; either, not both
        var body = try await JSONBody.read(request, context: context, allowed: ["members", "reviewers"])
        let members = body.strings("members")
        let reviewers = body.strings("reviewers")
        try body.finish()
        if members != nil, reviewers != nil {
            throw Problem.badRequest("give members only", errors: [.init(field: "reviewers", detail: "give members only")])
        }
        let names = members ?? reviewers ?? []
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.ok, try ReclaimJSON.encode(try Closures.Commands.assignPanel(id, members: names).run(as: principal, actor: actor, on: conn)))
        }
    }

    @Sendable func visit(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        var body = try await JSONBody.read(request, context: context, allowed: ["date", "participants", "checked_hm2", "finding"])
        let date = body.parse("date", body.string("date", required: true)) { try FundLedger.parseDate($0, field: "date") }
        let participants = body.strings("participants") ?? []
        let checked = body.parse("checked_hm2", body.string("checked_hm2", required: true)) {
            try Area.parseHectares($0, field: "checked_hm2")
        }
        let finding = body.string("finding", required: true)
        try body.finish()
        guard let date, let checked, let finding else { throw Problem.badRequest("date, checked_hm2 and finding are required") }
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Closures.Commands.recordVisit(id, date: date, participants: participants, checked: checked,
                                                                                finding: finding).run(as: principal, actor: actor, on: conn)))
        }
    }

    struct VoteBody: Decodable {
        var pass: Bool
        var opinion: String
    }

    @Sendable func vote(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        let body = try await JSONBody.read(request, context: context, allowed: ["pass", "opinion"])
        let v = try body.decode(VoteBody.self)
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Closures.Commands.vote(id, pass: v.pass, opinion: v.opinion).run(as: principal, actor: actor, on: conn)))
        }
    }

    @Sendable func object(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        var body = try await JSONBody.read(request, context: context, allowed: ["name", "contact", "text"])
        let name = body.string("name", required: true)
        let contact = body.string("contact", required: true)
        let text = body.string("text", required: true)
        try body.finish()
        guard let name, let contact, let text else { throw Problem.badRequest("name, contact and text are required") }
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Closures.Commands.object(id, raisedBy: name, contact: contact, text: text)
                                                  .run(as: principal, actor: actor, on: conn)))
        }
    }

    struct OutcomeBody: Decodable {
        var upheld: Bool
        var reason: String
    }

    @Sendable func resolve(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        guard let objection = Int64(try context.path("objection")), objection > 0 else {
            throw Problem.badRequest("objection must be a number", errors: [.init(field: "objection", detail: "must be a number")])
        }
        let body = try await JSONBody.read(request, context: context, allowed: ["upheld", "reason"])
        let o = try body.decode(OutcomeBody.self)
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Closures.Commands.resolve(id, objection: objection, upheld: o.upheld, reason: o.reason)
                                                  .run(as: principal, actor: actor, on: conn)))
        }
    }

    @Sendable func confirm(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        var body = try await JSONBody.read(request, context: context, allowed: ["number"])
        let number = body.string("number", required: true)
        try body.finish()
        guard let number else { throw Problem.badRequest("number is required") }
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Closures.Commands.confirm(id, number: number).run(as: principal, actor: actor, on: conn)))
        }
    }

    @Sendable func release(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        let principal = try context.requirePrincipal()
        _ = try await JSONBody.read(request, context: context, allowed: [])
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

    struct ScheduleBody: Decodable {
        struct Day: Decodable {
            var day: String
            var kind: String
            var name: String?
        }
        var source: String
        var days: [Day]
    }

    @Sendable func loadSchedule(_ request: Request, _ context: AppContext) async throws -> Response {
        try ClosurePolicy.calendar.check(try context.requirePrincipal())
        let body = try await JSONBody.read(request, context: context, allowed: ["source", "days"])
        let s = try body.decode(ScheduleBody.self)
        guard s.days.count <= 400 else { throw Problem.badRequest("days: at most 400 days") }
        let days = try s.days.enumerated().map { i, d in
            guard let kind = CalendarDay.Kind(rawValue: d.kind) else {
                throw ReclaimError.invalid("days[\(i + 1)].kind", "must be holiday or workday")
            }
            return CalendarDay(day: try FundLedger.parseDate(d.day, field: "days[\(i + 1)].day"), kind: kind, name: d.name)
        }
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            struct Loaded: Encodable { var years: [Int] }
            return (.created, try ReclaimJSON.encode(Loaded(years: try WorkCalendar.load(days, source: s.source, by: actor, on: conn))))
        }
    }

    func addDay(_ kind: CalendarDay.Kind, _ request: Request, _ context: AppContext) async throws -> Response {
        try ClosurePolicy.calendar.check(try context.requirePrincipal())
        var body = try await JSONBody.read(request, context: context, allowed: ["date", "name"])
        let day = body.parse("date", body.string("date", required: true)) { try FundLedger.parseDate($0, field: "date") }
        let name = body.string("name", nullable: true)
        try body.finish()
        guard let day else { throw Problem.badRequest("date is required") }
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try WorkCalendar.add(day, kind, name: name, by: actor, on: conn)))
        }
    }
}
