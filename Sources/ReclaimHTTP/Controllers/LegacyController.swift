import Foundation
import Hummingbird
import PQKit
import Reclaim

/// The legacy restoration programme over HTTP, under /v1/legacy-projects.
struct LegacyController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/legacy-projects/sites", sites)
        routes.api(.post, "/legacy-projects/sites", body: LegacySites.AddRequest.self, addSite)
        routes.api(.post, "/legacy-projects/sites/import", importSites)
        routes.api(.get, "/legacy-projects/sites/{code}", site)
        routes.api(.post, "/legacy-projects/sites/{code}/notice", body: LegacySites.NoticeRequest.self, openNotice)
        routes.api(.post, "/legacy-projects/sites/{code}/notice/objections", body: LegacySites.ObjectionRequest.self, objection)
        routes.api(.post, "/legacy-projects/sites/{code}/notice/closure", body: LegacySites.CloseNoticeRequest.self, closeNotice)
        routes.api(.get, "/legacy-projects", projects)
        routes.api(.post, "/legacy-projects", body: LegacyProjects.AddRequest.self, addProject)
        routes.api(.get, "/legacy-projects/{id}", project)
        routes.api(.post, "/legacy-projects/{id}/sites", body: LegacyProjects.SiteRequest.self, addProjectSite)
        for (route, action) in [("approval", LegacyProjectAction.approve), ("start", .start), ("suspension", .suspend),
                                ("resumption", .resume), ("completion", .complete), ("acceptance", .accept)] {
            let body: any BodyShape.Type = action == .accept ? LegacyProjects.AcceptanceRequest.self : EmptyRequest.self
            routes.api(.post, "/legacy-projects/{id}/\(route)", body: body) { try await self.step(action, $0, $1) }
        }
        routes.api(.post, "/legacy-projects/{id}/commitments", body: LegacyProjects.CommitmentRequest.self) { try await self.book(.legacyCommit, $0, $1) }
        routes.api(.post, "/legacy-projects/{id}/payments", body: LegacyProjects.PaymentRequest.self) { try await self.book(.legacySpend, $0, $1) }
        routes.api(.post, "/legacy-projects/{id}/progress", body: LegacyProjects.ProgressRequest.self, progress)
    }

    static func id(_ context: AppContext) throws -> Int64 {
        guard let id = Int64(try context.path("id")), id > 0 else {
            throw Problem.badRequest("id must be a project number", errors: [.init(field: "id", detail: "must be a number")])
        }
        return id
    }

    @Sendable func sites(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.read.check(try context.requirePrincipal())
        let state = request.uri.queryParameters[Substring("notice_state")].map(String.init)
        let items = try await pool.withConnection { try LegacySites.list(noticeState: state, on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func site(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.read.check(try context.requirePrincipal())
        let code = try context.path("code")
        return try jsonResponse(try await pool.withConnection { try LegacySites.find(code, on: $0) })
    }

    @Sendable func addSite(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, b) = try await JSONBody.read(request, context: context, as: LegacySites.AddRequest.self)
        return try await Mutation(pool: pool).run(LegacySites.Commands.add(try b.site()), request, context: context, body: body,
                                                  status: .created)
    }

    /// A survey as `text/csv`, all or nothing.
    @Sendable func importSites(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let media = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard media == "text/csv" else { throw Problem.unsupportedMediaType("send the survey as text/csv") }
        let buffer = try await context.collectBody(request)
        let path = NSTemporaryDirectory() + "reclaim-survey-\(UUID().uuidString).csv"
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer.readableBytesView)) else {
            throw ReclaimError(.internal, "the survey could not be staged")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let actor = try context.actor()
        let added = try await pool.withConnection {
            try LegacySites.Commands.importCSV(path: path).run(as: principal, actor: actor, on: $0)
        }
        return try jsonResponse(["added": added], status: .created)
    }

    @Sendable func openNotice(_ request: Request, _ context: AppContext) async throws -> Response {
        let code = try context.path("code")
        let (body, n) = try await JSONBody.read(request, context: context, as: LegacySites.NoticeRequest.self)
        return try await Mutation(pool: pool).run(LegacySites.Commands.openNotice(code, days: n.days, start: try n.startDay()),
                                                  request, context: context, body: body, status: .created)
    }

    @Sendable func objection(_ request: Request, _ context: AppContext) async throws -> Response {
        let code = try context.path("code")
        let (body, o) = try await JSONBody.read(request, context: context, as: LegacySites.ObjectionRequest.self)
        return try await Mutation(pool: pool).run(LegacySites.Commands.objection(code, text: o.text), request, context: context,
                                                  body: body, status: .created)
    }

    @Sendable func closeNotice(_ request: Request, _ context: AppContext) async throws -> Response {
        let code = try context.path("code")
        let (body, c) = try await JSONBody.read(request, context: context, as: LegacySites.CloseNoticeRequest.self)
        return try await Mutation(pool: pool).run(LegacySites.Commands.closeNotice(code, outcome: c.outcome, owner: c.owner),
                                                  request, context: context, body: body)
    }

    @Sendable func projects(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.read.check(try context.requirePrincipal())
        let items = try await pool.withConnection { try LegacyProjects.list(on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func project(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.read.check(try context.requirePrincipal())
        let id = try Self.id(context)
        return try jsonResponse(try await pool.withConnection { try LegacyProjects.find(id, on: $0) })
    }

    @Sendable func addProject(_ request: Request, _ context: AppContext) async throws -> Response {
        let (body, p) = try await JSONBody.read(request, context: context, as: LegacyProjects.AddRequest.self)
        let command = LegacyProjects.Commands.add(name: p.name, approval: p.approval, contractor: p.contractor,
                                                  budget: try p.plannedBudget())
        return try await Mutation(pool: pool).run(command, request, context: context, body: body, status: .created)
    }

    @Sendable func addProjectSite(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, r) = try await JSONBody.read(request, context: context, as: LegacyProjects.SiteRequest.self)
        return try await Mutation(pool: pool).run(LegacyProjects.Commands.addSite(id, code: r.code), request, context: context,
                                                  body: body)
    }

    func step(_ action: LegacyProjectAction, _ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let body: JSONBody
        var opinion: String?
        if action == .accept {
            let (b, a) = try await JSONBody.read(request, context: context, as: LegacyProjects.AcceptanceRequest.self)
            (body, opinion) = (b, a.opinion)
        } else {
            (body, _) = try await JSONBody.read(request, context: context, as: EmptyRequest.self)
        }
        return try await Mutation(pool: pool).run(LegacyProjects.Commands.step(id, action, opinion: opinion), request,
                                                  context: context, body: body)
    }

    func book(_ kind: EntryKind, _ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        let key = try idempotencyKey(request)
        let (source, booking, work): (FundingSource, Booking, String?)
        if kind == .legacyCommit {
            let (_, c) = try await JSONBody.read(request, context: context, as: LegacyProjects.CommitmentRequest.self)
            ((source, booking), work) = (try c.values(idempotencyKey: key), c.work)
        } else {
            let (_, p) = try await JSONBody.read(request, context: context, as: LegacyProjects.PaymentRequest.self)
            ((source, booking), work) = (try p.values(idempotencyKey: key), p.work)
        }
        let command = LegacyProjects.Commands.book(kind, project: id, source: source, booking, work: work)
        let actor = try context.actor()
        let result = try await pool.withConnection { try command.run(as: principal, actor: actor, on: $0) }
        var response = try jsonResponse(result.entry, status: .created)
        if result.replayed { response.headers[.idempotentReplayed] = "true" }
        return response
    }

    @Sendable func progress(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try Self.id(context)
        let (body, p) = try await JSONBody.read(request, context: context, as: LegacyProjects.ProgressRequest.self)
        let (area, date) = try p.values()
        let command = LegacyProjects.Commands.progress(id, code: p.site, area: area, on: date, evidence: p.evidence ?? [])
        return try await Mutation(pool: pool).run(command, request, context: context, body: body, status: .created)
    }
}
