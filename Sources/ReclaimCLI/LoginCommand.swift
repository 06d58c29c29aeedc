import ArgumentParser
import Foundation
import Reclaim
import ReclaimClient
#if canImport(Glibc)
import Glibc
#endif

/// `reclaim login`: checks a token with the service and keeps it, readable
/// by its owner only, so later commands need neither RECLAIM_SERVER nor
/// RECLAIM_TOKEN. The token is read from standard input, never from the
/// command line, where other users could see it in the process list.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Keep a token for the service (read from standard input) and use that service from now on.",
        discussion: "e.g. reclaim login --server https://reclaim.example.gov.cn < token.txt")

    @Option(help: "The service's URL (default: RECLAIM_SERVER).") var server: String?

    func run() async throws {
        try await reportingFailures {
            guard let given = server ?? ProcessInfo.processInfo.environment["RECLAIM_SERVER"].flatMap({ $0.isEmpty ? nil : $0 })
            else { throw ReclaimError.invalid("server", "name the service: reclaim login --server URL") }
            let url = try HTTPBackend.normalise(given)
            let token = try Self.readToken()
            let api = try HTTPBackend(server: url, token: token)
            let me: Identity
            do {
                me = try await api.whoami()
            } catch {
                await api.close()
                throw error
            }
            await api.close()
            var credentials = try Credentials.load()
            credentials.servers[url] = .init(token: token, user: me.name)
            credentials.current = url
            try credentials.save()
            let role = me.role.map { " (\($0.rawValue))" } ?? ""
            Output.write("logged in to \(url) as \(me.name)\(role)\n")
            FileHandle.standardError.write(Data("token kept in \(Credentials.file.path), readable only by you\n".utf8))
        }
    }

    /// One line from standard input; at a terminal, asked for without echo.
    static func readToken() throws -> String {
        guard let token = Terminal.readSecret(prompt: "token: ")?.trimmingCharacters(in: .whitespaces), !token.isEmpty else {
            throw ReclaimError.invalid("token", "give the token on standard input, e.g. reclaim login --server URL < token.txt")
        }
        return token
    }
}

/// Secrets typed at a terminal.
enum Terminal {
    /// One line from standard input; at a terminal, `prompt` on stderr and no echo.
    static func readSecret(prompt: String) -> String? {
        let terminal = isatty(0) == 1
        var saved = termios()
        if terminal {
            FileHandle.standardError.write(Data(prompt.utf8))
            tcgetattr(0, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &quiet)
        }
        let line = readLine(strippingNewline: true)
        if terminal {
            tcsetattr(0, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return line
    }
}

/// `reclaim logout`: forgets the token kept for a service.
struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Forget the token kept for a service (it stays valid until it expires or an administrator revokes it).")

    @Option(help: "The service's URL (default: the one in use).") var server: String?

    func run() throws {
        try reportingFailures {
            var credentials = try Credentials.load()
            guard let url = try server.map(HTTPBackend.normalise) ?? credentials.current,
                  credentials.servers.removeValue(forKey: url) != nil
            else { throw ReclaimError(.notFound, field: "server", "not logged in\(server.map { " to \($0)" } ?? "")") }
            if credentials.current == url { credentials.current = nil }
            try credentials.save()
            Output.write("logged out of \(url)\n")
        }
    }
}

/// `reclaim whoami`: who the next command would act as, and where.
struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Who commands act as: the token's user, or the database session (--as).")

    @OptionGroup var target: BackendOptions
    @Option(help: "Output format.") var format: DetailFormat = .table

    func run() async throws {
        try await reportingFailures {
            try await target.with { api in
                let me = try await api.whoami()
                switch format {
                case .json: try Output.json(me)
                case .table:
                    let via: String
                    switch try target.mode() {
                    case .service(let url): via = "through \(url)"
                    case .direct: via = "on the database directly"
                    }
                    let role = me.role?.rawValue ?? "database owner"
                    let mines = me.mines.isEmpty ? "" : ", mines \(me.mines.joined(separator: " "))"
                    Output.write("\(me.name) (\(role)\(mines)), \(via)\n")
                }
            }
        }
    }
}
