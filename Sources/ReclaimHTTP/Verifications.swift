import Foundation
import PQKit
import Reclaim
import Synchronization

/// `fund verify` run by the service, for auditors who have no database
/// access: a job on one pooled connection, its step watched while it runs
/// and its report kept once done. One runs at a time (a second is refused
/// naming the first); jobs live in the service's memory, so a restart
/// forgets them (the check itself writes nothing).
final class Verifications: Sendable {
    struct Job: Sendable, Encodable {
        enum State: String, Sendable, Encodable { case running, done, failed }
        var id: String
        var state: State
        @Nullable var step: VerifyStep?
        var startedBy: String
        var startedAt: Date
        @Nullable var finishedAt: Date?
        @Nullable var checkpoint: String?
        var incremental: Bool
        @Nullable var report: VerifyReport?
        @Nullable var failure: String?

        enum CodingKeys: String, CodingKey {
            case id, state, step
            case startedBy = "started_by"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case checkpoint, incremental, report, failure
        }
    }

    private let jobs = Mutex<[String: Job]>([:])
    /// The newest jobs kept; older ones are forgotten.
    private let keep = 20

    /// Starts a verification as `principal` (`FundPolicy.verify`).
    func start(pool: ConnectionPool, by principal: Principal, checkpoint: String?, incremental: Bool) throws -> Job {
        try FundPolicy.verify.check(principal)
        if incremental, checkpoint == nil {
            throw ReclaimError(.ruleViolation, field: "incremental", "an incremental verification starts after a checkpoint: name one")
        }
        let job = Job(id: UUID().uuidString.lowercased(), state: .running, step: nil, startedBy: principal.name, startedAt: Date(),
                      checkpoint: checkpoint, incremental: incremental)
        try jobs.withLock { jobs in
            if let running = jobs.values.first(where: { $0.state == .running }) {
                throw ReclaimError(.conflict, field: "verification", "verification \(running.id) is running; follow it instead")
            }
            jobs[job.id] = job
            if jobs.count > keep, let oldest = jobs.values.filter({ $0.state != .running }).min(by: { $0.startedAt < $1.startedAt }) {
                jobs[oldest.id] = nil
            }
        }
        let id = job.id
        Task.detached { [self] in
            do {
                let report = try await pool.withConnection { conn in
                    try FundLedger.verify(on: conn, checkpoint: checkpoint, incremental: incremental) { step in
                        self.update(id) { $0.step = step }
                    }
                }
                update(id) {
                    $0.state = .done
                    $0.report = report
                    $0.finishedAt = Date()
                }
            } catch {
                let e = ReclaimError.wrap(error)
                update(id) {
                    $0.state = .failed
                    // a refusal says why (a shadowed function, an unknown checkpoint); anything else is the service's
                    $0.failure = e.kind == .internal ? "the verification could not run; see the service's log" : e.description
                    $0.finishedAt = Date()
                }
            }
        }
        return job
    }

    func job(_ id: String) -> Job? { jobs.withLock { $0[id] } }

    /// The newest first.
    func recent() -> [Job] { jobs.withLock { Array($0.values) }.sorted { $0.startedAt > $1.startedAt } }

    private func update(_ id: String, _ change: (inout Job) -> Void) {
        jobs.withLock { jobs in
            guard var job = jobs[id] else { return }
            change(&job)
            jobs[id] = job
        }
    }
}
