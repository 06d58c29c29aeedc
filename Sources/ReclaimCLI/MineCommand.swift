import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

/// Offered by the API: runs through the service or on the database (`BackendOptions`).
struct MineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mine",
        abstract: "The mine registry (矿山登记).",
        subcommands: [Add.self, List.self, Show.self, Update.self, Merge.self, Mergers.self, BoundaryCommand.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Register a mine under its licence number (采矿许可证号).")

        @OptionGroup var target: BackendOptions

        @Option(help: "Mining licence number (采矿许可证号).") var license: String
        @Option(help: "Mine name.") var name: String
        @Option(help: "Licence holder (采矿权人).") var holder: String
        @Option(help: "Main mineral (矿种), e.g. coal.") var mineral: String
        @Option(help: "Accrual base-rate class.") var mineralClass: MineralClass
        @Option(help: "Production scale.") var scale: MineScale
        @Option(help: "Mining method.") var method: MiningMethod
        @Option(help: "Status.") var status: MineStatus
        @Option(name: .customLong("area-hm2"), help: "Licensed area in hectares (公顷), up to four decimals.")
        var areaHm2: String
        @Option(help: "Dominant land type.") var landType: LandType
        @Option(help: "Six-digit region code.") var regionCode: String = MineRegistry.defaultRegion
        @Option(help: "Method detail for the accrual (e.g. open-pit-layered; see mine update --help).")
        var methodDetail: MethodDetail?
        @Option(name: .customLong("licensed-on"),
                help: "The day the mining right has been held since (采矿权登记日期), YYYY-MM-DD; default today.")
        var licensedOn: CalendarDate?
        @Option(help: "Production capacity (生产规模) in 万 units a year: 万m³ for sand, gravel and building stone, else 万t.")
        var capacity: String?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let area = try Area.parseHectares(areaHm2, field: "area-hm2")
                let since = licensedOn
                let new = NewMine(
                    license: license, name: name, holder: holder, mineral: mineral, mineralClass: mineralClass,
                    scale: scale, method: method, status: status, area: area, landType: landType,
                    regionCode: regionCode, methodDetail: methodDetail, licensedOn: since,
                    capacity: try capacity.map { try Capacity.parse($0) })
                try await target.with { api in
                    let mine = try await api.addMine(new)
                    switch format {
                    case .json: try Output.json(mine)
                    case .table: Output.write("registered mine \(mine.license)\n")
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List registered mines.")

        @OptionGroup var target: BackendOptions
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows(try await api.mines(), format: format) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one mine, its open obligations and its history.")

        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    let detail = try await api.mine(license)
                    switch format {
                    case .json: try Output.json(detail)
                    case .table: Output.write(Self.render(detail))
                    }
                }
            }
        }

        static func render(_ d: MineDetail) -> String {
            let m = d.mine
            var out = Output.keyValues(zip(Mine.headers, m.cells).map { ($0, $1) } + [
                ("output_unit", m.outputUnit), ("capacity", m.capacity.map { "\($0) 万\(m.outputUnit == "m3" ? "m³" : "t")/a" } ?? ""),
                ("updated_at", Bureau.time(m.updatedAt, seconds: true)), ("updated_by", m.updatedBy),
            ])
            out += "\nopen obligations:\n"
            out += d.obligations.isEmpty ? "  none\n"
                : d.obligations.map { "  \($0.kind.rawValue): \($0.reason) (since \(Bureau.time($0.openedAt, seconds: true)), \($0.openedBy))\n" }.joined()
            out += "\nhistory:\n"
            out += d.history.isEmpty ? "  none\n"
                : d.history.map { "  \(Bureau.time($0.changedAt, seconds: true))  \($0.changedBy)  \($0.field): \($0.oldValue ?? "") -> \($0.newValue ?? "")\n" }.joined()
            return out
        }
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Carry out an approved merger of mining rights (整合重组): the --from licences into --into's.",
            discussion: """
                In one transaction: each --from licence is cancelled (注销), its fund's whole balance moves into --into's \
                fund by a transfer naming the merger, its fund closes to later bookings and its open obligations close; \
                --into's plan must be re-compiled (§6.2 obligations open). Run twice, the second is refused and moves nothing.
                """)
        @OptionGroup var target: BackendOptions
        @Option(name: .customLong("from"), parsing: .upToNextOption, help: "The licences merged away (one or more).")
        var from: [String]
        @Option(name: .customLong("into"), help: "The licence it is merged into.") var into: String
        @Option(name: .customLong("approved-on"), help: "The approval's date, YYYY-MM-DD.") var approvedOn: CalendarDate
        @Option(help: "The approval's document number.") var document: String

        func run() async throws {
            try await reportingFailures {
                let day = approvedOn
                try await target.with { api in
                    let m = try await api.recordMerger(from: from, into: into, approvedOn: day, document: document)
                    Output.write("merger \(m.id): \(m.from.joined(separator: ", ")) into \(m.into), approved \(m.approvedOn) (\(m.document))\n")
                    for f in m.moved {
                        Output.write("  \(f.license): cancelled; \(f.amount) yuan moved" + (f.entryID.map { " (entry \($0))" } ?? "") + "\n")
                    }
                }
            }
        }
    }

    struct Mergers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mergers", abstract: "The recorded mergers.")
        @OptionGroup var target: BackendOptions
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows(try await api.mergers(), format: format) }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Change a mine. A change of method, area, scale or mineral opens the plan-§6.2 obligations.")

        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String

        @Option var name: String?
        @Option var holder: String?
        @Option var mineral: String?
        @Option var mineralClass: MineralClass?
        @Option var scale: MineScale?
        @Option var method: MiningMethod?
        @Option var status: MineStatus?
        @Option(name: .customLong("area-hm2")) var areaHm2: String?
        @Option var landType: LandType?
        @Option(help: "open-pit-layered | open-pit-other (open-pit, solid-energy); pit-depth-30m-or-less | pit-depth-over-30m (open-pit, metal or non-metal); underground-backfill | underground-no-subsidence | underground-subsidence (underground, solid); non-solid (underground, non-solid-energy). A change is a change of method.")
        var methodDetail: MethodDetail?
        @Option(name: .customLong("licensed-on"),
                help: "Correct the day the mining right has been held since, YYYY-MM-DD (no plan-§6.2 change).")
        var licensedOn: CalendarDate?
        @Option(help: "Production capacity (生产规模) in 万 units a year: 万m³ for sand, gravel and building stone, else 万t.")
        var capacity: String?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func validate() throws {
            if name == nil, holder == nil, mineral == nil, mineralClass == nil, scale == nil, method == nil,
               status == nil, areaHm2 == nil, landType == nil, methodDetail == nil, licensedOn == nil, capacity == nil {
                throw ValidationError("name at least one field to change, e.g. --status suspended")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let area = try areaHm2.map { try Area.parseHectares($0, field: "area-hm2") }
                let since = licensedOn
                let change = MineUpdate(name: name, holder: holder, mineral: mineral, mineralClass: mineralClass,
                                        scale: scale, method: method, status: status, area: area, landType: landType,
                                        methodDetail: methodDetail, licensedOn: since,
                                        capacity: try capacity.map { try Capacity.parse($0) })
                try await target.with { api in
                    let result = try await api.updateMine(license, change)
                    switch format {
                    case .json: try Output.json(result)
                    case .table:
                        if result.changes.isEmpty { Output.write("no change to mine \(license)\n") }
                        for c in result.changes {
                            Output.write("\(c.field): \(c.oldValue ?? "") -> \(c.newValue ?? "")\n")
                        }
                        for o in result.obligationsOpened { Output.write("obligation opened: \(o.rawValue)\n") }
                    }
                }
            }
        }
    }
}

extension Merger: Tabular {
    static var headers: [String] { ["id", "from_licenses", "into_license", "approved_on", "document", "moved", "recorded_by"] }
    var cells: [String] {
        [String(id), from.joined(separator: " "), into, approvedOn.description, document,
         moved.reduce(Money.zero) { $0 + $1.amount }.description, recordedBy]
    }
}
