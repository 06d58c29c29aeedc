import ArgumentParser
import Foundation
import Reclaim
import ReclaimClient

/// `reclaim report`: the bureau's reports.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "The bureau's reports.", subcommands: [Fund.self])

    struct Fund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per mine: opening balance, every kind of movement, closing balance, assessed accrual and shortfall; with totals.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The year.") var year: String
        @Option(help: "Money in yuan, or wan (万元, six decimals).") var unit: Money.Unit = .yuan
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = try parseYear(self.year)
                try await target.with { api in
                    let r = try await api.fundReport(year: year)
                    if format == .json { return try Output.json(r) }
                    func money(_ m: Money) -> String { unit == .wan ? m.wan : m.description }
                    let headers = ["license", "mineral_class", "region_code", "opening", "deposits", "conversions",
                                   "withdrawals", "transfers_in", "transfers_out", "releases", "closing", "assessed", "shortfall"]
                    func cells(_ l: FundReportLine) -> [String] {
                        [l.license, l.mineralClass, l.regionCode] + [l.opening, l.deposits, l.conversions, l.withdrawals,
                                                                     l.transfersIn, l.transfersOut, l.releases, l.closing,
                                                                     l.assessed, l.shortfall].map(money)
                    }
                    let rows = r.mines.map(cells) + r.byMineralClass.map { cells($0) } + r.byRegion.map { cells($0) } + [cells(r.totals)]
                    Output.write(format == .csv ? Output.csv(headers: headers, rows: rows) : Output.table(headers: headers, rows: rows))
                }
            }
        }
    }
}
