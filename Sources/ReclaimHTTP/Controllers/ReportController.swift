import Foundation
import Hummingbird
import PQKit
import Reclaim

/// GET /v1/reports/…: the bureau's reports, JSON, or CSV by `Accept:
/// text/csv` (with `unit=yuan|wan` and `lang=en|zh`; Chinese CSV carries a
/// byte-order mark). The disclosure also renders as HTML by `Accept: text/html`.
/// Operators see their own mines; the legacy and targets reports are the bureau's.
struct ReportController {
    /// Reports read from the replica when there is one (`ReadRouting`).
    let reads: ReadRouting

    func register(_ routes: Routes) {
        routes.api(.get, "/reports/fund") { request, context in
            let (year, only) = (try Self.requiredYear(request), try Self.scope(context))
            return try await render(request, context) { try Reports.fund(year: year, only: only, on: $0) }
        }
        routes.api(.get, "/reports/restoration") { request, context in
            // the year's figures (default: as_of's year, else this year), their rates as of as_of (default: today)
            let only = try Self.scope(context)
            let asOf = try Self.asOf(request)
            let asked = request.uri.queryParameters[Substring("year")] == nil ? nil : try Self.requiredYear(request)
            let year = asked ?? asOf?.year ?? Bureau.today.year
            return try await render(request, context) {
                try Reports.restoration(year: year, asOf: asOf, only: only, on: $0)
            }
        }
        routes.api(.get, "/reports/annual-plans") { request, context in
            let (year, only) = (try Self.requiredYear(request), try Self.scope(context))
            return try await render(request, context) {
                try Reports.annualPlans(year: year, only: only, on: $0)
            }
        }
        routes.api(.get, "/reports/scales") { request, context in
            let only = try Self.scope(context)
            return try await render(request, context) { try Reports.scales(only: only, on: $0) }
        }
        routes.api(.get, "/reports/closure") { request, context in
            let only = try Self.scope(context)
            return try await render(request, context) { try Reports.closure(only: only, on: $0) }
        }
        routes.api(.get, "/reports/legacy") { request, context in
            try LegacyPolicy.read.check(try context.requirePrincipal())
            return try await render(request, context) { try Reports.legacy(on: $0) }
        }
        routes.api(.get, "/reports/green") { request, context in
            let only = MinePolicy.scope(for: try context.requirePrincipal())
            guard let year = try AnnualPlanController.queryYear(request) else {
                throw Problem.badRequest("year is required", errors: [.init(field: "year", detail: "is required")])
            }
            return try await render(request, context) { try GreenMines.report(year: year, only: only, on: $0) }
        }
        routes.api(.get, "/reports/monitoring") { request, context in
            let only = MinePolicy.scope(for: try context.requirePrincipal())
            let q = request.uri.queryParameters
            guard let text = q["period"].map(String.init) else {
                throw Problem.badRequest("period is required", errors: [.init(field: "period", detail: "is required, like 2026Q3")])
            }
            guard q["level"].map({ $0 == "banner" }) ?? true else {
                throw Problem.badRequest("level must be banner", errors: [.init(field: "level", detail: "must be banner (the city and region sum the banners')")])
            }
            let period: MonitoringPeriod
            do { period = try MonitoringPeriod.parse(text) } catch let e as ReclaimError {
                throw Problem.badRequest(e.description, errors: [.init(field: "period", detail: e.message)])
            }
            return try await render(request, context) { try Monitoring.summary(period: period, only: only, on: $0) }
        }
        routes.api(.get, "/reports/reminders") { request, context in
            let principal = try context.requirePrincipal()
            return try await render(request, context) { try Reminders.report(for: principal, on: $0) }
        }
        routes.api(.get, "/reports/targets") { request, context in
            try ReportPolicy.targets.check(try context.requirePrincipal())
            let (year, asOf) = (try AnnualPlanController.queryYear(request), try Self.asOf(request))
            return try await render(request, context) { try Reports.targets(year: year, asOf: asOf, on: $0) }
        }
        routes.api(.get, "/reports/disclosure/{license}/{year}") { request, context in
            let license = try context.license()
            try ReportPolicy.disclosure(license).check(try context.requirePrincipal())
            let year = try context.year()
            if Self.accepts(request, "text/html") {
                let (lang, unit) = try Self.presentation(request)
                let report = try await reads.pool(for: context.principal?.name).withConnection {
                    try Reports.disclosure(license, year: year, on: $0)
                }
                // the page the public reads: as locked down as the dashboard's (no script, nothing from elsewhere)
                return Response(status: .ok, headers: [
                    .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: DashboardMiddleware.contentSecurityPolicy,
                    .xContentTypeOptions: "nosniff", .referrerPolicy: "same-origin",
                ], body: .init(byteBuffer: ByteBuffer(string: report.html(lang: lang, unit: unit))))
            }
            return try await render(request, context) { try Reports.disclosure(license, year: year, on: $0) }
        }
    }

    /// Reads the report and answers JSON, or CSV when the client asks for
    /// it. `lang` and `unit` are checked first, either way: a wrong one is a
    /// 400 before any report is read, never silently ignored.
    func render<R: TabularReport>(
        _ request: Request, _ context: AppContext, _ read: @escaping @Sendable (Connection) throws -> R
    ) async throws -> Response {
        let (lang, unit) = try Self.presentation(request)
        let report = try await reads.pool(for: context.principal?.name).withConnection(read)
        guard Self.accepts(request, "text/csv") else { return try jsonResponse(report) }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: report.table(unit: unit).csv(lang, unit: unit))))
    }

    static func accepts(_ request: Request, _ type: String) -> Bool {
        request.headers[.accept]?.contains(type) == true
    }

    static func requiredYear(_ request: Request) throws -> Int {
        guard let year = try AnnualPlanController.queryYear(request) else {
            throw Problem.badRequest("year is required", errors: [.init(field: "year", detail: "is required")])
        }
        return year
    }

    /// The `as_of` query parameter, a date, when given.
    static func asOf(_ request: Request) throws -> CalendarDate? {
        guard let text = request.uri.queryParameters[Substring("as_of")].map(String.init) else { return nil }
        do { return try FundLedger.parseDate(text, field: "as_of") } catch let e as ReclaimError {
            throw Problem.badRequest(e.description, errors: [.init(field: "as_of", detail: e.message)])
        }
    }

    static func scope(_ context: AppContext) throws -> [String]? {
        MinePolicy.scope(for: try context.requirePrincipal())
    }

    /// `lang` and `unit` query parameters, for CSV and HTML; without `lang`,
    /// `language` (the API's English; the dashboard's, the user's own).
    static func presentation(_ request: Request, language: ReportLanguage = .en) throws -> (ReportLanguage, Money.Unit) {
        let q = request.uri.queryParameters
        let lang = try q[Substring("lang")].map { text in
            guard let l = ReportLanguage(rawValue: String(text)) else {
                throw Problem.badRequest("lang must be en or zh", errors: [.init(field: "lang", detail: "must be en or zh")])
            }
            return l
        } ?? language
        let unit = try q[Substring("unit")].map { text in
            guard let u = Money.Unit(rawValue: String(text)) else {
                throw Problem.badRequest("unit must be yuan or wan", errors: [.init(field: "unit", detail: "must be yuan or wan")])
            }
            return u
        } ?? .yuan
        return (lang, unit)
    }
}
