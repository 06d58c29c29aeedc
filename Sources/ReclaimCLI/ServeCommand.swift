import ArgumentParser
import Foundation
import Logging
import Reclaim
import ReclaimHTTP

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (JSON API under /v1).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on (RECLAIM_HOST).") var host: String?
    @Option(help: "Port to listen on (RECLAIM_PORT); 0 picks a free one, printed when listening.") var port: Int?
    @Option(help: "Database connections in the pool (RECLAIM_POOL_SIZE).") var poolSize: Int?
    @Option(help: "Seconds a request waits for a free database connection before it is answered 503 (RECLAIM_POOL_TIMEOUT, default 5).")
    var poolTimeout: Double?
    @Option(help: "A streaming replica for reports, statements, balances as of a date and the dashboard's pages (DATABASE_READ_URL); the primary when unset.")
    var readURL: String?
    @Option(help: "Seconds a connection may stay idle or take to send a request's head before it is closed (RECLAIM_IDLE_TIMEOUT, default 15).")
    var idleTimeout: Int?
    @Option(help: "Seconds a request's body may take to arrive before a 408 (RECLAIM_BODY_TIMEOUT, default 30).")
    var bodyTimeout: Int?
    @Option(help: "Connections open at once; one more is closed at once (RECLAIM_MAX_CONNECTIONS, default 4096).")
    var maxConnections: Int?
    @Option(help: "A proxy in front of the service whose X-Forwarded-For names the client, for the sign-in throttle; repeat for several (RECLAIM_TRUSTED_PROXIES, comma-separated; default none).")
    var trustedProxy: [String] = []
    @Option(help: "Log level: trace, debug, info, notice, warning, error (RECLAIM_LOG_LEVEL).") var logLevel: String?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        var config = ServiceConfiguration(
            host: host ?? env["RECLAIM_HOST"] ?? "127.0.0.1",
            port: port ?? env["RECLAIM_PORT"].flatMap(Int.init) ?? 8080,
            conninfo: database.conninfo,
            poolSize: poolSize ?? env["RECLAIM_POOL_SIZE"].flatMap(Int.init) ?? 16,
            poolTimeout: poolTimeout ?? env["RECLAIM_POOL_TIMEOUT"].flatMap(Double.init) ?? 5)
        config.readConninfo = (readURL ?? env["DATABASE_READ_URL"]).flatMap { $0.isEmpty ? nil : $0 }
        let idle = idleTimeout ?? env["RECLAIM_IDLE_TIMEOUT"].flatMap(Int.init) ?? 15
        let body = bodyTimeout ?? env["RECLAIM_BODY_TIMEOUT"].flatMap(Int.init) ?? 30
        let connections = maxConnections ?? env["RECLAIM_MAX_CONNECTIONS"].flatMap(Int.init) ?? 4096
        guard (1...3600).contains(idle) else { throw ValidationError("idle timeout must be 1 to 3600 seconds") }
        guard (1...3600).contains(body) else { throw ValidationError("body timeout must be 1 to 3600 seconds") }
        guard (1...1_000_000).contains(connections) else { throw ValidationError("max connections must be 1 to 1000000") }
        let proxies = trustedProxy.isEmpty
            ? (env["RECLAIM_TRUSTED_PROXIES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            : trustedProxy
        config.limits = ConnectionLimits(idleTimeout: .seconds(idle), bodyTimeout: .seconds(body), maxConnections: connections,
                                         trustedProxies: Set(proxies.filter { !$0.isEmpty }))
        guard (0...65535).contains(config.port) else { throw ValidationError("port must be 0 to 65535") }
        guard config.poolTimeout > 0, config.poolTimeout <= 600 else { throw ValidationError("pool timeout must be above 0 and at most 600 seconds") }
        guard (1...500).contains(config.poolSize) else { throw ValidationError("pool size must be 1 to 500") }
        var logger = Logger(label: "reclaim")
        logger.logLevel = (logLevel ?? env["RECLAIM_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .info
        try await runService(config, logger: logger)
    }
}
