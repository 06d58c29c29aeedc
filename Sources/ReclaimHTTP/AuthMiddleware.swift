import Foundation
import Hummingbird
import Logging
import PQKit
import Reclaim

/// Resolves `Authorization: Bearer TOKEN` to a principal. No token, or one
/// that is unknown, expired or revoked, is a 401 before any handler runs.
///
/// A booking (the API's busiest write) skips the lookup when the token's
/// principal is cached: the booking's own statement then proves the token
/// (`Actor.proof`), in the same transaction as the entry, so a revoked token
/// still fails on its very next request and nothing is booked under it.
/// Every other request looks its token up.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pool: ConnectionPool
    let principals: PrincipalCache

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
        var context = context
        let proves = FundController.provesItsToken(request)
        if proves, let cached = principals.principal(for: token) {
            context.principal = cached
            context.proof = token
            context.logger[metadataKey: "user"] = .string(cached.name)
            do {
                return try await next(request, context)
            } catch let error as ReclaimError where error.kind == .unauthenticated || error.kind == .forbidden {
                // revoked, disabled or no longer finance: ask the database next time
                principals.forget(token)
                throw error
            }
        }
        guard let principal = try await pool.withConnection({ try Users.authenticate(token: token, on: $0) }) else {
            principals.forget(token)
            throw ReclaimError(.unauthenticated, "the token is unknown, expired or revoked")
        }
        if proves { principals.keep(principal, for: token) }
        context.principal = principal
        context.logger[metadataKey: "user"] = .string(principal.name)
        return try await next(request, context)
    }
}
