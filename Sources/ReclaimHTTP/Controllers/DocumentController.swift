import Foundation
import Hummingbird
import PQKit
import Reclaim

/// Documents over HTTP, under /v1/documents: attached as base64 in JSON,
/// listed per record, downloaded one attachment at a time.
struct DocumentController {
    let pool: ConnectionPool

    func register(_ routes: Routes) {
        routes.api(.post, "/documents", body: Documents.AttachRequest.self, attach)
        routes.api(.get, "/documents", list)
        routes.api(.get, "/documents/{id}", download)
    }

    /// The largest body an upload may send: its files at the size setting,
    /// as base64, and room for the names.
    static func uploadLimit(on conn: Connection) throws -> Int {
        let perFile = try Settings.int("documents.max_bytes", on: conn)
        return (perFile + 2) / 3 * 4 * Documents.maxFiles + (64 << 10)
    }

    @Sendable func attach(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requirePrincipal()
        let limit = try await pool.withConnection { try Self.uploadLimit(on: $0) }
        let (body, a) = try await JSONBody.read(request, context: context, as: Documents.AttachRequest.self, limit: limit)
        let command = Documents.Commands.attach(try a.documents(), to: DocumentRecord(a.subject, a.record))
        return try await Mutation(pool: pool).run(command, request, context: context, body: body, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let q = request.uri.queryParameters
        guard let raw = q[Substring("subject")], let subject = DocumentSubject(rawValue: String(raw)) else {
            throw Problem.badRequest("subject must be one of \(DocumentSubject.allCases.map(\.rawValue).joined(separator: ", "))",
                                     errors: [.init(field: "subject", detail: "is required")])
        }
        guard let record = q[Substring("record")].map(String.init), !record.isEmpty else {
            throw Problem.badRequest("record is required", errors: [.init(field: "record", detail: "is required")])
        }
        let items = try await pool.withConnection {
            try Documents.list(DocumentRecord(subject, record), for: principal, on: $0)
        }
        return try jsonResponse(Page(items: items, nextCursor: nil))
    }

    @Sendable func download(_ request: Request, _ context: AppContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let id = Int64(try context.path("id")), id > 0 else {
            throw Problem.badRequest("id must be a document number", errors: [.init(field: "id", detail: "must be a number")])
        }
        return Self.response(try await pool.withConnection { try Documents.content(id, for: principal, on: $0) })
    }

    /// The bytes as a download: never shown inline, never sniffed.
    static func response(_ document: DocumentContent) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = document.mediaType
        headers[.contentDisposition] = Download.disposition(document.fileName)
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: document.content)))
    }
}
