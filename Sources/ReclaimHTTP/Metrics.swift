import CoreMetrics
import Foundation
import Hummingbird
import Metrics
import PQKit
import Prometheus
import Synchronization

/// The service's metrics through swift-metrics, exposed in Prometheus text
/// format at /metrics by the swift-prometheus backend. Each instance has its
/// own registry (no global bootstrap: a test process runs many services).
/// The series are the ones an operator's dashboards know:
/// `reclaim_http_requests_total` and `reclaim_http_request_duration_seconds`
/// by method, route and status; `reclaim_db_pool_connections{state}`,
/// `reclaim_db_pool_waiting`; `reclaim_ledger_entries_booked_total`; the
/// replica's; and what the bench measures: the pool's wait for a connection
/// (`reclaim_db_pool_wait_seconds`), the booking function's duration
/// (`reclaim_booking_duration_seconds`) and the sign-in limiter's refusals
/// (`reclaim_sign_in_rejections_total{reason}`).
public final class ServiceMetrics: Sendable {
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The replica's read counts as last emitted: the counters advance by the difference.
    private let readsEmitted = Mutex<(replica: Int, primary: Int)>((0, 0))

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.bounds.map { .nanoseconds(Int64($0 * 1_000_000_000)) }
        self.factory = factory
    }

    func record(method: String, route: String, status: Int, duration: Duration) {
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: "reclaim_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "reclaim_http_request_duration_seconds", dimensions: dimensions, factory: factory).record(duration: duration)
    }

    func bookedEntry() {
        Counter(label: "reclaim_ledger_entries_booked_total", factory: factory).increment()
    }

    /// How long a booking statement (`fund_post` and its kin) took, from the service.
    func booking(_ duration: Duration) {
        Metrics.Timer(label: "reclaim_booking_duration_seconds", factory: factory).record(duration: duration)
    }

    /// How long a request waited for a database connection (the pool's observer).
    public func poolWait(_ duration: Duration) {
        Metrics.Timer(label: "reclaim_db_pool_wait_seconds", factory: factory).record(duration: duration)
    }

    /// A sign-in the limiter turned away: `throttled` (the address's attempts) or `busy` (too many at once).
    func signInRejected(_ reason: String) {
        Counter(label: "reclaim_sign_in_rejections_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// The exposition, with the pool's and the replica's state sampled now.
    func render(pool: ConnectionPool.Stats, replica: ReadRouting.Status? = nil) -> String {
        func gauge(_ label: String, _ value: Double, _ dimensions: [(String, String)] = []) {
            Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
        }
        gauge("reclaim_db_pool_connections", Double(pool.inUse), [("state", "in_use")])
        gauge("reclaim_db_pool_connections", Double(pool.idle), [("state", "idle")])
        gauge("reclaim_db_pool_waiting", Double(pool.waiting))
        if let replica {
            gauge("reclaim_replica_up", replica.up ? 1 : 0)
            gauge("reclaim_replica_lag_bytes", replica.lagBytes.map(Double.init) ?? .nan)
            gauge("reclaim_replica_lag_seconds", replica.lagSeconds ?? .nan)
            let (toReplica, toPrimary) = readsEmitted.withLock { last in
                defer { last = (max(last.replica, replica.readsOnReplica), max(last.primary, replica.readsOnPrimary)) }
                return (max(0, replica.readsOnReplica - last.replica), max(0, replica.readsOnPrimary - last.primary))
            }
            Counter(label: "reclaim_reads_total", dimensions: [("server", "replica")], factory: factory).increment(by: toReplica)
            Counter(label: "reclaim_reads_total", dimensions: [("server", "primary")], factory: factory).increment(by: toPrimary)
        }
        return registry.emitToString()
    }
}

/// Times every request and counts it by matched route and final status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                       status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }
}
