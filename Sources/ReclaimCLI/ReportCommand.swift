import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension ReportLanguage: ExpressibleByArgument {}

/// How a report is printed: the same table the API's CSV is made from.
struct ReportOptions: ParsableArguments {
    @Option(help: "Money in yuan, or wan (万元, six decimals).") var unit: Money.Unit = .yuan
    @Option(help: "Output format.") var format: OutputFormat = .table
    @Option(help: "Column headings: en (the JSON field names) or zh (Chinese; CSV then starts with a BOM).")
    var lang: ReportLanguage = .en

    /// Fetches a report through `target` and prints it; `summary` gives a
    /// line for under a text table (counts), never in CSV.
    func show<R: TabularReport>(via target: BackendOptions, summary: (R) -> String? = { _ in nil },
                                _ fetch: (any ReclaimAPI) async throws -> R) async throws {
        try await reportingFailures {
            try await target.with { api in
                let report = try await fetch(api)
                try Self.print(report, unit: unit, format: format, lang: lang, summary: summary(report))
            }
        }
    }

    /// JSON as the API answers it; else the report's table.
    static func print<R: TabularReport>(_ report: R, unit: Money.Unit, format: OutputFormat, lang: ReportLanguage,
                                        summary: String? = nil) throws {
        if format == .json { return try Output.json(report) }
        let t = report.table(unit: unit)
        if format == .csv { return Output.write(t.csv(lang, unit: unit)) }
        // in Chinese, codes read by their labels, as in the CSV
        Output.write(Output.table(headers: t.headings(lang, unit: unit), rows: lang == .zh ? t.labelledRows(.zh) : t.rows)
                     + (summary.map { $0 + "\n" } ?? ""))
    }
}

/// `reclaim report`: the bureau's reports.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "The bureau's reports.",
        subcommands: [Fund.self, Restoration.self, AnnualPlans.self, Closure.self, Legacy.self, Targets.self, Disclosure.self,
                      RemindersCommand.self, Green.self, MonitoringCommand.self, Map.self, Mergers.self, Scales.self])

    struct Fund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fund",
            abstract: "Per mine: opening balance, every kind of movement, closing balance, assessed accrual and shortfall; with totals.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The year.") var year: Year
        @OptionGroup var output: ReportOptions

        func run() async throws {
            let year = self.year
            try await output.show(via: target) { api in try await api.fundReport(year: year.value) }
        }
    }

    struct Restoration: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restoration",
            abstract: "Per mine: the year's planned and treated area, 应复垦面积, 已复垦面积 and 复垦率 against the plan's target; mines without a plan counted; the banner's total since 2020.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The year of the figures (default: --as-of's year).") var year: Year?
        @Option(name: .customLong("as-of"), help: "Measure the rates on this day, YYYY-MM-DD (default: today).")
        var asOf: CalendarDate?
        @OptionGroup var output: ReportOptions

        func validate() throws {
            if year == nil, asOf == nil { throw ValidationError("give --year, --as-of or both") }
        }

        func run() async throws {
            let (year, asOf) = (self.year, self.asOf)
            try await output.show(via: target) { api in
                let day = asOf
                let y = year?.value ?? day?.year ?? Bureau.today.year
                return try await api.restorationReport(year: y, asOf: day)
            }
        }
    }

    struct AnnualPlans: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "annual-plans",
            abstract: "The year's annual plans by state (missing ones too): budget approved, withdrawn and reported spent.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The year.") var year: Year
        @OptionGroup var output: ReportOptions

        func run() async throws {
            let year = self.year
            try await output.show(via: target, summary: \.summary) { api in
                try await api.annualPlansReport(year: year.value)
            }
        }
    }

    struct Closure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "closure",
            abstract: "Closure applications with their due dates and working days left, overdue first.")
        @OptionGroup var target: BackendOptions
        @OptionGroup var output: ReportOptions

        func run() async throws {
            try await output.show(via: target, summary: \.summary) { api in try await api.closureReport() }
        }
    }

    struct RemindersCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reminders",
            abstract: "What waits for each person today (待办), a line per user and kind, for a daily mail job; an administrator gets every user's, anyone else their own.")
        @OptionGroup var target: BackendOptions
        @OptionGroup var output: ReportOptions

        func run() async throws {
            try await output.show(via: target) { api in try await api.remindersReport() }
        }
    }

    struct Legacy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "legacy",
            abstract: "Legacy sites by notice state; projects by state with treated area and money by funding source.")
        @OptionGroup var target: BackendOptions
        @OptionGroup var output: ReportOptions

        func run() async throws {
            try await output.show(via: target) { api in try await api.legacyReport() }
        }
    }

    struct Targets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "targets",
            abstract: "The master plan's 2025 targets (indicative, 预期性): each figure, its target, whether it is met, and the 2020 baseline.",
            discussion: "The registry is rebuilt as of --as-of (default today): a mine counts while it holds its right, from the day it was licensed until it is merged away or its closure confirmed; closed (闭坑) mines still count, as in the 2020 baseline of 78. The plan's mid-term and final dates are 2023-12-31 and 2025-12-31.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The output year for sand-and-gravel output (default: the last year ended by --as-of, else the latest reported).")
        var year: Year?
        @Option(name: .customLong("as-of"), help: "Rebuild the registry as of this day, YYYY-MM-DD (default: today).")
        var asOf: CalendarDate?
        @OptionGroup var output: ReportOptions

        func run() async throws {
            let (year, asOf) = (self.year, self.asOf)
            try await output.show(via: target, summary: { $0.targets.compactMap(\.note).joined(separator: "\n").nilIfEmpty }) { api in
                try await api.targetsReport(year: year?.value,
                                            asOf: asOf)
            }
        }
    }

    struct Disclosure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disclosure",
            abstract: "A mine's yearly public summary: the fund's accrual, use and balance, and the annual plan's execution.")
        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv, html }

        @OptionGroup var target: BackendOptions
        @Argument(help: "The mining licence number.") var license: String
        @Option(help: "The year.") var year: Year
        @Option(help: "Money in yuan, or wan (万元, six decimals).") var unit: Money.Unit = .yuan
        @Option(help: "Output format; html is the printable page.") var format: Format = .table
        @Option(help: "Headings: en or zh.") var lang: ReportLanguage = .en

        func run() async throws {
            try await reportingFailures {
                let year = self.year.value
                try await target.with { api in
                    let r = try await api.disclosure(license, year: year)
                    if let tabular = OutputFormat(rawValue: format.rawValue) {
                        try ReportOptions.print(r, unit: unit, format: tabular, lang: lang)
                    } else {
                        Output.write(r.html(lang: lang, unit: unit))
                    }
                }
            }
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
