import Foundation
import Hummingbird
import Logging

/// One line per request: its method and path, and its query with every
/// parameter that could carry a secret (a token someone put in the URL, a
/// password) written as `***`. Never headers or bodies.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Query parameters never written to the log, compared case-insensitively.
    static var secrets: Set<String> {
        ["access_token", "token", "api_key", "apikey", "key", "password", "passwd", "secret", "session", "csrf",
         "code", "signature", "sig", "auth", "authorization"]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        context.logger.info("Request", metadata: [
            "hb.request.path": .string(Self.redacted(path: request.uri.path, query: request.uri.query)),
            "hb.request.method": .string(request.method.rawValue),
        ])
        return try await next(request, context)
    }

    /// The path and query as logged.
    static func redacted(path: String, query: String?) -> String {
        guard let query, !query.isEmpty else { return path }
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let decoded = (name.removingPercentEncoding ?? name).lowercased()
            return secrets.contains(decoded) && pair.count == 2 ? "\(name)=***" : String(part)
        }
        return path + "?" + parts.joined(separator: "&")
    }
}
