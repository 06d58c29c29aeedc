import Foundation
public import HTTPTypes
public import Hummingbird
import Logging
import PQKit
import Reclaim

/// An RFC 9457 problem document (`application/problem+json`).
public struct Problem: Error, HTTPResponseError, Sendable {
    public struct FieldError: Sendable, Encodable {
        public var field: String
        public var detail: String
    }

    public var status: HTTPResponse.Status
    public var type: String
    public var title: String
    public var detail: String
    public var errors: [FieldError]
    /// A rule's unmet conditions, each named (closure acceptance).
    public var unmet: [Unmet] = []
    /// The step that clears the refusal, when the rule knows one.
    public var remedy: Remedy?
    /// For 405: the methods the path serves.
    public var allow: String?
    /// A file refused as a whole: every bad line, numbered (the bank-file import).
    public var report: ImportReport?

    public init(_ status: HTTPResponse.Status, type: String, title: String, detail: String, errors: [FieldError] = []) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    static func methodNotAllowed(allow: String) -> Problem {
        var p = Problem(.methodNotAllowed, type: "urn:reclaim:problem:method-not-allowed", title: "Method not allowed",
                        detail: "this path serves \(allow)")
        p.allow = allow
        return p
    }

    static func unsupportedMediaType(_ detail: String) -> Problem {
        Problem(.unsupportedMediaType, type: "urn:reclaim:problem:unsupported-media-type",
                title: "Unsupported media type", detail: detail)
    }

    static func badRequest(_ detail: String, errors: [FieldError] = []) -> Problem {
        Problem(.badRequest, type: "urn:reclaim:problem:invalid-request", title: "Invalid request", detail: detail,
                errors: errors)
    }

    /// The problem for any error; nothing internal leaks.
    static func from(_ error: any Error) -> Problem {
        if let p = error as? Problem { return p }
        if let b = error as? BodyNotReceived { return b.problem }
        if let rejected = error as? ImportRejected {
            var p = Problem(.unprocessableContent, type: "urn:reclaim:problem:rule-violation", title: "Refused by a rule",
                            detail: "import refused: \(rejected.report.problems.count) bad rows of \(rejected.report.rows); nothing booked")
            p.report = rejected.report
            return p
        }
        // Hummingbird's own errors (no route, body too large, ...) keep their status.
        if let h = error as? any HTTPResponseError {
            if h.status == .contentTooLarge {
                return Problem(.contentTooLarge, type: "urn:reclaim:problem:too-large", title: "Body too large",
                               detail: "request bodies are limited to 1 MiB")
            }
            let detail = (error as? HTTPError)?.body ?? h.status.reasonPhrase
            return Problem(h.status, type: "about:blank", title: h.status.reasonPhrase, detail: detail)
        }
        let e = ReclaimError.wrap(error)
        if !e.fieldErrors.isEmpty {
            // several fields at once (a request body's): each named, in the words the body's reader used
            return .badRequest(e.fieldErrors.map { "\($0.field) \($0.message)" }.joined(separator: "; "),
                               errors: e.fieldErrors.map { FieldError(field: $0.field, detail: $0.message) })
        }
        let fieldErrors = e.field.map { [FieldError(field: $0, detail: e.message)] } ?? []
        switch e.kind {
        case .invalidInput, .unreadableInput:
            return .badRequest(e.description, errors: fieldErrors)
        case .notFound:
            return Problem(.notFound, type: "urn:reclaim:problem:not-found", title: "Not found", detail: e.description)
        case .conflict:
            return Problem(.conflict, type: "urn:reclaim:problem:conflict", title: "Conflict", detail: e.description,
                           errors: fieldErrors)
        case .ruleViolation:
            var p = Problem(.unprocessableContent, type: "urn:reclaim:problem:rule-violation", title: "Refused by a rule",
                            detail: e.description, errors: fieldErrors)
            p.unmet = e.unmet
            p.remedy = e.remedy
            return p
        case .unauthenticated:
            return Problem(.unauthorized, type: "urn:reclaim:problem:unauthenticated", title: "Unauthenticated",
                           detail: e.description)
        case .forbidden:
            return Problem(.forbidden, type: "urn:reclaim:problem:forbidden", title: "Forbidden", detail: e.description)
        case .unavailable:
            return Problem(.serviceUnavailable, type: "urn:reclaim:problem:unavailable",
                           title: "Service unavailable", detail: "\(e.message); try again")
        case .internal:
            // A bug, not an outage: logged in full by ProblemMiddleware, told generically here.
            return Problem(.internalServerError, type: "urn:reclaim:problem:internal", title: "Internal error",
                           detail: "an internal error occurred; it has been logged")
        }
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [FieldError]?
        var unmet: [Unmet]?
        var remedy: Remedy?
        var report: ImportReport?
        var instance: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: type, title: title, status: status.code, detail: detail,
                        errors: errors.isEmpty ? nil : errors, unmet: unmet.isEmpty ? nil : unmet,
                        remedy: remedy, report: report, instance: request.uri.path)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: (try? ReclaimJSON.encode(body)) ?? Data())))
    }
}

/// Turns every error below it into a problem+json response, so no handler
/// can leak an internal message, and logs server-side failures.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem.from(error)
            // a browser's unknown page outside the API: the dashboard's 404, in its language
            if problem.status == .notFound, !request.uri.path.hasPrefix("/v1"),
               request.headers[.accept]?.contains("text/html") == true {
                let lang = request.cookies[Pages.languageCookie].flatMap { DashboardLanguage(rawValue: $0.value) } ?? .zh
                return Response(status: .notFound, headers: [.contentType: "text/html; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: Pages.notFoundPage(lang))))
            }
            if error is BodyNotReceived {
                context.logger.notice("request body not received", metadata: ["status": "\(problem.status.code)"])
            } else if problem.status.code >= 500 {
                // debugDescription of a PQError has the server's fields; never the token or body.
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
