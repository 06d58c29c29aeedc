import Foundation
import Reclaim
import Synchronization

/// The whole banner's figures at a glance (总览), kept between visits once
/// computing them is slow.
///
/// The home page's figures cover every mine: each fund line, every balance,
/// six years of bookings, the restoration totals. Each is linear in the
/// number of mines: about 10 ms for a county's 40, about 2 s for a
/// country's 40,000 (docs/scaling.md). Below `backgroundFrom` mines every
/// visit computes them afresh, as it always did. From there on, a visit
/// gets the latest computed figures at once, with the time they are as of,
/// which the page shows; a refresh starts in the background when they are
/// older than `refreshAfter`. The page stays fast and never passes old
/// figures off as current; the reports stay live. The switch is by the
/// number of mines, not by a measured time, so that a busy machine never
/// turns a county's live page into a delayed one. Figures limited to some
/// mines (an operator's) are always computed afresh: they are few.
///
/// Visits that find no figures yet (the first ones after a start) share one
/// computation: twenty people opening a country's page at once after a
/// restart cost one computation, not twenty, each holding a connection the
/// bookings need. A visit that joined a computation begun before it came
/// gets the figures with their time, as it would kept ones, if they are a
/// large banner's; a county's it computes afresh, so its page stays live.
public final class OverviewCache: Sendable {
    struct Figures: Sendable {
        var overview: Overview
        /// When the computation began: its snapshot is of then or later.
        var asOf: Date
        var started: ContinuousClock.Instant
    }

    private struct State {
        var latest: [Int: Figures] = [:]
        var refreshing: Set<Int> = []
        /// The computation that visits finding no figures for the year wait for.
        var first: [Int: Task<Figures, any Error>] = [:]
        /// The background refreshes running, by year.
        var refreshes: [Int: Task<Void, Never>] = [:]
        /// Shut down: nothing starts in the background any more.
        var closed = false
    }

    public let backgroundFrom: Int
    public let refreshAfter: Duration
    private let state = Mutex(State())

    public init(backgroundFrom mines: Int = 2_000, refreshAfter: Duration = .seconds(30)) {
        self.backgroundFrom = mines
        self.refreshAfter = refreshAfter
    }

    /// The banner's figures for `year`; `asOf` is nil when they were computed
    /// for this visit, else the time they are as of.
    func overview(year: Int, compute: @escaping @Sendable () async throws -> Overview) async throws
        -> (overview: Overview, asOf: Date?)
    {
        let now = ContinuousClock.now
        enum Next {
            case kept(Figures, refresh: Bool)
            case compute
            case first(Task<Figures, any Error>, joined: Bool)
        }
        let next = state.withLock { s -> Next in
            guard let f = s.latest[year] else {
                if let running = s.first[year] { return .first(running, joined: true) }
                let task = Task { [self] in
                    defer { _ = state.withLock { $0.first.removeValue(forKey: year) } }
                    return try await computeAndKeep(year: year, compute)
                }
                s.first[year] = task
                return .first(task, joined: false)
            }
            guard f.overview.mines >= backgroundFrom else { return .compute }
            let refresh = now - f.started >= refreshAfter && !s.refreshing.contains(year) && !s.closed
            if refresh { s.refreshing.insert(year) }
            return .kept(f, refresh: refresh)
        }
        switch next {
        case .compute:
            return (try await computeAndKeep(year: year, compute).overview, nil)
        case .first(let task, let joined):
            let figures = try await task.value
            guard joined else { return (figures.overview, nil) }
            // begun before this visit: a county's page is computed afresh (live)
            guard figures.overview.mines >= backgroundFrom else {
                return (try await computeAndKeep(year: year, compute).overview, nil)
            }
            return (figures.overview, figures.asOf)
        case .kept(let figures, let refresh):
            if refresh {
                let task = Task { [self] in
                    defer { _ = state.withLock { $0.refreshing.remove(year); $0.refreshes.removeValue(forKey: year) } }
                    // A failed refresh keeps the figures there are; the next visit tries again.
                    _ = try? await computeAndKeep(year: year, compute)
                }
                state.withLock { s in
                    // the refresh may have finished already: keep only one still running
                    if s.refreshing.contains(year) { s.refreshes[year] = task }
                }
            }
            return (figures.overview, figures.asOf)
        }
    }

    /// At the service's shutdown: no refresh starts any more, and those
    /// running (and first computations) are cancelled and awaited, so none
    /// outlives the pools they use.
    func shutdown() async {
        let (refreshes, firsts) = state.withLock { s in
            s.closed = true
            return (Array(s.refreshes.values), Array(s.first.values))
        }
        for task in refreshes { task.cancel() }
        for task in firsts { task.cancel() }
        for task in refreshes { await task.value }
        for task in firsts { _ = try? await task.value }
    }

    private func computeAndKeep(year: Int, _ compute: @Sendable () async throws -> Overview) async throws -> Figures {
        let asOf = Date()
        let started = ContinuousClock.now
        let overview = try await compute()
        let figures = Figures(overview: overview, asOf: asOf, started: started)
        state.withLock { s in
            // a slower computation that began earlier never replaces a later one
            if s.latest[year].map({ $0.started < started }) ?? true { s.latest[year] = figures }
        }
        return figures
    }
}
