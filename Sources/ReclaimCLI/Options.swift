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

/// Who performs a mutation.
struct ActorOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "Record the change as done by USER (default: RECLAIM_USER, else the OS user).")
    var user: String?

    func actor() throws -> Actor {
        let env = ProcessInfo.processInfo.environment
        let name = user ?? env["RECLAIM_USER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? env["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
        return try Actor(name)
    }

    /// Checks the actor's name, connects, and checks `permission` when the
    /// name is a registered user (the same rules as over HTTP). A name that is
    /// no user — the OS user setting Reclaim up, say — acts as recorded.
    func connect(_ database: DatabaseOptions, for policy: Policy) throws -> (Actor, Connection) {
        var who = try actor()  // a bad --as is refused before any connection
        let conn = try database.connect()
        if let principal = try Users.principal(named: who.name, on: conn) {
            try policy.check(principal)
            who.role = principal.role.rawValue
        }
        return (who, conn)
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
