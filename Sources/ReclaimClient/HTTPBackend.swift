import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
public import PQKit
public import Reclaim

/// A client of the service's own API (/v1), acting as the token's user.
/// Every answer is decoded into the domain's own types, so the CLI prints
/// the same output as in direct mode; every refusal (problem+json) becomes
/// the `ReclaimError` of the same kind, so it exits with the same code.
public final class HTTPBackend: ReclaimAPI {
    public let baseURL: String
    private let token: String
    private let client: HTTPClient
    /// Requests beyond this fail as unavailable; a statement of a large mine still fits.
    private let timeout: TimeAmount = .seconds(300)
    /// The most the API returns in one page.
    static let pageSize = 1000

    /// `server` is the service's root URL (http:// or https://).
    public init(server: String, token: String) throws {
        baseURL = try Self.normalise(server)
        self.token = token
        // No redirects: a token is never sent anywhere but where it was asked.
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(redirectConfiguration: .disallow,
                                 timeout: .init(connect: .seconds(10), read: .seconds(300))))
    }

    /// "http://host:port" with no trailing slash; anything but an http(s) URL is refused.
    public static func normalise(_ server: String) throws -> String {
        var url = server.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", parsed.host?.isEmpty == false,
              parsed.query == nil, parsed.fragment == nil
        else {
            throw ReclaimError.invalid("server", "'\(server)' is not a service URL like http://127.0.0.1:8080")
        }
        return url
    }

    public func close() async {
        try? await client.shutdown()
    }

    // MARK: - Requests

    /// A path segment, percent-encoded whatever it holds (licences may hold `/` or 汉字).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func query(_ items: [(String, String?)]) -> String {
        let present = items.compactMap { k, v in v.map { "\(k)=\(segment($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }

    private func request(_ method: HTTPMethod, _ path: String, accept: String = "application/json") -> HTTPClientRequest {
        request(method, path, data: nil, accept: accept)
    }

    /// A request whose body is one of the API's request shapes (the type the
    /// server decodes it as), sent with only the fields given.
    private func request<T: APIRequest>(_ method: HTTPMethod, _ path: String, _ body: T, idempotencyKey: String? = nil)
        throws -> HTTPClientRequest
    {
        request(method, path, data: try StrictJSON.encode(body), idempotencyKey: idempotencyKey)
    }

    /// A request whose body is a document (a rule set, a plan), sent as JSON.
    private func request<T: Encodable>(_ method: HTTPMethod, _ path: String, document: T) throws -> HTTPClientRequest {
        request(method, path, data: try ReclaimJSON.encode(document))
    }

    private func request(_ method: HTTPMethod, _ path: String, data: Data?, idempotencyKey: String? = nil,
                         accept: String = "application/json") -> HTTPClientRequest
    {
        var r = HTTPClientRequest(url: baseURL + "/v1" + path)
        r.method = method
        r.headers.add(name: "Authorization", value: "Bearer \(token)")
        r.headers.add(name: "Accept", value: accept)
        r.headers.add(name: "User-Agent", value: "reclaim-cli")
        if let idempotencyKey { r.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let data {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(data: data))
        }
        return r
    }

    /// Sends `request`; a refusal is thrown as the `ReclaimError` it stands for.
    private func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw ReclaimError(.unavailable, "service unreachable at \(baseURL): \(Self.explain(error))")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try? await response.body.collect(upTo: 1 << 20)
            let data = body.map { Data(buffer: $0) } ?? Data()
            // a file refused line by line: the same error as in direct mode, with every line
            if response.status.code == 422, let report = (try? JSONDecoder().decode(ProblemDocument.self, from: data))?.report {
                throw ImportRejected(report: report)
            }
            throw Self.refusal(status: response.status.code, body: data)
        }
        return response
    }

    private func fetch<T: Decodable>(_ type: T.Type, _ request: HTTPClientRequest) async throws -> (T, HTTPHeaders) {
        let response = try await send(request)
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw ReclaimError(.unavailable, "service unreachable at \(baseURL): \(Self.explain(error))")
        }
        do {
            return (try ReclaimJSON.decode(type, from: Data(buffer: body)), response.headers)
        } catch {
            throw ReclaimError(.internal, "the service's answer could not be read (is it the same version?)")
        }
    }

    /// Every page of a list, in order.
    private func all<T: Decodable>(_ type: T.Type, _ path: String, _ params: [(String, String?)]) async throws -> [T] {
        var items: [T] = []
        var cursor: String?
        repeat {
            let q = Self.query(params + [("limit", String(Self.pageSize)), ("cursor", cursor)])
            let (page, _) = try await fetch(Page<T>.self, request(.GET, path + q))
            items += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return items
    }

    /// The problem document's kind and detail, as direct mode would have said it.
    static func refusal(status: UInt, body: Data) -> ReclaimError {
        let problem = try? JSONDecoder().decode(ProblemDocument.self, from: body)
        let detail = problem?.detail ?? "the service answered \(status)"
        switch status {
        case 400, 413, 415: return ReclaimError(.invalidInput, detail)
        case 401: return ReclaimError(.unauthenticated, "the token was refused (\(detail)); run `reclaim login` again")
        case 403: return ReclaimError(.forbidden, detail)
        case 404: return ReclaimError(.notFound, detail)
        case 409: return ReclaimError(.conflict, detail)
        case 422:
            var e = ReclaimError(.ruleViolation, detail, unmet: problem?.unmet ?? [])
            e.remedy = problem?.remedy
            return e
        case 502, 503, 504: return ReclaimError(.unavailable, detail)
        case 400..<500: return ReclaimError(.invalidInput, detail)
        default: return ReclaimError(.internal, "the service failed (\(status)): \(detail)")
        }
    }

    static func explain(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") { return "connection timed out" }
        if text.contains("deadlineExceeded") || text.contains("readTimeout") { return "no answer in time" }
        if text.lowercased().contains("refused") { return "connection refused" }
        return text.split(separator: "\n").first.map(String.init) ?? "connection failed"
    }

    // MARK: - The API

    public func whoami() async throws -> Identity {
        try await fetch(Identity.self, request(.GET, "/me")).0
    }

    public func addMine(_ m: NewMine) async throws -> Mine {
        try await fetch(Mine.self, request(.POST, "/mines", MineRegistry.AddRequest(m))).0
    }

    public func mines() async throws -> [Mine] {
        try await all(Mine.self, "/mines", [])
    }

    public func mine(_ license: String) async throws -> MineDetail {
        try await fetch(MineDetail.self, request(.GET, "/mines/\(Self.segment(license))")).0
    }

    public func updateMine(_ license: String, _ c: MineUpdate) async throws -> MineUpdateResult {
        try await fetch(MineUpdateResult.self, request(.PATCH, "/mines/\(Self.segment(license))", MineRegistry.UpdateRequest(c))).0
    }

    func booked(_ request: HTTPClientRequest) async throws -> BookingResult {
        let (entry, headers) = try await fetch(LedgerEntry.self, request)
        return BookingResult(entry: entry, replayed: headers.first(name: "Idempotent-Replayed") == "true")
    }

    public func book(_ kind: EntryKind, on license: String, _ b: Booking) async throws -> BookingResult {
        guard let route = kind.route else {
            throw ReclaimError.invalid("kind", "\(kind.rawValue) is not booked on one mine")
        }
        let path = "/mines/\(Self.segment(license))/fund/\(route)"
        return try await booked(kind == .withdrawal
            ? request(.POST, path, FundLedger.WithdrawalRequest(b), idempotencyKey: b.idempotencyKey)
            : request(.POST, path, FundLedger.DepositRequest(b), idempotencyKey: b.idempotencyKey))
    }

    public func transfer(from: String, to: String, merger: Int64, _ b: Booking) async throws -> BookingResult {
        try await booked(request(.POST, "/fund/transfers", FundLedger.TransferRequest(from: from, to: to, merger: merger, b),
                                 idempotencyKey: b.idempotencyKey))
    }

    public func recordMerger(from: [String], into: String, approvedOn: CalendarDate, document: String) async throws -> Merger {
        try await fetch(Merger.self, request(.POST, "/mergers", Mergers.RecordRequest(from: from, into: into, approvedOn: approvedOn,
                                                                                       document: document))).0
    }

    public func mergers() async throws -> [Merger] {
        try await all(Merger.self, "/mergers", [])
    }

    public func reverse(_ entryID: Int64, reason: String, valueDate: CalendarDate?, idempotencyKey: String?)
        async throws -> BookingResult
    {
        try await booked(request(.POST, "/fund/entries/\(entryID)/reversal",
                                 FundLedger.ReversalRequest(reason: reason, valueDate: valueDate), idempotencyKey: idempotencyKey))
    }

    public func entry(_ id: Int64) async throws -> LedgerEntry {
        try await fetch(LedgerEntry.self, request(.GET, "/fund/entries/\(id)")).0
    }

    public func balance(_ license: String, asOf: CalendarDate?) async throws -> FundBalance {
        let q = Self.query([("as_of", asOf?.description)])
        return try await fetch(FundBalance.self, request(.GET, "/mines/\(Self.segment(license))/fund\(q)")).0
    }

    public func balances(asOf: CalendarDate?) async throws -> [FundBalance] {
        try await all(FundBalance.self, "/fund/balances", [("as_of", asOf?.description)])
    }

    public func statement(_ license: String, from: CalendarDate?, to: CalendarDate?) async throws -> Statement {
        let q = Self.query([("from", from?.description), ("to", to?.description)])
        return try await fetch(Statement.self, request(.GET, "/mines/\(Self.segment(license))/fund/statement\(q)")).0
    }

    public func statementCSV(_ license: String, from: CalendarDate?, to: CalendarDate?, lang: ReportLanguage,
                             into sink: (UnsafeRawBufferPointer) throws -> Void) async throws
    {
        let q = Self.query([("from", from?.description), ("to", to?.description), ("lang", lang == .zh ? "zh" : nil)])
        let response = try await send(request(.GET, "/mines/\(Self.segment(license))/fund/statement\(q)",
                                              accept: "text/csv"))
        do {
            for try await chunk in response.body {
                try chunk.withUnsafeReadableBytes { try sink($0) }
            }
        } catch let e as ReclaimError {
            throw e
        } catch {
            throw ReclaimError(.unavailable, "service unreachable at \(baseURL): \(Self.explain(error))")
        }
    }

    public func audit(_ filter: AuditLog.Filter) async throws -> [AuditRecord] {
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        day.timeZone = Bureau.timeZone  // the bureau's days, as the API reads them
        day.locale = Locale(identifier: "en_US_POSIX")
        // The filter's `to` is exclusive midnight; the API's is the last day included.
        let params: [(String, String?)] = [
            ("actor", filter.actor), ("target", filter.target), ("from", filter.from.map(day.string(from:))),
            ("to", filter.to.map { day.string(from: $0.addingTimeInterval(-86_400)) }),
        ]
        var records: [AuditRecord] = []
        var cursor = filter.afterID.map(String.init)
        while records.count < filter.limit {
            let q = Self.query(params + [("limit", String(min(Self.pageSize, filter.limit - records.count))),
                                         ("cursor", cursor)])
            let (page, _) = try await fetch(Page<AuditRecord>.self, request(.GET, "/audit" + q))
            records += page.items
            guard let next = page.nextCursor else { break }
            cursor = next
        }
        return records
    }
}

extension HTTPBackend {
    public func ruleSets() async throws -> [RuleSet] {
        try await all(RuleSet.self, "/accrual/rule-sets", [])
    }

    public func ruleSet(_ name: String) async throws -> RuleSet {
        try await fetch(RuleSet.self, request(.GET, "/accrual/rule-sets/\(Self.segment(name))")).0
    }

    public func loadRuleSet(_ set: RuleSet) async throws -> RuleSet {
        var file = set
        file.loadedBy = nil
        file.loadedAt = nil
        return try await fetch(RuleSet.self, try request(.POST, "/accrual/rule-sets", document: file)).0
    }

    public func reportOutput(_ license: String, year: Int, quantity: Quantity) async throws -> OutputReport {
        try await fetch(OutputReport.self, request(.PUT, "/mines/\(Self.segment(license))/output/\(year)",
                                                   OutputReports.ReportRequest(quantity: quantity))).0
    }

    public func assess(_ license: String, year: Int) async throws -> Assessment {
        try await fetch(Assessment.self, request(.POST, "/mines/\(Self.segment(license))/accruals/\(year)", EmptyRequest())).0
    }

    public func assessment(_ license: String, year: Int) async throws -> Assessment {
        try await fetch(Assessment.self, request(.GET, "/mines/\(Self.segment(license))/accruals/\(year)")).0
    }

    public func quote(_ i: AccrualInputs) async throws -> AccrualQuote {
        try await fetch(AccrualQuote.self, request(.POST, "/accrual/quote", Accruals.QuoteRequest(i))).0
    }

    public func shortfalls(year: Int) async throws -> [Shortfall] {
        try await all(Shortfall.self, "/accrual/shortfalls", [("year", String(year))])
    }

    public func submitPlan(_ license: String, _ document: PlanDocument) async throws -> PlanVersion {
        try await fetch(PlanVersion.self, try request(.POST, "/mines/\(Self.segment(license))/plans", document: document)).0
    }

    public func decidePlan(_ license: String, version: Int, _ action: PlanAction, reason: String?) async throws
        -> PlanVersion
    {
        let base = "/mines/\(Self.segment(license))/plans/\(version)"
        switch action {
        case .approve: return try await fetch(PlanVersion.self, request(.POST, base + "/approval", EmptyRequest())).0
        case .return:
            return try await fetch(PlanVersion.self, request(.POST, base + "/return", ReturnRequest(reason: reason ?? ""))).0
        case .submit: throw ReclaimError.invalid("action", "a plan is submitted with plan submit")
        }
    }

    public func plan(_ license: String, version: Int?) async throws -> PlanVersion {
        let path = "/mines/\(Self.segment(license))/plans/" + (version.map(String.init) ?? "current")
        return try await fetch(PlanVersion.self, request(.GET, path)).0
    }

    public func plans(state: PlanState?) async throws -> [PlanSummary] {
        try await all(PlanSummary.self, "/plans", [("state", state?.rawValue)])
    }
}

extension HTTPBackend {
    static func annualPath(_ license: String, _ year: Int) -> String {
        "/mines/\(segment(license))/annual-plans/\(year)"
    }

    public func draftAnnualPlan(_ license: String, year: Int, _ works: AnnualWorks) async throws -> AnnualPlan {
        try await fetch(AnnualPlan.self, request(.PUT, Self.annualPath(license, year) + "/draft",
                                                 data: try ReclaimJSON.encode(WorksFile(works)))).0
    }

    public func decideAnnualPlan(_ license: String, year: Int, _ action: AnnualPlanAction, reason: String?,
                                 items: [String]) async throws -> AnnualPlan
    {
        let path = Self.annualPath(license, year) + "/"
        let sent: HTTPClientRequest
        switch action {
        case .submit: sent = try request(.POST, path + "submission", EmptyRequest())
        case .approve: sent = try request(.POST, path + "approval", EmptyRequest())
        case .return: sent = try request(.POST, path + "return", ReturnRequest(reason: reason ?? ""))
        case .accept: sent = try request(.POST, path + "acceptance", EmptyRequest())
        case .fail: sent = try request(.POST, path + "failure", AnnualPlans.FailureRequest(items: items))
        case .revise, .report: throw ReclaimError.invalid("action", "\(action.rawValue) takes a file")
        }
        return try await fetch(AnnualPlan.self, sent).0
    }

    public func reviseAnnualPlan(_ license: String, year: Int, _ works: AnnualWorks) async throws -> AnnualPlan {
        try await fetch(AnnualPlan.self, request(.POST, Self.annualPath(license, year) + "/revision",
                                                 data: try ReclaimJSON.encode(WorksFile(works)))).0
    }

    public func reportAnnualPlan(_ license: String, year: Int, file: Data) async throws -> AnnualPlan {
        try await fetch(AnnualPlan.self, request(.POST, Self.annualPath(license, year) + "/report", data: file)).0
    }

    public func annualPlan(_ license: String, year: Int) async throws -> AnnualPlan {
        try await fetch(AnnualPlan.self, request(.GET, Self.annualPath(license, year))).0
    }

    public func annualPlans(year: Int?, state: AnnualPlanState?) async throws -> [AnnualPlanSummary] {
        try await all(AnnualPlanSummary.self, "/annual-plans", [("year", year.map(String.init)), ("state", state?.rawValue)])
    }

    public func missingAnnualPlans(year: Int) async throws -> [Mine] {
        try await all(Mine.self, "/annual-plans/missing", [("year", String(year))])
    }
}

extension HTTPBackend {
    public func applyForClosure(_ license: String, evidence: [String], note: String?) async throws -> ClosureApplication {
        try await fetch(ClosureApplication.self, request(.POST, "/mines/\(Self.segment(license))/closure-applications",
                                                         Closures.ApplyRequest(evidence: evidence, note: note))).0
    }

    public func assignClosurePanel(_ id: Int64, members: [String]) async throws -> ClosureApplication {
        try await fetch(ClosureApplication.self, request(.POST, "/closure-applications/\(id)/panel", Closures.PanelRequest(members: members))).0
    }

    public func recordClosureVisit(_ id: Int64, date: CalendarDate, participants: [String], checked: Area, finding: String)
        async throws -> ClosureApplication
    {
        try await fetch(ClosureApplication.self, request(.POST, "/closure-applications/\(id)/visits",
                                                         Closures.VisitRequest(date: date, participants: participants,
                                                                               checked: checked, finding: finding))).0
    }

    public func objectToClosure(_ id: Int64, name: String, contact: String, text: String) async throws -> ClosureApplication {
        try await fetch(ClosureApplication.self, request(.POST, "/closure-applications/\(id)/objections",
                                                         Closures.ObjectionRequest(name: name, contact: contact, text: text))).0
    }

    public func resolveClosureObjection(_ id: Int64, objection: Int64, upheld: Bool, reason: String) async throws
        -> ClosureApplication
    {
        try await fetch(ClosureApplication.self, request(.POST, "/closure-applications/\(id)/objections/\(objection)/outcome",
                                                         Closures.OutcomeRequest(upheld: upheld, reason: reason))).0
    }

    public func confirmClosure(_ id: Int64, number: String) async throws -> ClosureApplication {
        try await fetch(ClosureApplication.self, request(.POST, "/closure-applications/\(id)/confirmation",
                                                         Closures.ConfirmRequest(number: number))).0
    }

    public func settings() async throws -> [Setting] {
        try await all(Setting.self, "/settings", [])
    }

    public func setSetting(_ key: String, _ value: String) async throws -> Setting {
        try await fetch(Setting.self, request(.PUT, "/settings/\(Self.segment(key))", Settings.SetRequest(value: value))).0
    }

    public func voteOnClosure(_ id: Int64, pass: Bool, opinion: String) async throws -> ClosureApplication {
        try await fetch(ClosureApplication.self, request(.POST, "/closure-applications/\(id)/votes",
                                                         Closures.VoteRequest(pass: pass, opinion: opinion))).0
    }

    public func closureApplication(_ id: Int64) async throws -> ClosureApplication {
        try await fetch(ClosureApplication.self, request(.GET, "/closure-applications/\(id)")).0
    }

    public func closureApplications(state: ClosureState?, overdue: Bool) async throws -> [ClosureApplication] {
        try await all(ClosureApplication.self, "/closure-applications",
                      [("state", state?.rawValue), ("overdue", overdue ? "true" : nil)])
    }

    public func releaseFund(_ license: String) async throws -> BookingResult {
        try await booked(request(.POST, "/mines/\(Self.segment(license))/fund/release", EmptyRequest()))
    }

    public func addCalendarDay(_ day: CalendarDate, _ kind: CalendarDay.Kind, name: String?) async throws -> CalendarDay {
        try await fetch(CalendarDay.self, request(.POST, kind == .holiday ? "/calendar/holidays" : "/calendar/workdays",
                                                  WorkCalendar.DayRequest(date: day, name: name))).0
    }

    public func loadCalendar(_ days: [CalendarDay], source: String) async throws -> [Int] {
        struct Loaded: Decodable { var years: [Int] }
        return try await fetch(Loaded.self, request(.POST, "/calendar/schedules",
                                                    WorkCalendar.ScheduleRequest(source: source, days: days))).0.years
    }

    public func calendar(year: Int) async throws -> [CalendarDay] {
        try await all(CalendarDay.self, "/calendar", [("year", String(year))])
    }
}

extension HTTPBackend {
    static let legacy = "/legacy-projects"

    public func verify(checkpoint: String?, incremental: Bool) async throws -> VerifyReport {
        struct Job: Decodable {
            var id: String
            var state: String
            var report: VerifyReport?
            var failure: String?
        }
        var job = try await fetch(Job.self, request(.POST, "/fund/verifications",
                                                    FundLedger.VerifyRequest(checkpoint: checkpoint, incremental: incremental))).0
        // the service runs it; follow it until it is done
        while job.state == "running" {
            try await Task.sleep(for: .milliseconds(500))
            job = try await fetch(Job.self, request(.GET, "/fund/verifications/\(job.id)")).0
        }
        guard let report = job.report else {
            throw ReclaimError(.ruleViolation, field: "verification", job.failure ?? "the verification did not finish")
        }
        return report
    }

    public func attachDocuments(_ files: [NewDocument], to record: DocumentRecord) async throws -> [DocumentAttachment] {
        try await fetch([DocumentAttachment].self, request(.POST, "/documents", Documents.AttachRequest(record, files: files))).0
    }

    public func documents(_ record: DocumentRecord) async throws -> [DocumentAttachment] {
        try await all(DocumentAttachment.self, "/documents", [("subject", record.subject.rawValue), ("record", record.record)])
    }

    public func document(_ id: Int64) async throws -> DocumentContent {
        let response = try await send(request(.GET, "/documents/\(id)", accept: "*/*"))
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw ReclaimError(.unavailable, "service unreachable at \(baseURL): \(Self.explain(error))")
        }
        // the stored name is the RFC 8187 filename* of the download
        let disposition = response.headers.first(name: "Content-Disposition") ?? ""
        let name = disposition.components(separatedBy: "filename*=UTF-8''").dropFirst().first
            .flatMap { $0.split(separator: ";").first.map(String.init)?.removingPercentEncoding } ?? "document-\(id)"
        return DocumentContent(fileName: name, mediaType: response.headers.first(name: "Content-Type") ?? "application/octet-stream",
                               content: Data(buffer: body))
    }

    public func addLegacySite(_ site: NewSite) async throws -> LegacySite {
        try await fetch(LegacySite.self, request(.POST, Self.legacy + "/sites", LegacySites.AddRequest(site))).0
    }

    public func importBankFile(path: String, dryRun: Bool) async throws -> ImportReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReclaimError(.unreadableInput, field: "file", "cannot read \(path)")
        }
        var r = request(.POST, "/fund/imports" + (dryRun ? "?dry_run=true" : ""), data: nil)
        r.headers.replaceOrAdd(name: "Content-Type", value: "text/csv")
        r.body = .bytes(ByteBuffer(data: data))
        return try await fetch(ImportReport.self, r).0
    }

    public func importLegacySites(path: String) async throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReclaimError(.unreadableInput, field: "file", "cannot read \(path)")
        }
        var r = request(.POST, Self.legacy + "/sites/import", data: nil)
        r.headers.replaceOrAdd(name: "Content-Type", value: "text/csv")
        r.body = .bytes(ByteBuffer(data: data))
        struct Imported: Decodable { var added: Int }
        return try await fetch(Imported.self, r).0.added
    }

    public func legacySite(_ code: String) async throws -> LegacySite {
        try await fetch(LegacySite.self, request(.GET, Self.legacy + "/sites/\(Self.segment(code))")).0
    }

    public func legacySites(noticeState: String?) async throws -> [LegacySite] {
        try await all(LegacySite.self, Self.legacy + "/sites", [("notice_state", noticeState)])
    }

    public func openNotice(_ code: String, days: Int?, start: CalendarDate?) async throws -> LegacySite {
        try await fetch(LegacySite.self, request(.POST, Self.legacy + "/sites/\(Self.segment(code))/notice",
                                                 LegacySites.NoticeRequest(days: days, start: start))).0
    }

    public func objectToNotice(_ code: String, text: String) async throws -> LegacySite {
        try await fetch(LegacySite.self, request(.POST, Self.legacy + "/sites/\(Self.segment(code))/notice/objections",
                                                 LegacySites.ObjectionRequest(text: text))).0
    }

    public func closeNotice(_ code: String, outcome: String, owner: String?) async throws -> LegacySite {
        try await fetch(LegacySite.self, request(.POST, Self.legacy + "/sites/\(Self.segment(code))/notice/closure",
                                                 LegacySites.CloseNoticeRequest(outcome: outcome, owner: owner))).0
    }

    public func addLegacyProject(name: String, approval: String, contractor: String, budget: [FundingSource: Money])
        async throws -> LegacyProject
    {
        try await fetch(LegacyProject.self, request(.POST, Self.legacy, LegacyProjects.AddRequest(
            name: name, approval: approval, contractor: contractor, budget: budget))).0
    }

    public func addProjectSite(_ id: Int64, code: String) async throws -> LegacyProject {
        try await fetch(LegacyProject.self, request(.POST, Self.legacy + "/\(id)/sites", LegacyProjects.SiteRequest(code: code))).0
    }

    public func stepLegacyProject(_ id: Int64, _ action: LegacyProjectAction, opinion: String?) async throws
        -> LegacyProject
    {
        let route: String
        switch action {
        case .approve: route = "approval"
        case .start: route = "start"
        case .suspend: route = "suspension"
        case .resume: route = "resumption"
        case .complete: route = "completion"
        case .accept:
            return try await fetch(LegacyProject.self, request(.POST, Self.legacy + "/\(id)/acceptance",
                                                               LegacyProjects.AcceptanceRequest(opinion: opinion ?? ""))).0
        case .plan: throw ReclaimError.invalid("action", "a project is planned when it is added")
        }
        return try await fetch(LegacyProject.self, request(.POST, Self.legacy + "/\(id)/\(route)", EmptyRequest())).0
    }

    public func legacyProject(_ id: Int64) async throws -> LegacyProject {
        try await fetch(LegacyProject.self, request(.GET, Self.legacy + "/\(id)")).0
    }

    public func legacyProjects() async throws -> [LegacyProject] {
        try await all(LegacyProject.self, Self.legacy, [])
    }

    public func bookLegacy(_ kind: EntryKind, project: Int64, source: FundingSource, _ b: Booking, work: String?)
        async throws -> BookingResult
    {
        let path = Self.legacy + "/\(project)/"
        return try await booked(kind == .legacyCommit
            ? request(.POST, path + "commitments", LegacyProjects.CommitmentRequest(source: source, b, work: work),
                      idempotencyKey: b.idempotencyKey)
            // a payment without a work is the rule's to refuse, in its words
            : request(.POST, path + "payments", LegacyProjects.PaymentRequest(source: source, b, work: work ?? ""),
                      idempotencyKey: b.idempotencyKey))
    }

    public func legacyProgress(_ id: Int64, code: String, area: Area, on date: CalendarDate, evidence: [String])
        async throws -> LegacyProject
    {
        try await fetch(LegacyProject.self, request(.POST, Self.legacy + "/\(id)/progress",
                                                    LegacyProjects.ProgressRequest(site: code, area: area, date: date, evidence: evidence))).0
    }
}

extension HTTPBackend {
    public func fundReport(year: Int) async throws -> FundReport {
        try await fetch(FundReport.self, request(.GET, "/reports/fund?year=\(year)")).0
    }

    public func restorationReport(year: Int, asOf: CalendarDate?) async throws -> RestorationReport {
        let query = "year=\(year)" + (asOf.map { "&as_of=\($0)" } ?? "")
        return try await fetch(RestorationReport.self, request(.GET, "/reports/restoration?\(query)")).0
    }

    public func annualPlansReport(year: Int) async throws -> AnnualPlansReport {
        try await fetch(AnnualPlansReport.self, request(.GET, "/reports/annual-plans?year=\(year)")).0
    }

    // MARK: Mining-right data and the map

    public func setBoundary(_ license: String, _ input: BoundaryInput) async throws -> MineBoundary {
        try await fetch(MineBoundary.self, request(.POST, "/mines/\(Self.segment(license))/boundaries",
                                                   MineBoundaries.SetRequest(input))).0
    }

    public func boundaries(_ license: String) async throws -> [MineBoundary] {
        try await all(MineBoundary.self, "/mines/\(Self.segment(license))/boundaries", [])
    }

    public func loadOutline(_ geoJSON: String, label: String) async throws -> BannerOutline {
        try await fetch(BannerOutline.self, request(.POST, "/map/outline", BannerOutline.LoadRequest(label: label, geoJSON: geoJSON))).0
    }

    public func outline() async throws -> BannerOutline {
        try await fetch(BannerOutline.self, request(.GET, "/map/outline")).0
    }

    public func mapGeoJSON(_ filter: MapFilter) async throws -> String {
        let q = Self.query([("status", filter.status?.rawValue), ("mineral_class", filter.mineralClass?.rawValue),
                            ("year", filter.year.map(String.init))])
        let response = try await send(request(.GET, "/map.geojson\(q)", accept: "application/geo+json"))
        do {
            return String(buffer: try await response.body.collect(upTo: 256 << 20))
        } catch {
            throw ReclaimError(.unavailable, "service unreachable at \(baseURL): \(Self.explain(error))")
        }
    }

    // MARK: Green mines

    public func greenList(asOf: CalendarDate?) async throws -> [GreenListing] {
        try await all(GreenListing.self, "/green/mines", [("as_of", asOf?.description)])
    }

    public func greenHistory(_ license: String) async throws -> [GreenListing] {
        try await all(GreenListing.self, "/green/mines/\(Self.segment(license))", [])
    }

    public func greenAdd(_ license: String, year: Int, standard: String, document: String, listedOn: CalendarDate?) async throws
        -> GreenListing {
        try await fetch(GreenListing.self, request(.POST, "/green/mines", GreenMines.AddRequest(
            license: license, year: year, standard: standard, document: document, listedOn: listedOn))).0
    }

    public func greenRemove(_ license: String, reason: String, document: String) async throws -> GreenListing {
        try await fetch(GreenListing.self, request(.POST, "/green/mines/\(Self.segment(license))/removal",
                                                   GreenMines.RemoveRequest(reason: reason, document: document))).0
    }

    public func greenDisclose(_ license: String, year: Int, _ document: GreenDisclosureDocument) async throws -> GreenDisclosure {
        try await fetch(GreenDisclosure.self, request(.POST, "/green/mines/\(Self.segment(license))/disclosures/\(year)", document: document)).0
    }

    public func greenDisclosures(year: Int) async throws -> [GreenDisclosure] {
        try await all(GreenDisclosure.self, "/green/disclosures/\(year)", [])
    }

    public func greenMissing(year: Int) async throws -> [GreenMissingDisclosure] {
        try await all(GreenMissingDisclosure.self, "/green/disclosures/\(year)/missing", [])
    }

    public func greenDraw(year: Int, sharePercent: Int, seed: String) async throws -> GreenDraw {
        try await fetch(GreenDraw.self, request(.POST, "/green/draws", GreenMines.DrawRequest(year: year, sharePercent: sharePercent, seed: seed))).0
    }

    public func greenFindDraw(year: Int) async throws -> GreenDraw {
        try await fetch(GreenDraw.self, request(.GET, "/green/draws/\(year)")).0
    }

    public func greenVerifyDraw(year: Int) async throws -> GreenDraw {
        try await fetch(GreenDraw.self, request(.GET, "/green/draws/\(year)/verification")).0
    }

    public func greenCheck(_ license: String, year: Int, result: GreenCheckResult, finding: String) async throws -> GreenCheck {
        try await fetch(GreenCheck.self, request(.POST, "/green/draws/\(year)/checks",
                                                 GreenMines.CheckRequest(license: license, result: result, finding: finding))).0
    }

    public func greenChecks(year: Int) async throws -> [GreenCheck] {
        try await all(GreenCheck.self, "/green/draws/\(year)/checks", [])
    }

    public func greenReport(year: Int) async throws -> GreenReport {
        try await fetch(GreenReport.self, request(.GET, "/reports/green?year=\(year)")).0
    }

    // MARK: Monitoring

    public func monitorReport(_ license: String, period: MonitoringPeriod, _ document: MonitoringReportDocument) async throws -> MonitoringReport {
        try await fetch(MonitoringReport.self, request(.POST, "/mines/\(Self.segment(license))/monitoring/\(period)", document: document)).0
    }

    public func monitorReports(period: MonitoringPeriod) async throws -> [MonitoringReport] {
        try await all(MonitoringReport.self, "/monitoring/\(period)/reports", [])
    }

    public func monitorMissing(period: MonitoringPeriod) async throws -> [MonitoringMissing] {
        try await all(MonitoringMissing.self, "/monitoring/\(period)/missing", [])
    }

    public func monitorEvent(_ license: String, kind: HazardKind, occurredAt: Date, description: String, casualties: Int?, area: Area?)
        async throws -> MonitoringEvent {
        try await fetch(MonitoringEvent.self, request(.POST, "/monitoring/events", Monitoring.EventRequest(
            license: license, kind: kind, occurredAt: occurredAt, description: description, casualties: casualties, area: area))).0
    }

    public func monitorCloseEvent(_ id: Int64, measures: String) async throws -> MonitoringEvent {
        try await fetch(MonitoringEvent.self, request(.POST, "/monitoring/events/\(id)/closure", Monitoring.CloseRequest(measures: measures))).0
    }

    public func monitorEvents(openOnly: Bool) async throws -> [MonitoringEvent] {
        try await all(MonitoringEvent.self, "/monitoring/events", [("open", openOnly ? "true" : nil)])
    }

    public func monitorInspect(_ license: String, date: CalendarDate, finding: String) async throws -> MonitoringInspection {
        try await fetch(MonitoringInspection.self, request(.POST, "/mines/\(Self.segment(license))/inspections",
                                                           Monitoring.InspectRequest(date: date, finding: finding))).0
    }

    public func monitoringSummary(period: MonitoringPeriod) async throws -> MonitoringSummary {
        try await fetch(MonitoringSummary.self, request(.GET, "/reports/monitoring?period=\(period)&level=banner")).0
    }

    public func monitoringExport(period: MonitoringPeriod) async throws -> MonitoringExport {
        try await fetch(MonitoringExport.self, request(.GET, "/monitoring/\(period)/export")).0
    }

    public func scalesReport() async throws -> ScalesReport {
        try await fetch(ScalesReport.self, request(.GET, "/reports/scales")).0
    }

    public func closureReport() async throws -> ClosureReport {
        try await fetch(ClosureReport.self, request(.GET, "/reports/closure")).0
    }

    public func legacyReport() async throws -> LegacyReport {
        try await fetch(LegacyReport.self, request(.GET, "/reports/legacy")).0
    }

    public func remindersReport() async throws -> RemindersReport {
        try await fetch(RemindersReport.self, request(.GET, "/reports/reminders")).0
    }

    public func targetsReport(year: Int?, asOf: CalendarDate?) async throws -> TargetsReport {
        let query = [year.map { "year=\($0)" }, asOf.map { "as_of=\($0)" }].compactMap { $0 }.joined(separator: "&")
        return try await fetch(TargetsReport.self, request(.GET, "/reports/targets" + (query.isEmpty ? "" : "?" + query))).0
    }

    public func disclosure(_ license: String, year: Int) async throws -> DisclosureReport {
        try await fetch(DisclosureReport.self, request(.GET, "/reports/disclosure/\(Self.segment(license))/\(year)")).0
    }
}

/// The works file's shape, without the derived totals.
struct WorksFile: Encodable {
    var works: [AnnualWork]
    init(_ w: AnnualWorks) { works = w.works }
}

/// A page of a list as the API returns it.
struct Page<Item: Decodable>: Decodable {
    var items: [Item]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }
}

/// The part of an RFC 9457 problem the CLI reports.
struct ProblemDocument: Decodable {
    var status: Int?
    var detail: String?
    var unmet: [Unmet]?
    var remedy: Remedy?
    var report: ImportReport?
}
