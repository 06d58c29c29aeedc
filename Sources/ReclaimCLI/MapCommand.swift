import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient


/// `reclaim mine boundary`: a licence's mining area (矿区范围), with its history.
struct BoundaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boundary", abstract: "A licence's mining area (矿区范围) on the map, with its history.",
        subcommands: [Set.self, Show.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a licence's boundary (administrator) from a file: GeoJSON in CGCS2000 longitude/latitude, or the licence's turning-point table.",
            discussion: """
                A turning-point table (拐点坐标表) has one point a line, `number, X, Y`: X the northing in metres, Y the \
                easting with its 3-degree Gauss–Krüger zone in front (37412300.00 is zone 37), as licences print them; \
                PostGIS converts it to CGCS2000. The polygon must be valid and inside the banner's outline; an area more \
                than 1 % off the licensed area is set with a warning.
                """)
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(help: "The boundary file (GeoJSON, or a turning-point table).") var file: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let input = try BoundaryInput.parse(String(decoding: try readFile(file), as: UTF8.self))
                try await target.with { api in
                    let b = try await api.setBoundary(license, input)
                    if format == .json { return try Output.json(b) }
                    Output.write("boundary \(b.version) of \(b.license): \(b.area.hectares) hm² on the ellipsoid, "
                                 + "licensed \(b.licensedArea.hectares) hm² (\(b.differencePercent ?? "-") %)\n")
                    if let warning = b.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A licence's boundaries, the one in force first, then its history.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows(try await api.boundaries(license), format: format) }
            }
        }
    }
}

extension MineBoundary: Tabular {
    static var headers: [String] {
        ["version", "license", "source", "source_srid", "area_hm2", "licensed_area_hm2", "difference_percent", "recorded_by", "recorded_at"]
    }
    var cells: [String] {
        [String(version), license, source, "EPSG:\(sourceSRID)", area.hectares, licensedArea.hectares, differencePercent ?? "",
         recordedBy, ISO8601DateFormatter().string(from: recordedAt)]
    }
}

/// `reclaim map`: the banner's outline under the map.
struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map", abstract: "One map (一张图): the banner's outline.", subcommands: [Outline.self])

    struct Outline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "outline",
            abstract: "The banner's outline: the approximate one shipped with Reclaim, or the bureau's.",
            subcommands: [Load.self, Show.self])

        struct Load: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "load",
                abstract: "Replace the outline with the bureau's official one (administrator): a GeoJSON Polygon or MultiPolygon in CGCS2000.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "The GeoJSON file (a geometry, a Feature, or a FeatureCollection of one).") var file: String
            @Option(help: "What it is, e.g. its source and date.") var label: String = "Dalad Banner, official outline"

            func run() async throws {
                try await reportingFailures {
                    let text = String(decoding: try readFile(file), as: UTF8.self)
                    try await target.with { api in
                        let o = try await api.loadOutline(text, label: label)
                        Output.write("outline \(o.version): \(o.label), \(o.area) km²\n")
                        if !o.minesOutside.isEmpty {
                            FileHandle.standardError.write(Data(
                                "warning: boundaries not inside it: \(o.minesOutside.joined(separator: ", "))\n".utf8))
                        }
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "The outline in force.")
            @OptionGroup var target: BackendOptions
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in
                        let o = try await api.outline()
                        if format == .json { return try Output.json(o) }
                        Output.write("outline \(o.version): \(o.label)\n\(o.official ? "official" : "approximate"), \(o.area) km², "
                                     + "loaded by \(o.loadedBy)\n")
                    }
                }
            }
        }
    }
}

extension ReportCommand {
    /// `report map --format geojson`: the map's layers for the region's database.
    struct Map: AsyncParsableCommand {
        enum Format: String, ExpressibleByArgument, CaseIterable { case geojson }
        static let configuration = CommandConfiguration(
            commandName: "map",
            abstract: "The map's layers (outline, mine boundaries, legacy sites, annual works) as a GeoJSON FeatureCollection in CGCS2000.")
        @OptionGroup var target: BackendOptions
        @Option(help: "Output format.") var format: Format = .geojson
        @Option(help: "Only mines of this status (cancelled licences are left out unless asked for).") var status: MineStatus?
        @Option(help: "Only mines of this mineral class.") var mineralClass: MineralClass?
        @Option(help: "The annual works' year (default: this year).") var year: Year?

        func run() async throws {
            let filter = MapFilter(status: status, mineralClass: mineralClass, year: year?.value)
            try await reportingFailures {
                try await target.with { api in Output.write(try await api.mapGeoJSON(filter)) }
            }
        }
    }

    /// `report scales`: the mines below the plan's minimum production scale.
    struct Scales: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scales",
            abstract: "The mines against the master plan's minimum production scales (最低开采规模, 专栏10): those below first, then those with no capacity recorded.")
        @OptionGroup var target: BackendOptions
        @OptionGroup var output: ReportOptions

        func run() async throws {
            try await output.show(via: target, summary: { r in
                "\(r.belowCount) below their minimum, \(r.unknownCount) with no capacity recorded (rule set \(r.ruleSet))"
            }) { api in try await api.scalesReport() }
        }
    }

    /// `report mergers`: every merger with the licences it cancelled and the money each moved.
    struct Mergers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mergers",
            abstract: "Mergers of mining rights (整合重组): each merged licence, the mine it went into, the money moved and its entry.")
        @OptionGroup var target: BackendOptions
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    let lines = try await api.mergers().flatMap { m in
                        m.moved.map { MergerLine(merger: m.id, approvedOn: m.approvedOn.description, document: m.document,
                                                 from: $0.license, into: m.into, moved: $0.amount, entry: $0.entryID) }
                    }
                    try Output.rows(lines, format: format)
                }
            }
        }
    }
}

/// One merged licence of a merger, as `report mergers` lists it.
struct MergerLine: Encodable, Tabular {
    var merger: Int64
    var approvedOn: String
    var document: String
    var from: String
    var into: String
    var moved: Money
    var entry: Int64?

    enum CodingKeys: String, CodingKey {
        case merger = "merger_id", approvedOn = "approved_on", document, from = "from_license", into = "into_license"
        case moved, entry = "entry_id"
    }

    static var headers: [String] { ["merger_id", "approved_on", "document", "from_license", "into_license", "moved", "entry_id"] }
    var cells: [String] { [String(merger), approvedOn, document, from, into, moved.description, entry.map(String.init) ?? ""] }
}
