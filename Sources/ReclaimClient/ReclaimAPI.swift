import Foundation
public import PQKit
public import Reclaim

/// Everything the service's API offers, as one interface with two backends:
/// `DatabaseBackend` (the domain over a database connection, for
/// administrators) and `HTTPBackend` (a client of the service's own API, the
/// normal way for finance staff, operators and reviewers). The CLI's
/// commands are written once against this, so every command the API offers
/// works both ways with the same output, and every later feature that adds
/// a method here gets both for free.
public protocol ReclaimAPI {
    /// Who this backend acts as: the token's user, or the database session
    /// (or the user an owner acts for with `--as`).
    func whoami() async throws -> Identity

    // MARK: Mines (矿山登记)
    func addMine(_ mine: NewMine) async throws -> Mine
    func mines() async throws -> [Mine]
    func mine(_ license: String) async throws -> MineDetail
    func updateMine(_ license: String, _ change: MineUpdate) async throws -> MineUpdateResult

    // MARK: Fund ledger (基金)
    /// A deposit, withdrawal or deposit conversion on one mine.
    func book(_ kind: EntryKind, on license: String, _ booking: Booking) async throws -> BookingResult
    /// For the merger (整合重组) `merger` of the two mines only.
    func transfer(from: String, to: String, merger: Int64, _ booking: Booking) async throws -> BookingResult
    /// Records an approved merger of the `from` licences' rights into `into`'s, and carries it out.
    func recordMerger(from: [String], into: String, approvedOn: CalendarDate, document: String) async throws -> Merger
    func mergers() async throws -> [Merger]
    func reverse(_ entryID: Int64, reason: String, valueDate: CalendarDate?, idempotencyKey: String?) async throws
        -> BookingResult
    func entry(_ id: Int64) async throws -> LedgerEntry
    func balance(_ license: String, asOf: CalendarDate?) async throws -> FundBalance
    func balances(asOf: CalendarDate?) async throws -> [FundBalance]
    func statement(_ license: String, from: CalendarDate?, to: CalendarDate?) async throws -> Statement
    /// The statement as CSV, handed to `sink` in chunks as it arrives; in
    /// Chinese with a byte-order mark, labels and opening and closing rows.
    func statementCSV(_ license: String, from: CalendarDate?, to: CalendarDate?, lang: ReportLanguage,
                      into sink: (UnsafeRawBufferPointer) throws -> Void) async throws

    /// A bank file (CSV) booked as one transaction, all rows or none; a
    /// refusal is `ImportRejected` with every bad line.
    func importBankFile(path: String, dryRun: Bool) async throws -> ImportReport

    // MARK: Audit trail
    func audit(_ filter: AuditLog.Filter) async throws -> [AuditRecord]

    // MARK: Accrual (基金计提)
    func ruleSets() async throws -> [RuleSet]
    func ruleSet(_ name: String) async throws -> RuleSet
    func loadRuleSet(_ set: RuleSet) async throws -> RuleSet
    /// Last year's production; a second report of a year supersedes the first.
    func reportOutput(_ license: String, year: Int, quantity: Quantity) async throws -> OutputReport
    func assess(_ license: String, year: Int) async throws -> Assessment
    /// The latest assessment of the year, with its explanation.
    func assessment(_ license: String, year: Int) async throws -> Assessment
    func quote(_ inputs: AccrualInputs) async throws -> AccrualQuote
    func shortfalls(year: Int) async throws -> [Shortfall]

    // MARK: Plans (方案)
    func submitPlan(_ license: String, _ document: PlanDocument) async throws -> PlanVersion
    func decidePlan(_ license: String, version: Int, _ action: PlanAction, reason: String?) async throws -> PlanVersion
    /// Version `version`, or the current one (else the latest).
    func plan(_ license: String, version: Int?) async throws -> PlanVersion
    func plans(state: PlanState?) async throws -> [PlanSummary]

    // MARK: Annual plans (年度治理计划书)
    /// Creates the draft, or replaces the works of a draft or returned plan.
    func draftAnnualPlan(_ license: String, year: Int, _ works: AnnualWorks) async throws -> AnnualPlan
    /// submit, approve, return, accept, fail.
    func decideAnnualPlan(_ license: String, year: Int, _ action: AnnualPlanAction, reason: String?, items: [String])
        async throws -> AnnualPlan
    func reviseAnnualPlan(_ license: String, year: Int, _ works: AnnualWorks) async throws -> AnnualPlan
    /// The report file as given (its lines are checked against the plan's works).
    func reportAnnualPlan(_ license: String, year: Int, file: Data) async throws -> AnnualPlan
    func annualPlan(_ license: String, year: Int) async throws -> AnnualPlan
    func annualPlans(year: Int?, state: AnnualPlanState?) async throws -> [AnnualPlanSummary]
    func missingAnnualPlans(year: Int) async throws -> [Mine]

    // MARK: Closure (闭坑验收)
    func applyForClosure(_ license: String, evidence: [String], note: String?) async throws -> ClosureApplication
    func assignClosurePanel(_ id: Int64, members: [String]) async throws -> ClosureApplication
    func recordClosureVisit(_ id: Int64, date: CalendarDate, participants: [String], checked: Area, finding: String)
        async throws -> ClosureApplication
    func voteOnClosure(_ id: Int64, pass: Bool, opinion: String) async throws -> ClosureApplication
    func objectToClosure(_ id: Int64, name: String, contact: String, text: String) async throws -> ClosureApplication
    func resolveClosureObjection(_ id: Int64, objection: Int64, upheld: Bool, reason: String) async throws
        -> ClosureApplication
    func confirmClosure(_ id: Int64, number: String) async throws -> ClosureApplication
    func closureApplication(_ id: Int64) async throws -> ClosureApplication
    func closureApplications(state: ClosureState?, overdue: Bool) async throws -> [ClosureApplication]
    /// What is left in the fund, released after acceptance; the fund closes.
    func releaseFund(_ license: String) async throws -> BookingResult
    func addCalendarDay(_ day: CalendarDate, _ kind: CalendarDay.Kind, name: String?) async throws -> CalendarDay
    func calendar(year: Int) async throws -> [CalendarDay]
    /// A published holiday schedule; the years it covers.
    func loadCalendar(_ days: [CalendarDay], source: String) async throws -> [Int]

    // MARK: Settings
    func settings() async throws -> [Setting]
    func setSetting(_ key: String, _ value: String) async throws -> Setting

    // MARK: Legacy restoration (历史遗留/废弃矿山治理)
    func addLegacySite(_ site: NewSite) async throws -> LegacySite
    /// A survey CSV file, all or nothing; the number of sites added.
    func importLegacySites(path: String) async throws -> Int
    func legacySite(_ code: String) async throws -> LegacySite
    func legacySites(noticeState: String?) async throws -> [LegacySite]
    func openNotice(_ code: String, days: Int?, start: CalendarDate?) async throws -> LegacySite
    func objectToNotice(_ code: String, text: String) async throws -> LegacySite
    func closeNotice(_ code: String, outcome: String, owner: String?) async throws -> LegacySite
    func addLegacyProject(name: String, approval: String, contractor: String, budget: [FundingSource: Money]) async throws
        -> LegacyProject
    func addProjectSite(_ id: Int64, code: String) async throws -> LegacyProject
    func stepLegacyProject(_ id: Int64, _ action: LegacyProjectAction, opinion: String?) async throws -> LegacyProject
    func legacyProject(_ id: Int64) async throws -> LegacyProject
    func legacyProjects() async throws -> [LegacyProject]
    /// legacy-commit or legacy-spend, for one source.
    func bookLegacy(_ kind: EntryKind, project: Int64, source: FundingSource, _ booking: Booking, work: String?) async throws
        -> BookingResult
    func legacyProgress(_ id: Int64, code: String, area: Area, on date: CalendarDate, evidence: [String]) async throws
        -> LegacyProject

    /// `fund verify`: directly on the database's rows, or run by the service (started, then followed until done).
    func verify(checkpoint: String?, incremental: Bool) async throws -> VerifyReport

    // MARK: Documents (附件)
    /// Attaches files to a record: one action, all or none.
    func attachDocuments(_ files: [NewDocument], to record: DocumentRecord) async throws -> [DocumentAttachment]
    func documents(_ record: DocumentRecord) async throws -> [DocumentAttachment]
    /// One attachment's content, with the name and type it was stored under.
    func document(_ id: Int64) async throws -> DocumentContent

    // MARK: Reports
    func fundReport(year: Int) async throws -> FundReport
    /// The year's report, its rates as of `asOf` (default: today).
    func restorationReport(year: Int, asOf: CalendarDate?) async throws -> RestorationReport
    func annualPlansReport(year: Int) async throws -> AnnualPlansReport
    func closureReport() async throws -> ClosureReport
    /// The mines against the master plan's minimum production scales (an operator's: their own).
    func scalesReport() async throws -> ScalesReport
    func legacyReport() async throws -> LegacyReport
    /// `year`: the output year for the sand-and-gravel output; nil for the latest reported.
    func targetsReport(year: Int?, asOf: CalendarDate?) async throws -> TargetsReport
    /// What waits for each person today (an administrator: everyone; anyone else: themselves).
    func remindersReport() async throws -> RemindersReport

    // MARK: Green mines (绿色矿山)
    /// The list as of `asOf` (today when nil).
    func greenList(asOf: CalendarDate?) async throws -> [GreenListing]
    /// A mine's listings, past and present.
    func greenHistory(_ license: String) async throws -> [GreenListing]
    func greenAdd(_ license: String, year: Int, standard: String, document: String, listedOn: CalendarDate?) async throws -> GreenListing
    func greenRemove(_ license: String, reason: String, document: String) async throws -> GreenListing
    func greenDisclose(_ license: String, year: Int, _ document: GreenDisclosureDocument) async throws -> GreenDisclosure
    func greenDisclosures(year: Int) async throws -> [GreenDisclosure]
    /// The listed mines whose disclosure of `year` has not come, each marked overdue after 31 March.
    func greenMissing(year: Int) async throws -> [GreenMissingDisclosure]
    func greenDraw(year: Int, sharePercent: Int, seed: String) async throws -> GreenDraw
    func greenFindDraw(year: Int) async throws -> GreenDraw
    /// The recorded draw, drawn again from its published inputs (refused when they differ).
    func greenVerifyDraw(year: Int) async throws -> GreenDraw
    func greenCheck(_ license: String, year: Int, result: GreenCheckResult, finding: String) async throws -> GreenCheck
    func greenChecks(year: Int) async throws -> [GreenCheck]
    func greenReport(year: Int) async throws -> GreenReport

    // MARK: Mining-right data and the map (一张图)
    /// A new version of a licence's boundary (administrator).
    func setBoundary(_ license: String, _ input: BoundaryInput) async throws -> MineBoundary
    /// A licence's boundaries, newest (in force) first.
    func boundaries(_ license: String) async throws -> [MineBoundary]
    func loadOutline(_ geoJSON: String, label: String) async throws -> BannerOutline
    func outline() async throws -> BannerOutline
    /// The map's layers as a GeoJSON FeatureCollection (an operator's: their mines').
    func mapGeoJSON(_ filter: MapFilter) async throws -> String

    // MARK: Dynamic monitoring (动态监测)
    func monitorReport(_ license: String, period: MonitoringPeriod, _ document: MonitoringReportDocument) async throws -> MonitoringReport
    func monitorReports(period: MonitoringPeriod) async throws -> [MonitoringReport]
    func monitorMissing(period: MonitoringPeriod) async throws -> [MonitoringMissing]
    func monitorEvent(_ license: String, kind: HazardKind, occurredAt: Date, description: String, casualties: Int?, area: Area?) async throws
        -> MonitoringEvent
    func monitorCloseEvent(_ id: Int64, measures: String) async throws -> MonitoringEvent
    func monitorEvents(openOnly: Bool) async throws -> [MonitoringEvent]
    func monitorInspect(_ license: String, date: CalendarDate, finding: String) async throws -> MonitoringInspection
    func monitoringSummary(period: MonitoringPeriod) async throws -> MonitoringSummary
    func monitoringExport(period: MonitoringPeriod) async throws -> MonitoringExport
    func disclosure(_ license: String, year: Int) async throws -> DisclosureReport

    /// Releases the connection or client.
    func close() async
}

extension EntryKind {
    /// The collection a booking of this kind is posted to, under /v1/mines/{license}/fund/.
    var route: String? {
        switch self {
        case .deposit: return "deposits"
        case .withdrawal: return "withdrawals"
        case .depositConversion: return "deposit-conversions"
        case .transfer, .reversal, .closureRelease, .legacyCommit, .legacySpend: return nil
        }
    }
}
