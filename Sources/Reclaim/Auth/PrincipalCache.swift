import Crypto
public import Foundation
import Synchronization

/// Who a bearer token named the last time the database was asked, kept so
/// that a booking need not ask again before it books. Nothing here is
/// trusted on its own: a principal taken from the cache travels with the
/// token as the booking's `Actor.proof`, and the booking statement checks
/// the token (valid, unrevoked, this user's) and the user's role before it
/// writes, so a revoked token fails on its very next request. Only
/// principals `FundPolicy.book` allows are kept; a refusal drops the entry.
/// Keys are the tokens' SHA-256, never the tokens.
public final class PrincipalCache: Sendable {
    private let entries = Mutex<[Data: Principal]>([:])
    /// A bound, not a policy: when full, the cache starts afresh.
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    public func principal(for token: String) -> Principal? {
        let key = Self.key(token)
        return entries.withLock { $0[key] }
    }

    public func keep(_ principal: Principal, for token: String) {
        guard FundPolicy.book.permits(principal) else { return }
        let key = Self.key(token)
        entries.withLock { e in
            if e.count >= capacity { e.removeAll(keepingCapacity: true) }
            e[key] = principal
        }
    }

    public func forget(_ token: String) {
        let key = Self.key(token)
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    private static func key(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
