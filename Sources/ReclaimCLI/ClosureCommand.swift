import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension ClosureState: ExpressibleByArgument {}

/// `reclaim closure`: closure acceptance (闭坑验收).
struct ClosureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "closure", abstract: "Closure acceptance (闭坑验收): apply, panel, vote, show, list.",
        subcommands: [Apply.self, Panel.self, Vote.self, Show.self, List.self])

    static func print(_ a: ClosureApplication, format: DetailFormat) throws {
        switch format {
        case .json: try Output.json(a)
        case .table: Output.write(Show.render(a))
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply for closure acceptance (the mine's operator); refused, listing them, while obligations are open.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(parsing: .upToNextOption, help: "Evidence references (photo or document ids).") var evidence: [String] = []
        @Option(help: "A note.") var note: String?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    ClosureCommand.printFiled(try await api.applyForClosure(license, evidence: evidence, note: note), format: format)
                }
            }
        }
    }

    static func printFiled(_ a: ClosureApplication, format: DetailFormat) {
        switch format {
        case .json: try? Output.json(a)
        case .table:
            Output.write("closure application \(a.id) of \(a.license) filed on \(a.filedOn); due \(a.dueDate) (\(a.workingDaysLeft) working days left)\n")
        }
    }

    struct Panel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign the panel (reviewers; at least three by default).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Option(name: .customLong("reviewer"), parsing: .upToNextOption, help: "Reviewers (repeatable).")
        var reviewers: [String] = []
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try ClosureCommand.print(try await api.assignClosurePanel(id, reviewers: reviewers), format: format)
                }
            }
        }
    }

    struct Vote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A panel member's vote, once; the last vote decides.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Flag(name: .customLong("pass"), help: "Pass.") var pass = false
        @Flag(name: .customLong("fail"), help: "Fail.") var fail = false
        @Option(help: "The opinion (a fail's becomes a rectification item).") var opinion: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func validate() throws {
            if pass == fail { throw ValidationError("give --pass or --fail") }
        }

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try ClosureCommand.print(try await api.voteOnClosure(id, pass: pass, opinion: opinion), format: format)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An application: checks, panel, votes, decision and clock.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try ClosureCommand.print(try await api.closureApplication(id), format: format) }
            }
        }

        static func render(_ a: ClosureApplication) -> String {
            var out = Output.keyValues([
                ("id", String(a.id)), ("license", a.license), ("state", a.state.rawValue),
                ("filed_on", a.filedOn.description), ("filed_by", a.filedBy), ("due_date", a.dueDate.description),
                ("working_days_left", String(a.workingDaysLeft) + (a.overdue ? " (overdue)" : "")),
                ("evidence", a.evidence.joined(separator: ", ")), ("note", a.note ?? ""),
                ("panel", a.panel.joined(separator: ", ")),
            ])
            out += "\nchecked at filing:\n" + a.checks.map { "  ✓ \($0)\n" }.joined()
            out += "\nvotes:\n" + (a.votes.isEmpty ? "  none\n" : a.votes.map { "  \($0.reviewer): \($0.pass ? "pass" : "fail") — \($0.opinion)\n" }.joined())
            if let d = a.decision {
                out += "\ndecision: \(d.outcome.rawValue) (\(d.decidedBy), \(ISO8601DateFormatter().string(from: d.decidedAt)))\n"
                if !d.opinion.isEmpty { out += "acceptance opinion (验收意见):\n" + d.opinion.map { "  \($0)\n" }.joined() }
                if !d.rectificationItems.isEmpty { out += "rectification items:\n" + d.rectificationItems.map { "  - \($0)\n" }.joined() }
            }
            return out
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Applications, oldest first (the reviewers' queue).")
        @OptionGroup var target: BackendOptions
        @Option(help: "Only this state: filed, under-review, accepted, rejected.") var state: ClosureState?
        @Flag(help: "Only those past their due date.") var overdue = false
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try Output.rows(try await api.closureApplications(state: state, overdue: overdue), format: format)
                }
            }
        }
    }
}

extension ClosureApplication: Tabular {
    static var headers: [String] { ["id", "license", "state", "filed_on", "due_date", "working_days_left", "overdue"] }
    var cells: [String] {
        [String(id), license, state.rawValue, filedOn.description, dueDate.description, String(workingDaysLeft),
         overdue ? "yes" : "no"]
    }
}

/// `reclaim calendar`: the bureau's working-day calendar.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "The working-day calendar the closure clock runs on.",
        subcommands: [Holiday.self, Workday.self, List.self])

    struct DayOptions: ParsableArguments {
        @OptionGroup var target: BackendOptions
        @Argument(help: "add") var verb: String
        @Argument(help: "The date, YYYY-MM-DD.") var date: String
        @Option(help: "Its name, e.g. 国庆节.") var name: String?

        func add(_ kind: CalendarDay.Kind) async throws {
            try await reportingFailures {
                guard verb == "add" else { throw ReclaimError.invalid("verb", "say add, e.g. calendar \(kind.rawValue) add 2026-10-01") }
                let day = try FundLedger.parseDate(date, field: "date")
                try await target.with { api in
                    let d = try await api.addCalendarDay(day, kind, name: name)
                    Output.write("listed \(d.day) as a \(d.kind.rawValue)\(d.name.map { " (\($0))" } ?? "")\n")
                }
            }
        }
    }

    struct Holiday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a holiday: `calendar holiday add DATE --name NAME`.")
        @OptionGroup var options: DayOptions
        func run() async throws { try await options.add(.holiday) }
    }

    struct Workday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a Saturday or Sunday worked (调休): `calendar workday add DATE`.")
        @OptionGroup var options: DayOptions
        func run() async throws { try await options.add(.workday) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The listed days of a year.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The year.") var year: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = try parseYear(self.year)
                try await target.with { api in try Output.rows(try await api.calendar(year: year), format: format) }
            }
        }
    }
}

extension CalendarDay: Tabular {
    static var headers: [String] { ["day", "kind", "name"] }
    var cells: [String] { [day.description, kind.rawValue, name ?? ""] }
}
