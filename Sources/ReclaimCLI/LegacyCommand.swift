import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension FundingSource: ExpressibleByArgument {}

/// `reclaim legacy`: historical and abandoned-mine restoration (历史遗留/废弃矿山治理).
struct LegacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy", abstract: "Historical and abandoned-mine restoration: sites, notices, projects, money, progress.",
        subcommands: [Site.self, Notice.self, Project.self, Fund.self, Progress.self, Accept.self])

    static func printSite(_ s: LegacySite, format: DetailFormat) throws {
        switch format {
        case .json: try Output.json(s)
        case .table:
            var out = Output.keyValues([
                ("code", s.code), ("township", s.township), ("area_hm2", s.area.hectares),
                ("former_mine", s.formerMine ?? ""), ("notice", s.noticeState), ("project", s.project.map(String.init) ?? ""),
                ("restored", s.restored ? "yes" : "no"),
            ])
            if let n = s.notice {
                out += "notice: \(n.startOn) for \(n.days) days, until \(n.endsOn)\(n.owner.map { "; owner \($0)" } ?? "")\n"
                out += n.objections.map { "  objection: \($0)\n" }.joined()
            }
            out += s.problems.map { "  problem: \($0.type.rawValue) \($0.quantity) \($0.unit)\n" }.joined()
            Output.write(out)
        }
    }

    static func printProject(_ p: LegacyProject, format: DetailFormat) throws {
        switch format {
        case .json: try Output.json(p)
        case .table:
            var out = Output.keyValues([
                ("id", String(p.id)), ("name", p.name), ("approval", p.approvalRef), ("contractor", p.contractor),
                ("manager", p.manager), ("state", p.state.rawValue), ("sites", p.sites.joined(separator: " ")),
                ("area_hm2", p.area.hectares), ("treated_hm2", p.treated.hectares),
            ])
            out += "\n" + Output.table(headers: ["source", "planned", "committed", "spent", "remaining"],
                                       rows: p.funding.map { [$0.source.rawValue, $0.planned.description, $0.committed.description,
                                                              $0.spent.description, $0.remaining.description] }
                                           + [["total", p.planned.description, p.committed.description, p.spent.description,
                                               (p.committed - p.spent).description]])
            Output.write(out)
        }
    }

    struct Site: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "site", abstract: "Surveyed sites (图斑).", subcommands: [Add.self, Import.self, Show.self, List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a site (admin or reviewer).")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Site code.") var code: String
            @Option(help: "Township (镇/苏木).") var township: String
            @Option(name: .customLong("area-hm2"), help: "Area in hm², up to four decimals.") var areaHm2: String
            @Option(help: "A GeoJSON Point or Polygon.") var location: String?
            @Option(help: "The former mine's licence or name, if known.") var formerMine: String?
            @Option(name: .customLong("problem"), help: "TYPE=QUANTITY (other=QUANTITY:UNIT), repeatable.") var problems: [String] = []
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    let site = NewSite(code: code, township: township, area: try Area.parseHectares(areaHm2, field: "area-hm2"),
                                       geometry: location, formerMine: formerMine,
                                       problems: try problems.map { try SiteProblem.parse($0) })
                    try await target.with { api in try LegacyCommand.printSite(try await api.addLegacySite(site), format: format) }
                }
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "import",
                abstract: "Import a survey: code,township,area_hm2[,former_mine,problems,location]; all or nothing.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "The CSV file.") var file: String

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in Output.write("added \(try await api.importLegacySites(path: file)) sites\n") }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "One site, its notice and problems.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Site code.") var code: String
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in try LegacyCommand.printSite(try await api.legacySite(code), format: format) }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Sites, by code.")
            @OptionGroup var target: BackendOptions
            @Option(help: "none, open, ownerless or owner-found.") var noticeState: String?
            @Option(help: "Output format.") var format: OutputFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in try Output.rows(try await api.legacySites(noticeState: noticeState), format: format) }
                }
            }
        }
    }

    struct Notice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notice",
            abstract: "The public notice (公示) that declares a site ownerless.", subcommands: [Open.self, Objection.self, Close.self])

        struct Open: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a site's notice (default 30 days from today).")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Site code.") var code: String
            @Option(help: "Its length in days.") var days: Int?
            @Option(help: "Its first day, YYYY-MM-DD (default today).") var start: CalendarDate?
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    let start = self.start
                    try await target.with { api in
                        try LegacyCommand.printSite(try await api.openNotice(code, days: days, start: start), format: format)
                    }
                }
            }
        }

        struct Objection: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "objection", abstract: "Record an objection, during the notice period.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Site code.") var code: String
            @Option(help: "The objection.") var text: String
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in try LegacyCommand.printSite(try await api.objectToNotice(code, text: text), format: format) }
                }
            }
        }

        struct Close: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "close", abstract: "Close a notice after its period: ownerless or owner-found.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Site code.") var code: String
            @Option(help: "ownerless or owner-found.") var outcome: String
            @Option(help: "Who the owner is (owner-found).") var owner: String?
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in
                        try LegacyCommand.printSite(try await api.closeNotice(code, outcome: outcome, owner: owner), format: format)
                    }
                }
            }
        }
    }

    struct Project: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "project",
            abstract: "Projects: planned → approved → in-works → completed → accepted (suspended from in-works).",
            subcommands: [Add.self, AddSite.self, Approve.self, Start.self, Complete.self, Suspend.self, Resume.self, Show.self,
                          List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "add", abstract: "A new project; prints its id.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Name.") var name: String
            @Option(help: "Design approval reference, e.g. 自然资字〔2021〕346号.") var approval: String
            @Option(help: "Contractor.") var contractor: String
            @Option(name: .customLong("budget"), help: "SOURCE=AMOUNT (central, region, city, banner, social), repeatable.")
            var budget: [String] = []
            @Option(help: "Output: the id (table) or the project (json).") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    var planned: [FundingSource: Money] = [:]
                    for item in budget {
                        let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                        guard parts.count == 2, let source = FundingSource(rawValue: parts[0]) else {
                            throw ReclaimError.invalid("budget", "'\(item)' is not SOURCE=AMOUNT with SOURCE central, region, city, banner or social")
                        }
                        planned[source] = try Money.parse(parts[1], field: "budget")
                    }
                    try await target.with { api in
                        let p = try await api.addLegacyProject(name: name, approval: approval, contractor: contractor, budget: planned)
                        if format == .json { try Output.json(p) } else { Output.write("\(p.id)\n") }
                    }
                }
            }
        }

        struct AddSite: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "add-site", abstract: "Add an ownerless site.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Project id.") var project: Int64
            @Argument(help: "Site code.") var code: String
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in
                        try LegacyCommand.printProject(try await api.addProjectSite(project, code: code), format: format)
                    }
                }
            }
        }

        /// What approve, start, complete, suspend and resume take.
        struct StepOptions: ParsableArguments {
            @OptionGroup var target: BackendOptions
            @Argument(help: "Project id.") var project: Int64
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run(_ action: LegacyProjectAction) async throws {
                try await reportingFailures {
                    try await target.with { api in
                        try LegacyCommand.printProject(try await api.stepLegacyProject(project, action, opinion: nil), format: format)
                    }
                }
            }
        }

        struct Approve: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a planned project (a reviewer, not its manager).")
            @OptionGroup var options: StepOptions
            func run() async throws { try await options.run(.approve) }
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "start", abstract: "Start the works of an approved project.")
            @OptionGroup var options: StepOptions
            func run() async throws { try await options.run(.start) }
        }

        struct Complete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "complete", abstract: "Mark the works complete.")
            @OptionGroup var options: StepOptions
            func run() async throws { try await options.run(.complete) }
        }

        struct Suspend: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend the works.")
            @OptionGroup var options: StepOptions
            func run() async throws { try await options.run(.suspend) }
        }

        struct Resume: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume suspended works.")
            @OptionGroup var options: StepOptions
            func run() async throws { try await options.run(.resume) }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "A project: sites, treated area, money by source.")
            @OptionGroup var target: BackendOptions
            @Argument(help: "Project id.") var project: Int64
            @Option(help: "Output format.") var format: DetailFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in try LegacyCommand.printProject(try await api.legacyProject(project), format: format) }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Projects.")
            @OptionGroup var target: BackendOptions
            @Option(help: "Output format.") var format: OutputFormat = .table

            func run() async throws {
                try await reportingFailures {
                    try await target.with { api in try Output.rows(try await api.legacyProjects(), format: format) }
                }
            }
        }
    }

    struct Fund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fund",
            abstract: "A project's money, in the fund ledger: commit a source's allocation, spend it on works.",
            subcommands: [Commit.self, Spend.self])

        struct Options: ParsableArguments {
            @OptionGroup var target: BackendOptions
            @Argument(help: "Project id.") var project: Int64
            @Option(help: "central, region, city, banner or social.") var source: FundingSource
            @Argument(help: "Amount, e.g. 1500.50.") var amount: String
            @Option(help: "Bank value date (default today).") var valueDate: CalendarDate?
            @Option(help: "Books once however often it is retried.") var idempotencyKey: String?
            @Option(help: "Output: the entry id (table) or the entry (json).") var format: DetailFormat = .table

            func book(_ kind: EntryKind, work: String?) async throws {
                try await reportingFailures {
                    let booking = Booking(amount: try Money.parse(amount),
                                          valueDate: valueDate,
                                          idempotencyKey: idempotencyKey)
                    try await target.with { api in
                        try FundCommand.print(try await api.bookLegacy(kind, project: project, source: source, booking, work: work),
                                              format: format)
                    }
                }
            }
        }

        struct Commit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "commit", abstract: "Book a source's allocated money into the project (finance).")
            @OptionGroup var options: Options
            func run() async throws { try await options.book(.legacyCommit, work: nil) }
        }

        struct Spend: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "spend",
                abstract: "Pay works from one source's committed money (finance; after approval, never beyond what it committed).")
            @OptionGroup var options: Options
            @Option(help: "The works paid for.") var work: String
            func run() async throws { try await options.book(.legacySpend, work: work) }
        }
    }

    struct Progress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "progress", abstract: "Treated area at a site of a project in works.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Project id.") var project: Int64
        @Option(help: "Site code.") var site: String
        @Option(name: .customLong("area-hm2"), help: "Treated area in hm².") var areaHm2: String
        @Option(help: "Date, YYYY-MM-DD.") var date: CalendarDate
        @Option(parsing: .upToNextOption, help: "Evidence references.") var evidence: [String] = []
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let area = try Area.parseHectares(areaHm2, field: "area-hm2")
                let day = date
                try await target.with { api in
                    try LegacyCommand.printProject(try await api.legacyProgress(project, code: site, area: area, on: day, evidence: evidence),
                                                   format: format)
                }
            }
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept a completed project (a reviewer, not its manager).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Project id.") var project: Int64
        @Option(help: "The acceptance opinion.") var opinion: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try LegacyCommand.printProject(try await api.stepLegacyProject(project, .accept, opinion: opinion), format: format)
                }
            }
        }
    }
}

extension LegacySite: Tabular {
    static var headers: [String] { ["code", "township", "area_hm2", "notice_state", "project", "restored"] }
    var cells: [String] { [code, township, area.hectares, noticeState, project.map(String.init) ?? "", restored ? "yes" : "no"] }
}

extension LegacyProject: Tabular {
    static var headers: [String] { ["id", "name", "state", "sites", "treated_hm2", "planned", "committed", "spent"] }
    var cells: [String] {
        [String(id), name, state.rawValue, sites.joined(separator: " "), treated.hectares, planned.description,
         committed.description, spent.description]
    }
}
