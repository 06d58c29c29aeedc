import ArgumentParser
import Foundation
import PQKit
import Reclaim

/// Where the database is; shared by every command that touches it.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL or conninfo (overrides DATABASE_URL).")
    var databaseURL: String?

    /// The local cluster started by `make run` (scripts/pg.sh).
    static let localDefault = "postgresql://reclaim@127.0.0.1:54329/reclaim"

    var conninfo: String {
        if let databaseURL { return databaseURL }
        if let env = ProcessInfo.processInfo.environment["DATABASE_URL"], !env.isEmpty { return env }
        return DatabaseOptions.localDefault
    }

    /// Opens one connection; an unreachable database exits with 69.
    func connect() throws -> Connection {
        do {
            return try Connection(conninfo, applicationName: "reclaim-cli")
        } catch let error as PQError {
            let first = error.message.split(separator: "\n").first.map(String.init) ?? error.message
            throw CLIFailure.unavailable("database unreachable: \(first)")
        }
    }
}

/// Who performs a mutation, in direct database mode. By default it is the
/// PostgreSQL session user itself (held to its role when it is also a
/// registered user). `--as USER` acts for a registered, enabled user, and
/// only the database owner may use it: any other session acts as itself.
/// Every audit row records the session user beside the actor.
struct ActorOptions: ParsableArguments {
    @Option(name: .customLong("as"),
            help: "Act for this registered user; only the database owner may (default: RECLAIM_USER, else the database session user).")
    var user: String?

    /// The user asked for with --as or RECLAIM_USER, normalised; nil to act as oneself.
    func requested() throws -> String? {
        let env = ProcessInfo.processInfo.environment
        guard let name = user ?? env["RECLAIM_USER"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        return try Identifier.userName(name, field: "actor")
    }

    /// Checks the name asked for, connects, works out who is acting and
    /// checks `policy` for a registered user (the same rules as over HTTP).
    func connect(_ database: DatabaseOptions, for policy: Policy) throws -> (Actor, Connection) {
        let asked = try requested()  // a bad --as is refused before any connection
        let conn = try database.connect()
        let session = try Users.session(on: conn)
        if let asked {
            guard session.isOwner else {
                throw ReclaimError(.forbidden, field: "actor",
                                   "only the database owner may act for another user; \(session.name) acts as itself")
            }
            guard let principal = try Users.principal(named: asked, on: conn) else {
                throw ReclaimError(.forbidden, field: "actor", "\(asked) is not a registered user")
            }
            try policy.check(principal)
            return (try principal.actor(), conn)
        }
        if let principal = try Users.principal(named: session.name, on: conn) {
            try policy.check(principal)
            return (try principal.actor(), conn)
        }
        return (try Actor(session.name), conn)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

enum DetailFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

extension MineralClass: ExpressibleByArgument {}
extension MineScale: ExpressibleByArgument {}
extension MiningMethod: ExpressibleByArgument {}
extension MineStatus: ExpressibleByArgument {}
extension LandType: ExpressibleByArgument {}
extension Money.Unit: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}
