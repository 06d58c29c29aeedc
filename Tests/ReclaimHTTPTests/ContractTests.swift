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
        let (_, registered, _) = buildRouter(pool: pool, metrics: ServiceMetrics(), openAPIPath: nil)
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

    /// What openapi.yaml says a request body holds: its fields, and which may be null.
    struct DocumentedBody: Equatable {
        var fields: Set<String>
        var nullable: Set<String>
    }

    /// The JSON request body of every documented operation, read from the
    /// document's own layout: a `$ref` to a component, an inline flow map, or
    /// an inline block (no YAML library is linked into the tests).
    static func documentedBodies() throws -> [String: DocumentedBody] {
        let text = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func indent(_ l: String) -> Int { l.prefix { $0 == " " }.count }
        // a block schema starting below line i (at indent `at`): its properties' keys
        func block(from i: Int, at: Int) -> DocumentedBody {
            var body = DocumentedBody(fields: [], nullable: [])
            var j = i + 1
            var propertiesIndent: Int?
            while j < lines.count, lines[j].isEmpty || indent(lines[j]) > at {
                let l = lines[j]
                let trimmed = l.trimmingCharacters(in: .whitespaces)
                if propertiesIndent == nil, trimmed == "properties:", indent(l) == at + 2 {
                    propertiesIndent = indent(l)
                } else if let p = propertiesIndent {
                    if indent(l) <= p, !l.isEmpty { propertiesIndent = nil; j += 1; continue }
                    if indent(l) == p + 2, let colon = trimmed.firstIndex(of: ":") {
                        let key = String(trimmed[..<colon])
                        body.fields.insert(key)
                        // the value on its line, or (a block value) its own attributes on the lines below
                        var k = j + 1
                        var value = trimmed
                        while trimmed.hasSuffix(":"), k < lines.count, indent(lines[k]) > p + 2 {
                            if indent(lines[k]) == p + 4 { value += lines[k] }
                            k += 1
                        }
                        if value.contains("'null'") { body.nullable.insert(key) }
                    }
                } else if trimmed.hasPrefix("properties: {") {
                    body = flow(String(trimmed))
                }
                j += 1
            }
            return body
        }
        // an inline flow map holding `properties: {a: …, b: …}`
        func flow(_ text: String) -> DocumentedBody {
            var body = DocumentedBody(fields: [], nullable: [])
            guard let start = text.range(of: "properties: {") else { return body }
            var depth = 1
            var token = ""
            var key: String?
            var value = ""
            var quoted = false
            for c in text[start.upperBound...] {
                if c == "'" { quoted.toggle() }
                if !quoted, c == "{" || c == "[" { depth += 1 }
                if !quoted, c == "}" || c == "]" { depth -= 1 }
                if depth == 0 || (depth == 1 && c == "," && !quoted) {
                    if let k = key { body.fields.insert(k); if value.contains("'null'") { body.nullable.insert(k) } }
                    key = nil; value = ""; token = ""
                    if depth == 0 { break }
                    continue
                }
                if key == nil, depth == 1, c == ":" { key = token.trimmingCharacters(in: .whitespaces); continue }
                if key == nil { token.append(c) } else { value.append(c) }
            }
            return body
        }
        var components: [String: DocumentedBody] = [:]
        if let start = lines.firstIndex(of: "  schemas:") {
            for i in (start + 1)..<lines.count where indent(lines[i]) == 4 && lines[i].hasSuffix(":") {
                let name = lines[i].trimmingCharacters(in: .whitespaces).dropLast()
                components[String(name)] = block(from: i, at: 4)
            }
        }
        var bodies: [String: DocumentedBody] = [:]
        var path: String?
        var method: String?
        var inRequestBody = false
        for (i, l) in lines.enumerated() {
            if l == "components:" { break }
            if indent(l) == 2, l.hasSuffix(":"), l.contains("/") { path = String(l.dropFirst(2).dropLast()); method = nil }
            if indent(l) == 4, ["get:", "post:", "put:", "patch:", "delete:"].contains(l.trimmingCharacters(in: .whitespaces)) {
                method = String(l.trimmingCharacters(in: .whitespaces).dropLast()).uppercased()
                inRequestBody = false
            }
            if indent(l) == 6 { inRequestBody = l.trimmingCharacters(in: .whitespaces) == "requestBody:" }
            guard inRequestBody, let path, let method else { continue }
            let trimmed = l.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("schema:"), i > 0, lines[i - 1].contains("application/json:") else { continue }
            let op = "\(method) \(path)"
            if trimmed.hasPrefix("schema: {$ref:"), let ref = trimmed.range(of: "#/components/schemas/") {
                let name = trimmed[ref.upperBound...].prefix { $0 != "'" }
                bodies[op] = components[String(name)]
            } else if trimmed == "schema:" {
                bodies[op] = block(from: i, at: indent(l))
            } else {
                bodies[op] = flow(trimmed)
            }
        }
        return bodies
    }

    /// Each request type's fields (and, for bodies read by `StrictJSON`, the
    /// fields that may be null) are the document's: the shape is written in
    /// Swift once, shared by the server and `HTTPBackend`, and here held to
    /// openapi.yaml.
    @Test func requestTypesAndTheDocumentAgree() throws {
        let documented = try Self.documentedBodies()
        let pool = ConnectionPool(.init(conninfo: "postgresql://nobody@127.0.0.1:1/none", maxConnections: 1))
        let (_, registered, shapes) = buildRouter(pool: pool, metrics: ServiceMetrics(), openAPIPath: nil)
        #expect(shapes.count >= 40)
        #expect(documented["POST /v1/mines/{license}/fund/deposits"]?.fields == ["amount", "value_date", "reference", "memo"])
        for op in registered where !op.hasPrefix("GET") {
            guard let shape = shapes[op] else {
                // the mutations whose body is a CSV file, not JSON
                #expect(["POST /v1/legacy-projects/sites/import", "POST /v1/fund/imports"].contains(op), "\(op) reads no declared body shape")
                continue
            }
            guard let doc = documented[op] else {
                Issue.record("\(op): openapi.yaml documents no JSON request body")
                continue
            }
            #expect(Set(shape.fields) == doc.fields, "\(op): \(shape) has \(shape.fields.sorted()), openapi.yaml \(doc.fields.sorted())")
            if shape is any APIRequest.Type {
                #expect(shape.nullable == doc.nullable,
                        "\(op): \(shape) lets \(shape.nullable.sorted()) be null, openapi.yaml \(doc.nullable.sorted())")
            }
        }
    }
}
