import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

/// Reads a file the user named; a missing or unreadable one exits 66.
func readFile(_ path: String, field: String = "file") throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ReclaimError(.unreadableInput, field: field, "cannot read \(path)")
    }
    return data
}

/// `reclaim output`: last year's production (产量), which the accrual multiplies.
struct OutputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "output", abstract: "Production reports (产量).", subcommands: [Report.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Report a year's production: tonnes (m³ for mineral water and geothermal); a second report of a year supersedes the first.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "The year produced, e.g. 2025.") var year: Year
        @Argument(help: "Quantity, up to three decimals.") var quantity: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year.value
                let quantity = try Quantity.parse(self.quantity)
                try await target.with { api in
                    let r = try await api.reportOutput(license, year: year, quantity: quantity)
                    switch format {
                    case .json: try Output.json(r)
                    case .table:
                        let corrects = r.supersedes.map { ", superseding report \($0)" } ?? ""
                        Output.write("reported \(r.year) output of \(r.license): \(r.quantity) \(r.unit) (report \(r.id)\(corrects))\n")
                    }
                }
            }
        }
    }
}

/// `reclaim accrual`: the annual accrual (基金计提) and its rule sets.
struct AccrualCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accrual", abstract: "The annual fund accrual (基金计提): assess, explain, quote, shortfalls, rule sets.",
        subcommands: [Assess.self, Explain.self, Quote.self, Shortfalls.self, Rules.self])

    struct Assess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "assess",
            abstract: "Assess a mine's accrual for a year from last year's output (a new version each time; the latest counts).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "The assessment year.") var year: Year
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year.value
                try await target.with { api in
                    let a = try await api.assess(license, year: year)
                    switch format {
                    case .json: try Output.json(a)
                    case .table:
                        Output.write("\(a.license) \(a.year) version \(a.version): \(a.amount) yuan (\(a.basis))\n")
                    }
                }
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "The latest assessment's factors and arithmetic, line by line, in the order of the formula.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "The assessment year.") var year: Year
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year.value
                try await target.with { api in
                    let a = try await api.assessment(license, year: year)
                    switch format {
                    case .json: try Output.json(a)
                    case .table: Output.write(a.explanation.joined(separator: "\n") + "\n")
                    }
                }
            }
        }
    }

    struct Quote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quote",
            abstract: "What-if: the accrual of a mine that does not exist yet, from the rule set in force for the year.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The assessment year.") var year: Year
        @Option(help: "Accrual base-rate class.") var mineralClass: MineralClass
        @Option(help: "Method detail (see mine update --help).") var methodDetail: MethodDetail
        @Option(help: "Dominant land type.") var landType: LandType
        @Option(help: "Six-digit region code.") var region: String = MineRegistry.defaultRegion
        @Option(help: "Last year's output, up to three decimals.") var output: String
        @Option(help: "Main mineral; coal brings the coal-price coefficient.") var mineral: String?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let inputs = AccrualInputs(
                    year: year.value, mineralClass: mineralClass, methodDetail: methodDetail, landType: landType,
                    regionCode: region,
                    coal: AccrualInputs.isCoal(mineralClass: mineralClass, mineral: mineral ?? ""),
                    output: try Quantity.parse(output, field: "output"))
                try await target.with { api in
                    let q = try await api.quote(inputs)
                    switch format {
                    case .json: try Output.json(q)
                    case .table:
                        Output.write(q.explanation.joined(separator: "\n") + "\n")
                        Output.write("amount: \(q.amount) yuan\n")
                    }
                }
            }
        }
    }

    struct Shortfalls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shortfalls",
            abstract: "Per mine: the year's assessed amount, deposits with a value date in it, the shortfall, and the same since the first assessment.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The year (default: this year, Beijing time).") var year: Year?
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year?.value ?? Bureau.today.year
                try await target.with { api in try Output.rows(try await api.shortfalls(year: year), format: format) }
            }
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "Coefficient rule sets (计提系数): data, immutable once loaded.",
            subcommands: [List.self, Show.self, Load.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Rule sets, newest effective date first.")
            @OptionGroup var target: BackendOptions
            @Option(help: "Output format.") var format: OutputFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in try Output.rows(try await api.ruleSets(), format: format) }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "One rule set's tables.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Rule set name, e.g. ordos-2025.") var name: String
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in
                        let set = try await api.ruleSet(name)
                        switch format {
                        case .json: try Output.json(set)
                        case .table: Output.write(Self.render(set))
                        }
                    }
                }
            }

            static func render(_ set: RuleSet) -> String {
                var out = Output.keyValues([
                    ("name", set.name), ("jurisdiction", set.jurisdiction),
                    ("effective_from", set.effectiveFrom.description), ("loaded_by", set.loadedBy ?? ""),
                ])
                for table in RuleSet.Table.allCases {
                    let entries = set[table].sorted { $0.key < $1.key }
                    out += "\n\(table.rawValue):\n"
                    out += entries.isEmpty ? "  (empty: the bureau's to set)\n"
                        : entries.map { "  \($0.key): \($0.value)\n" }.joined()
                }
                return out
            }
        }

        struct Load: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "load",
                abstract: "Load a new rule set from a JSON file (the shape of sql/data/ordos-2025.json).")
            @OptionGroup var target: BackendOptions
            @Argument(help: "The rule set file.") var file: String
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    let set = try RuleSet.parse(try readFile(file))
                    try await target.with { api in
                        let loaded = try await api.loadRuleSet(set)
                        switch format {
                        case .json: try Output.json(loaded)
                        case .table:
                            let n = RuleSet.Table.allCases.reduce(0) { $0 + loaded[$1].count }
                            Output.write("loaded rule set \(loaded.name) (\(loaded.jurisdiction), from \(loaded.effectiveFrom), \(n) coefficients)\n")
                        }
                    }
                }
            }
        }
    }
}

extension RuleSet: Tabular {
    static var headers: [String] { ["name", "jurisdiction", "effective_from", "coefficients", "loaded_by"] }
    var cells: [String] {
        [name, jurisdiction, effectiveFrom.description,
         String(RuleSet.Table.allCases.reduce(0) { $0 + self[$1].count }), loadedBy ?? ""]
    }
}

extension Shortfall: Tabular {
    static var headers: [String] {
        ["license", "year", "assessed", "deposited", "shortfall", "cumulative_assessed", "cumulative_deposited",
         "cumulative_shortfall"]
    }
    var cells: [String] {
        [license, String(year), assessed.description, deposited.description, shortfall.description,
         cumulativeAssessed.description, cumulativeDeposited.description, cumulativeShortfall.description]
    }
}
