import Foundation
import Hummingbird
import NIOCore

/// A request's body read with a deadline. The idle timeout closes a
/// connection that sends nothing, but a body trickled a byte at a time keeps
/// it alive for ever; so the whole body must arrive within `bodyTimeout`,
/// else the answer is 408 and the connection is closed (draining the rest
/// would wait on the same trickle).
extension AppContext {
    /// At most `limit` bytes (else 413); by default `maxUploadSize`.
    func collectBody(_ request: Request, limit: Int? = nil) async throws -> ByteBuffer {
        let body = request.body, limit = limit ?? maxUploadSize, deadline = bodyTimeout
        let collected: ByteBuffer?
        do {
            collected = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch let error as any HTTPResponseError {
            throw error // too large: 413
        } catch {
            // the client went away or broke off mid-body: its doing, not ours
            throw BodyNotReceived(reason: .broken)
        }
        guard let collected else {
            if let channel {
                // after the 408 has gone out; the drain would wait on the same trickle
                channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
            }
            throw BodyNotReceived(reason: .tooSlow)
        }
        return collected
    }
}

/// A body that did not arrive: too slowly (408) or not whole (400). Logged at
/// notice level: a client that gives up is not a failure of the service.
struct BodyNotReceived: Error {
    enum Reason { case tooSlow, broken }
    var reason: Reason

    var problem: Problem {
        switch reason {
        case .tooSlow:
            Problem(.requestTimeout, type: "urn:reclaim:problem:body-timeout", title: "Request timeout",
                    detail: "the request's body did not arrive in time")
        case .broken:
            Problem(.badRequest, type: "urn:reclaim:problem:body-broken", title: "Bad request",
                    detail: "the request's body was cut off")
        }
    }
}
