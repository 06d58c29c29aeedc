import Foundation
import Hummingbird
import PQKit
import Reclaim

/// `fund verify` over HTTP: POST /v1/fund/verifications starts one (202,
/// `Location` to follow), GET /v1/fund/verifications/{id} says its step and,
/// once done, its report. For auditors and administrators.
struct VerificationController {
    let pool: ConnectionPool
    let verifications: Verifications

    func register(_ routes: Routes) {
        routes.api(.post, "/fund/verifications", body: FundLedger.VerifyRequest.self, start)
        routes.api(.get, "/fund/verifications/{id}", show)
    }

    @Sendable func start(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try FundPolicy.verify.check(principal)
        let (_, v) = try await JSONBody.read(request, context: context, as: FundLedger.VerifyRequest.self)
        let checkpoint = try v.checkpoint.map { text -> String in
            let t = text.trimmingCharacters(in: .whitespaces).lowercased()
            guard t.count == 64, t.allSatisfy(\.isHexDigit) else {
                throw ReclaimError.invalid("checkpoint", "must be a checkpoint's digest (64 hexadecimal digits)")
            }
            return t
        }
        let job = try verifications.start(pool: pool, by: principal, checkpoint: checkpoint, incremental: v.incremental ?? false)
        var response = try jsonResponse(job, status: .accepted)
        response.headers[.location] = "/v1/fund/verifications/\(job.id)"
        return response
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        try FundPolicy.verify.check(try context.requirePrincipal())
        guard let job = verifications.job(try context.path("id")) else {
            throw ReclaimError(.notFound, field: "id", "no verification \(try context.path("id")) (the service keeps the last 20 until it restarts)")
        }
        return try jsonResponse(job)
    }
}
