import ArgumentParser
import Foundation
import PQKit
import Reclaim
import ReclaimClient

extension ClosureState: ExpressibleByArgument {}

/// `reclaim closure`: closure acceptance (闭坑验收).
struct ClosureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "closure",
        abstract: "Closure acceptance (闭坑验收, 土地复垦条例 arts. 28–29): apply, panel, visit, vote, object, resolve, confirm, show, list.",
        discussion: """
            The steps: the operator applies once nothing is unmet; a reviewer assigns a panel of reviewers and \
            experts; a panel reviewer records the site visit (现场踏勘); each member votes once, and a majority \
            pass is the preliminary result, publicly noticed for closure.notice_days (初步验收结果公告); \
            objections are recorded and resolved; after the notice, with none upheld, a reviewer issues the \
            confirmation (验收合格确认书). Only then does `fund release` release the fund. A failed vote or an \
            upheld objection issues a written rectification opinion (书面整改意见): rectify and apply again. \
            The whole is due within 60 working days of filing (art. 29).
            """,
        subcommands: [Apply.self, Panel.self, Visit.self, Vote.self, Object.self, Resolve.self, Confirm.self, Show.self,
                      List.self])

    static func print(_ a: ClosureApplication, format: DetailFormat) throws {
        switch format {
        case .json: try Output.json(a)
        case .table: Output.write(Show.render(a))
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Apply for closure acceptance (the mine's operator); refused, listing every unmet condition.",
            discussion: """
                Refused (exit 65) unless: an approved plan exists (no-approved-plan); the reclamation rate \
                (已复垦面积 ÷ 应复垦面积) reaches the plan's target overall and for each land type \
                (reclamation-rate); every annual plan is accepted (annual-plan-not-accepted); no §6.2 obligation \
                is open (obligation-open); deposits up to today cover every assessed accrual (accrual-shortfall); \
                output is reported for every year produced (output-missing); and the mine is not accepted or \
                released already (already-closed). With --format json the refusal's `unmet` list is printed on stdout.
                """)
        @OptionGroup var target: BackendOptions
        @Argument(help: "Licence number.") var license: String
        @Option(parsing: .upToNextOption, help: "Evidence references (photo or document ids).") var evidence: [String] = []
        @Option(help: "A note.") var note: String?
        @OptionGroup var attach: AttachOptions
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let documents = try attach.read()
                do {
                    try await target.with { api in
                        let filed = try await api.applyForClosure(license, evidence: evidence, note: note)
                        try await AttachOptions.attach(documents, to: DocumentRecord(.closureApplication, String(filed.id)), api: api)
                        ClosureCommand.printFiled(filed, format: format)
                    }
                } catch let e as ReclaimError where !e.unmet.isEmpty && format == .json {
                    struct Refusal: Encodable { var error: String; var unmet: [Unmet] }
                    try? Output.json(Refusal(error: e.description, unmet: e.unmet))
                    throw e
                }
            }
        }
    }

    static func printFiled(_ a: ClosureApplication, format: DetailFormat) {
        switch format {
        case .json: try? Output.json(a)
        case .table:
            Output.write("closure application \(a.id) of \(a.license) filed on \(a.filedOn); due \(a.dueDate) (\(a.workingDaysLeft) working days left)\n")
        }
    }

    struct Panel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "panel",
            abstract: "Assign the panel: reviewers and experts (at least closure.panel_min, closure.experts_min of them experts).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Option(name: [.customLong("member"), .customLong("reviewer")], parsing: .upToNextOption,
                help: "Members, reviewers or experts (repeatable; --reviewer is the older name).")
        var members: [String] = []
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try ClosureCommand.print(try await api.assignClosurePanel(id, members: members), format: format)
                }
            }
        }
    }

    struct Visit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "visit",
            abstract: "Record the site visit (现场踏勘), a panel reviewer's; no vote before one.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Option(help: "The visit's date, YYYY-MM-DD (from the filing to today).") var date: CalendarDate
        @Option(name: .customLong("participant"), parsing: .upToNextOption, help: "Who took part (repeatable).")
        var participants: [String] = []
        @Option(name: .customLong("checked-hm2"), help: "The area checked, hm².") var checked: String
        @Option(help: "What was found.") var finding: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                let day = date
                let area = try Area.parseHectares(checked, field: "checked-hm2")
                try await target.with { api in
                    try ClosureCommand.print(try await api.recordClosureVisit(id, date: day, participants: participants,
                                                                              checked: area, finding: finding), format: format)
                }
            }
        }
    }

    struct Object: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "object",
            abstract: "Record an objection to the noticed preliminary result (an administrator, for the person who raised it).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Option(help: "Who raised it.") var name: String
        @Option(help: "How to reach them.") var contact: String
        @Option(help: "The objection.") var text: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try ClosureCommand.print(try await api.objectToClosure(id, name: name, contact: contact, text: text),
                                             format: format)
                }
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Resolve an objection (a panel reviewer): upheld sends the mine to rectification.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Argument(help: "Objection id.") var objection: Int64
        @Flag(help: "The objection holds.") var upheld = false
        @Flag(help: "The objection does not hold.") var dismissed = false
        @Option(help: "Why.") var reason: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func validate() throws {
            if upheld == dismissed { throw ValidationError("give --upheld or --dismissed") }
        }

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try ClosureCommand.print(try await api.resolveClosureObjection(id, objection: objection, upheld: upheld,
                                                                                   reason: reason), format: format)
                }
            }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm",
            abstract: "Issue the confirmation (验收合格确认书) after the notice has ended with no objection open or upheld.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Option(help: "The confirmation's document number.") var number: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try ClosureCommand.print(try await api.confirmClosure(id, number: number), format: format)
                }
            }
        }
    }

    struct Vote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "vote", abstract: "A panel member's vote, once; the last vote decides.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Flag(name: .customLong("pass"), help: "Pass.") var pass = false
        @Flag(name: .customLong("fail"), help: "Fail.") var fail = false
        @Option(help: "The opinion (a fail's becomes a rectification item).") var opinion: String
        @Option(help: "Output format.") var format: DetailFormat = .table

        func validate() throws {
            if pass == fail { throw ValidationError("give --pass or --fail") }
        }

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try ClosureCommand.print(try await api.voteOnClosure(id, pass: pass, opinion: opinion), format: format)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "An application: checks, panel, votes, decision and clock.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "Application id.") var id: Int64
        @Option(help: "Output format.") var format: DetailFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in try ClosureCommand.print(try await api.closureApplication(id), format: format) }
            }
        }

        static func render(_ a: ClosureApplication) -> String {
            var out = Output.keyValues([
                ("id", String(a.id)), ("license", a.license), ("state", a.state.rawValue),
                ("filed_on", a.filedOn.description), ("filed_by", a.filedBy),
                ("due_date", a.dueDate.description + (a.dueProvisional ? " (provisional: no holiday schedule loaded)" : "")),
                ("working_days_used", String(a.workingDaysUsed)
                    + (a.workingDaysCarried > 0 ? " (\(a.workingDaysCarried) before the last rectification)" : "")),
                ("working_days_left", String(a.workingDaysLeft) + (a.overdue ? " (overdue)" : "")),
                ("evidence", a.evidence.joined(separator: ", ")), ("note", a.note ?? ""),
                ("panel", a.panel.joined(separator: ", ")),
            ])
            out += "\nchecked at filing:\n" + a.checks.map { "  ✓ \($0)\n" }.joined()
            out += "\nsite visits (现场踏勘):\n" + (a.visits.isEmpty ? "  none\n" : a.visits.map {
                "  \($0.date) \($0.checked.hectares) hm² checked by \($0.participants.joined(separator: ", ")) — \($0.finding)\n"
            }.joined())
            out += "\nvotes:\n" + (a.votes.isEmpty ? "  none\n" : a.votes.map { "  \($0.reviewer): \($0.pass ? "pass" : "fail") — \($0.opinion)\n" }.joined())
            if let ends = a.noticeEndsOn { out += "\npublic notice (初步验收结果公告) until \(ends)\n" }
            for o in a.objections {
                let outcome = o.outcome.map { "\($0.upheld ? "upheld" : "dismissed") by \($0.resolvedBy): \($0.reason)" } ?? "open"
                out += "  objection \(o.id) by \(o.raisedBy): \(o.text) — \(outcome)\n"
            }
            if let n = a.confirmationNumber {
                out += "\nconfirmation (验收合格确认书): \(n) on \(a.confirmedOn?.description ?? "")\n"
            }
            if let d = a.decision {
                out += "\ndecision: \(d.outcome.rawValue) (\(d.decidedBy), \(Bureau.time(d.decidedAt, seconds: true)))\n"
                if !d.opinion.isEmpty { out += "acceptance opinion (验收意见):\n" + d.opinion.map { "  \($0)\n" }.joined() }
                if !d.rectificationItems.isEmpty { out += "rectification opinion (书面整改意见):\n" + d.rectificationItems.map { "  - \($0)\n" }.joined() }
            }
            return out
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Applications, oldest first (the reviewers' queue).")
        @OptionGroup var target: BackendOptions
        @Option(help: "Only this state: filed, under-review, noticed, accepted, rejected.") var state: ClosureState?
        @Flag(help: "Only those past their due date.") var overdue = false
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try Output.rows(try await api.closureApplications(state: state, overdue: overdue), format: format)
                }
            }
        }
    }
}

extension ClosureApplication: Tabular {
    static var headers: [String] { ["id", "license", "state", "filed_on", "due_date", "working_days_left", "overdue"] }
    var cells: [String] {
        [String(id), license, state.rawValue, filedOn.description, dueDate.description + (dueProvisional ? " (provisional)" : ""),
         String(workingDaysLeft),
         overdue ? "yes" : "no"]
    }
}

/// `reclaim calendar`: the bureau's working-day calendar.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "The working-day calendar the closure clock runs on.",
        subcommands: [Holiday.self, Workday.self, Load.self, List.self])

    struct DayOptions: ParsableArguments {
        @OptionGroup var target: BackendOptions
        @Argument(help: "add") var verb: String
        @Argument(help: "The date, YYYY-MM-DD.") var date: CalendarDate
        @Option(help: "Its name, e.g. 国庆节.") var name: String?

        func add(_ kind: CalendarDay.Kind) async throws {
            try await reportingFailures {
                guard verb == "add" else { throw ReclaimError.invalid("verb", "say add, e.g. calendar \(kind.rawValue) add 2026-10-01") }
                let day = date
                try await target.with { api in
                    let d = try await api.addCalendarDay(day, kind, name: name)
                    Output.write("listed \(d.day) as a \(d.kind.rawValue)\(d.name.map { " (\($0))" } ?? "")\n")
                }
            }
        }
    }

    struct Holiday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "holiday", abstract: "List a holiday: `calendar holiday add DATE --name NAME`.")
        @OptionGroup var options: DayOptions
        func run() async throws { try await options.add(.holiday) }
    }

    struct Workday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "workday",
            abstract: "List a Saturday or Sunday worked (调休): `calendar workday add DATE`.")
        @OptionGroup var options: DayOptions
        func run() async throws { try await options.add(.workday) }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "Load a published holiday schedule (国务院办公厅…部分节假日安排): CSV day,kind,name, as examples/calendar-2026.csv.",
            discussion: "2021–2026 are loaded by `reclaim migrate`. A due date in a year with no schedule loaded is marked provisional.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "Where the schedule was published (default: the file's name).") var source: String?

        func run() async throws {
            try await reportingFailures {
                guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                    throw ReclaimError(.unreadableInput, field: "file", "cannot read \(file) as UTF-8 text")
                }
                let days = try WorkCalendar.parse(csv: text)
                try await target.with { api in
                    let years = try await api.loadCalendar(days, source: source ?? URL(fileURLWithPath: file).lastPathComponent)
                    Output.write("loaded \(days.count) days of \(years.map(String.init).joined(separator: ", "))\n")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The listed days of a year.")
        @OptionGroup var target: BackendOptions
        @Option(help: "The year.") var year: Year
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let year = self.year.value
                try await target.with { api in try Output.rows(try await api.calendar(year: year), format: format) }
            }
        }
    }
}

extension CalendarDay: Tabular {
    static var headers: [String] { ["day", "kind", "name"] }
    var cells: [String] { [day.description, kind.rawValue, name ?? ""] }
}
