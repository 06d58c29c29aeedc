import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

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
        try DatabaseBackend.connect(conninfo)
    }

    /// Whether the user named a database (flag or DATABASE_URL).
    var isExplicit: Bool {
        databaseURL != nil || !(ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty
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

    /// Checks the name asked for, connects, works out who is acting
    /// (`DatabaseBackend.resolveActor`, the one rule) and checks `policy` for
    /// a registered user (the same rules as over HTTP).
    func connect(_ database: DatabaseOptions, for policy: Policy) throws -> (Actor, Connection) {
        let backend = try DatabaseBackend.open(database.conninfo, as: try requested())
        try backend.check(policy)
        return (backend.actor, backend.connection)
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
extension MethodDetail: ExpressibleByArgument {}
extension Money.Unit: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}

/// A year on the command line: four digits within the one range (`Years`);
/// anything else is a usage error naming the flag, like any malformed value.
struct Year: ExpressibleByArgument, Sendable {
    let value: Int

    init?(argument: String) {
        guard let year = try? Years.parse(argument) else { return nil }
        value = year
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A day on the command line, YYYY-MM-DD and a real date (no 2025-02-30);
/// whether the day is allowed where it is used (not in the future, not
/// before a licence) is the domain's rule, told in its words.
extension CalendarDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso: argument) }
}
