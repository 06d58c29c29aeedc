import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension GreenCheckResult: ExpressibleByArgument {}

extension GreenListing: Tabular {
    static let headers = ["license", "name", "year", "listed_on", "standard", "document", "removed_on", "cause", "reason"]
    var cells: [String] {
        [license, name, String(year), listedOn.description, standard, document, removal?.removedOn.description ?? "",
         removal?.cause.rawValue ?? "", removal?.reason ?? ""]
    }
}

extension GreenMissingDisclosure: Tabular {
    static let headers = ["license", "name", "year", "due_on", "overdue"]
    var cells: [String] { [license, name, String(year), dueOn.description, overdue ? "yes" : "no"] }
}

extension GreenCheck: Tabular {
    static let headers = ["license", "inspectors", "result", "finding", "checked_by"]
    var cells: [String] { [license, inspectors.joined(separator: " "), result?.rawValue ?? "", finding ?? "", checkedBy ?? ""] }
}

/// `reclaim green`: the green-mine list (绿色矿山名录), its disclosures by 31
/// March and its 双随机一公开 spot checks (master plan chapter 6 §1.2).
struct GreenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "green", abstract: "The green-mine list, its yearly disclosures and its spot checks.",
        subcommands: [List.self, Add.self, Remove.self, Show.self, Disclose.self, Overdue.self, Draw.self, Check.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The mines on the list (as of a date: who was listed then).")
        @OptionGroup var target: BackendOptions
        @Option(help: "A date (YYYY-MM-DD): the list as it stood that day.") var asOf: String?
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let day = try asOf.map { try FundLedger.parseDate($0, field: "as-of") }
                try await target.with { api in try Output.rows(try await api.greenList(asOf: day), format: format) }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "List a mine (admin): the year, the standard, the decision's document.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Option(help: "The year it was listed in.") var year: Int
        @Option(help: "The standard it was assessed against (e.g. DZ/T 0315-2018).") var standard: String
        @Option(help: "The listing decision's document number.") var document: String
        @Option(help: "The decision's date, when it is recorded later (YYYY-MM-DD; today by default).") var listedOn: String?
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let day = try listedOn.map { try FundLedger.parseDate($0, field: "listed-on") }
                try await target.with { api in
                    try Output.rows([try await api.greenAdd(license, year: year, standard: standard, document: document, listedOn: day)],
                                    format: format)
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Take a mine off the list by decision (admin), with the reason and document.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Option(help: "Why (e.g. 监督检查不合格且一年内整改仍未达标).") var reason: String
        @Option(help: "The decision's document number.") var document: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try Output.rows([try await api.greenRemove(license, reason: reason, document: document)], format: format)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A mine's listings, past and present.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows(try await api.greenHistory(license), format: format) }
            }
        }
    }

    struct Disclose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disclose",
            abstract: "A listed mine's disclosure of a year (its operator, by 31 March after it).",
            discussion: "The file's shape: examples/green-disclosure.json (a score per evaluation area, last year's work, this year's plan, grievances).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Argument(help: "The year the disclosure covers (a year that has ended).") var year: Int
        @Option(help: "The disclosure file (JSON).") var file: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure.noInput("cannot read \(file)") }
                let document = try GreenDisclosureDocument.parse(data)
                try await target.with { api in
                    let d = try await api.greenDisclose(license, year: year, document)
                    switch format {
                    case .json: try Output.json(d)
                    case .table:
                        Output.write("disclosed \(d.license) \(d.year) (version \(d.version)), self-assessed \(d.score) of 100\(d.late ? ", after 31 March" : "")\n")
                    }
                }
            }
        }
    }

    struct Overdue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "overdue",
            abstract: "Listed mines whose disclosure of a year is overdue (after 31 March, Beijing time).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The year the disclosures cover.") var year: Int
        @Flag(help: "Also those not due yet.") var all = false
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try Output.rows(try await api.greenMissing(year: year).filter { all || $0.overdue }, format: format)
                }
            }
        }
    }

    struct Draw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "draw",
            abstract: "Draw the year's spot checks (admin), or draw a published one again to check it.",
            discussion: """
                A draw takes at least --share per cent of the list and two inspectors per mine from the bureau's reviewers \
                and experts (never one bound to the mine), reproducibly from the seed: see docs/green-mines.md for the \
                algorithm. Once a year. --verify draws the recorded one again from its published inputs; with --file, \
                from a published draw (the JSON of `green draw YEAR --verify --format json`), without any database or service.
                """)
        @OptionGroup var target: BackendOptions
        @Argument(help: "The year.") var year: Int?
        @Option(help: "Per cent of the list to draw (at least 20).") var share: Int?
        @Option(help: "The seed, published with the draw.") var seed: String?
        @Flag(help: "Draw the recorded (or --file) draw again and compare.") var verify = false
        @Option(help: "With --verify: a published draw's JSON.") var file: String?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func validate() throws {
            if verify {
                guard share == nil, seed == nil else { throw ValidationError("--verify takes no --share or --seed: it uses the draw's own") }
                guard (year != nil) != (file != nil) else { throw ValidationError("--verify takes a YEAR or --file, one of them") }
            } else {
                guard year != nil, share != nil, seed != nil else { throw ValidationError("a draw takes YEAR, --share and --seed") }
                guard file == nil else { throw ValidationError("--file goes with --verify") }
            }
        }

        func print(_ d: GreenDraw, verified: Bool) throws {
            switch format {
            case .json: try Output.json(d)
            case .table:
                var out = verified ? "verified: the draw of \(d.year) is what its list, pool and seed draw\n" : ""
                out += Output.keyValues([("year", String(d.year)), ("seed", d.seed), ("share", "\(d.sharePercent) %"),
                                         ("listed", String(d.listed.count)), ("drawn", String(d.sample.count))])
                out += Output.table(headers: ["license", "inspectors"], rows: d.sample.map { [$0.license, $0.inspectors.joined(separator: " ")] })
                Output.write(out)
            }
        }

        func run() async throws {
            try await reportingFailures {
                if verify, let file {
                    // anyone's check: the published JSON alone, drawn again here
                    guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure.noInput("cannot read \(file)") }
                    let published: GreenDraw
                    do { published = try ReclaimJSON.decode(GreenDraw.self, from: data) } catch {
                        throw ReclaimError.invalid("file", "is not a published draw (the JSON of green draw --verify --format json)")
                    }
                    guard try published.redrawn().sample == published.sample else {
                        throw ReclaimError(.ruleViolation, field: "file", "the published sample is not what its list, pool and seed draw")
                    }
                    return try print(published, verified: true)
                }
                guard let year else { return }
                try await target.with { api in
                    if verify {
                        try print(try await api.greenVerifyDraw(year: year), verified: true)
                    } else if let share, let seed {
                        try print(try await api.greenDraw(year: year, sharePercent: share, seed: seed), verified: false)
                    }
                }
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Record a drawn mine's check (reviewer): pass, rectify, or remove (which takes it off the list).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Argument(help: "The draw's year.") var year: Int
        @Option(help: "pass, rectify or remove.") var result: GreenCheckResult
        @Option(help: "What the inspectors found.") var finding: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try Output.rows([try await api.greenCheck(license, year: year, result: result, finding: finding)], format: format)
                }
            }
        }
    }
}

extension ReportCommand {
    struct Green: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "green", abstract: "The year's green list, disclosures, spot-check sample and results.")
        @OptionGroup var target: BackendOptions
        @OptionGroup var output: ReportOptions
        @Option(help: "The year.") var year: Int

        func run() async throws {
            try await output.show(via: target) { api in try await api.greenReport(year: year) }
        }
    }
}
