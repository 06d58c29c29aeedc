import Foundation
import Hummingbird
import PQKit
import Reclaim

/// /v1/mines: the registry over HTTP.
struct MineController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/mines", list)
        routes.api(.post, "/mines", create)
        routes.api(.get, "/mines/{license}", show)
        routes.api(.patch, "/mines/{license}", update)
        routes.api(.get, "/mergers", mergers)
        routes.api(.post, "/mergers", merge)
    }

    @Sendable func mergers(_ request: Request, _ context: AppContext) async throws -> Response {
        try MinePolicy.readMergers.check(try context.requirePrincipal())
        let items = try await pool.withConnection { try Mergers.list(on: $0) }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func merge(_ request: Request, _ context: AppContext) async throws -> Response {
        try MinePolicy.manage.check(try context.requirePrincipal())
        var body = try await JSONBody.read(request, context: context,
                                           allowed: ["from_license", "into_license", "approved_on", "document"])
        let from = body.string("from_license", required: true)
        let into = body.string("into_license", required: true)
        let approved = body.parse("approved_on", body.string("approved_on", required: true)) {
            try FundLedger.parseDate($0, field: "approved_on")
        }
        let document = body.string("document", required: true)
        try body.finish()
        guard let from, let into, let approved, let document else { throw Problem.badRequest("missing fields") }
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try Mergers.record(from: from, into: into, approvedOn: approved, document: document,
                                                                 by: actor, on: conn)))
        }
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let paging = try Paging(request)
        let only = MinePolicy.scope(for: principal)
        let mines = try await pool.withConnection { conn in
            try MineRegistry.list(on: conn, after: paging.cursor, limit: paging.limit + 1, only: only)
        }
        let items = Array(mines.prefix(paging.limit))
        return try jsonResponse(Page(items: items, nextCursor: mines.count > paging.limit ? items.last?.license : nil))
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        return try jsonResponse(try await pool.withConnection { try MineRegistry.show(license, on: $0) })
    }

    static let fields: Set<String> = [
        "license", "name", "holder", "mineral", "mineral_class", "scale", "method", "status", "area_hm2", "land_type",
        "region_code", "method_detail", "licensed_on",
    ]

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        try MinePolicy.manage.check(try context.requirePrincipal())
        var body = try await JSONBody.read(request, context: context, allowed: Self.fields)
        let license = body.string("license", required: true)
        let name = body.string("name", required: true)
        let holder = body.string("holder", required: true)
        let mineral = body.string("mineral", required: true)
        let mineralClass = body.parse("mineral_class", body.string("mineral_class", required: true), MineralClass.parse)
        let scale = body.parse("scale", body.string("scale", required: true), MineScale.parse)
        let method = body.parse("method", body.string("method", required: true), MiningMethod.parse)
        let status = body.parse("status", body.string("status", required: true), MineStatus.parse)
        let area = body.parse("area_hm2", body.string("area_hm2", required: true)) { try Area.parseHectares($0) }
        let landType = body.parse("land_type", body.string("land_type", required: true), LandType.parse)
        let region = body.string("region_code", nullable: true) ?? MineRegistry.defaultRegion
        let detail = body.parse("method_detail", body.string("method_detail", nullable: true), MethodDetail.parse)
        let since = body.parse("licensed_on", body.string("licensed_on", nullable: true)) {
            try FundLedger.parseDate($0, field: "licensed_on")
        }
        try body.finish()
        guard let license, let name, let holder, let mineral, let mineralClass, let scale, let method, let status,
              let area, let landType
        else { throw Problem.badRequest("missing fields") }
        let new = NewMine(license: license, name: name, holder: holder, mineral: mineral, mineralClass: mineralClass,
                          scale: scale, method: method, status: status, area: area, landType: landType,
                          regionCode: region, methodDetail: detail, licensedOn: since)
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.created, try ReclaimJSON.encode(try MineRegistry.add(new, by: actor, on: conn)))
        }
    }

    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        try MinePolicy.manage.check(try context.requirePrincipal())
        let license = try context.license()
        var body = try await JSONBody.read(request, context: context, allowed: Self.fields.subtracting(["license", "region_code"]))
        let change = MineUpdate(
            name: body.string("name"), holder: body.string("holder"), mineral: body.string("mineral"),
            mineralClass: body.parse("mineral_class", body.string("mineral_class"), MineralClass.parse),
            scale: body.parse("scale", body.string("scale"), MineScale.parse),
            method: body.parse("method", body.string("method"), MiningMethod.parse),
            status: body.parse("status", body.string("status"), MineStatus.parse),
            area: body.parse("area_hm2", body.string("area_hm2")) { try Area.parseHectares($0) },
            landType: body.parse("land_type", body.string("land_type"), LandType.parse),
            methodDetail: body.parse("method_detail", body.string("method_detail"), MethodDetail.parse),
            licensedOn: body.parse("licensed_on", body.string("licensed_on")) { try FundLedger.parseDate($0, field: "licensed_on") })
        try body.finish()
        let actor = try context.actor()
        return try await Mutation(pool: pool).run(request, context: context, body: body) { conn in
            (.ok, try ReclaimJSON.encode(try MineRegistry.update(license, change, by: actor, on: conn)))
        }
    }
}

extension RawRepresentable where RawValue == String, Self: CaseIterable {
    /// Parses one of the enum's values, naming them all when it fails.
    static func parse(_ text: String) throws -> Self {
        guard let v = Self(rawValue: text) else {
            throw ReclaimError(.invalidInput, "must be one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}
