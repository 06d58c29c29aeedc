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

    func run() throws {
        try reportingFailures {
            guard let dir = directory.map({ URL(fileURLWithPath: $0) }) ?? Migrator.locateDirectory() else {
                throw CLIFailure.rejected("migrations: no sql/ folder found; pass --directory or set RECLAIM_SQL_DIR")
            }
            let conn = try database.connect()
            let applied = try Migrator(directory: dir).migrate(on: conn)
            if applied.isEmpty {
                Output.write("migrations: up to date\n")
            } else {
                for name in applied { Output.write("applied \(name)\n") }
            }
        }
    }
}
