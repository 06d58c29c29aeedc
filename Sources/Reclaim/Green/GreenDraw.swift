import Foundation
import Crypto

/// The 双随机一公开 draw of the green-mine spot checks, as an algorithm anyone
/// can run again from what is published: the list drawn from, the pool of
/// inspectors, the pairs excluded (an inspector bound to a mine), the year,
/// the share and the seed. Nothing else goes in, so the same inputs give the
/// same sample on any machine, after any restart.
///
/// 1. The mines: each listed licence's key is the SHA-256 (hex) of
///    `seed LF year LF licence`; the licences sorted by key, ascending; the
///    first ⌈n × share / 100⌉ of them (n the list's size) are drawn.
/// 2. The inspectors of each drawn mine: each user of the pool not excluded
///    for that licence gets the SHA-256 (hex) of
///    `seed LF year LF licence LF user`; the two smallest are drawn.
/// Ties cannot happen in practice (distinct SHA-256 inputs); they would fall
/// back to the licence's or the user's own order.
public struct GreenDraw: Sendable, Equatable, Codable {
    public struct Drawn: Sendable, Equatable, Codable {
        public var license: String
        public var inspectors: [String]
    }

    public var year: Int
    public var seed: String
    public var sharePercent: Int
    /// The list drawn from (licences, sorted).
    public var listed: [String]
    /// The inspectors drawn from (reviewers and experts, sorted).
    public var pool: [String]
    /// `licence:user` pairs never drawn together (a user bound to the mine).
    public var excluded: [String]
    public var sample: [Drawn]
    public var algorithm: String

    public static let algorithmName = "reclaim-green-draw-v1 (SHA-256 of seed, year, licence[, user]; ascending)"

    enum CodingKeys: String, CodingKey {
        case year, seed
        case sharePercent = "share_percent"
        case listed, pool, excluded, sample, algorithm
    }

    static func key(_ parts: [String]) -> String {
        SHA256.hash(data: Data(parts.joined(separator: "\n").utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// How many of `n` listed mines a share of `percent` draws: at least one of a non-empty list.
    public static func count(of n: Int, percent: Int) -> Int {
        n == 0 ? 0 : max(1, (n * percent + 99) / 100)
    }

    /// Draws from the inputs alone; refuses a drawn mine with fewer than two eligible inspectors.
    public static func draw(year: Int, seed: String, sharePercent: Int, listed: [String], pool: [String], excluded: [String])
        throws -> GreenDraw
    {
        let listed = listed.sorted(), pool = pool.sorted(), excludedSet = Set(excluded)
        let mines = listed.map { (license: $0, key: key([seed, String(year), $0])) }
            .sorted { ($0.key, $0.license) < ($1.key, $1.license) }
            .prefix(count(of: listed.count, percent: sharePercent))
        var sample: [Drawn] = []
        for m in mines {
            let eligible = pool.filter { !excludedSet.contains("\(m.license):\($0)") }
            guard eligible.count >= 2 else {
                throw ReclaimError(.ruleViolation, field: "inspectors",
                                   "mine \(m.license) has \(eligible.count) eligible inspector(s): a spot check takes two reviewers or experts not bound to it")
            }
            let two = eligible.map { (user: $0, key: key([seed, String(year), m.license, $0])) }
                .sorted { ($0.key, $0.user) < ($1.key, $1.user) }.prefix(2).map(\.user)
            sample.append(Drawn(license: m.license, inspectors: Array(two)))
        }
        return GreenDraw(year: year, seed: seed, sharePercent: sharePercent, listed: listed, pool: pool,
                         excluded: excluded.sorted(), sample: sample, algorithm: algorithmName)
    }

    /// Draws again from this draw's own published inputs: the same sample, or the draw was not this algorithm's.
    public func redrawn() throws -> GreenDraw {
        try Self.draw(year: year, seed: seed, sharePercent: sharePercent, listed: listed, pool: pool, excluded: excluded)
    }
}
