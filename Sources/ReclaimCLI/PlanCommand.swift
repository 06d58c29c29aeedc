import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension PlanState: ExpressibleByArgument {}

/// `reclaim plan`: the protection and land-reclamation plan (方案), versioned and reviewed.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "The protection and land-reclamation plan (矿山地质环境保护与土地复垦方案).",
        subcommands: [Submit.self, Approve.self, Return.self, Show.self, List.self])

    static func print(_ p: PlanVersion, verb: String, format: DetailFormat) throws {
        switch format {
        case .json: try Output.json(p)
        case .table: Output.write("\(verb) version \(p.version) of \(p.license)'s plan: \(p.state.rawValue)\n")
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Submit a new plan version from a JSON file (the shape of examples/plan.json); prints its version.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(help: "The plan file.") var file: String
        @Option(help: "Output: the version number (table) or the version (json).") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let document = try PlanDocument.parse(try readFile(file))
                try await target.with { api in
                    let p = try await api.submitPlan(license, document)
                    switch format {
                    case .json: try Output.json(p)
                    case .table: Output.write("\(p.version)\n")
                    }
                }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a submitted version (reviewers; never your own).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "Version.") var version: Int
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try PlanCommand.print(try await api.decidePlan(license, version: version, .approve, reason: nil),
                                          verb: "approved", format: format)
                }
            }
        }
    }

    struct Return: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "return",
            abstract: "Return a submitted version with the reason; the operator submits a new one.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "Version.") var version: Int
        @Option(help: "Why it is returned.") var reason: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try PlanCommand.print(try await api.decidePlan(license, version: version, .return, reason: reason),
                                          verb: "returned", format: format)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One plan version (default: the current one, else the latest).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(help: "Version.") var version: Int?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    let p = try await api.plan(license, version: version)
                    switch format {
                    case .json: try Output.json(p)
                    case .table: Output.write(Self.render(p))
                    }
                }
            }
        }

        static func render(_ p: PlanVersion) -> String {
            let d = p.document
            var out = Output.keyValues([
                ("license", p.license), ("version", String(p.version)),
                ("state", p.state.rawValue + (p.current ? " (current)" : "")),
                ("service_period", "\(d.serviceFrom)–\(d.serviceTo)"),
                ("responsibility_area_hm2", d.responsibilityArea.hectares),
                ("planned_reclaimed_hm2", d.plannedReclaimed.hectares),
                ("target_rate_percent", d.targetRatePercent), ("cost_total", d.costTotal.description),
                ("letter_signed_on", d.letterSignedOn.description), ("submitted_by", p.submittedBy),
            ])
            out += "\ncost by year:\n" + d.costByYear.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)\n" }.joined()
            out += "\ndamaged land (hm², existing / predicted):\n"
            out += d.damagedLand.isEmpty ? "  none\n"
                : d.damagedLand.map { "  \($0.landType.rawValue): \($0.existing.hectares) / \($0.predicted.hectares)\n" }.joined()
            out += "\ndecisions:\n" + p.decisions.map {
                "  \(Bureau.time($0.decidedAt, seconds: true))  \($0.actor)  \($0.action): \($0.from) -> \($0.to)\($0.note.map { " (\($0))" } ?? "")\n"
            }.joined()
            return out
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Plan versions of every mine you may see.")
        @OptionGroup var target: BackendOptions
        @Option(help: "Only versions in this state: submitted, approved, returned.") var state: PlanState?
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows(try await api.plans(state: state), format: format) }
            }
        }
    }
}

extension PlanSummary: Tabular {
    static var headers: [String] {
        ["license", "version", "state", "current", "service_from", "service_to", "cost_total", "letter_signed_on",
         "submitted_by"]
    }
    var cells: [String] {
        [license, String(version), state.rawValue, current ? "yes" : "no", String(serviceFrom), String(serviceTo),
         costTotal.description, letterSignedOn.description, submittedBy]
    }
}
