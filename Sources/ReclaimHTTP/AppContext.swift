public import Hummingbird
import NIOCore
import Reclaim

/// Per-request context: Hummingbird's core plus who is asking.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` on /v1 routes.
    public var principal: Principal?
    /// The bearer token the principal came from, when `AuthMiddleware` took
    /// it from its cache: the booking statement must prove it.
    var proof: String?
    /// Set by `DashboardMiddleware` on the dashboard's pages.
    var dashboard: DashboardSession?
    var language: DashboardLanguage = .zh
    /// How long a request's body may take to arrive; `LimitsMiddleware` sets
    /// the configured value.
    var bodyTimeout: Duration = .seconds(30)
    /// The connection, closed after a body that arrived too slowly.
    let channel: (any Channel)?
    /// The client's address, for the sign-in throttle; nil when unknown.
    var remoteAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        channel = source.channel
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies above 1 MiB are refused with 413.
    public var maxUploadSize: Int { 1 << 20 }

    /// The authenticated principal; every /v1 route runs behind `AuthMiddleware`.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw ReclaimError(.unauthenticated, "a bearer token is required") }
        return principal
    }

    /// The actor recorded for this request's mutations.
    func actor() throws -> Actor {
        var actor = try requirePrincipal().actor(requestID: id)
        actor.proof = proof
        return actor
    }
}
