import Foundation
import HTTPTypes
import Hummingbird
import PQKit
import Reclaim

/// Closure acceptance (闭坑验收) as the bureau runs it, in the browser: the
/// list of applications each person may see, and one page per application
/// with its whole case (filing, panel, site visits, votes, public notice,
/// objections, decision) and the step that is the reader's to take next.
/// Every step is the domain's command (`Closures.Commands`), so the same
/// policies and database checks as the API's and the CLI's.
extension DashboardController {
    /// Applications as `Closures.list(for:)` scopes them: an operator their
    /// mines', an expert their panels', the bureau every one.
    @Sendable func closures(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        let principal = session.principal
        let all = request.uri.queryParameters["all"] == "1"
        let apps = try await read(context) { try Closures.list(for: principal, on: $0) }
            .filter { all || [.filed, .underReview, .noticed].contains($0.state) }
        let t = t(context), lang = context.language.report
        let table = Show.table(t, [("entry", true), ("license", false), ("state", false), ("filed_on", false), ("due_date", false),
                                   ("working_days_left", true), ("next_step", false)],
                               apps.map { a in
                                   [Show.link("#\(a.id)", "/closures/\(a.id)"), Show.cell(a.license), Show.cell(a.state.label(lang)),
                                    Show.cell(a.filedOn.description),
                                    Show.cell(a.dueDate.description + (a.dueProvisional ? " (\(t["due_provisional"] ?? ""))" : "")),
                                    Show.number(String(a.workingDaysLeft)),
                                    Show.cell(Self.nextStep(a, for: principal).map { t[$0] ?? $0 } ?? "")]
                               })
        return pages.render("closures", title: t["closures"] ?? "", request, context, [
            "table": apps.isEmpty ? false : table, "all": all,
        ])
    }

    /// What the application waits for from `p`, as a message key; nil when nothing is theirs.
    static func nextStep(_ a: ClosureApplication, for p: Principal) -> String? {
        let member = a.panel.contains(p.name)
        switch a.state {
        case .filed where ClosurePolicy.review.permits(p): return "step_panel"
        case .underReview where member && ClosurePolicy.review.permits(p) && a.visits.isEmpty: return "step_visit"
        case .underReview where member && !a.votes.contains { $0.reviewer == p.name } && !a.visits.isEmpty: return "step_vote"
        case .noticed where member && ClosurePolicy.review.permits(p) && a.objections.contains { $0.outcome == nil }: return "step_objection"
        case .noticed where ClosurePolicy.review.permits(p) && (a.noticeEndsOn.map { $0 < Bureau.today } ?? false): return "step_confirm"
        default: return nil
        }
    }

    /// One application's case, with the forms its reader may use now.
    func closureCase(_ request: Request, _ context: AppContext, id: Int64, form: Form? = nil, alert: String? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try context.requireSession()
        let principal = session.principal
        let (a, candidates, documents, rule) = try await read(context) { conn in
            let a = try Closures.find(id, for: principal, on: conn)
            // who may sit on the panel: the bureau's reviewers and experts, never the filer nor anyone bound to the mine
            let candidates = a.state == .filed && ClosurePolicy.review.permits(principal)
                ? try Users.list(on: conn).filter { u in
                    (u.role == .reviewer || u.role == .expert) && !u.disabled && u.name != a.filedBy && !u.mines.contains(a.license)
                } : []
            let documents = try [DocumentSubject.closureApplication, .closureVisit, .closureConfirmation].map {
                try DocumentsView.load(DocumentRecord($0, String(a.id)), license: a.license, for: principal, on: conn)
            }
            let rule = (try Settings.int("closure.panel_min", on: conn), try Settings.int("closure.experts_min", on: conn))
            return (a, candidates, documents, rule)
        }
        let t = t(context), lang = context.language.report
        let me = principal.name
        let member = a.panel.contains(me)
        let reviews = ClosurePolicy.review.permits(principal)
        let back = "/closures/\(a.id)"
        func value(_ name: String, _ fallback: String = "") -> String { form?[name] ?? fallback }
        let summary = Show.table(t, [("field", false), ("value", false)], [
            [Show.cell(t["license"] ?? ""), MinePolicy.read(a.license).permits(principal)
                ? Show.link(a.license, "/mines/\(Show.segment(a.license))") : Show.cell(a.license)],
            [Show.cell(t["state"] ?? ""), Show.cell(a.state.label(lang))],
            [Show.cell(t["filed_on"] ?? ""), Show.cell("\(a.filedOn) · \(a.filedBy)")],
            [Show.cell(t["due_date"] ?? ""), Show.cell(a.dueDate.description + (a.dueProvisional ? " (\(t["due_provisional"] ?? ""))" : ""))],
            [Show.cell(t["working_days_used"] ?? ""), Show.number("\(a.workingDaysUsed)" + (a.workingDaysCarried > 0
                ? " （\((t["carried"] ?? "").replacingOccurrences(of: "{n}", with: String(a.workingDaysCarried)))）" : ""))],
            [Show.cell(t["working_days_left"] ?? ""), Show.number(String(a.workingDaysLeft) + (a.overdue ? " · \(t["overdue"] ?? "")" : ""))],
            [Show.cell(t["closure_evidence"] ?? ""), Show.cell(a.evidence.joined(separator: "；"))],
            [Show.cell(t["note"] ?? ""), Show.cell(a.note ?? "")],
            [Show.cell(t["panel"] ?? ""), Show.cell(a.panel.isEmpty ? (t["panel_none"] ?? "") : a.panel.joined(separator: "、"))],
            [Show.cell(t["notice_ends_on"] ?? ""), Show.cell(a.noticeEndsOn?.description ?? "—")],
            [Show.cell(t["confirmation_number"] ?? ""), Show.cell(a.confirmationNumber.map { "\($0) · \(a.confirmedOn?.description ?? "")" } ?? "—")],
        ])
        let visits = Show.table(t, [("visited_on", false), ("participants", false), ("checked_area", true), ("finding", false),
                                    ("recorded_by", false)],
                                a.visits.map { v in
                                    [Show.cell(v.date.description), Show.cell(v.participants.joined(separator: "、")),
                                     Show.number(ExactDecimal.grouped(v.checked.hectares)), Show.cell(v.finding), Show.cell(v.recordedBy)]
                                })
        let votes = Show.table(t, [("panel_member", false), ("vote", false), ("opinion", false), ("changed_at", false)],
                               a.votes.map { v in
                                   [Show.cell(v.reviewer), Show.cell(t[v.pass ? "vote_pass" : "vote_fail"] ?? ""), Show.cell(v.opinion),
                                    Show.cell(Show.time(v.votedAt))]
                               })
        let objections: [[String: Any]] = a.objections.map { o in
            let outcome = o.outcome.map { out in
                "\(t[out.upheld ? "upheld" : "dismissed"] ?? "")：\(out.reason) · \(out.resolvedBy) · \(Show.time(out.resolvedAt))"
            }
            return ["id": o.id, "raised_by": o.raisedBy, "contact": o.contact ?? false, "text": o.text,
                    "recorded": "\(o.recordedBy) · \(Show.time(o.recordedAt))", "outcome": outcome ?? false,
                    "may_resolve": outcome == nil && a.state == .noticed && reviews && member,
                    "reason": form?["objection"] == String(o.id) ? value("reason") : ""]
        }
        let decision: Any = a.decision.map { d in
            ["outcome": d.outcome.label(lang), "by": "\(d.decidedBy) · \(Show.time(d.decidedAt))",
             "opinion": d.opinion.map { ["text": $0] }, "items": d.rectificationItems.map { ["text": $0] },
             "has_items": !d.rectificationItems.isEmpty, "has_opinion": !d.opinion.isEmpty] as [String: Any]
        } ?? false
        let panelForm: Any = a.state == .filed && reviews ? [
            "candidates": candidates.map { u in
                ["name": u.name, "id": "member-\(u.name.unicodeScalars.map { $0.isASCII && $0.properties.isAlphabetic ? String($0) : String($0.value) }.joined())",
                 "label": "\(u.name)（\(u.role.label(lang))\(u.org.map { " · \($0)" } ?? "")）",
                 "checked": form.map { f in f.pairs.contains { $0 == ("member", u.name) } } ?? false] as [String: Any]
            },
            "rule": (t["panel_rule"] ?? "").replacingOccurrences(of: "{members}", with: String(rule.0))
                .replacingOccurrences(of: "{experts}", with: String(rule.1)),
        ] as [String: Any] : false
        let mayVote = a.state == .underReview && member && ClosurePolicy.vote.permits(principal) && !a.votes.contains { $0.reviewer == me }
        let noticeOver = a.noticeEndsOn.map { $0 < Bureau.today } ?? false
        return pages.render("closure_case", title: "\(t["closure"] ?? "") #\(a.id) · \(a.license)", request, context, status: status, [
            "summary": summary, "alert": alert ?? false, "base": back,
            "notice": request.uri.queryParameters["done"] != nil ? (t["decided"] ?? "")
                : request.uri.queryParameters["attached"].map { (t["attached"] ?? "").replacingOccurrences(of: "{n}", with: String($0)) } ?? false,
            "checks": a.checks.map { ["text": ClosureCheck(rawValue: $0)?.label(lang) ?? $0] },
            "documents_application": documents[0].object(back: back, t, lang),
            "visits": a.visits.isEmpty ? false : visits,
            "documents_visit": a.state == .filed ? false : documents[1].object(back: back, t, lang),
            "votes": a.votes.isEmpty ? false : votes,
            "objections": objections, "has_objections": !objections.isEmpty,
            "decision": decision,
            "documents_confirmation": [.noticed, .accepted].contains(a.state) ? documents[2].object(back: back, t, lang) : false,
            "panel_form": panelForm,
            "visit_form": a.state == .underReview && reviews && member ? [
                "date": value("date", Bureau.today.description), "participants": value("participants", a.panel.joined(separator: "\n")),
                "checked": value("checked_hm2"), "finding": value("finding"),
            ] as [String: Any] : false,
            "vote_form": mayVote ? ["waits_for_visit": a.visits.isEmpty, "opinion": value("text")] as [String: Any] : false,
            "objection_form": a.state == .noticed && ClosurePolicy.object.permits(principal) ? [
                "name": value("name"), "contact": value("contact"), "text": value("text"),
            ] as [String: Any] : false,
            "confirm_form": a.state == .noticed && reviews ? [
                "number": value("text"), "waits": noticeOver ? false
                    : (t["confirm_waits"] ?? "").replacingOccurrences(of: "{date}", with: a.noticeEndsOn?.description ?? ""),
            ] as [String: Any] : false,
        ])
    }

    func closureID(_ context: AppContext) throws -> Int64 {
        guard let id = Int64(try context.path("id")), id >= 1 else { throw ReclaimError(.notFound, "no such closure application") }
        return id
    }

    @Sendable func closureCasePage(_ request: Request, _ context: AppContext) async throws -> Response {
        try await closureCase(request, context, id: try closureID(context))
    }

    /// Runs one step; a refusal is shown on the case page, with what was typed kept.
    func closureStep(_ request: Request, _ context: AppContext, form: Form, session: DashboardSession,
                     _ command: () throws -> Command<ClosureApplication>) async throws -> Response {
        let id = try closureID(context)
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        do {
            let command = try command()
            _ = try await db { try command.run(as: principal, actor: actor, on: $0) }
            return pages.redirect("/closures/\(id)?done=1")
        } catch let e as ReclaimError where e.isShownOnItsForm {
            return try await closureCase(request, context, id: id, form: form, alert: Pages.explain(e, context.language),
                                         status: .unprocessableContent)
        }
    }

    /// 组织验收组: the reviewer names the panel.
    @Sendable func assignClosurePanel(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try closureID(context)
        let members = form.pairs.filter { $0.0 == "member" }.map(\.1)
        return try await closureStep(request, context, form: form, session: session) {
            Closures.Commands.assignPanel(id, members: members)
        }
    }

    /// 现场踏勘: a panel reviewer records the site visit.
    @Sendable func recordClosureVisit(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try closureID(context)
        let participants = (form["participants"] ?? "").split(whereSeparator: { $0.isNewline || $0 == "、" || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try await closureStep(request, context, form: form, session: session) {
            let date = try FundLedger.parseDate(form["date"] ?? "", field: "date")
            let checked = try Area.parseHectares(typed: form["checked_hm2"] ?? "", field: "checked_hm2")
            return Closures.Commands.recordVisit(id, date: date, participants: participants, checked: checked,
                                                 finding: (form["finding"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// A panel member's vote, once, after a confirmation step.
    @Sendable func voteOnClosure(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try closureID(context)
        guard let pass = ["pass": true, "fail": false][form["decision"] ?? ""] else {
            throw ReclaimError.invalid("decision", "must be pass or fail")
        }
        let opinion = (form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard form["confirmed"] == "1" else {
            try ClosurePolicy.vote.check(session.principal)
            guard !opinion.isEmpty else {
                return try await closureCase(request, context, id: id, form: form,
                                             alert: Pages.explain(ReclaimError.invalid("opinion", "write the opinion the vote rests on"),
                                                                  context.language), status: .unprocessableContent)
            }
            let t = t(context)
            return confirmation(request, context, session: session, form: form, action: t[pass ? "vote_pass" : "vote_fail"] ?? "",
                                record: "\(t["closure"] ?? "") #\(id)", details: t["vote_once"], back: "/closures/\(id)")
        }
        return try await closureStep(request, context, form: form, session: session) {
            Closures.Commands.vote(id, pass: pass, opinion: opinion)
        }
    }

    /// 异议: the administrator records an objection for whoever raised it.
    @Sendable func recordClosureObjection(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try closureID(context)
        func text(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        return try await closureStep(request, context, form: form, session: session) {
            Closures.Commands.object(id, raisedBy: text("name"), contact: text("contact"), text: text("text"))
        }
    }

    /// A panel reviewer resolves an objection: upheld sends the mine to rectification.
    @Sendable func resolveClosureObjection(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try closureID(context)
        guard let objection = Int64(form["objection"] ?? ""), objection >= 1 else { throw ReclaimError.invalid("objection", "must be an objection id") }
        guard let upheld = ["uphold": true, "dismiss": false][form["decision"] ?? ""] else {
            throw ReclaimError.invalid("decision", "must be uphold or dismiss")
        }
        return try await closureStep(request, context, form: form, session: session) {
            Closures.Commands.resolve(id, objection: objection, upheld: upheld,
                                      reason: (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// 验收合格确认书: after the notice, with a confirmation step; the mine is then closed.
    @Sendable func confirmClosure(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await Form.read(request, context)
        let session = try context.requireSession(form)
        let id = try closureID(context)
        let number = (form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard form["confirmed"] == "1" else {
            try ClosurePolicy.review.check(session.principal)
            let t = t(context)
            return confirmation(request, context, session: session, form: form, action: t["confirm_closure"] ?? "",
                                record: "\(t["closure"] ?? "") #\(id)", details: t["confirm_closure_effect"], back: "/closures/\(id)")
        }
        return try await closureStep(request, context, form: form, session: session) {
            Closures.Commands.confirm(id, number: number)
        }
    }
}
