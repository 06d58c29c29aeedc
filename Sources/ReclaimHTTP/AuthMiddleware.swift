import Foundation
import Hummingbird
import Logging
import PQKit
import Reclaim

/// Resolves `Authorization: Bearer TOKEN` to a principal. No token, or one
/// that is unknown, expired or revoked, is a 401 before any handler runs.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pool: ConnectionPool

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" is "Bearer".
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer "
        else {
            throw ReclaimError(.unauthenticated, "send Authorization: Bearer TOKEN")
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let principal = try await pool.withConnection({ try Users.authenticate(token: token, on: $0) }) else {
            throw ReclaimError(.unauthenticated, "the token is unknown, expired or revoked")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "user"] = .string(principal.name)
        return try await next(request, context)
    }
}
