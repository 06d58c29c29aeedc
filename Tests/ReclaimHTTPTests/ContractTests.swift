import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import TestSupport
import Testing

/// openapi.yaml is the contract: the server's routes and the document's
/// operations must be the same set, and every documented route must answer.
@Suite struct ContractTests {
    /// "METHOD /path" for every operation in openapi.yaml.
    static func documentedOperations() throws -> Set<String> {
        let text = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("openapi.yaml"),
                              encoding: .utf8)
        var ops = Set<String>()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "")
                if ["get", "post", "put", "patch", "delete"].contains(key) { ops.insert("\(key.uppercased()) \(path)") }
            }
        }
        return ops
    }

    @Test func serverAndDocumentAgree() throws {
        let documented = try Self.documentedOperations()
        let pool = ConnectionPool(.init(conninfo: "postgresql://nobody@127.0.0.1:1/none", maxConnections: 1))
        let (_, registered) = buildRouter(pool: pool, metrics: ServiceMetrics(), openAPIPath: nil)
        #expect(documented.count >= 18)
        #expect(Set(registered) == documented,
                "only in the server: \(Set(registered).subtracting(documented)); only in openapi.yaml: \(documented.subtracting(registered))")
        #expect(registered.count == Set(registered).count)
    }

    @Test func everyDocumentedRouteAnswersAndTheSpecIsServed() async throws {
        let s = try TestService.make()
        let documented = try Self.documentedOperations()
        try await s.application().test(.router) { client in
            let spec = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(spec.status == .ok)
            #expect(spec.text.hasPrefix("openapi: 3.1.0"))
            for op in documented {
                let parts = op.split(separator: " ")
                let method = HTTPRequest.Method(String(parts[0])) ?? .get
                let uri = String(parts[1]).replacingOccurrences(of: "{license}", with: "A")
                    .replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{year}", with: "2026")
                    .replacingOccurrences(of: "{version}", with: "1").replacingOccurrences(of: "{name}", with: "ordos-2025").replacingOccurrences(of: "{code}", with: "S1")
                let r = try await client.execute(uri: uri, method: method, headers: s.headers("aud"), body: body("{}"))
                // A matched route answers with its own status (auditors get 403 on mutations), never "no such
                // route": a 404 is the domain's (no such entry, assessment or plan version), never the router's.
                if r.status == .notFound {
                    #expect(try r.json()["type"] as? String == "urn:reclaim:problem:not-found", "\(op): \(r.text)")
                }
                #expect(r.status != .methodNotAllowed, "\(op)")
            }
            let unknown = try await client.execute(uri: "/v1/nothing-here", method: .get, headers: s.headers("aud"))
            #expect(unknown.status == .notFound)
        }
        try await s.pool.shutdown()
    }
}
