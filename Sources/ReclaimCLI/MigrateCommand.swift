import ArgumentParser
import Foundation
import Reclaim

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending migrations from sql/ (each in a transaction, under an advisory lock).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Folder of NNNN_*.sql files (default: RECLAIM_SQL_DIR, ./sql, or the checkout's sql/).")
    var directory: String?

    /// The service's role, reclaim_app, logs in with this password where
    /// the cluster asks for one (production); read from the environment so
    /// that it never shows in a process list.
    static let appPasswordVariable = "RECLAIM_APP_PASSWORD"

    func run() throws {
        try reportingFailures {
            guard let dir = directory.map({ URL(fileURLWithPath: $0) }) ?? Migrator.locateDirectory() else {
                throw CLIFailure.rejected("migrations: no sql/ folder found; pass --directory or set RECLAIM_SQL_DIR")
            }
            let conn = try database.connect()
            let applied = try Migrator(directory: dir).migrate(on: conn)
            if let password = ProcessInfo.processInfo.environment[Self.appPasswordVariable], !password.isEmpty {
                try Migrator.setApplicationPassword(password, on: conn)
                Output.write("reclaim_app: password set from \(Self.appPasswordVariable)\n")
            }
            if applied.isEmpty {
                Output.write("migrations: up to date\n")
            } else {
                for name in applied { Output.write("applied \(name)\n") }
            }
        }
    }
}
