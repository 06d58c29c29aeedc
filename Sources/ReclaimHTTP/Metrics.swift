import Foundation
import Hummingbird
import PQKit
import Synchronization

/// Request counts and latencies by route and status, and ledger bookings,
/// rendered in Prometheus text format at /metrics.
public final class ServiceMetrics: Sendable {
    struct Series: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    struct Histogram {
        var buckets: [Int]
        var count = 0
        var sum: Double = 0
    }

    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private let state = Mutex<(requests: [Series: Histogram], booked: Int)>(([:], 0))

    public init() {}

    func record(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { s in
            let key = Series(method: method, route: route, status: status)
            var h = s.requests[key] ?? Histogram(buckets: Array(repeating: 0, count: Self.bounds.count))
            for (i, b) in Self.bounds.enumerated() where seconds <= b { h.buckets[i] += 1 }
            h.count += 1
            h.sum += seconds
            s.requests[key] = h
        }
    }

    func bookedEntry() {
        state.withLock { $0.booked += 1 }
    }

    func render(pool: ConnectionPool.Stats, replica: ReadRouting.Status? = nil) -> String {
        let (requests, booked) = state.withLock { ($0.requests, $0.booked) }
        var out = "# HELP reclaim_http_requests_total HTTP requests by route and status.\n"
        out += "# TYPE reclaim_http_requests_total counter\n"
        let keys = requests.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        func labels(_ k: Series) -> String { "method=\"\(k.method)\",route=\"\(k.route)\",status=\"\(k.status)\"" }
        for k in keys { out += "reclaim_http_requests_total{\(labels(k))} \(requests[k]?.count ?? 0)\n" }
        out += "# HELP reclaim_http_request_duration_seconds HTTP request latency.\n"
        out += "# TYPE reclaim_http_request_duration_seconds histogram\n"
        for k in keys {
            guard let h = requests[k] else { continue }
            for (i, b) in Self.bounds.enumerated() {
                out += "reclaim_http_request_duration_seconds_bucket{\(labels(k)),le=\"\(b)\"} \(h.buckets[i])\n"
            }
            out += "reclaim_http_request_duration_seconds_bucket{\(labels(k)),le=\"+Inf\"} \(h.count)\n"
            out += "reclaim_http_request_duration_seconds_sum{\(labels(k))} \(h.sum)\n"
            out += "reclaim_http_request_duration_seconds_count{\(labels(k))} \(h.count)\n"
        }
        out += "# HELP reclaim_db_pool_connections Database connections by state.\n"
        out += "# TYPE reclaim_db_pool_connections gauge\n"
        out += "reclaim_db_pool_connections{state=\"in_use\"} \(pool.inUse)\n"
        out += "reclaim_db_pool_connections{state=\"idle\"} \(pool.idle)\n"
        out += "# HELP reclaim_db_pool_waiting Requests waiting for a database connection.\n"
        out += "# TYPE reclaim_db_pool_waiting gauge\nreclaim_db_pool_waiting \(pool.waiting)\n"
        out += "# HELP reclaim_ledger_entries_booked_total Ledger entries booked by this process.\n"
        out += "# TYPE reclaim_ledger_entries_booked_total counter\nreclaim_ledger_entries_booked_total \(booked)\n"
        if let replica {
            out += "# HELP reclaim_replica_up Whether the read replica (DATABASE_READ_URL) answered its last look.\n"
            out += "# TYPE reclaim_replica_up gauge\nreclaim_replica_up \(replica.up ? 1 : 0)\n"
            out += "# HELP reclaim_replica_lag_bytes WAL the read replica has still to replay.\n"
            out += "# TYPE reclaim_replica_lag_bytes gauge\nreclaim_replica_lag_bytes \(replica.lagBytes.map(String.init) ?? "NaN")\n"
            out += "# HELP reclaim_replica_lag_seconds Seconds since the read replica last held all the primary had.\n"
            out += "# TYPE reclaim_replica_lag_seconds gauge\nreclaim_replica_lag_seconds \(replica.lagSeconds.map { String($0) } ?? "NaN")\n"
            out += "# HELP reclaim_reads_total Read-only requests by the server that answered them.\n"
            out += "# TYPE reclaim_reads_total counter\n"
            out += "reclaim_reads_total{server=\"replica\"} \(replica.readsOnReplica)\n"
            out += "reclaim_reads_total{server=\"primary\"} \(replica.readsOnPrimary)\n"
        }
        return out
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
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.record(method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                       status: response.status.code, seconds: seconds)
        return response
    }
}
