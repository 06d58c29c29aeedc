import ArgumentParser
import Foundation
import Reclaim
import ReclaimClient

/// `reclaim settings`: the bureau's settings, kept in the database.
struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "The bureau's settings (panel sizes, notice periods): list, set.",
        subcommands: [List.self, Set.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every setting with its value, default and bounds.")
        @OptionGroup var target: BackendOptions
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows(try await api.settings(), format: format) }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a value (an administrator's, audited); refused below its floor or above its ceiling.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The key, e.g. closure.notice_days.") var key: String
        @Argument(help: "The value.") var value: String

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    let s = try await api.setSetting(key, value)
                    Output.write("\(s.key) = \(s.value) (\(s.unit))\n")
                }
            }
        }
    }
}

extension Setting: Tabular {
    static var headers: [String] { ["key", "value", "default", "floor", "ceiling", "unit", "meaning"] }
    var cells: [String] {
        [key, String(value), String(defaultValue), String(floor), String(ceiling), unit, meaning]
    }
}
