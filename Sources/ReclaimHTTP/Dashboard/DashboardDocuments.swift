import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PQKit
import Reclaim

/// Documents (附件) on the dashboard's pages: each record's list with
/// download links, and, for those who may attach, an upload form (a plain
/// multipart post: the dashboard has no script). The same domain calls as
/// the API's (`Documents`), so the same rules and the same audit records.
/// A record's documents as one person sees them, for the `documents` partial.
struct DocumentsView: Sendable {
    var record: DocumentRecord
    var items: [DocumentAttachment]
    /// The upload form is shown only to who may attach.
    var mayAttach: Bool

    static func load(_ record: DocumentRecord, license: String?, for principal: Principal, on conn: Connection) throws -> DocumentsView {
        DocumentsView(record: record, items: try Documents.list(record, for: principal, on: conn),
                      mayAttach: DocumentPolicy.attach(record.subject).permits(principal)
                          && (principal.role != .operator || license.map { principal.mines.contains($0) } == true))
    }

    /// The partial's values; `back` is where an upload returns.
    func object(back: String, _ t: [String: String], _ lang: ReportLanguage) -> [String: Any] {
        // ids unique on a page that lists several records (the queue)
        let key = record.subject.rawValue + "-" + String(record.record.unicodeScalars.map {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "_"
        })
        return [
            "subject": record.subject.rawValue, "key": key, "record": record.record, "back": back,
            "heading": "\(t["documents"] ?? "") · \(record.subject.label(lang))",
            "has_items": !items.isEmpty,
            "items": items.map { d in
                ["id": d.id, "name": d.fileName, "size": Show.bytes(d.size), "by": d.attachedBy, "at": Show.time(d.attachedAt),
                 "type": Show.documentType(d.mediaType)] as [String: Any]
            },
            "upload": mayAttach,
        ]
    }
}

extension DashboardController {
    /// A download: the same headers as the API's (attachment, nosniff, sandboxed).
    @Sendable func downloadDocument(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireSession()
        guard let id = Int64(try context.path("id")), id > 0 else { throw ReclaimError(.notFound, "no such document") }
        let principal = session.principal
        return DocumentController.response(try await read(context) { try Documents.content(id, for: principal, on: $0) })
    }

    /// An upload from a page's form: every chosen file attached in one
    /// action, then back to the page, which lists them.
    @Sendable func uploadDocuments(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.requireSession()  // nobody signed out uploads anything, however large
        guard let boundary = Multipart.boundary(request.headers[.contentType] ?? "") else {
            throw ReclaimError.invalid("form", "send the files as multipart/form-data")
        }
        let limit = try await db { conn in (try Settings.int("documents.max_bytes", on: conn)) * Documents.maxFiles + (64 << 10) }
        let buffer = try await context.collectBody(request, limit: limit)
        let multipart = try Multipart.parse(Data(buffer.readableBytesView), boundary: boundary)
        let session = try context.requireSession(multipart.form)
        guard let subject = DocumentSubject(rawValue: multipart["subject"] ?? "") else { throw ReclaimError(.notFound, "no such form") }
        let record = DocumentRecord(subject, multipart["record"] ?? "")
        // a file input with nothing chosen sends one empty part without a name
        let files = multipart.parts.filter { $0.name == "file" && !($0.fileName ?? "").isEmpty }
            .map { NewDocument(fileName: $0.fileName ?? "", content: $0.data) }
        guard !files.isEmpty else { throw ReclaimError.invalid("files", "choose a file to attach") }
        let (principal, actor) = (session.principal, try session.principal.actor(requestID: context.id))
        let attached = try await db {
            try Documents.Commands.attach(files, to: record).run(as: principal, actor: actor, on: $0)
        }
        let back = Self.localPath(multipart["back"])
        return pages.redirect(back + (back.contains("?") ? "&" : "?") + "attached=\(attached.count)")
    }
}

extension Show {
    /// A size as people read it: 2.4 MB, 310 KB.
    static func bytes(_ n: Int) -> String {
        let tenths = n * 10 >> 20
        return n >= 1 << 20 ? "\(tenths / 10).\(tenths % 10) MB" : n >= 1 << 10 ? "\(n >> 10) KB" : "\(n) B"
    }

    /// The kind of file, by its stored type.
    static func documentType(_ mediaType: String) -> String {
        switch mediaType {
        case "application/pdf": "PDF"
        case "image/png": "PNG"
        case "image/jpeg": "JPEG"
        case let t where t.contains("wordprocessingml"): "Word"
        case let t where t.contains("spreadsheetml"): "Excel"
        case let t where t.contains("presentationml"): "PowerPoint"
        default: "Office"
        }
    }
}
