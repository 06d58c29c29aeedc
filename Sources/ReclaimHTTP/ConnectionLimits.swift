import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The service's limits against clients that hold connections open: how
/// long a connection may sit idle or take to send a request's head
/// (`idleTimeout`: Hummingbird closes a connection that completes no request
/// head in that time, slowloris included, and a keep-alive connection left
/// idle), how long a request's body may take to arrive (`bodyTimeout`,
/// `AppContext.collectBody`), and how many connections are open at once
/// (`maxConnections`; at the cap the server stops accepting until one
/// closes, so descriptors never run out and new clients wait in the backlog).
public struct ConnectionLimits: Sendable {
    public var idleTimeout: Duration
    public var bodyTimeout: Duration
    public var maxConnections: Int
    /// Proxies whose `X-Forwarded-For` names the client (`ClientAddress`).
    public var trustedProxies: Set<String>

    public init(idleTimeout: Duration = .seconds(15), bodyTimeout: Duration = .seconds(30), maxConnections: Int = 4096,
                trustedProxies: Set<String> = []) {
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
        self.trustedProxies = trustedProxies
    }

    /// The HTTP/1 server with the idle timeout.
    var server: HTTPServerBuilder {
        let c = idleTimeout.components
        return .http1(configuration: .init(idleTimeout: .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)))
    }

    /// The application's configuration with the connection cap.
    func configuration(address: BindAddress, logger: Logger) -> ApplicationConfiguration {
        .init(address: address, serverName: "reclaim", backlog: 256,
              availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
    }
}

/// Gives each request the configured body deadline.
struct LimitsMiddleware: RouterMiddleware {
    let limits: ConnectionLimits

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.bodyTimeout = limits.bodyTimeout
        return try await next(request, context)
    }
}
