import Foundation
import Hummingbird
import Reclaim

/// A mutation's JSON body as it arrived: at most 1 MiB (else 413), sent as
/// `application/json` or a `+json` type (else 415). Its shape is the
/// domain's: an `APIRequest` read by `StrictJSON`, or a document (a plan, a
/// works file, a rule set) read by the parser the CLI's files share.
struct JSONBody {
    let bytes: Data
    /// The body in a canonical form (sorted keys), for idempotency digests.
    let canonical: Data

    /// Collects the body and reads it as `T`, strictly.
    static func read<T: APIRequest>(_ request: Request, context: AppContext, as type: T.Type, limit: Int? = nil) async throws
        -> (JSONBody, T)
    {
        let body = try await collect(request, context: context, limit: limit)
        return (body, try StrictJSON.decode(type, from: body.bytes))
    }

    /// Collects a document's body: UTF-8 JSON, an object, no key given twice;
    /// its fields are its parser's to check.
    static func document(_ request: Request, context: AppContext) async throws -> JSONBody {
        let body = try await collect(request, context: context)
        _ = try StrictJSON.object(body.bytes)
        return body
    }

    private static func collect(_ request: Request, context: AppContext, limit: Int? = nil) async throws -> JSONBody {
        if let type = request.headers[.contentType] {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json")) else {
                throw Problem.unsupportedMediaType("send the body as application/json, not \(media)")
            }
        }
        let buffer = try await context.collectBody(request, limit: limit)
        let data = Data(buffer.readableBytesView)
        if !data.isEmpty, request.headers[.contentType] == nil {
            throw Problem.unsupportedMediaType("send the body as application/json")
        }
        let object = (try? JSONSerialization.jsonObject(with: data.isEmpty ? Data("{}".utf8) : data)) ?? [String: Any]()
        let canonical = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? data
        return JSONBody(bytes: data, canonical: canonical)
    }

    /// A review decision's body: the reason of a return, nothing for the others.
    static func decision(returning: Bool, _ request: Request, context: AppContext) async throws -> (JSONBody, String?) {
        if returning {
            let (body, r) = try await read(request, context: context, as: ReturnRequest.self)
            return (body, r.reason)
        }
        return (try await read(request, context: context, as: EmptyRequest.self).0, nil)
    }
}
