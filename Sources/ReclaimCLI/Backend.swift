import ArgumentParser
import Foundation
import Reclaim
import ReclaimClient

/// Where a command the API offers runs: through the service, as the token's
/// user (the normal way), or on the database directly (administrators).
///
/// The first that is given wins: `--server`, `--database-url`,
/// RECLAIM_SERVER, DATABASE_URL, the service of `reclaim login`, and last
/// the local cluster of `make run`.
struct BackendOptions: ParsableArguments {
    @Option(name: .customLong("server"),
            help: "The Reclaim service's URL (overrides RECLAIM_SERVER); the token is RECLAIM_TOKEN or that of `reclaim login`.")
    var server: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var actor: ActorOptions

    enum Mode: Equatable {
        case direct(conninfo: String)
        case service(url: String)
    }

    func mode() throws -> Mode {
        let env = ProcessInfo.processInfo.environment
        func given(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        if server != nil, database.databaseURL != nil {
            throw ReclaimError.invalid("server", "give --server or --database-url, not both")
        }
        if let server { return .service(url: try HTTPBackend.normalise(server)) }
        if database.databaseURL != nil { return .direct(conninfo: database.conninfo) }
        if let url = given("RECLAIM_SERVER") { return .service(url: try HTTPBackend.normalise(url)) }
        if given("DATABASE_URL") != nil { return .direct(conninfo: database.conninfo) }
        if let current = try Credentials.load().current { return .service(url: current) }
        return .direct(conninfo: database.conninfo)
    }

    /// The token for `url`: RECLAIM_TOKEN, else the one `reclaim login` stored.
    static func token(for url: String) throws -> String {
        if let token = ProcessInfo.processInfo.environment["RECLAIM_TOKEN"], !token.isEmpty { return token }
        if let login = try Credentials.load().servers[url] { return login.token }
        throw ReclaimError(.unauthenticated, field: "token",
                           "no token for \(url): set RECLAIM_TOKEN or run `reclaim login --server \(url)`")
    }

    func open() throws -> any ReclaimAPI {
        switch try mode() {
        case .direct(let conninfo):
            return try DatabaseBackend.open(conninfo, as: try actor.requested())
        case .service(let url):
            if try actor.requested() != nil {
                throw ReclaimError.invalid(
                    "actor", "--as and RECLAIM_USER are for direct database mode; through the service you act as your token's user")
            }
            return try HTTPBackend(server: url, token: try Self.token(for: url))
        }
    }

    /// Opens the backend, runs `body` on it, and closes it whatever happens.
    func with(_ body: (any ReclaimAPI) async throws -> Void) async throws {
        let api = try open()
        do {
            try await body(api)
        } catch {
            await api.close()
            throw error
        }
        await api.close()
    }
}
