import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Mining-right data and "one map" over HTTP: a licence's boundaries, the
/// banner's outline, and the map's layers as GeoJSON, with the same commands
/// and policies as `reclaim mine boundary`, `reclaim map` and `report map`.
struct MapController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.get, "/mines/{license}/boundaries", boundaries)
        routes.api(.post, "/mines/{license}/boundaries", body: MineBoundaries.SetRequest.self, setBoundary)
        routes.api(.get, "/map/outline", outline)
        routes.api(.post, "/map/outline", body: BannerOutline.LoadRequest.self, loadOutline)
        routes.api(.get, "/map.geojson", geoJSON)
    }

    @Sendable func boundaries(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        return try jsonResponse(Page(items: try await pool.withConnection { try MineBoundaries.history(license, on: $0) },
                                     nextCursor: nil))
    }

    @Sendable func setBoundary(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        // who may set it is decided before what was sent is read
        try MiningRightsPolicy.manage.check(try context.requirePrincipal())
        let (body, b) = try await JSONBody.read(request, context: context, as: MineBoundaries.SetRequest.self)
        return try await Mutation(pool: pool).run(MineBoundaries.Commands.set(license, try b.input()), request, context: context,
                                                  body: body, status: .created)
    }

    @Sendable func outline(_ request: Request, _ context: AppContext) async throws -> Response {
        try OneMap.read.check(try context.requirePrincipal())
        return try jsonResponse(try await pool.withConnection { try BannerOutline.current(on: $0) })
    }

    @Sendable func loadOutline(_ request: Request, _ context: AppContext) async throws -> Response {
        try MiningRightsPolicy.manage.check(try context.requirePrincipal())
        let (body, o) = try await JSONBody.read(request, context: context, as: BannerOutline.LoadRequest.self)
        return try await Mutation(pool: pool).run(MineBoundaries.Commands.loadOutline(try o.geoJSON(), label: o.label), request,
                                                  context: context, body: body, status: .created)
    }

    @Sendable func geoJSON(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try OneMap.read.check(principal)
        let filter = try Self.filter(request)
        let text = try await pool.withConnection { conn in
            OneMap.featureCollection(try OneMap.layers(filter, only: MinePolicy.scope(for: principal), on: conn))
        }
        return Response(status: .ok, headers: [.contentType: "application/geo+json"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `status`, `mineral_class` and `year` from the query; malformed is a 400 naming the parameter.
    static func filter(_ request: Request) throws -> MapFilter {
        let q = request.uri.queryParameters
        func parsed<T>(_ name: String, _ parse: (String) throws -> T) throws -> T? {
            guard let text = q[Substring(name)].map(String.init), !text.isEmpty else { return nil }
            do { return try parse(text) } catch let e as ReclaimError {
                throw Problem.badRequest("\(name): \(e.message)", errors: [.init(field: name, detail: e.message)])
            }
        }
        return MapFilter(status: try parsed("status", MineStatus.parse), mineralClass: try parsed("mineral_class", MineralClass.parse),
                         year: try AnnualPlanController.queryYear(request))
    }
}
