import Foundation
import HTTPTypes
import Hummingbird
import PQKit
import Reclaim

/// The fund ledger over HTTP: bookings by finance staff, reads by everyone
/// allowed to see the mine.
struct FundController {
    let pool: ConnectionPool
    let metrics: ServiceMetrics
    /// Statements and balances as of a date may read from the replica.
    let reads: ReadRouting

    func register(_ routes: Routes) {
        routes.api(.post, "/mines/{license}/fund/deposits", body: FundLedger.DepositRequest.self) { try await self.book(.deposit, $0, $1) }
        routes.api(.post, "/mines/{license}/fund/withdrawals", body: FundLedger.WithdrawalRequest.self) { try await self.book(.withdrawal, $0, $1) }
        routes.api(.post, "/mines/{license}/fund/deposit-conversions", body: FundLedger.DepositRequest.self) { try await self.book(.depositConversion, $0, $1) }
        routes.api(.post, "/fund/transfers", body: FundLedger.TransferRequest.self) { try await self.book(.transfer, $0, $1) }
        routes.api(.post, "/fund/entries/{id}/reversal", body: FundLedger.ReversalRequest.self, reverse)
        routes.api(.get, "/fund/entries/{id}", entry)
        routes.api(.get, "/mines/{license}/fund", balance)
        routes.api(.get, "/mines/{license}/fund/statement", statement)
        routes.api(.get, "/fund/balances", balances)
        routes.api(.post, "/fund/imports", importBankFile)
    }

    /// A bank file (银行流水) as `text/csv`, booked in one transaction: all
    /// rows or none, a refusal naming every bad line. Each row carries its
    /// own idempotency key, so the same file sent again books nothing twice.
    /// `?dry_run=true` checks and reports, booking nothing.
    @Sendable func importBankFile(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let media = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard media == "text/csv" else { throw Problem.unsupportedMediaType("send the bank file as text/csv") }
        let dryRun: Bool
        switch request.uri.queryParameters["dry_run"] {
        case nil, "false": dryRun = false
        case "true": dryRun = true
        default: throw Problem.badRequest("dry_run must be true or false", errors: [.init(field: "dry_run", detail: "must be true or false")])
        }
        try FundPolicy.book.check(principal)  // before the body: a refused caller sends nothing large
        let buffer = try await context.collectBody(request, limit: 64 << 20)
        let path = NSTemporaryDirectory() + "reclaim-bank-\(UUID().uuidString).csv"
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer.readableBytesView)) else {
            throw ReclaimError(.internal, "the bank file could not be staged")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let actor = try context.actor()
        let report = try await pool.withConnection {
            try FundLedger.Commands.importCSV(path: path, name: nil, dryRun: dryRun).run(as: principal, actor: actor, on: $0)
        }
        return try jsonResponse(report, status: dryRun ? .ok : .created)
    }

    /// The booking routes above, whose statement proves a cached principal's
    /// token itself (`fund_post`'s p_token), so `AuthMiddleware` may skip
    /// its lookup. Every other route has its token looked up.
    static func provesItsToken(_ request: Request) -> Bool {
        guard request.method == .post else { return false }
        let path = request.uri.path
        if path == "/v1/fund/transfers" { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 6 && parts[0].isEmpty && parts[1] == "v1" && parts[2] == "mines" && parts[4] == "fund"
            && ["deposits", "withdrawals", "deposit-conversions"].contains(parts[5])
    }

    func book(_ kind: EntryKind, _ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let key = try idempotencyKey(request)
        let command: Command<BookingResult>
        switch kind {
        case .transfer:
            let (_, t) = try await JSONBody.read(request, context: context, as: FundLedger.TransferRequest.self)
            command = FundLedger.Commands.transfer(from: t.fromLicense, to: t.toLicense, merger: try t.merger(),
                                                   try t.booking(idempotencyKey: key))
        case .withdrawal:
            let (_, w) = try await JSONBody.read(request, context: context, as: FundLedger.WithdrawalRequest.self)
            command = FundLedger.Commands.book(kind, try context.license(), try w.booking(idempotencyKey: key))
        default:
            let (_, d) = try await JSONBody.read(request, context: context, as: FundLedger.DepositRequest.self)
            command = FundLedger.Commands.book(kind, try context.license(), try d.booking(idempotencyKey: key))
        }
        let actor = try context.actor()
        // The ledger keeps the Idempotency-Key with the entry (same key and request: the original entry, which
        // serialises to the same body; same key, other request: 409), and one statement books and audits.
        return try booked(try await timedBooking { try command.run(as: principal, actor: actor, on: $0) })
    }

    @Sendable func reverse(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let id = Int64(try context.path("id")) else {
            throw Problem.badRequest("id must be an entry number", errors: [.init(field: "id", detail: "must be a number")])
        }
        let (_, r) = try await JSONBody.read(request, context: context, as: FundLedger.ReversalRequest.self)
        let command = FundLedger.Commands.reverse(id, reason: r.reason, valueDate: try r.date(),
                                                  idempotencyKey: try idempotencyKey(request))
        let actor = try context.actor()
        return try booked(try await timedBooking { try command.run(as: principal, actor: actor, on: $0) })
    }

    /// Runs a booking command on a pooled connection, its statement timed
    /// for `reclaim_booking_duration_seconds` (the wait for the connection is not counted).
    func timedBooking(_ body: @escaping @Sendable (Connection) throws -> BookingResult) async throws -> BookingResult {
        let metrics = self.metrics
        return try await pool.withConnection { conn in
            let start = ContinuousClock.now
            defer { metrics.booking(ContinuousClock.now - start) }
            return try body(conn)
        }
    }

    /// 201 with the entry; a replayed Idempotency-Key says so in a header
    /// (the body is the original entry either way).
    func booked(_ result: BookingResult) throws -> Response {
        var response = try jsonResponse(result.entry, status: .created)
        if result.replayed {
            response.headers[.idempotentReplayed] = "true"
        } else {
            metrics.bookedEntry()
        }
        return response
    }

    @Sendable func entry(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let id = Int64(try context.path("id")) else { throw Problem.badRequest("id must be an entry number") }
        let entry = try await pool.withConnection { try FundLedger.entry(id, on: $0) }
        return try jsonResponse(try FundPolicy.visible(entry, to: principal))
    }

    @Sendable func balance(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        let asOf = try request.queryDate("as_of")
        // the balance now is the primary's; as of a date it may come from the replica
        let source = asOf == nil ? pool : reads.pool(for: context.principal?.name)
        return try jsonResponse(try await source.withConnection { try FundLedger.balance(license, asOf: asOf, on: $0) })
    }

    @Sendable func statement(_ request: Request, _ context: AppContext) async throws -> Response {
        let license = try context.license()
        try MinePolicy.read(license).check(try context.requirePrincipal())
        let from = try request.queryDate("from")
        let to = try request.queryDate("to")
        let source = reads.pool(for: context.principal?.name)
        // checked whatever the format, as the document says: a lang that is none is a 400, never ignored
        let (lang, _) = try ReportController.presentation(request)
        if request.headers[.accept]?.contains("text/csv") == true {
            let csv = try await source.withConnection { conn in
                var data = Data()
                try FundLedger.statementCSV(license, from: from, to: to, lang: lang, on: conn) { data.append(contentsOf: $0) }
                return data
            }
            return Response(status: .ok, headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: Download.disposition(FundLedger.statementFileName(license, from: from, to: to, lang: lang)),
            ], body: .init(byteBuffer: ByteBuffer(bytes: csv)))
        }
        let s = try await source.withConnection { try FundLedger.statement(license, from: from, to: to, on: $0) }
        return try jsonResponse(s)
    }

    @Sendable func balances(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let paging = try Paging(request)
        let asOf = try request.queryDate("as_of")
        let only = MinePolicy.scope(for: principal)
        let source = asOf == nil ? pool : reads.pool(for: principal.name)
        let visible = try await source.withConnection { conn in
            try FundLedger.balances(asOf: asOf, after: paging.cursor, limit: paging.limit + 1, only: only, on: conn)
        }
        let items = Array(visible.prefix(paging.limit))
        return try jsonResponse(Page(items: items, nextCursor: visible.count > paging.limit ? items.last?.license : nil))
    }
}

/// A withdrawal's `annual_plan_year`: a whole number (a string or true is 400).
