import Foundation
import Hummingbird
import PQKit
import Reclaim

/// The legacy restoration programme over HTTP, under /v1/legacy-projects.
struct LegacyController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/legacy-projects/sites", sites)
        routes.api(.post, "/legacy-projects/sites", addSite)
        routes.api(.post, "/legacy-projects/sites/import", importSites)
        routes.api(.get, "/legacy-projects/sites/{code}", site)
        routes.api(.post, "/legacy-projects/sites/{code}/notice", openNotice)
        routes.api(.post, "/legacy-projects/sites/{code}/notice/objections", objection)
        routes.api(.post, "/legacy-projects/sites/{code}/notice/closure", closeNotice)
        routes.api(.get, "/legacy-projects", projects)
        routes.api(.post, "/legacy-projects", addProject)
        routes.api(.get, "/legacy-projects/{id}", project)
        routes.api(.post, "/legacy-projects/{id}/sites", addProjectSite)
        for (route, action) in [("approval", LegacyProjectAction.approve), ("start", .start), ("suspension", .suspend),
                                ("resumption", .resume), ("completion", .complete), ("acceptance", .accept)] {
            routes.api(.post, "/legacy-projects/{id}/\(route)") { try await self.step(action, $0, $1) }
        }
        routes.api(.post, "/legacy-projects/{id}/commitments") { try await self.book(.legacyCommit, $0, $1) }
        routes.api(.post, "/legacy-projects/{id}/payments") { try await self.book(.legacySpend, $0, $1) }
        routes.api(.post, "/legacy-projects/{id}/progress", progress)
    }

    static func id(_ context: AppContext) throws -> Int64 {
        guard let id = Int64(try context.path("id")), id > 0 else {
            throw Problem.badRequest("id must be a project number", errors: [.init(field: "id", detail: "must be a number")])
        }
        return id
    }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> (HTTPResponse.Status, Data) {
        (status, try ReclaimJSON.encode(value))
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

    struct SiteBody: Decodable {
        var code: String
        var township: String
        var area_hm2: String
        var former_mine: String?
        var problems: [String]?
    }

    @Sendable func addSite(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.manage.check(try context.requirePrincipal())
        let body = try await JSONBody.read(request, context: context,
                                           allowed: ["code", "township", "area_hm2", "location", "former_mine", "problems"])
        let b = try body.decode(SiteBody.self)
        var geometry: String?
        if let object = try? JSONSerialization.jsonObject(with: body.bytes) as? [String: Any], let location = object["location"],
           !(location is NSNull) {
            geometry = String(decoding: try JSONSerialization.data(withJSONObject: location, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        let site = NewSite(code: b.code, township: b.township, area: try Area.parseHectares(b.area_hm2),
                           geometry: geometry, formerMine: b.former_mine,
                           problems: try (b.problems ?? []).map { try SiteProblem.parse($0) })
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacySites.add(site, by: actor, on: conn), status: .created)
        }
    }

    /// A survey as `text/csv`, all or nothing.
    @Sendable func importSites(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.manage.check(try context.requirePrincipal())
        let media = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard media == "text/csv" else { throw Problem.unsupportedMediaType("send the survey as text/csv") }
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let path = NSTemporaryDirectory() + "reclaim-survey-\(UUID().uuidString).csv"
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer.readableBytesView)) else {
            throw ReclaimError(.internal, "the survey could not be staged")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let actor = try context.actor()
        let added = try await pool.withConnection { try LegacySites.importCSV(path: path, by: actor, on: $0) }
        return try jsonResponse(["added": added], status: .created)
    }

    struct NoticeBody: Decodable {
        var days: Int?
        var start: String?
    }

    @Sendable func openNotice(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.manage.check(try context.requirePrincipal())
        let code = try context.path("code")
        let body = try await JSONBody.read(request, context: context, allowed: ["days", "start"])
        let n = try body.decode(NoticeBody.self)
        let start = try n.start.map { try FundLedger.parseDate($0, field: "start") }
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacySites.openNotice(code, days: n.days, start: start, by: actor, on: conn), status: .created)
        }
    }

    @Sendable func objection(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.object.check(try context.requirePrincipal())
        let code = try context.path("code")
        var body = try await JSONBody.read(request, context: context, allowed: ["text"])
        let text = body.string("text", required: true) ?? ""
        try body.finish()
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacySites.objection(code, text: text, by: actor, on: conn), status: .created)
        }
    }

    @Sendable func closeNotice(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.manage.check(try context.requirePrincipal())
        let code = try context.path("code")
        var body = try await JSONBody.read(request, context: context, allowed: ["outcome", "owner"])
        let outcome = body.string("outcome", required: true) ?? ""
        let owner = body.string("owner", nullable: true)
        try body.finish()
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacySites.closeNotice(code, outcome: outcome, owner: owner, by: actor, on: conn))
        }
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

    struct ProjectBody: Decodable {
        var name: String
        var approval: String
        var contractor: String
        var budget: [String: String]
    }

    @Sendable func addProject(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.manage.check(try context.requirePrincipal())
        let body = try await JSONBody.read(request, context: context, allowed: ["name", "approval", "contractor", "budget"])
        let p = try body.decode(ProjectBody.self)
        var budget: [FundingSource: Money] = [:]
        for (k, v) in p.budget {
            guard let source = FundingSource(rawValue: k) else {
                throw ReclaimError.invalid("budget.\(k)", "is not a source: central, region, city, banner, social")
            }
            budget[source] = try PlanDocument.yuan(v, field: "budget.\(k)")
        }
        let actor = try context.actor()
        let planned = budget
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacyProjects.add(name: p.name, approval: p.approval, contractor: p.contractor, budget: planned,
                                            by: actor, on: conn), status: .created)
        }
    }

    @Sendable func addProjectSite(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.manage.check(try context.requirePrincipal())
        let id = try Self.id(context)
        var body = try await JSONBody.read(request, context: context, allowed: ["code"])
        let code = body.string("code", required: true) ?? ""
        try body.finish()
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacyProjects.addSite(id, code: code, by: actor, on: conn))
        }
    }

    func step(_ action: LegacyProjectAction, _ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try Self.id(context)
        var body = try await JSONBody.read(request, context: context, allowed: action == .accept ? ["opinion"] : [])
        let opinion = action == .accept ? body.string("opinion", required: true) : nil
        try body.finish()
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacyProjects.Commands.step(id, action, opinion: opinion).run(as: principal, actor: actor, on: conn))
        }
    }

    func book(_ kind: EntryKind, _ request: Request, _ context: AppContext) async throws -> Response {
        try FundPolicy.book.check(try context.requirePrincipal())
        let id = try Self.id(context)
        var body = try await JSONBody.read(request, context: context, allowed: ["source", "amount", "value_date", "work"])
        let source = body.parse("source", body.string("source", required: true), FundingSource.parse)
        let amount = body.parse("amount", body.string("amount", required: true)) { try Money.parse($0) }
        let valueDate = body.parse("value_date", body.string("value_date", nullable: true)) {
            try FundLedger.parseDate($0, field: "value_date")
        }
        let work = body.string("work", nullable: true)
        try body.finish()
        guard let source, let amount else { throw Problem.badRequest("missing fields") }
        let actor = try context.actor()
        let booking = Booking(amount: amount, valueDate: valueDate, idempotencyKey: try idempotencyKey(request))
        let result = try await pool.withConnection {
            try LegacyProjects.book(kind, project: id, source: source, booking, work: work, by: actor, on: $0)
        }
        var response = try jsonResponse(result.entry, status: .created)
        if result.replayed { response.headers[.idempotentReplayed] = "true" }
        return response
    }

    struct ProgressBody: Decodable {
        var site: String
        var area_hm2: String
        var date: String
        var evidence: [String]?
    }

    @Sendable func progress(_ request: Request, _ context: AppContext) async throws -> Response {
        try LegacyPolicy.manage.check(try context.requirePrincipal())
        let id = try Self.id(context)
        let body = try await JSONBody.read(request, context: context, allowed: ["site", "area_hm2", "date", "evidence"])
        let p = try body.decode(ProgressBody.self)
        let area = try Area.parseHectares(p.area_hm2)
        let date = try FundLedger.parseDate(p.date, field: "date")
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            try json(try LegacyProjects.progress(id, code: p.site, area: area, on: date, evidence: p.evidence ?? [],
                                                 by: actor, on: conn), status: .created)
        }
    }
}
