// One route, `POST /deposit?license=…`, with Reclaim's deposit body
// (`{"amount": "1.00"}`) and its `Idempotency-Key` header: it calls the same
// `fund_post` Reclaim's service calls, as a fixed finance user, and answers
// with the same JSON. No authentication, no strict validation, no replay
// handling of its own: the floor a Swift HTTP service reaches on these
// cores, for `make bench` to set beside Reclaim. Configured by PEER_PORT,
// PGHOST, PGPORT, PGUSER, PGDATABASE and PEER_ACTOR (a finance user).
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

struct DepositBody: Decodable {
    let amount: String
}

struct Posting: Encodable {
    let account: String
    let amount: String
    let balance_after: String
    let license: String
    let seq: Int64
}

struct Entry: Encodable {
    let actor: String
    let amount: String
    let annual_plan_year: Int32?
    let booked_at: String
    let id: Int64
    let idempotency_key: String?
    let kind: String
    let memo: String?
    let postings: [Posting]
    let reason: String?
    let reference: String?
    let reverses: Int64?
    let value_date: String

    enum CodingKeys: String, CodingKey {
        case actor, amount, annual_plan_year, booked_at, id, idempotency_key, kind, memo, postings, reason,
             reference, reverses, value_date
    }

    /// Absent values as `null`, as Reclaim writes them (the synthesised encoder leaves them out).
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(actor, forKey: .actor)
        try c.encode(amount, forKey: .amount)
        try c.encode(annual_plan_year, forKey: .annual_plan_year)
        try c.encode(booked_at, forKey: .booked_at)
        try c.encode(id, forKey: .id)
        try c.encode(idempotency_key, forKey: .idempotency_key)
        try c.encode(kind, forKey: .kind)
        try c.encode(memo, forKey: .memo)
        try c.encode(postings, forKey: .postings)
        try c.encode(reason, forKey: .reason)
        try c.encode(reference, forKey: .reference)
        try c.encode(reverses, forKey: .reverses)
        try c.encode(value_date, forKey: .value_date)
    }
}

/// "1", "1.5", "1.00" → fen; nil for anything else.
func fen(_ text: String) -> Int64? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let yuan = Int64(parts[0]), yuan >= 0 else { return nil }
    var cents: Int64 = 0
    if parts.count == 2 {
        let f = parts[1]
        guard (1...2).contains(f.count), let c = Int64(f) else { return nil }
        cents = f.count == 1 ? c * 10 : c
    }
    return yuan * 100 + cents
}

func yuan(_ fen: Int64) -> String {
    let sign = fen < 0 ? "-" : ""
    let m = fen.magnitude
    let c = m % 100
    return "\(sign)\(m / 100).\(c < 10 ? "0" : "")\(c)"
}

func problem(_ status: HTTPResponse.Status, _ detail: String) -> Response {
    Response(status: status, headers: [.contentType: "application/problem+json"],
             body: .init(byteBuffer: ByteBuffer(string: "{\"detail\":\"\(detail)\"}")))
}

let env = ProcessInfo.processInfo.environment
let port = Int(env["PEER_PORT"] ?? "") ?? 8090
let actor = env["PEER_ACTOR"] ?? "bench-fin"
var config = PostgresClient.Configuration(
    host: env["PGHOST"] ?? "127.0.0.1", port: Int(env["PGPORT"] ?? "") ?? 5432,
    username: env["PGUSER"] ?? "reclaim", password: env["PGPASSWORD"], database: env["PGDATABASE"] ?? "reclaim",
    tls: .disable)
// Reclaim's default pool is 16 connections; the peer's is the same.
config.options.minimumConnections = 16
config.options.maximumConnections = 16
let client = PostgresClient(configuration: config)
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
let idempotencyKey = HTTPField.Name("Idempotency-Key")!

let router = Router()
router.post("/deposit") { request, context -> Response in
    guard let license = request.uri.queryParameters.get("license") else {
        return problem(.badRequest, "license: required")
    }
    let body = try await request.decode(as: DepositBody.self, context: context)
    guard let amount = fen(body.amount), amount > 0 else { return problem(.badRequest, "amount: not an amount") }
    let key = request.headers[idempotencyKey]
    let rows = try await client.query("""
        SELECT id, kind, amount, value_date::text, to_char(booked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               reference, memo, actor, idempotency_key, reverses, reason, annual_plan_year,
               license, account, seq, posting_amount, balance_after
        FROM fund_post('deposit', \(license), NULL, \(amount), (now() AT TIME ZONE 'Asia/Shanghai')::date, NULL,
                       NULL, NULL, \(key), \(actor), 'finance', NULL, 'deposit')
        """)
    var postings: [Posting] = []
    var head: (Int64, String, Int64, String, String, String?, String?, String, String?, Int64?, String?, Int32?)?
    for try await row in rows {
        let (id, kind, total, valueDate, bookedAt, reference, memo, who, storedKey, reverses, reason, year,
             lic, account, seq, posted, balance) = try row.decode(
                (Int64, String, Int64, String, String, String?, String?, String, String?, Int64?, String?, Int32?,
                 String, String, Int64, Int64, Int64).self)
        head = (id, kind, total, valueDate, bookedAt, reference, memo, who, storedKey, reverses, reason, year)
        postings.append(Posting(account: account, amount: yuan(posted), balance_after: yuan(balance), license: lic,
                                seq: seq))
    }
    guard let h = head else { return problem(.internalServerError, "nothing booked") }
    let entry = Entry(actor: h.7, amount: yuan(h.2), annual_plan_year: h.11, booked_at: h.4, id: h.0,
                      idempotency_key: h.8, kind: h.1, memo: h.6, postings: postings, reason: h.10,
                      reference: h.5, reverses: h.9, value_date: h.3)
    return Response(status: .created, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(entry))))
}

var logger = Logger(label: "peer")
logger.logLevel = .warning
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                      services: [client], logger: logger)
try await app.runService()
