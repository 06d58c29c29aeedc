import Foundation
import Reclaim
import Hummingbird

/// Registers routes and remembers them ("GET /v1/mines"), so a test can hold
/// the router and `openapi.yaml` to each other.
final class Routes: @unchecked Sendable {
    // Only mutated while the router is being built, before it serves.
    private(set) var registered: [String] = []
    /// Each mutation's body shape, by route: what `ContractTests` holds to
    /// the request schemas of `openapi.yaml`.
    private(set) var bodies: [String: any BodyShape.Type] = [:]
    let router: Router<AppContext>
    let v1: RouterGroup<AppContext>

    init(router: Router<AppContext>, auth: AuthMiddleware, reads: ReadRouting) {
        self.router = router
        v1 = router.group("v1").add(middleware: auth).add(middleware: ReadYourWritesMiddleware(reads: reads))
    }

    typealias Handler = @Sendable (Request, AppContext) async throws -> Response

    /// A route outside /v1, no token needed.
    func open(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        registered.append("\(method.rawValue) \(path)")
        router.on(RouterPath(path), method: method, use: handler)
    }

    /// A route under /v1, behind the bearer token; `body` names the shape
    /// its handler reads.
    func api(_ method: HTTPRequest.Method, _ path: String, body: (any BodyShape.Type)? = nil,
             _ handler: @escaping Handler) {
        registered.append("\(method.rawValue) /v1\(path)")
        if let body { bodies["\(method.rawValue) /v1\(path)"] = body }
        v1.on(RouterPath(String(path.dropFirst())), method: method, use: handler)
    }

    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace, .connect]
        + (HTTPRequest.Method("QUERY").map { [$0] } ?? [])

    /// For every known path, the methods it does not serve answer 405 with
    /// `Allow` (an unknown path stays 404). Call once, after every route.
    func answerUnknownMethods() {
        var byPath: [String: [String]] = [:]
        for route in registered {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            byPath[parts[1], default: []].append(parts[0])
        }
        for (path, served) in byPath {
            let allow = served.sorted().joined(separator: ", ")
            let handler: Handler = { _, _ in throw Problem.methodNotAllowed(allow: allow) }
            for method in Self.methods where !served.contains(method.rawValue) {
                if method == .head, served.contains("GET") { continue }  // Hummingbird answers HEAD with GET
                if path.hasPrefix("/v1/") {
                    v1.on(RouterPath(String(path.dropFirst(4))), method: method, use: handler)
                } else {
                    router.on(RouterPath(path), method: method, use: handler)
                }
            }
        }
    }
}

extension AppContext {
    /// A path parameter, percent-decoded (the router matches the raw path, so
    /// `C15011%202020%2F%E9%87%87-01` arrives encoded). Malformed escapes are 400.
    func path(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else { throw Problem.badRequest("missing \(name)") }
        guard let decoded = raw.removingPercentEncoding else {
            throw Problem.badRequest("\(name) is not validly percent-encoded",
                                     errors: [.init(field: name, detail: "is not validly percent-encoded")])
        }
        return decoded
    }

    /// The `{year}` path parameter: four digits in the one range (`Years`).
    func year() throws -> Int {
        do { return try Years.parse(try path("year")) } catch let e as ReclaimError {
            throw Problem.badRequest(e.description, errors: [.init(field: "year", detail: e.message)])
        }
    }

    /// The `{license}` path parameter, decoded and normalised as every licence is.
    func license() throws -> String {
        try Identifier.license(try path("license"))
    }
}
