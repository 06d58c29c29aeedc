import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Liveness, readiness, metrics and the API contract; no token needed.
struct HealthController {
    let pool: ConnectionPool
    let metrics: ServiceMetrics
    let reads: ReadRouting
    let openAPI: Data?

    func register(_ routes: Routes) {
        routes.open(.get, "/healthz") { _, _ in try jsonResponse(["status": "ok"]) }
        routes.open(.get, "/readyz", ready)
        routes.open(.get, "/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.render(pool: pool.stats, replica: reads.status))))
        }
        routes.open(.get, "/openapi.yaml") { _, _ in
            guard let openAPI else {
                throw Problem(.notFound, type: "urn:reclaim:problem:not-found", title: "Not found",
                              detail: "openapi.yaml was not found at start-up")
            }
            return Response(status: .ok, headers: [.contentType: "application/yaml"],
                            body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
    }

    /// 200 when the database answers, 503 otherwise. The pool replaces broken
    /// connections, so this recovers by itself once PostgreSQL is back.
    @Sendable func ready(_ request: Request, _ context: AppContext) async throws -> Response {
        do {
            _ = try await pool.withConnection { try $0.execute("SELECT 1") }
            return try jsonResponse(["status": "ready"])
        } catch {
            throw Problem(.serviceUnavailable, type: "urn:reclaim:problem:unavailable", title: "Not ready",
                          detail: "the database is unreachable")
        }
    }
}
