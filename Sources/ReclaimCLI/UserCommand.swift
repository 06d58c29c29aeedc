import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Users and their roles.", subcommands: [Add.self, List.self, Mines.self, Disable.self, Enable.self, Password.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a user with one role (operators: with their mines).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "User name.") var name: String
        @Option(help: "admin, finance, operator, reviewer, auditor or expert.") var role: Role
        @Option(name: .customLong("mine"), help: "A licence the operator acts for (repeatable).") var mines: [String] = []
        @Option(help: "The organisation an expert comes from (required for experts).") var org: String?

        func run() throws {
            try reportingFailures {
                let (who, conn) = try actor.connect(database, for: UserPolicy.manage)
                let user = try Users.add(name, role: role, mines: mines, org: org, by: who, on: conn)
                Output.write("added user \(user.name) (\(user.role.rawValue))\n")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List users.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() throws {
            try reportingFailures {
                try Output.rows(try Users.list(on: try database.connect()), format: format)
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a user; their tokens stop working.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "User name.") var name: String

        func run() throws {
            try reportingFailures {
                let (who, conn) = try actor.connect(database, for: UserPolicy.manage)
                try Users.disable(name, by: who, on: conn)
                Output.write("disabled user \(name)\n")
            }
        }
    }

    struct Mines: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mines",
            abstract: "Replace the mines an operator acts for (a mine sold, a new one opened).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "User name (an operator).") var name: String
        @Option(name: .customLong("mine"), help: "A licence the operator acts for from now on (repeatable; at least one).") var mines: [String] = []

        func run() throws {
            try reportingFailures {
                let (who, conn) = try actor.connect(database, for: UserPolicy.manage)
                let user = try Users.setMines(name, mines, by: who, on: conn)
                Output.write("user \(user.name) acts for \(user.mines.joined(separator: ", "))\n")
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled user again.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "User name.") var name: String

        func run() throws {
            try reportingFailures {
                let (who, conn) = try actor.connect(database, for: UserPolicy.manage)
                try Users.enable(name, by: who, on: conn)
                Output.write("enabled user \(name)\n")
            }
        }
    }
}

extension UserCommand {
    /// `reclaim user password NAME`: the dashboard password, typed twice at a
    /// terminal, or one line from standard input with `--password-stdin`
    /// (as `docker login` reads it); never from the command line.
    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password",
            abstract: "Set a user's dashboard password (PBKDF2-SHA256; at least 10 characters).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "User name.") var name: String
        @Flag(help: "Read the password from standard input (one line) instead of the terminal.") var passwordStdin = false

        func run() throws {
            try reportingFailures {
                let password: String
                if passwordStdin {
                    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                        throw ReclaimError.invalid("password", "give the password as one line on standard input")
                    }
                    password = line
                } else {
                    guard isatty(0) == 1 else {
                        throw ReclaimError.invalid("password", "standard input is no terminal: use --password-stdin")
                    }
                    let first = Terminal.readSecret(prompt: "new password for \(name): ") ?? ""
                    try Passwords.check(first)
                    guard Terminal.readSecret(prompt: "again: ") == first else {
                        throw ReclaimError.invalid("password", "the two passwords differ")
                    }
                    password = first
                }
                let (who, conn) = try actor.connect(database, for: UserPolicy.manage)
                try Passwords.set(name, password: password, by: who, on: conn)
                Output.write("password set for \(name)\n")
            }
        }
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "API bearer tokens.", subcommands: [Issue.self, Revoke.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue a token; it is printed once, only its hash is kept.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "User name.") var name: String
        @Option(help: "Days until it expires, 1 to 3650 (default: \(Users.defaultTokenDays)).") var expiresInDays: Int?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() throws {
            try reportingFailures {
                let (who, conn) = try actor.connect(database, for: UserPolicy.manage)
                let issued = try Users.issueToken(for: name, expiresInDays: expiresInDays, by: who, on: conn)
                switch format {
                case .json: try Output.json(issued)
                case .table:
                    Output.write("\(issued.token)\n")
                    let expiry = issued.expiresAt.map { ", expires \(Bureau.time($0, seconds: true))" } ?? ""
                    FileHandle.standardError.write(Data("token id \(issued.id) for \(issued.user)\(expiry); store it now, it is not shown again\n".utf8))
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by its id.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "Token id (printed when issued).") var tokenID: Int64

        func run() throws {
            try reportingFailures {
                let (who, conn) = try actor.connect(database, for: UserPolicy.manage)
                try Users.revokeToken(tokenID, by: who, on: conn)
                Output.write("revoked token \(tokenID)\n")
            }
        }
    }
}

/// Offered by the API: runs through the service or on the database (`BackendOptions`).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit trail.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Audit records, oldest first, with filters.")
        @OptionGroup var target: BackendOptions
        @Option(name: .customLong("actor"), help: "Only this actor.") var actorName: String?
        @Option(name: .customLong("target"), help: "Only this target, e.g. mine:C150000001 or entry:12.") var targetName: String?
        @Option(help: "From this date (UTC), YYYY-MM-DD.") var from: CalendarDate?
        @Option(help: "Up to and including this date (UTC), YYYY-MM-DD.") var to: CalendarDate?
        @Option(help: "At most this many records, 1 to 10000.") var limit: Int = 1000
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let fromDate = from.map(Bureau.start(of:))  // days are the bureau's (Beijing)
                let toDate = to.map { Bureau.start(of: $0).addingTimeInterval(86_400) }
                guard (1...10_000).contains(limit) else { throw ReclaimError.invalid("limit", "must be 1 to 10000") }
                let filter = AuditLog.Filter(actor: actorName, target: targetName, from: fromDate, to: toDate, limit: limit)
                try await target.with { api in try Output.rows(try await api.audit(filter), format: format) }
            }
        }
    }
}

extension User: Tabular {
    static var headers: [String] { ["name", "role", "mines", "disabled", "created_by"] }
    var cells: [String] { [name, role.rawValue, mines.joined(separator: " "), disabled ? "yes" : "no", createdBy] }
}

extension AuditRecord: Tabular {
    static var headers: [String] { ["id", "at", "actor", "role", "action", "target", "request_id", "input_digest"] }
    var cells: [String] {
        [String(id), Bureau.time(at, seconds: true), actor, role ?? "", action, target, requestID ?? "",
         inputDigest]
    }
}
