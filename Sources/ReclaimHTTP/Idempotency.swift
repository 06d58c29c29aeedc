import Foundation
import HTTPTypes
import Hummingbird
import PQKit
import Reclaim

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    /// On a booking answered from its Idempotency-Key: nothing new was booked.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// Runs a mutation as one transaction, honouring `Idempotency-Key`: the
/// first response to a user's key is stored with the change; the same user
/// sending the same key with the same request (method, path, canonical body)
/// gets that response again (same status and body) and changes nothing; with
/// another request, 409. Keys are the user's own: another user's same key is
/// a new request. A stored response is kept for 24 hours; after that the key
/// may be used afresh.
struct Mutation {
    let pool: ConnectionPool

    struct Outcome: Sendable {
        var status: HTTPResponse.Status
        var contentType: String
        var body: Data
    }

    /// How long a stored response answers a retry.
    static let retention = "24 hours"

    func run(
        _ request: Request, context: AppContext, body: JSONBody?, _ action: @escaping @Sendable (Connection) throws -> (HTTPResponse.Status, Data)
    ) async throws -> Response {
        let key = try idempotencyKey(request)
        let user = try context.requirePrincipal().name
        let fingerprint = "\(request.method.rawValue) \(request.uri.path)\n"
            + String(decoding: body?.canonical ?? Data(), as: UTF8.self)
        let outcome = try await pool.withConnection { conn -> Outcome in
            try conn.withTransaction { conn in
                if let key {
                    let claimed = try conn.execute("""
                        INSERT INTO http_idempotency (user_name, key, request_digest)
                        VALUES (\(user), \(key), sha256(convert_to(\(fingerprint), 'UTF8')))
                        ON CONFLICT (user_name, key) DO UPDATE
                            SET request_digest = EXCLUDED.request_digest, status = NULL, content_type = NULL,
                                body = NULL, created_at = now()
                            WHERE http_idempotency.created_at < now() - \(Self.retention)::interval
                        """)
                    if claimed == 0 {
                        guard let row = try conn.queryFirst("""
                            SELECT request_digest = sha256(convert_to(\(fingerprint), 'UTF8')) AS same,
                                   status, content_type, body
                            FROM http_idempotency WHERE user_name = \(user) AND key = \(key)
                            """)
                        else { throw ReclaimError(.internal, "idempotency record vanished") }
                        guard try row.decode("same", as: Bool.self) else {
                            throw ReclaimError(.conflict, field: "Idempotency-Key",
                                               "was already used for a different request")
                        }
                        let status: Int32 = try row.decode("status")
                        // JSON or CSV only: the table's CHECK (0027) holds every stored row to it
                        return Outcome(status: HTTPResponse.Status(code: Int(status)),
                                       contentType: try row.decode("content_type"),
                                       body: Data(try row.decode("body", as: ByteA.self).bytes))
                    }
                }
                let (status, data) = try action(conn)
                if let key {
                    try conn.execute("""
                        UPDATE http_idempotency SET status = \(Int32(status.code)), content_type = 'application/json',
                               body = \(ByteA(Array(data)))
                        WHERE user_name = \(user) AND key = \(key)
                        """)
                }
                return Outcome(status: status, contentType: "application/json", body: data)
            }
        }
        return Response(status: outcome.status, headers: [.contentType: outcome.contentType],
                        body: .init(byteBuffer: ByteBuffer(bytes: outcome.body)))
    }
}

/// The request's `Idempotency-Key`, if any: 1 to 200 printable ASCII
/// characters (a UUID, say), read from the raw bytes. Anything else is
/// refused rather than decoded leniently, where two keys differing in an
/// invalid byte would both become U+FFFD and collide.
func idempotencyKey(_ request: Request) throws -> String? {
    guard let field = request.headers.first(where: { $0.name == .idempotencyKey }) else { return nil }
    let bytes = field.withUnsafeBytesOfValue { Array($0) }
    guard !bytes.isEmpty, bytes.count <= 200, bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }),
          bytes.first != 0x20, bytes.last != 0x20
    else {
        let detail = "must be 1 to 200 printable ASCII characters (not valid UTF-8 of other scripts, no control bytes)"
        throw Problem.badRequest("Idempotency-Key \(detail)", errors: [.init(field: "Idempotency-Key", detail: detail)])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A JSON response in Reclaim's one JSON shape.
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: .init(byteBuffer: ByteBuffer(bytes: try ReclaimJSON.encode(value))))
}

/// A page of a list, with the cursor for the next one (nil on the last page).
struct Page<Item: Encodable>: Encodable {
    var items: [Item]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `limit` (1...1000, default 100) and `cursor` from the query string.
struct Paging {
    var limit: Int
    var cursor: String?

    init(_ request: Request) throws {
        let q = request.uri.queryParameters
        cursor = q[Substring("cursor")].map(String.init)
        // a cursor is the last licence of the page before: 64 characters at most
        if let c = cursor, c.unicodeScalars.count > 64 || c.contains("\0") {
            throw Problem.badRequest("cursor must be the next_cursor of the previous page",
                                     errors: [.init(field: "cursor", detail: "is not a cursor this service gave")])
        }
        if let l = q[Substring("limit")] {
            guard let n = Int(String(l)), (1...1000).contains(n) else {
                throw Problem.badRequest("limit must be a whole number from 1 to 1000",
                                         errors: [.init(field: "limit", detail: "must be 1 to 1000")])
            }
            limit = n
        } else {
            limit = 100
        }
    }
}

extension Request {
    /// A query parameter parsed as a date, or nil when absent.
    func queryDate(_ name: String) throws -> CalendarDate? {
        guard let text = uri.queryParameters[Substring(name)].map(String.init) else { return nil }
        guard let d = CalendarDate(iso: text) else {
            throw Problem.badRequest("\(name) must be a date like 2025-03-01",
                                     errors: [.init(field: name, detail: "must be a date like 2025-03-01")])
        }
        return d
    }
}

extension Mutation {
    /// Runs a domain command as the request's principal (its policy checked
    /// there), in one transaction with the response stored for a retry.
    func run<Output: Encodable>(_ command: Command<Output>, _ request: Request, context: AppContext, body: JSONBody?,
                                status: HTTPResponse.Status = .ok) async throws -> Response {
        let principal = try context.requirePrincipal()
        let actor = try context.actor()
        return try await run(request, context: context, body: body) { conn in
            (status, try ReclaimJSON.encode(try command.run(as: principal, actor: actor, on: conn)))
        }
    }
}
