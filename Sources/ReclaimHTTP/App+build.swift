import Foundation
import HTTPTypes
public import Hummingbird
public import ServiceLifecycle
public import Logging
import NIOCore
public import PQKit
import Reclaim

/// How the service runs; from flags and environment (see docs/api.md).
public struct ServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var conninfo: String
    public var poolSize: Int
    /// Seconds a request waits for a pooled connection before a 503.
    public var poolTimeout: Double
    /// `openapi.yaml`, served at /openapi.yaml.
    public var openAPIPath: String?
    /// A streaming replica for read-only work (`DATABASE_READ_URL`); nil: the primary does all.
    public var readConninfo: String?
    /// Timeouts and the connection cap against clients that hold connections open.
    public var limits = ConnectionLimits()

    public init(host: String = "127.0.0.1", port: Int = 8080, conninfo: String, poolSize: Int = 16, poolTimeout: Double = 5,
                openAPIPath: String? = ServiceConfiguration.locateOpenAPI()) {
        self.host = host
        self.port = port
        self.conninfo = conninfo
        self.poolSize = poolSize
        self.poolTimeout = poolTimeout
        self.openAPIPath = openAPIPath
    }

    /// `RECLAIM_OPENAPI`, ./openapi.yaml, the checkout the binary was built
    /// in, or /usr/share/reclaim/openapi.yaml (the container).
    public static func locateOpenAPI() -> String? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["RECLAIM_OPENAPI"], fm.fileExists(atPath: env) { return env }
        var candidates = [fm.currentDirectoryPath + "/openapi.yaml"]
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            candidates.append(dir.appendingPathComponent("openapi.yaml").path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append("/usr/share/reclaim/openapi.yaml")
        return candidates.first { fm.fileExists(atPath: $0) }
    }
}

/// The router with every route, plus the list of routes it holds and the
/// body shape of each mutation.
public func buildRouter(pool: ConnectionPool, metrics: ServiceMetrics, openAPIPath: String?, reads: ReadRouting? = nil,
                        overviews: OverviewCache = OverviewCache(), limits: ConnectionLimits = ConnectionLimits(),
                        signIns: SignInGate = SignInGate())
    -> (Router<AppContext>, [String], [String: any BodyShape.Type])
{
    let reads = reads ?? ReadRouting(primary: pool)
    let router = Router(context: AppContext.self)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    // One line per request with its request id; never headers (tokens) or bodies.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: LimitsMiddleware(limits: limits))
    router.add(middleware: ClientAddressMiddleware(trusted: limits.trustedProxies))
    let routes = Routes(router: router, auth: AuthMiddleware(pool: pool, principals: PrincipalCache()), reads: reads)
    let openAPI = openAPIPath.flatMap { FileManager.default.contents(atPath: $0) }
    HealthController(pool: pool, metrics: metrics, reads: reads, openAPI: openAPI).register(routes)
    MineController(pool: pool).register(routes)
    FundController(pool: pool, metrics: metrics, reads: reads).register(routes)
    AuditController(pool: pool).register(routes)
    IdentityController().register(routes)
    AccrualController(pool: pool).register(routes)
    PlanController(pool: pool).register(routes)
    AnnualPlanController(pool: pool).register(routes)
    ClosureController(pool: pool).register(routes)
    SettingsController(pool: pool).register(routes)
    LegacyController(pool: pool).register(routes)
    GreenController(pool: pool).register(routes)
    MapController(pool: pool).register(routes)
    MonitoringController(pool: pool).register(routes)
    DocumentController(pool: pool).register(routes)
    let verifications = Verifications()
    VerificationController(pool: pool, verifications: verifications).register(routes)
    ReportController(reads: reads).register(routes)
    routes.answerUnknownMethods()
    // The dashboard, beside the API: its own group, sessions and HTML errors;
    // not in `routes`, so the OpenAPI drift test keeps to the API.
    let logger = Logger(label: "reclaim.dashboard")
    if let folder = DashboardAssets.locate() {
        do {
            let pages = Pages(assets: try DashboardAssets.load(from: folder), logger: logger)
            DashboardController(pool: pool, pages: pages, reads: reads, overviews: overviews, signIns: signIns,
                                verifications: verifications, metrics: metrics).register(on: router)
        } catch {
            logger.error("dashboard: templates in \(folder.path) could not be read: \(error)")
        }
    } else {
        logger.warning("dashboard: no templates found (set RECLAIM_DASHBOARD); serving the API only")
    }
    return (router, routes.registered, routes.bodies)
}

/// The whole service, ready for `runService()` or HummingbirdTesting.
/// `onListening` gets the port it listens on (the one chosen, for port 0).
public func buildApplication(
    _ config: ServiceConfiguration, pool: ConnectionPool, reads: ReadRouting? = nil,
    metrics: ServiceMetrics = ServiceMetrics(), overviews: OverviewCache = OverviewCache(),
    services: [any Service] = [], signIns: SignInGate = SignInGate(),
    logger: Logger = Logger(label: "reclaim"), onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let (router, _, _) = buildRouter(pool: pool, metrics: metrics, openAPIPath: config.openAPIPath, reads: reads,
                                  overviews: overviews, limits: config.limits, signIns: signIns)
    return Application(
        router: router,
        server: config.limits.server,
        configuration: config.limits.configuration(address: .hostname(config.host, port: config.port), logger: logger),
        services: services,
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? config.port) },
        logger: logger)
}

/// Echoes the request id (Hummingbird's, on every log line) as X-Request-Id.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.requestID] = context.id
        return response
    }
}

/// Runs the service until SIGTERM or SIGINT, which stop accepting
/// connections and let in-flight requests finish. Everything else it starts
/// runs as a ServiceLifecycle service of the same group, shut down after the
/// server in reverse order (the home page's refreshes, then the replica
/// monitor, then the pools), so nothing outlives the shutdown.
public func runService(_ config: ServiceConfiguration, logger: Logger) async throws {
    let metrics = ServiceMetrics()
    let pool = ConnectionPool(.init(conninfo: config.conninfo, maxConnections: config.poolSize,
                                    applicationName: "reclaim-service",
                                    acquireTimeout: .milliseconds(Int64(config.poolTimeout * 1000)),
                                    waitObserver: { metrics.poolWait($0) }))
    let replica = config.readConninfo.map {
        ConnectionPool(.init(conninfo: $0, maxConnections: config.poolSize, applicationName: "reclaim-service-reads",
                             acquireTimeout: .milliseconds(Int64(config.poolTimeout * 1000))))
    }
    let reads = ReadRouting(primary: pool, replica: replica)
    let overviews = OverviewCache()
    // a replica's lag is watched only when there is a replica
    let services: [any Service] = [PoolsService(pools: [pool] + (replica.map { [$0] } ?? []))]
        + (replica == nil ? [] : [ReplicaMonitorService(reads: reads)]) + [OverviewRefreshService(cache: overviews)]
    let app = buildApplication(config, pool: pool, reads: reads, metrics: metrics, overviews: overviews, services: services,
                               logger: logger) { port in
        // The line scripts and tests wait for: the port is the real one, also for --port 0.
        logger.notice("Reclaim listening on http://\(config.host):\(port) (pool \(config.poolSize)\(replica == nil ? "" : ", reads on a replica"))")
    }
    try await app.runService()
}

/// The connection pools: closed once everything that uses them has stopped
/// (or the group is cancelled, when the server could not start).
struct PoolsService: Service {
    let pools: [ConnectionPool]

    func run() async throws {
        try? await gracefulShutdown()
        for pool in pools { try? await pool.shutdown() }
    }
}

/// Watches the replica's lag for read routing until shutdown (run only
/// with a replica: a service that returns would end the group).
struct ReplicaMonitorService: Service {
    let reads: ReadRouting

    func run() async {
        await cancelWhenGracefulShutdown { await reads.monitor() }
    }
}

/// The home page's background refreshes: at shutdown, no new one starts and
/// those running are cancelled and awaited.
struct OverviewRefreshService: Service {
    let cache: OverviewCache

    func run() async {
        try? await gracefulShutdown()
        await cache.shutdown()
    }
}
