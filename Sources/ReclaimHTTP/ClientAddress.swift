import Foundation
import HTTPTypes
import Hummingbird

/// Who a request came from, for the sign-in throttle. Directly, it is the
/// connection's peer. Behind the TLS proxy the dashboard's `Secure` cookie
/// already expects (`X-Forwarded-Proto`), every peer is the proxy: counting
/// it would throttle the whole bureau's sign-ins as one client. So a peer
/// named as a trusted proxy (`--trusted-proxy`) is looked through: the
/// client is the right-most `X-Forwarded-For` address that is not itself a
/// trusted proxy. An untrusted peer's header is ignored, or anyone could
/// claim a fresh address with each attempt.
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: String?, trusted: Set<String>) -> String? {
        guard let peer, trusted.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last(where: { !trusted.contains($0) }) ?? peer
    }
}

/// Sets `AppContext.remoteAddress` to the client's address.
struct ClientAddressMiddleware: RouterMiddleware {
    let trusted: Set<String>

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws
        -> Response
    {
        guard !trusted.isEmpty else { return try await next(request, context) }
        var context = context
        context.remoteAddress = ClientAddress.resolve(peer: context.remoteAddress,
                                                      forwardedFor: request.headers[.xForwardedFor], trusted: trusted)
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
