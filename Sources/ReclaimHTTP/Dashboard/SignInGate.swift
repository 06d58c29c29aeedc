import Foundation
import Synchronization

/// What stands before sign-in's password check. The database checks every
/// password itself (bcrypt, so that the service's role can never open a
/// session without one), and each check holds a pooled connection and a
/// core for a quarter of a second; a flood of sign-ins would otherwise take
/// the pool and the processor from everyone else. So at most `concurrent`
/// checks run at once (beyond that: 429, try again in a second), and each
/// client address may start `burst` attempts at once and one more every
/// `refill` after that (beyond that: 429 with the seconds until its next).
public final class SignInGate: Sendable {
    enum Admission: Equatable {
        case admitted
        /// Too many sign-ins in progress; seconds to wait.
        case busy(retryAfter: Int)
        /// This address has used its attempts; seconds to wait.
        case throttled(retryAfter: Int)

        /// The refusal's reason, as `reclaim_sign_in_rejections_total{reason}` counts it; nil when admitted.
        var rejection: String? {
            switch self {
            case .admitted: nil
            case .busy: "busy"
            case .throttled: "throttled"
            }
        }
    }

    let concurrent: Int
    let burst: Int
    let refill: Duration
    /// Addresses remembered at most; beyond it the ones with a full bucket
    /// (they lose nothing) are forgotten first, then the longest quiet.
    let maxAddresses: Int

    private struct Bucket {
        var tokens: Int
        var since: ContinuousClock.Instant
    }

    private struct State {
        var inFlight = 0
        var buckets: [String: Bucket] = [:]
    }

    private let state = Mutex(State())

    public init(concurrent: Int = max(2, ProcessInfo.processInfo.activeProcessorCount), burst: Int = 10,
         refill: Duration = .seconds(6), maxAddresses: Int = 10_000) {
        self.concurrent = concurrent
        self.burst = burst
        self.refill = refill
        self.maxAddresses = maxAddresses
    }

    /// Admits one attempt from `address` (nil: unknown, throttled together),
    /// or says how long to wait. An admitted attempt must `leave()`.
    func enter(address: String?, now: ContinuousClock.Instant = .now) -> Admission {
        let key = address ?? "unknown"
        return state.withLock { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: burst, since: now)
            // whole refills since the bucket was last counted
            let earned = Int((now - bucket.since) / refill)
            if earned > 0 {
                bucket.tokens = min(burst, bucket.tokens + earned)
                bucket.since = bucket.tokens == burst ? now : bucket.since + refill * earned
            }
            guard bucket.tokens > 0 else {
                state.buckets[key] = bucket
                let wait = refill - (now - bucket.since)
                let seconds = wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)
                return .throttled(retryAfter: max(1, Int(seconds)))
            }
            guard state.inFlight < concurrent else { return .busy(retryAfter: 1) }
            if bucket.tokens == burst { bucket.since = now }
            bucket.tokens -= 1
            state.inFlight += 1
            if state.buckets[key] == nil, state.buckets.count >= maxAddresses {
                Self.forget(&state.buckets, keeping: maxAddresses / 2, burst: burst)
            }
            state.buckets[key] = bucket
            return .admitted
        }
    }

    /// How many addresses it holds (for its tests).
    var rememberedAddresses: Int { state.withLock { $0.buckets.count } }

    func leave() {
        state.withLock { $0.inFlight -= 1 }
    }

    /// Runs `body` as one admitted attempt.
    func admitted<T>(_ body: () async throws -> T) async rethrows -> T {
        defer { leave() }
        return try await body()
    }

    private static func forget(_ buckets: inout [String: Bucket], keeping: Int, burst: Int) {
        buckets = buckets.filter { $0.value.tokens < burst }
        if buckets.count > keeping {
            let kept = buckets.sorted { $0.value.since > $1.value.since }.prefix(keeping)
            buckets = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        }
    }
}
