import ArgumentParser
import Foundation

/// `reclaim`: the restoration-fund ledger and mine registry from the command line.
@main
struct ReclaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclaim",
        abstract: "Mine geological-environment restoration funds (矿山地质环境治理恢复基金), plans and closures.",
        discussion: """
            Commands the API offers (mine, fund bookings and reads, output, accrual, plan, annual, closure, calendar, legacy, audit, whoami) run through the service as your
            token's user: --server URL or RECLAIM_SERVER, with RECLAIM_TOKEN or the token of `reclaim login`.
            Given --database-url or DATABASE_URL instead, they run on the database directly (administrators), as
            do migrate, user, token, fund import/verify/checkpoint and serve. With neither, the service of
            `reclaim login`, else the local cluster of `make run`.
            Exit codes: 0 success; 64 usage error; 65 input refused or rule broken; 66 input file unreadable;
            69 database or service unreachable; 70 internal error (a bug: please report it).
            """,
        subcommands: [
            MigrateCommand.self, MineCommand.self, FundCommand.self, UserCommand.self, TokenCommand.self,
            OutputCommand.self, AccrualCommand.self, PlanCommand.self, AnnualCommand.self, ClosureCommand.self, CalendarCommand.self, SettingsCommand.self, LegacyCommand.self, GreenCommand.self, MonitorCommand.self, MapCommand.self, DocumentCommand.self, ReportCommand.self,
            AuditCommand.self, LoginCommand.self, LogoutCommand.self, WhoamiCommand.self, ServeCommand.self, DemoCommand.self,
        ]
    )

    /// Like ArgumentParser's own `main`, but a usage error is one `error:`
    /// line on stderr (exit 64), as for every other refusal.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            // a command's outcome; its `error:` line is printed already
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version: the full text, on stdout.
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
            if !message.isEmpty {
                FileHandle.standardError.write(Data("error: \(message.replacingOccurrences(of: "Error: ", with: ""))\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
