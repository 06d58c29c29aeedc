import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension HazardKind: ExpressibleByArgument {}

extension MonitoringMissing: Tabular {
    static let headers = ["license", "name", "period"]
    var cells: [String] { [license, name, period.description] }
}

extension MonitoringEvent: Tabular {
    static let headers = ["id", "license", "kind", "occurred_at", "casualties", "area_hm2", "description", "state", "measures"]
    var cells: [String] {
        [String(id), license, kind.rawValue, Bureau.time(occurredAt), String(casualties), area?.hectares ?? "", description,
         open ? "open" : "closed", measures ?? ""]
    }
}

extension MonitoringReport: Tabular {
    static let headers = ["license", "period", "version", "hazards", "crossed", "submitted_by"]
    var cells: [String] {
        [license, period.description, String(version), document.hazards.map(\.kind.rawValue).joined(separator: " "),
         document.hazards.filter(\.crossed).map(\.kind.rawValue).joined(separator: " "), submittedBy]
    }
}

extension MonitoringInspection: Tabular {
    static let headers = ["id", "license", "date", "finding", "inspected_by"]
    var cells: [String] { [String(id), license, date.description, finding, inspectedBy] }
}

/// `reclaim monitor`: dynamic monitoring (动态监测) at four levels: the mines'
/// own quarterly reports, emergency events, the bureau's inspections, and the
/// upward reports (`report monitoring`, `monitor export`).
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Dynamic monitoring: mines' reports, emergency events, the bureau's inspections, exports.",
        subcommands: [Report.self, Missing.self, Event.self, Close.self, Events.self, Inspect.self, Export.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "A mine's monitoring report of a quarter (its operator).",
            discussion: "The file's shape: examples/monitoring-report.json (each hazard watched: kind, measurement, unit, threshold, crossed).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Option(help: "The quarter, like 2026Q3.") var period: String
        @Option(help: "The report file (JSON).") var file: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let p = try MonitoringPeriod.parse(period)
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure.noInput("cannot read \(file)") }
                let document = try MonitoringReportDocument.parse(data)
                try await target.with { api in try Output.rows([try await api.monitorReport(license, period: p, document)], format: format) }
            }
        }
    }

    struct Missing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "missing", abstract: "Mines (not closed) without their report of a quarter.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The quarter, like 2026Q3.") var period: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let p = try MonitoringPeriod.parse(period)
                try await target.with { api in try Output.rows(try await api.monitorMissing(period: p), format: format) }
            }
        }
    }

    struct Event: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "event",
            abstract: "Record an emergency (应急监测) at once (the mine's operator or a reviewer); it heads every reviewer's queue until closed.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Option(help: "subsidence, fissure, landslide, debris-flow, water-level, water-quality or land-damage.") var kind: HazardKind
        @Option(help: "When it happened: 2026-09-14 03:20 (Beijing) or ISO 8601 with its offset.") var occurredAt: String
        @Option(help: "What happened.") var description: String
        @Option(help: "People killed or injured.") var casualties: Int?
        @Option(name: .customLong("area-hm2"), help: "Land affected, hm².") var areaHm2: String?
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let when = try Monitoring.parseTime(occurredAt, field: "occurred-at")
                let area = try areaHm2.map { try Area.parseHectares($0, field: "area-hm2") }
                try await target.with { api in
                    try Output.rows([try await api.monitorEvent(license, kind: kind, occurredAt: when, description: description,
                                                                casualties: casualties, area: area)], format: format)
                }
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "close", abstract: "Close an emergency event with the measures taken (reviewer).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The event's id.") var id: Int64
        @Option(help: "The measures taken.") var measures: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows([try await api.monitorCloseEvent(id, measures: measures)], format: format) }
            }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "events", abstract: "Emergency events, newest first.")
        @OptionGroup var target: BackendOptions
        @Flag(help: "Only those still open.") var open = false
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try Output.rows(try await api.monitorEvents(openOnly: open), format: format) }
            }
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "inspect", abstract: "The bureau's periodic monitoring of a mine (定期监测, reviewer).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The mine's licence.") var license: String
        @Option(help: "The day of the inspection (YYYY-MM-DD).") var date: String
        @Option(help: "What was found.") var finding: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let day = try FundLedger.parseDate(date, field: "date")
                try await target.with { api in try Output.rows([try await api.monitorInspect(license, date: day, finding: finding)], format: format) }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "A quarter's underlying records as JSON for the region's database (reclaim-monitoring-export-v1).")
        @OptionGroup var target: BackendOptions
        @Option(help: "The quarter, like 2026Q3.") var period: String

        func run() async throws {
            try await reportingFailures {
                let p = try MonitoringPeriod.parse(period)
                try await target.with { api in try Output.json(try await api.monitoringExport(period: p)) }
            }
        }
    }
}

extension ReportCommand {
    struct MonitoringCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "monitoring", abstract: "A quarter's monitoring summary per hazard, in the shape the city and region ask for.")
        @OptionGroup var target: BackendOptions
        @OptionGroup var output: ReportOptions
        @Option(help: "The quarter, like 2026Q3.") var period: String
        @Option(help: "The level summarised: banner (the city and region sum the banners').") var level: String = "banner"

        func validate() throws {
            guard level == "banner" else { throw ValidationError("--level banner: this installation is the banner's") }
        }

        func run() async throws {
            let p = try MonitoringPeriod.parse(period)
            try await output.show(via: target) { api in try await api.monitoringSummary(period: p) }
        }
    }
}
