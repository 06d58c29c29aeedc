public import Foundation
public import PQKit
public import Reclaim

/// The domain over one database connection: direct mode, for administrators.
///
/// The actor is the PostgreSQL session user. Only the database owner may
/// act for a registered, enabled user (`--as`), and then both names are
/// recorded; any other session acts as itself. When the actor is a
/// registered user, the same policies hold as over HTTP.
public final class DatabaseBackend: ReclaimAPI {
    public let connection: Connection
    /// Who acts, as recorded in every audit row.
    public let actor: Actor
    /// The registered user acting, whose role the policies check; nil for
    /// the owner acting as itself.
    public let principal: Principal?

    init(connection: Connection, actor: Actor, principal: Principal?) {
        self.connection = connection
        self.actor = actor
        self.principal = principal
    }

    /// Connects and works out who acts. `asUser` is what `--as` (or
    /// RECLAIM_USER) asked for; it is checked before anything is opened.
    public static func open(_ conninfo: String, as asUser: String?) throws -> DatabaseBackend {
        let asked = try asUser.map { try Identifier.userName($0, field: "actor") }
        let conn = try connect(conninfo)
        do {
            let (actor, principal) = try resolveActor(asked, on: conn)
            return DatabaseBackend(connection: conn, actor: actor, principal: principal)
        } catch {
            conn.close()
            throw error
        }
    }

    /// Opens one connection; an unreachable database is `.unavailable`.
    public static func connect(_ conninfo: String) throws -> Connection {
        do {
            return try Connection(conninfo, applicationName: "reclaim-cli")
        } catch let error as PQError {
            let first = error.message.split(separator: "\n").first.map(String.init) ?? error.message
            throw ReclaimError(.unavailable, "database unreachable: \(first)")
        }
    }

    /// The one rule of who acts in direct mode (see the type's comment).
    public static func resolveActor(_ asked: String?, on conn: Connection) throws -> (Actor, Principal?) {
        let session = try Users.session(on: conn)
        if let asked {
            guard session.isOwner else {
                throw ReclaimError(.forbidden, field: "actor",
                                   "only the database owner may act for another user; \(session.name) acts as itself")
            }
            guard let principal = try Users.principal(named: asked, on: conn) else {
                throw ReclaimError(.forbidden, field: "actor", "\(asked) is not a registered user")
            }
            return (try principal.actor(), principal)
        }
        if let principal = try Users.principal(named: session.name, on: conn) {
            return (try principal.actor(), principal)
        }
        return (try Actor(session.name), nil)
    }

    /// Holds a registered actor to `policy`; the owner acting as itself is
    /// the installation's administrator.
    /// Runs a domain command as the signed-in user (its policy checked
    /// there), or as the owner when there is none.
    func run<T>(_ command: Command<T>) throws -> T {
        guard let principal else { return try command.runAsOwner(actor, on: connection) }
        return try command.run(as: principal, actor: actor, on: connection)
    }

    public func check(_ policy: Policy) throws {
        if let principal { try policy.check(principal) }
    }

    public func whoami() async throws -> Identity {
        principal.map(Identity.init) ?? Identity(name: actor.name, role: nil)
    }

    public func addMine(_ mine: NewMine) async throws -> Mine {
        try run(MineRegistry.Commands.add(mine))
    }

    public func mines() async throws -> [Mine] {
        try MineRegistry.list(on: connection, only: principal.flatMap(MinePolicy.scope(for:)))
    }

    public func mine(_ license: String) async throws -> MineDetail {
        try check(MinePolicy.read(try Identifier.license(license)))
        return try MineRegistry.show(license, on: connection)
    }

    public func updateMine(_ license: String, _ change: MineUpdate) async throws -> MineUpdateResult {
        try run(MineRegistry.Commands.update(license, change))
    }

    public func book(_ kind: EntryKind, on license: String, _ booking: Booking) async throws -> BookingResult {
        try run(FundLedger.Commands.book(kind, license, booking))
    }

    public func transfer(from: String, to: String, merger: Int64, _ booking: Booking) async throws -> BookingResult {
        try run(FundLedger.Commands.transfer(from: from, to: to, merger: merger, booking))
    }

    public func recordMerger(from: [String], into: String, approvedOn: CalendarDate, document: String) async throws -> Merger {
        try run(MineRegistry.Commands.merge(from: from, into: into, approvedOn: approvedOn, document: document))
    }

    public func mergers() async throws -> [Merger] {
        try check(MinePolicy.readMergers)
        return try Mergers.list(on: connection)
    }

    public func reverse(_ entryID: Int64, reason: String, valueDate: CalendarDate?, idempotencyKey: String?)
        async throws -> BookingResult
    {
        try run(FundLedger.Commands.reverse(entryID, reason: reason, valueDate: valueDate, idempotencyKey: idempotencyKey))
    }

    public func entry(_ id: Int64) async throws -> LedgerEntry {
        let entry = try FundLedger.entry(id, on: connection)
        guard let principal else { return entry }
        return try FundPolicy.visible(entry, to: principal)
    }

    public func balance(_ license: String, asOf: CalendarDate?) async throws -> FundBalance {
        try check(MinePolicy.read(try Identifier.license(license)))
        return try FundLedger.balance(license, asOf: asOf, on: connection)
    }

    public func balances(asOf: CalendarDate?) async throws -> [FundBalance] {
        try FundLedger.balances(asOf: asOf, only: principal.flatMap(MinePolicy.scope(for:)), on: connection)
    }

    public func statement(_ license: String, from: CalendarDate?, to: CalendarDate?) async throws -> Statement {
        try check(MinePolicy.read(try Identifier.license(license)))
        return try FundLedger.statement(license, from: from, to: to, on: connection)
    }

    public func statementCSV(_ license: String, from: CalendarDate?, to: CalendarDate?, lang: ReportLanguage,
                             into sink: (UnsafeRawBufferPointer) throws -> Void) async throws
    {
        try check(MinePolicy.read(try Identifier.license(license)))
        try FundLedger.statementCSV(license, from: from, to: to, lang: lang, on: connection, write: sink)
    }

    public func audit(_ filter: AuditLog.Filter) async throws -> [AuditRecord] {
        try check(AuditPolicy.read)
        return try AuditLog.list(filter, on: connection)
    }

    public func ruleSets() async throws -> [RuleSet] {
        try RuleSets.list(on: connection)
    }

    public func ruleSet(_ name: String) async throws -> RuleSet {
        try RuleSets.find(name, on: connection)
    }

    public func loadRuleSet(_ set: RuleSet) async throws -> RuleSet {
        try run(Accruals.Commands.loadRules(set))
    }

    public func reportOutput(_ license: String, year: Int, quantity: Quantity) async throws -> OutputReport {
        try run(Accruals.Commands.reportOutput(license, year: year, quantity: quantity))
    }

    public func assess(_ license: String, year: Int) async throws -> Assessment {
        try run(Accruals.Commands.assess(license, year: year))
    }

    public func assessment(_ license: String, year: Int) async throws -> Assessment {
        try check(MinePolicy.read(try Identifier.license(license)))
        return try Accruals.assessment(license, year: year, on: connection)
    }

    public func quote(_ inputs: AccrualInputs) async throws -> AccrualQuote {
        try Accruals.quote(inputs, on: connection)
    }

    public func shortfalls(year: Int) async throws -> [Shortfall] {
        try Accruals.shortfalls(year: year, only: principal.flatMap(MinePolicy.scope(for:)), on: connection)
    }

    public func submitPlan(_ license: String, _ document: PlanDocument) async throws -> PlanVersion {
        try run(Plans.Commands.submit(license, document))
    }

    public func decidePlan(_ license: String, version: Int, _ action: PlanAction, reason: String?) async throws
        -> PlanVersion
    {
        try run(Plans.Commands.decide(license, version: version, action, reason: reason))
    }

    public func plan(_ license: String, version: Int?) async throws -> PlanVersion {
        try check(MinePolicy.read(try Identifier.license(license)))
        return try Plans.find(license, version: version, on: connection)
    }

    public func plans(state: PlanState?) async throws -> [PlanSummary] {
        try Plans.list(state: state, only: principal.flatMap(MinePolicy.scope(for:)), on: connection)
    }

    public func draftAnnualPlan(_ license: String, year: Int, _ works: AnnualWorks) async throws -> AnnualPlan {
        try run(AnnualPlans.Commands.draft(license, year: year, works))
    }

    public func decideAnnualPlan(_ license: String, year: Int, _ action: AnnualPlanAction, reason: String?,
                                 items: [String]) async throws -> AnnualPlan
    {
        try run(AnnualPlans.Commands.decide(license, year: year, action, reason: reason, items: items))
    }

    public func reviseAnnualPlan(_ license: String, year: Int, _ works: AnnualWorks) async throws -> AnnualPlan {
        try run(AnnualPlans.Commands.revise(license, year: year, works))
    }

    public func reportAnnualPlan(_ license: String, year: Int, file: Data) async throws -> AnnualPlan {
        try run(AnnualPlans.Commands.report(license, year: year, file: file))
    }

    public func annualPlan(_ license: String, year: Int) async throws -> AnnualPlan {
        try check(MinePolicy.read(try Identifier.license(license)))
        return try AnnualPlans.find(license, year: year, on: connection)
    }

    public func annualPlans(year: Int?, state: AnnualPlanState?) async throws -> [AnnualPlanSummary] {
        try AnnualPlans.list(year: year, state: state, only: principal.flatMap(MinePolicy.scope(for:)), on: connection)
    }

    public func missingAnnualPlans(year: Int) async throws -> [Mine] {
        try AnnualPlans.missing(year: year, only: principal.flatMap(MinePolicy.scope(for:)), on: connection)
    }

    public func applyForClosure(_ license: String, evidence: [String], note: String?) async throws -> ClosureApplication {
        try run(Closures.Commands.apply(license, evidence: evidence, note: note))
    }

    public func assignClosurePanel(_ id: Int64, members: [String]) async throws -> ClosureApplication {
        try run(Closures.Commands.assignPanel(id, members: members))
    }

    public func recordClosureVisit(_ id: Int64, date: CalendarDate, participants: [String], checked: Area, finding: String)
        async throws -> ClosureApplication
    {
        try run(Closures.Commands.recordVisit(id, date: date, participants: participants, checked: checked, finding: finding))
    }

    public func voteOnClosure(_ id: Int64, pass: Bool, opinion: String) async throws -> ClosureApplication {
        try run(Closures.Commands.vote(id, pass: pass, opinion: opinion))
    }

    public func objectToClosure(_ id: Int64, name: String, contact: String, text: String) async throws -> ClosureApplication {
        try run(Closures.Commands.object(id, raisedBy: name, contact: contact, text: text))
    }

    public func resolveClosureObjection(_ id: Int64, objection: Int64, upheld: Bool, reason: String) async throws
        -> ClosureApplication
    {
        try run(Closures.Commands.resolve(id, objection: objection, upheld: upheld, reason: reason))
    }

    public func confirmClosure(_ id: Int64, number: String) async throws -> ClosureApplication {
        try run(Closures.Commands.confirm(id, number: number))
    }

    public func closureApplication(_ id: Int64) async throws -> ClosureApplication {
        guard let principal else { return try Closures.find(id, on: connection) }
        return try Closures.find(id, for: principal, on: connection)
    }

    public func closureApplications(state: ClosureState?, overdue: Bool) async throws -> [ClosureApplication] {
        guard let principal else { return try Closures.list(state: state, overdue: overdue, on: connection) }
        return try Closures.list(state: state, overdue: overdue, for: principal, on: connection)
    }

    public func settings() async throws -> [Setting] {
        try Settings.list(on: connection)
    }

    public func setSetting(_ key: String, _ value: String) async throws -> Setting {
        try run(Settings.Commands.set(key, value))
    }

    public func releaseFund(_ license: String) async throws -> BookingResult {
        try run(FundLedger.Commands.release(license))
    }

    public func addCalendarDay(_ day: CalendarDate, _ kind: CalendarDay.Kind, name: String?) async throws -> CalendarDay {
        try run(WorkCalendar.Commands.add(day, kind, name: name))
    }

    public func loadCalendar(_ days: [CalendarDay], source: String) async throws -> [Int] {
        try run(WorkCalendar.Commands.load(days, source: source))
    }

    public func calendar(year: Int) async throws -> [CalendarDay] {
        try WorkCalendar.list(year: year, on: connection)
    }

    public func verify(checkpoint: String?, incremental: Bool) async throws -> VerifyReport {
        try FundLedger.verify(on: connection, checkpoint: checkpoint, incremental: incremental)
    }

    public func attachDocuments(_ files: [NewDocument], to record: DocumentRecord) async throws -> [DocumentAttachment] {
        try run(Documents.Commands.attach(files, to: record))
    }

    public func documents(_ record: DocumentRecord) async throws -> [DocumentAttachment] {
        try Documents.list(record, for: principal, on: connection)
    }

    public func document(_ id: Int64) async throws -> DocumentContent {
        try Documents.content(id, for: principal, on: connection)
    }

    public func addLegacySite(_ site: NewSite) async throws -> LegacySite {
        try run(LegacySites.Commands.add(site))
    }

    public func importBankFile(path: String, dryRun: Bool) async throws -> ImportReport {
        try run(FundLedger.Commands.importCSV(path: path, name: nil, dryRun: dryRun))
    }

    public func importLegacySites(path: String) async throws -> Int {
        try run(LegacySites.Commands.importCSV(path: path))
    }

    public func legacySite(_ code: String) async throws -> LegacySite {
        try check(LegacyPolicy.read)
        return try LegacySites.find(code, on: connection)
    }

    public func legacySites(noticeState: String?) async throws -> [LegacySite] {
        try check(LegacyPolicy.read)
        return try LegacySites.list(noticeState: noticeState, on: connection)
    }

    public func openNotice(_ code: String, days: Int?, start: CalendarDate?) async throws -> LegacySite {
        try run(LegacySites.Commands.openNotice(code, days: days, start: start))
    }

    public func objectToNotice(_ code: String, text: String) async throws -> LegacySite {
        try run(LegacySites.Commands.objection(code, text: text))
    }

    public func closeNotice(_ code: String, outcome: String, owner: String?) async throws -> LegacySite {
        try run(LegacySites.Commands.closeNotice(code, outcome: outcome, owner: owner))
    }

    public func addLegacyProject(name: String, approval: String, contractor: String, budget: [FundingSource: Money])
        async throws -> LegacyProject
    {
        try run(LegacyProjects.Commands.add(name: name, approval: approval, contractor: contractor, budget: budget))
    }

    public func addProjectSite(_ id: Int64, code: String) async throws -> LegacyProject {
        try run(LegacyProjects.Commands.addSite(id, code: code))
    }

    public func stepLegacyProject(_ id: Int64, _ action: LegacyProjectAction, opinion: String?) async throws
        -> LegacyProject
    {
        try run(LegacyProjects.Commands.step(id, action, opinion: opinion))
    }

    public func legacyProject(_ id: Int64) async throws -> LegacyProject {
        try check(LegacyPolicy.read)
        return try LegacyProjects.find(id, on: connection)
    }

    public func legacyProjects() async throws -> [LegacyProject] {
        try check(LegacyPolicy.read)
        return try LegacyProjects.list(on: connection)
    }

    public func bookLegacy(_ kind: EntryKind, project: Int64, source: FundingSource, _ booking: Booking, work: String?)
        async throws -> BookingResult
    {
        try run(LegacyProjects.Commands.book(kind, project: project, source: source, booking, work: work))
    }

    public func legacyProgress(_ id: Int64, code: String, area: Area, on date: CalendarDate, evidence: [String])
        async throws -> LegacyProject
    {
        try run(LegacyProjects.Commands.progress(id, code: code, area: area, on: date, evidence: evidence))
    }

    public func fundReport(year: Int) async throws -> FundReport {
        try Reports.fund(year: year, only: scope, on: connection)
    }

    public func restorationReport(year: Int, asOf: CalendarDate?) async throws -> RestorationReport {
        try Reports.restoration(year: year, asOf: asOf, only: scope, on: connection)
    }

    public func annualPlansReport(year: Int) async throws -> AnnualPlansReport {
        try Reports.annualPlans(year: year, only: scope, on: connection)
    }

    // MARK: Mining-right data and the map

    public func setBoundary(_ license: String, _ input: BoundaryInput) async throws -> MineBoundary {
        try run(MineBoundaries.Commands.set(license, input))
    }

    public func boundaries(_ license: String) async throws -> [MineBoundary] {
        try check(MinePolicy.read(try Identifier.license(license)))
        return try MineBoundaries.history(license, on: connection)
    }

    public func loadOutline(_ geoJSON: String, label: String) async throws -> BannerOutline {
        try run(MineBoundaries.Commands.loadOutline(geoJSON, label: label))
    }

    public func outline() async throws -> BannerOutline {
        try check(OneMap.read)
        return try BannerOutline.current(on: connection)
    }

    public func mapGeoJSON(_ filter: MapFilter) async throws -> String {
        try check(OneMap.read)
        return OneMap.featureCollection(try OneMap.layers(filter, only: principal.flatMap(MinePolicy.scope(for:)), on: connection))
    }

    // MARK: Green mines

    public func greenList(asOf: CalendarDate?) async throws -> [GreenListing] {
        try check(GreenPolicy.read)
        return try GreenMines.list(asOf: asOf, on: connection)
    }

    public func greenHistory(_ license: String) async throws -> [GreenListing] {
        try check(GreenPolicy.read)
        return try GreenMines.history(license, on: connection)
    }

    public func greenAdd(_ license: String, year: Int, standard: String, document: String, listedOn: CalendarDate?) async throws
        -> GreenListing {
        try run(GreenMines.Commands.add(license, year: year, standard: standard, document: document, listedOn: listedOn))
    }

    public func greenRemove(_ license: String, reason: String, document: String) async throws -> GreenListing {
        try run(GreenMines.Commands.remove(license, reason: reason, document: document))
    }

    public func greenDisclose(_ license: String, year: Int, _ document: GreenDisclosureDocument) async throws -> GreenDisclosure {
        try run(GreenMines.Commands.disclose(license, year: year, document))
    }

    public func greenDisclosures(year: Int) async throws -> [GreenDisclosure] {
        try GreenMines.disclosures(year: year, only: scope, on: connection)
    }

    public func greenMissing(year: Int) async throws -> [GreenMissingDisclosure] {
        try GreenMines.missing(year: year, only: scope, on: connection)
    }

    public func greenDraw(year: Int, sharePercent: Int, seed: String) async throws -> GreenDraw {
        try run(GreenMines.Commands.draw(year: year, sharePercent: sharePercent, seed: seed))
    }

    public func greenFindDraw(year: Int) async throws -> GreenDraw {
        try GreenMines.findDraw(year: year, on: connection)
    }

    public func greenVerifyDraw(year: Int) async throws -> GreenDraw {
        try GreenMines.verifyDraw(year: year, on: connection)
    }

    public func greenCheck(_ license: String, year: Int, result: GreenCheckResult, finding: String) async throws -> GreenCheck {
        try run(GreenMines.Commands.check(license, year: year, result: result, finding: finding))
    }

    public func greenChecks(year: Int) async throws -> [GreenCheck] {
        try GreenMines.checks(year: year, on: connection)
    }

    public func greenReport(year: Int) async throws -> GreenReport {
        try GreenMines.report(year: year, only: scope, on: connection)
    }

    // MARK: Monitoring

    public func monitorReport(_ license: String, period: MonitoringPeriod, _ document: MonitoringReportDocument) async throws -> MonitoringReport {
        try run(Monitoring.Commands.report(license, period: period, document))
    }

    public func monitorReports(period: MonitoringPeriod) async throws -> [MonitoringReport] {
        try Monitoring.reports(period: period, only: scope, on: connection)
    }

    public func monitorMissing(period: MonitoringPeriod) async throws -> [MonitoringMissing] {
        try Monitoring.missing(period: period, only: scope, on: connection)
    }

    public func monitorEvent(_ license: String, kind: HazardKind, occurredAt: Date, description: String, casualties: Int?, area: Area?)
        async throws -> MonitoringEvent {
        try run(Monitoring.Commands.event(license, kind: kind, occurredAt: occurredAt, description: description, casualties: casualties ?? 0,
                                          area: area))
    }

    public func monitorCloseEvent(_ id: Int64, measures: String) async throws -> MonitoringEvent {
        try run(Monitoring.Commands.closeEvent(id, measures: measures))
    }

    public func monitorEvents(openOnly: Bool) async throws -> [MonitoringEvent] {
        try Monitoring.events(openOnly: openOnly, only: scope, on: connection)
    }

    public func monitorInspect(_ license: String, date: CalendarDate, finding: String) async throws -> MonitoringInspection {
        try run(Monitoring.Commands.inspect(license, date: date, finding: finding))
    }

    public func monitoringSummary(period: MonitoringPeriod) async throws -> MonitoringSummary {
        try Monitoring.summary(period: period, only: scope, on: connection)
    }

    public func monitoringExport(period: MonitoringPeriod) async throws -> MonitoringExport {
        try Monitoring.export(period: period, only: scope, on: connection)
    }

    public func scalesReport() async throws -> ScalesReport {
        try Reports.scales(only: principal.flatMap(MinePolicy.scope(for:)), on: connection)
    }

    public func closureReport() async throws -> ClosureReport {
        try Reports.closure(only: scope, on: connection)
    }

    public func legacyReport() async throws -> LegacyReport {
        try check(LegacyPolicy.read)
        return try Reports.legacy(on: connection)
    }

    public func remindersReport() async throws -> RemindersReport {
        // the owner acting as itself reads as an administrator does: everyone's
        try Reminders.report(for: principal ?? Principal(name: actor.name, role: .admin, mines: []), on: connection)
    }

    public func targetsReport(year: Int?, asOf: CalendarDate?) async throws -> TargetsReport {
        try check(ReportPolicy.targets)
        return try Reports.targets(year: year, asOf: asOf, on: connection)
    }

    public func disclosure(_ license: String, year: Int) async throws -> DisclosureReport {
        try check(ReportPolicy.disclosure(try Identifier.license(license)))
        return try Reports.disclosure(license, year: year, on: connection)
    }

    /// The mines a per-mine report may show: an operator's own, else all (nil).
    var scope: [String]? { principal.flatMap(MinePolicy.scope(for:)) }

    public func close() async { connection.close() }
}
