import ArgumentParser
import Foundation
import PQKit
import Reclaim

/// `reclaim demo seed`: the fictional Dalad-shaped data set, for trying
/// Reclaim out. It writes the database directly, as its owner, because it
/// acts in the names of the demo users it creates.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "A fictional demo data set to explore.", subcommands: [Seed.self])

    struct Seed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed",
            abstract: "Load the fictional demo (78 mines shaped like Dalad Banner in 2020, five years of funds and plans, closures, legacy projects) into an empty installation; run twice, it changes nothing.")
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingFailures {
                let conn = try database.connect()
                defer { conn.close() }
                guard try Users.session(on: conn).isOwner else {
                    throw CLIFailure.rejected("demo seed: run it as the database's owner (it acts in the demo users' names)")
                }
                let started = ContinuousClock.now
                let result = try DemoSeed.seed(on: conn)
                guard result.seeded else {
                    Output.write("demo: already seeded (\(result.mines) mines); nothing changed. Tokens and passwords were printed by the first run; `reclaim token issue demo-finance` and `reclaim user password demo-finance` give new ones.\n")
                    return
                }
                let seconds = (ContinuousClock.now - started).components.seconds
                var text = "demo: seeded \(result.mines) fictional mines with five years of funds, plans and annual plans, two closure applications and two legacy projects in \(seconds) s.\n"
                text += "Every name in it says it is fictional (虚构演示数据). Dashboard passwords, and API tokens valid 90 days:\n"
                text += Output.table(headers: ["user", "role", "password", "token"],
                                     rows: result.tokens.map { [$0.user, $0.role.rawValue, $0.password, $0.token] })
                text += "Try: the dashboard at http://127.0.0.1:8080/ (sign in as demo-finance), or\n"
                text += "     RECLAIM_TOKEN=<demo-auditor's token> reclaim report fund --year 2025 --server http://127.0.0.1:8080\n"
                Output.write(text)
            }
        }
    }
}
