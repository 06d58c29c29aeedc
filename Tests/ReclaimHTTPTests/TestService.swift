import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQKit
import Reclaim
import ReclaimHTTP
import TestSupport
import Testing

/// A migrated database with mines A and B, a user of every role and their
/// tokens, and the service's application over it.
struct TestService {
    let db: TestDatabase
    let pool: ConnectionPool
    let tokens: [String: String]

    static let users: [(String, Role, [String])] = [
        ("boss", .admin, []), ("li", .finance, []), ("opA", .operator, ["A"]), ("rev", .reviewer, []),
        ("aud", .auditor, []),
    ]

    static func make(db: TestDatabase? = nil) throws -> TestService {
        let db = try db ?? TestDatabase.make()
        let conn = try db.connect()
        let setup = try Actor("setup")
        for license in ["A", "B"] {
            _ = try MineRegistry.add(try sampleMine(license), by: setup, on: conn)
        }
        var tokens: [String: String] = [:]
        for (name, role, mines) in users {
            _ = try Users.add(name, role: role, mines: mines, by: setup, on: conn)
            tokens[name] = try Users.issueToken(for: name, expiresInDays: 30, by: setup, on: conn).token
        }
        // The service connects as reclaim_app, as `make run` does: every API
        // test also proves the least-privileged role is enough.
        return TestService(db: db, pool: ConnectionPool(.init(conninfo: db.appURL, maxConnections: 8)), tokens: tokens)
    }

    func application() -> some ApplicationProtocol {
        buildApplication(
            ServiceConfiguration(conninfo: db.url, openAPIPath: TestEnvironment.repositoryRoot.appendingPathComponent("openapi.yaml").path),
            pool: pool)
    }

    func headers(_ user: String?, key: String? = nil, accept: String? = nil) -> HTTPFields {
        var h: HTTPFields = [.contentType: "application/json"]
        if let user, let token = tokens[user] { h[.authorization] = "Bearer \(token)" }
        if let key, let name = HTTPField.Name("Idempotency-Key") { h[name] = key }
        if let accept { h[.accept] = accept }
        return h
    }

    func count(_ q: Query) throws -> Int64 { try db.count(q) }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Asserts an RFC 9457 body with this status and returns it.
    @discardableResult
    func problem(_ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        #expect(self.status == status, "\(text)", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let body = try json()
        #expect(body["status"] as? Int == status.code, sourceLocation: sourceLocation)
        #expect(body["title"] is String, sourceLocation: sourceLocation)
        #expect(body["type"] is String, sourceLocation: sourceLocation)
        #expect(body["detail"] is String, sourceLocation: sourceLocation)
        #expect(!(text.contains("SELECT") || text.contains("INSERT")), "SQL leaked", sourceLocation: sourceLocation)
        return body
    }
}

func body(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }
