import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension AnnualPlanState: ExpressibleByArgument {}

/// `reclaim annual`: annual governance plans (年度治理计划书), the mine
/// operators' main job, and their review and acceptance.
struct AnnualCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annual", abstract: "Annual governance plans (年度治理计划书): draft, submit, review, revise, report, accept.",
        subcommands: [Draft.self, Submit.self, Approve.self, Return.self, Revise.self, Report.self, Accept.self,
                      Fail.self, Show.self, List.self, Missing.self])

    /// LICENSE YEAR and the output format: what every step takes.
    struct Target: ParsableArguments {
        @OptionGroup var backend: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "The plan's year.") var year: Year
        @Option(help: "Output format.") var format: DetailFormat = .table

        /// Runs `step` and prints the plan's new state (json: the whole plan).
        func run(_ verb: String, _ step: @escaping (any ReclaimAPI, Int) async throws -> AnnualPlan) async throws {
            try await reportingFailures {
                let year = self.year.value
                try await backend.with { api in
                    let plan = try await step(api, year)
                    switch format {
                    case .json: try Output.json(plan)
                    case .table:
                        Output.write("\(verb) the \(plan.year) annual plan of \(plan.license): \(plan.state.rawValue), budget \(plan.budget) yuan\n")
                    }
                }
            }
        }

        func works(_ file: String) throws -> AnnualWorks {
            try AnnualWorks.parse(try readFile(file), year: year.value)
        }
    }

    struct Draft: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "draft",
            abstract: "Create the draft from a works file, or replace its works (a draft or returned plan; the mine's operator).")
        @OptionGroup var target: Target
        @Option(help: "The works file (JSON).") var file: String
        @OptionGroup var attach: AttachOptions

        func run() async throws {
            let (works, documents) = try reportingFailures { (try target.works(file), try attach.read()) }
            try await target.run("drafted") { api, year in
                let plan = try await api.draftAnnualPlan(target.license, year: year, works)
                try await AttachOptions.attach(documents, to: DocumentRecord(.annualPlan, "\(plan.license)/\(plan.year)"), api: api)
                return plan
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "submit", abstract: "Submit the draft (or the edited returned plan) for review.")
        @OptionGroup var target: Target

        func run() async throws {
            try await target.run("submitted") {
                try await $0.decideAnnualPlan(target.license, year: $1, .submit, reason: nil, items: [])
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a submitted plan or revision (reviewers; never your own).")
        @OptionGroup var target: Target

        func run() async throws {
            try await target.run("approved") {
                try await $0.decideAnnualPlan(target.license, year: $1, .approve, reason: nil, items: [])
            }
        }
    }

    struct Return: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "return", abstract: "Return a submitted plan or revision with the reason.")
        @OptionGroup var target: Target
        @Option(help: "Why it is returned.") var reason: String

        func run() async throws {
            try await target.run("returned") {
                try await $0.decideAnnualPlan(target.license, year: $1, .return, reason: reason, items: [])
            }
        }
    }

    struct Revise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revise",
            abstract: "Submit a budget revision of an approved plan; the approved figures stay in force until it is approved.")
        @OptionGroup var target: Target
        @Option(help: "The works file (JSON).") var file: String

        func run() async throws {
            let works = try reportingFailures { try target.works(file) }
            try await target.run("revised") { try await $0.reviseAnnualPlan(target.license, year: $1, works) }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Report what was done: per work the area or quantity, the money spent, evidence ids.")
        @OptionGroup var target: Target
        @Option(help: "The report file (JSON).") var file: String
        @OptionGroup var attach: AttachOptions

        func run() async throws {
            let (data, documents) = try reportingFailures { (try readFile(file), try attach.read()) }
            try await target.run("reported") { api, year in
                let plan = try await api.reportAnnualPlan(target.license, year: year, file: data)
                try await AttachOptions.attach(documents, to: DocumentRecord(.annualReport, "\(plan.license)/\(plan.year)"), api: api)
                return plan
            }
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accept", abstract: "Pass the year's restoration acceptance (年度生态修复验收).")
        @OptionGroup var target: Target

        func run() async throws {
            try await target.run("accepted") {
                try await $0.decideAnnualPlan(target.license, year: $1, .accept, reason: nil, items: [])
            }
        }
    }

    struct Fail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fail",
            abstract: "Fail the acceptance with rectification items; the operator reports again after rectifying.")
        @OptionGroup var target: Target
        @Option(name: .customLong("item"), parsing: .upToNextOption, help: "A rectification item (repeatable).")
        var items: [String] = []

        func run() async throws {
            try await target.run("failed") {
                try await $0.decideAnnualPlan(target.license, year: $1, .fail, reason: nil, items: items)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "An annual plan: state, budget, withdrawn, remaining, and per work the planned and reported figures.")
        @OptionGroup var backend: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Argument(help: "The plan's year.") var year: Year
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year.value
                try await backend.with { api in
                    let p = try await api.annualPlan(license, year: year)
                    switch format {
                    case .json: try Output.json(p)
                    case .table: Output.write(Self.render(p))
                    }
                }
            }
        }

        static func render(_ p: AnnualPlan) -> String {
            var out = Output.keyValues([
                ("license", p.license), ("year", String(p.year)), ("state", p.state.rawValue),
                ("version", String(p.version)), ("budget", p.budget.description), ("withdrawn", p.withdrawn.description),
                ("remaining", p.remaining.description), ("area_hm2", p.area.hectares),
            ])
            let rows = p.works.map { w -> [String] in
                let planned = w.planned.area.map { "\($0.hectares) hm²" } ?? "\(w.planned.quantity?.description ?? "") \(w.planned.unit ?? "")"
                let done = w.done.map { d in d.area.map { "\($0.hectares) hm²" } ?? "\(d.quantity?.description ?? "") \(w.planned.unit ?? "")" } ?? ""
                return [String(w.work), w.planned.type.rawValue, w.planned.location, planned, w.planned.budget.description,
                        "\(w.planned.startMonth)..\(w.planned.endMonth)", done, w.done?.spent.description ?? ""]
            }
            out += "\n" + Output.table(headers: ["work", "type", "location", "planned", "budget", "months", "done", "spent"],
                                       rows: rows)
            if let r = p.pendingRevision { out += "\npending revision: budget \(r.budget) yuan, \(r.works.count) works\n" }
            // why it came back, where the operator reads the plan: the latest return's reason
            if let last = p.decisions.last, last.action == AnnualPlanAction.return.rawValue {
                out += "\nreturned by \(last.actor) at \(Bureau.time(last.decidedAt)): \(last.note ?? "")\n"
            }
            if !p.rectifications.isEmpty {
                out += "\nrectification items:\n" + p.rectifications.map { "  - \($0)\n" }.joined()
            }
            if !p.decisions.isEmpty {
                out += "\ndecisions (Beijing time):\n" + Output.table(
                    headers: ["at", "action", "state", "by", "note"],
                    rows: p.decisions.map { [Bureau.time($0.decidedAt), $0.action, $0.to, $0.actor, $0.note ?? ""] })
            }
            return out
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Annual plans across mines, oldest in their state first (the reviewers' queue: --state submitted).")
        @OptionGroup var backend: BackendOptions
        @Option(help: "Only this year.") var year: Year?
        @Option(help: "Only this state.") var state: AnnualPlanState?
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year?.value
                try await backend.with { api in try Output.rows(try await api.annualPlans(year: year, state: state), format: format) }
            }
        }
    }

    struct Missing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "missing",
            abstract: "Producing and under-construction mines with no submitted plan for the year.")
        @OptionGroup var backend: BackendOptions
        @Option(help: "The year.") var year: Year
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year.value
                try await backend.with { api in try Output.rows(try await api.missingAnnualPlans(year: year), format: format) }
            }
        }
    }
}

extension AnnualPlanSummary: Tabular {
    static var headers: [String] { ["license", "year", "state", "budget", "since"] }
    var cells: [String] { [license, String(year), state.rawValue, budget.description, Bureau.time(since, seconds: true)] }
}
