import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

/// Bookings and reads are offered by the API and run through either
/// backend (`BackendOptions`); import, verify and checkpoint are
/// administrators' work on the database itself.
struct FundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fund",
        abstract: "The restoration-fund ledger (矿山地质环境治理恢复基金).",
        subcommands: [
            Deposit.self, Withdraw.self, Transfer.self, ConvertDeposit.self, Reverse.self, Release.self, EntryCommand.self,
            Balance.self, StatementCommand.self, Import.self, Verify.self, Checkpoint.self,
        ])

    /// The options every booking takes.
    struct BookingOptions: ParsableArguments {
        @Option(help: "Bank value date, YYYY-MM-DD (default: today, Beijing time).") var valueDate: CalendarDate?
        @Option(help: "Reference, e.g. the bank slip number.") var reference: String?
        @Option(help: "Books once however often it is retried; reused with other content it is refused.")
        var idempotencyKey: String?
        @Option(help: "Free text.") var memo: String?
        @Option(help: "Unit of AMOUNT: yuan (two decimals) or wan, 万元 (six decimals).") var unit: Money.Unit = .yuan
        @Option(name: .customLong("annual-plan"),
                help: "A withdrawal: the year of the mine's annual plan (年度治理计划书) whose approved works it pays for.")
        var annualPlan: Year?
        @Option(help: "Output: the entry id (table) or the whole entry (json).") var format: DetailFormat = .table

        func booking(amount: String) throws -> Booking {
            Booking(
                amount: try Money.parse(amount, unit: unit),
                valueDate: valueDate,
                reference: reference, memo: memo, idempotencyKey: idempotencyKey,
                annualPlanYear: annualPlan?.value)
        }
    }

    /// Prints a booking: its entry id (table) or the whole entry (json).
    static func print(_ result: BookingResult, format: DetailFormat) throws {
        if result.replayed {
            FileHandle.standardError.write(Data("note: idempotency key already booked as entry \(result.entry.id); nothing new booked\n".utf8))
        }
        switch format {
        case .json: try Output.json(result.entry)
        case .table: Output.write("\(result.entry.id)\n")
        }
    }

    /// LICENSE AMOUNT and the booking options: what a booking on one mine takes.
    struct MineBooking: ParsableArguments {
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "Amount, e.g. 1500.50.") var amount: String
        @OptionGroup var options: BookingOptions

        func book(_ kind: EntryKind) async throws {
            try await reportingFailures {
                let booking = try options.booking(amount: amount)
                try await target.with { api in
                    try FundCommand.print(try await api.book(kind, on: license, booking), format: options.format)
                }
            }
        }
    }

    struct Deposit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deposit", abstract: "Record money paid into a mine's fund (提取/存入).")
        @OptionGroup var booking: MineBooking

        func run() async throws { try await booking.book(.deposit) }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Record a payment from the fund for restoration works (使用).")
        @OptionGroup var booking: MineBooking

        func run() async throws { try await booking.book(.withdrawal) }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transfer",
            abstract: "Move money between two mines' funds, for their merger (整合重组, `mine merge`) only.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence the money leaves.") var fromLicense: String
        @Argument(help: "Licence the money goes to.") var toLicense: String
        @Argument(help: "Amount, e.g. 1500.50.") var amount: String
        @Option(help: "The merger of the two mines (its number from `mine merge`).") var merger: Int64
        @OptionGroup var options: BookingOptions

        func run() async throws {
            try await reportingFailures {
                let booking = try options.booking(amount: amount)
                try await target.with { api in
                    try FundCommand.print(try await api.transfer(from: fromLicense, to: toLicense, merger: merger, booking),
                                      format: options.format)
                }
            }
        }
    }

    struct ConvertDeposit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert-deposit", abstract: "Move an old government-held deposit (保证金) into the fund.")
        @OptionGroup var booking: MineBooking

        func run() async throws { try await booking.book(.depositConversion) }
    }

    struct Reverse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reverse",
            abstract: "Correct an entry by booking its mirror. Entries are never edited; each is reversed once at most.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The entry to reverse.") var entryID: Int64
        @Option(help: "Why (kept with the reversal).") var reason: String
        @Option(help: "Value date of the reversal (default: today).") var valueDate: CalendarDate?
        @Option var idempotencyKey: String?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let date = valueDate
                try await target.with { api in
                    try FundCommand.print(try await api.reverse(entryID, reason: reason, valueDate: date,
                                                            idempotencyKey: idempotencyKey),
                                      format: format)
                }
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Release what is left in the fund after the closure was accepted (闭坑); the fund closes. Idempotent.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try FundCommand.print(try await api.releaseFund(license), format: format) }
            }
        }
    }

    struct EntryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "entry", abstract: "Show one ledger entry with its postings.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Entry id.") var entryID: Int64
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    let e = try await api.entry(entryID)
                    switch format {
                    case .json: try Output.json(e)
                    case .table:
                        Output.write(Output.keyValues([
                            ("id", String(e.id)), ("kind", e.kind.rawValue), ("amount", e.amount.description),
                            ("value_date", e.valueDate.description),
                            ("booked_at", Bureau.time(e.bookedAt, seconds: true)), ("actor", e.actor),
                            ("reference", e.reference ?? ""), ("memo", e.memo ?? ""),
                            ("reverses", e.reverses.map(String.init) ?? ""), ("reason", e.reason ?? ""),
                            ("annual_plan", e.annualPlanYear.map(String.init) ?? ""),
                        ]))
                        Output.write("\n" + Output.table(headers: Posting.headers, rows: e.postings.map(\.cells)))
                    }
                }
            }
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "balance", abstract: "Fund balances, now or as of a value date.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number (default: every mine).") var license: String?
        @Option(help: "Balance at the end of this value date, YYYY-MM-DD.") var asOf: CalendarDate?
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let date = asOf
                try await target.with { api in
                    if let license {
                        let b = try await api.balance(license, asOf: date)
                        if format == .json { try Output.json(b) } else { try Output.rows([b], format: format) }
                    } else {
                        try Output.rows(try await api.balances(asOf: date), format: format)
                    }
                }
            }
        }
    }

    struct StatementCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "statement", abstract: "A mine's fund statement between two value dates.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(help: "First value date, YYYY-MM-DD.") var from: CalendarDate?
        @Option(help: "Last value date, YYYY-MM-DD.") var to: CalendarDate?
        @Option(help: "Output format.") var format: OutputFormat = .table
        @Option(help: "CSV language: en (the field names, the kinds' codes) or zh (Chinese headings and kinds, opening and closing rows, a byte-order mark for Excel).")
        var lang: ReportLanguage = .en

        func run() async throws {
            try await reportingFailures {
                let from = self.from
                let to = self.to
                let lang = self.lang
                try await target.with { api in
                    if format == .csv {
                        // Streamed (from PostgreSQL's COPY, or the service's body), in 64 KiB writes.
                        var buffer = [UInt8]()
                        buffer.reserveCapacity(1 << 16)
                        try await api.statementCSV(license, from: from, to: to, lang: lang) { chunk in
                            buffer.append(contentsOf: chunk)
                            if buffer.count >= 1 << 16 {
                                FileHandle.standardOutput.write(Data(buffer))
                                buffer.removeAll(keepingCapacity: true)
                            }
                        }
                        FileHandle.standardOutput.write(Data(buffer))
                        return
                    }
                    let s = try await api.statement(license, from: from, to: to)
                    switch format {
                    case .json: try Output.json(s)
                    case .csv: break
                    case .table:
                        Output.write(Output.keyValues([
                            ("license", s.license), ("from", s.from?.description ?? "-"),
                            ("to", s.to?.description ?? "-"), ("opening_balance", s.openingBalance.description),
                        ]))
                        Output.write(Output.table(headers: Statement.Line.headers, rows: s.entries.map(\.cells)))
                        Output.write(Output.keyValues([("closing_balance", s.closingBalance.description)]))
                    }
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Book a CSV of bank records in one transaction: all rows, or none.",
            discussion: "Header: license,kind,amount,value_date,reference,idempotency_key,memo (kind: deposit|withdrawal). Directly on the database, or through the service (--server) as the dashboard's upload does.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The CSV file.") var file: String
        @Flag(help: "Check every row and report, booking nothing.") var dryRun = false
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                do {
                    var found: ImportReport?
                    try await target.with { api in found = try await api.importBankFile(path: file, dryRun: dryRun) }
                    guard let report = found else { return }
                    switch format {
                    case .json: try Output.json(report)
                    case .table:
                        let verb = dryRun ? "would book" : "booked"
                        Output.write("\(verb) \(report.booked) entries, skipped \(report.skipped) already booked, \(report.rows) rows read\n")
                    }
                } catch let rejected as ImportRejected {
                    if format == .json { try Output.json(rejected.report) }
                    for p in rejected.report.problems {
                        FileHandle.standardError.write(Data("error: line \(p.line): \(p.reason.replacingOccurrences(of: "\n", with: " "))\n".utf8))
                    }
                    throw CLIFailure.rejected(
                        "import refused: \(rejected.report.problems.count) bad rows of \(rejected.report.rows); nothing booked")
                }
            }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Record every account's head and print the digest to publish (verify --checkpoint checks it).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var actor: ActorOptions
        @Option(help: "Also write the checkpoint as a document to publish (JSON with its own SHA-256): this file.")
        var publish: String?
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() throws {
            try reportingFailures {
                let (who, conn) = try actor.connect(database, for: FundPolicy.checkpoint)
                let checkpoint = try FundLedger.checkpoint(by: who, on: conn)
                if let publish {
                    let document = try ReclaimJSON.encode(try PublishedCheckpoint(checkpoint), pretty: true) + Data("\n".utf8)
                    guard FileManager.default.createFile(atPath: publish, contents: document) else {
                        throw ReclaimError(.unreadableInput, field: "publish", "cannot write \(publish) (the checkpoint \(checkpoint.digest) is recorded)")
                    }
                }
                switch format {
                case .json: try Output.json(checkpoint)
                case .table:
                    Output.write("\(checkpoint.digest)\n")
                    FileHandle.standardError.write(Data(
                        ("checkpoint \(checkpoint.id) of \(checkpoint.accounts) accounts and \(checkpoint.auditChains) audit chains; "
                         + "publish \(publish ?? "this digest"), then check it with: reclaim fund verify --checkpoint \(publish ?? checkpoint.digest)\n").utf8))
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute every hash of the ledger and the audit trail, and check every chain and balance.",
            discussion: "Directly on the database, or, through the service (--server), run there for an auditor or administrator.")
        @OptionGroup var target: BackendOptions
        @Option(help: "A published checkpoint, its digest or its file (fund checkpoint --publish): also prove the ledger and the audit trail still extend it.")
        var checkpoint: String?
        @Flag(help: "With --checkpoint: check only what came after it (a fast daily check).") var incremental = false
        @Option(help: "Output format.") var format: DetailFormat = .table

        func validate() throws {
            if incremental, checkpoint == nil {
                throw ValidationError("--incremental needs --checkpoint DIGEST")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let digest = try checkpoint.map(PublishedCheckpoint.digest(named:))
                var found: VerifyReport?
                try await target.with { api in found = try await api.verify(checkpoint: digest, incremental: incremental) }
                guard let report = found else { return }
                switch format {
                case .json: try Output.json(report)
                case .table:
                    Output.write("checked \(report.entries) entries, \(report.postings) postings, \(report.accounts) accounts, \(report.auditRows) audit rows\n")
                    for p in report.problems {
                        if let target = p.target {
                            let row = p.auditID.map { "audit row \($0)" } ?? "audit chain"
                            Output.write("broken: \(row) (\(target)): \(p.problem)\n")
                            continue
                        }
                        let entry = p.entryID.map { "entry \($0)" } ?? "no entry"
                        let account = p.license.map { " (\($0) \(p.account ?? ""))" } ?? ""
                        Output.write("broken: \(entry)\(account): \(p.problem)\n")
                    }
                    if report.isIntact {
                        Output.write("ledger and audit trail intact\n")
                        if let digest { Output.write("the ledger extends checkpoint \(digest)\n") }
                    }
                }
                if !report.isIntact {
                    if let first = report.problems.first(where: { $0.entryID == nil && $0.target == nil }),
                       first.problem.contains("checkpoint") {
                        let account = first.license.map { " (\($0) \(first.account ?? ""))" } ?? ""
                        throw CLIFailure.rejected("checkpoint verification failed\(account): \(first.problem)")
                    }
                    if let first = report.firstBrokenEntry {
                        throw CLIFailure.rejected("ledger verification failed: first broken entry is entry \(first)")
                    }
                    if let account = report.problems.first(where: { $0.target == nil }) {
                        throw CLIFailure.rejected("ledger verification failed: account \(account.license ?? "?") \(account.account ?? "") differs from its postings")
                    }
                    if let row = report.firstBrokenAuditRow {
                        throw CLIFailure.rejected("audit trail verification failed: first broken audit row is \(row)")
                    }
                    let head = report.problems.first?.target ?? "?"
                    throw CLIFailure.rejected("audit trail verification failed: the head of \(head)")
                }
            }
        }
    }
}

extension Posting {
    static var headers: [String] { ["license", "account", "seq", "amount", "balance_after"] }
    var cells: [String] { [license, account.rawValue, String(seq), amount.description, balanceAfter.description] }
}

extension FundBalance: Tabular {
    static var headers: [String] { ["license", "balance", "as_of"] }
    var cells: [String] { [license, balance.description, asOf.description] }
}

extension Statement.Line {
    static var headers: [String] {
        ["id", "kind", "value_date", "amount", "balance_after", "reference", "memo", "annual_plan_year"]
    }
    var cells: [String] {
        [String(id), kind.rawValue, valueDate.description, amount.description, balanceAfter.description,
         reference ?? "", memo ?? "", annualPlanYear.map(String.init) ?? ""]
    }
}
