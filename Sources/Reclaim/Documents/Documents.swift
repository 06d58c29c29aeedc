public import Foundation
public import PQKit

/// What a document (附件) is attached to. Its wire name is its code.
public enum DocumentSubject: String, Sendable, CaseIterable, Codable {
    /// 方案: a protection and land-reclamation plan's version
    case plan
    /// 年度治理计划
    case annualPlan = "annual-plan"
    /// 年度执行情况报告: the year-end report of an annual plan
    case annualReport = "annual-report"
    /// 闭坑验收申请
    case closureApplication = "closure-application"
    /// 现场踏勘: the panel's site visit of a closure application
    case closureVisit = "closure-visit"
    /// 验收合格确认书
    case closureConfirmation = "closure-confirmation"
    /// 无主认定公告: a legacy site's public notice
    case legacyNotice = "legacy-notice"
    /// 历史遗留治理项目
    case legacyProject = "legacy-project"

    /// How its record is named: a licence and a number, an id, or a site code.
    public var recordForm: String {
        switch self {
        case .plan: "LICENSE/VERSION"
        case .annualPlan, .annualReport: "LICENSE/YEAR"
        case .closureApplication, .closureVisit, .closureConfirmation, .legacyProject: "ID"
        case .legacyNotice: "SITE-CODE"
        }
    }

    /// Whether its records are a mine's (read by that mine's operator only).
    var isMines: Bool {
        switch self {
        case .legacyNotice, .legacyProject: false
        default: true
        }
    }
}

/// One record that documents hang on: a subject and the record's name as
/// people write it (`C150…/2026` for an annual plan, `17` for a closure
/// application, `XL-001` for a legacy site's notice).
public struct DocumentRecord: Sendable, Equatable {
    public var subject: DocumentSubject
    public var record: String

    public init(_ subject: DocumentSubject, _ record: String) {
        self.subject = subject
        self.record = record
    }

    /// The record in the database: its row and, for a mine's record, the licence.
    struct Resolved {
        var id: Int64
        var license: String?
    }

    /// Finds the record; 404 naming it when there is none.
    func resolve(on conn: Connection) throws -> Resolved {
        let missing = ReclaimError(.notFound, field: "record",
                                   "no \(subject.rawValue.replacingOccurrences(of: "-", with: " ")) \(record) (a record is \(subject.recordForm))")
        // no record's name holds a control character (nor could the database compare one)
        guard !record.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ReclaimError(.notFound, field: "record", "no such \(subject.rawValue.replacingOccurrences(of: "-", with: " "))")
        }
        switch subject {
        case .plan, .annualPlan, .annualReport:
            // a licence may hold '/', a version or a year never does
            // a name of another form names no record: 404, as for one that is not there
            guard let slash = record.lastIndex(of: "/"),
                  let license = try? Identifier.license(String(record[..<slash]), field: "record"),
                  let n = Int32(Text.trimmed(String(record[record.index(after: slash)...]))), n > 0
            else { throw missing }
            let row = subject == .plan
                ? try conn.queryFirst("SELECT p.id FROM plans p JOIN mines m ON m.id = p.mine_id WHERE m.license = \(license) AND p.version = \(n)")
                : try conn.queryFirst("SELECT a.id FROM annual_plans a JOIN mines m ON m.id = a.mine_id WHERE m.license = \(license) AND a.year = \(n)")
            guard let row else { throw missing }
            return Resolved(id: try row.decode("id"), license: license)
        case .closureApplication, .closureVisit, .closureConfirmation, .legacyProject:
            guard let id = Int64(Text.trimmed(record)), id > 0 else { throw missing }
            let row = subject == .legacyProject
                ? try conn.queryFirst("SELECT id, NULL::text AS license FROM legacy_projects WHERE id = \(id)")
                : try conn.queryFirst("""
                    SELECT c.id, m.license FROM closure_applications c JOIN mines m ON m.id = c.mine_id WHERE c.id = \(id)
                    """)
            guard let row else { throw missing }
            return Resolved(id: id, license: try row.decode("license"))
        case .legacyNotice:
            let code = Text.trimmed(record)
            guard let row = try conn.queryFirst("SELECT id FROM legacy_sites WHERE code = \(code)") else { throw missing }
            return Resolved(id: try row.decode("id"), license: nil)
        }
    }
}

/// A document attached to a record: the content's digest and type, the
/// name it was given, who attached it and when.
public struct DocumentAttachment: Sendable, Equatable, Codable {
    public var id: Int64
    public var subject: DocumentSubject
    public var record: String
    public var fileName: String
    public var mediaType: String
    public var size: Int
    /// The content's SHA-256, in hex: the document's identity.
    public var sha256: String
    public var attachedBy: String
    public var attachedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, subject, record
        case fileName = "file_name"
        case mediaType = "media_type"
        case size, sha256
        case attachedBy = "attached_by"
        case attachedAt = "attached_at"
    }
}

/// A document's content as it is downloaded.
public struct DocumentContent: Sendable, Equatable {
    public var fileName: String
    public var mediaType: String
    public var content: Data

    public init(fileName: String, mediaType: String, content: Data) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.content = content
    }
}

/// A file to attach: the name it is saved under and its bytes.
public struct NewDocument: Sendable, Equatable {
    public var fileName: String
    public var content: Data

    public init(fileName: String, content: Data) {
        self.fileName = fileName
        self.content = content
    }

    /// The name as kept: trimmed, NFC, visible characters only, no path
    /// (it becomes a download's file name).
    static func checkedName(_ name: String) throws -> String {
        let v = Text.trimmed(name).precomposedStringWithCanonicalMapping
        guard !v.contains("/"), !v.contains("\\") else { throw ReclaimError(.ruleViolation, field: "files", "a file's name must not hold / or \\") }
        guard !v.isEmpty else { throw ReclaimError(.ruleViolation, field: "files", "a file needs a name") }
        guard v.unicodeScalars.count <= 200 else { throw ReclaimError(.ruleViolation, field: "files", "a file's name may be at most 200 characters") }
        if let bad = v.unicodeScalars.first(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
            throw ReclaimError(.ruleViolation, field: "files", "a file's name must not hold U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        return v
    }
}

/// Documents: attached in one transaction with their audit records, listed
/// per record, read back by attachment. Content is stored once per digest
/// (sql/functions/documents.sql); the type is read from the content there.
public enum Documents {
    /// At most this many files in one action.
    public static let maxFiles = 5

    /// Attaches `files` to `record`, all or none.
    public static func attach(_ files: [NewDocument], to record: DocumentRecord, by actor: Actor, on conn: Connection) throws
        -> [DocumentAttachment]
    {
        guard !files.isEmpty else { throw ReclaimError.invalid("files", "attach at least one file") }
        guard files.count <= maxFiles else { throw ReclaimError.invalid("files", "attach at most \(maxFiles) files at once") }
        let named = try files.map { (try NewDocument.checkedName($0.fileName), $0.content) }
        return try conn.transactionally { conn in
            let resolved = try record.resolve(on: conn)
            let ids: [Int64] = try named.map { name, content in
                try DatabaseRefusal.mapping {
                    try conn.queryFirst("""
                        SELECT id FROM document_attach(\(record.subject.rawValue), \(resolved.id), \(name),
                                                       \(ByteA([UInt8](content))), \(actor.name), \(actor.role), \(actor.requestID))
                        """)?.decode("id") ?? 0
                }
            }
            return try list(record, resolved, on: conn).filter { ids.contains($0.id) }
        }
    }

    /// The record's documents, oldest first, as `p` may see them (404 as if
    /// the record did not exist to an operator of another mine, or an
    /// expert not on a closure's panel). No principal: the installation's
    /// owner in direct mode, who reads everything.
    public static func list(_ record: DocumentRecord, for p: Principal?, on conn: Connection) throws -> [DocumentAttachment] {
        let resolved = try record.resolve(on: conn)
        try checkRead(record.subject, resolved, for: p, on: conn)
        return try list(record, resolved, on: conn)
    }

    /// One attachment's entry and its content, for a download.
    public static func content(_ id: Int64, for p: Principal?, on conn: Connection) throws -> DocumentContent {
        let missing = ReclaimError(.notFound, field: "id", "no document \(id)")
        guard let row = try conn.queryFirst("""
            SELECT a.subject, a.record_id, m.license, d.content FROM document_attachments a
            JOIN documents d ON d.sha256 = a.sha256 LEFT JOIN mines m ON m.id = a.mine_id WHERE a.id = \(id)
            """), let subject = DocumentSubject(rawValue: try row.decode("subject"))
        else { throw missing }
        let resolved = DocumentRecord.Resolved(id: try row.decode("record_id"), license: try row.decode("license"))
        do { try checkRead(subject, resolved, for: p, on: conn) } catch { throw missing }
        guard let entry = try rows(id: id, on: conn).first else { throw missing }
        let bytes: ByteA = try row.decode("content")
        return DocumentContent(fileName: entry.fileName, mediaType: entry.mediaType, content: Data(bytes.bytes))
    }

    static func checkRead(_ subject: DocumentSubject, _ r: DocumentRecord.Resolved, for p: Principal?, on conn: Connection) throws {
        guard let p else { return }
        let visible: Bool
        switch p.role {
        case .operator: visible = subject.isMines && r.license.map { p.mines.contains($0) } == true
        case .expert:
            let onPanel = try conn.queryFirst("SELECT 1 AS x FROM closure_panel WHERE application_id = \(r.id) AND reviewer = \(p.name)") != nil
            visible = [.closureApplication, .closureVisit, .closureConfirmation].contains(subject) && onPanel
        default: visible = true
        }
        guard visible else { throw ReclaimError(.notFound, field: "record", "no such record") }
    }

    private static func list(_ record: DocumentRecord, _ r: DocumentRecord.Resolved, on conn: Connection) throws -> [DocumentAttachment] {
        try rows(subject: record.subject, recordID: r.id, on: conn)
    }

    private static func rows(id: Int64? = nil, subject: DocumentSubject? = nil, recordID: Int64? = nil, on conn: Connection) throws -> [DocumentAttachment] {
        try conn.query("""
            SELECT a.id, a.subject, a.record_id, a.file_name, d.media_type, d.size, encode(a.sha256, 'hex') AS sha256,
                   a.attached_by, a.attached_at,
                   CASE a.subject
                       WHEN 'plan' THEN (SELECT m.license || '/' || p.version FROM plans p JOIN mines m ON m.id = p.mine_id WHERE p.id = a.record_id)
                       WHEN 'annual-plan' THEN (SELECT m.license || '/' || y.year FROM annual_plans y JOIN mines m ON m.id = y.mine_id WHERE y.id = a.record_id)
                       WHEN 'annual-report' THEN (SELECT m.license || '/' || y.year FROM annual_plans y JOIN mines m ON m.id = y.mine_id WHERE y.id = a.record_id)
                       WHEN 'legacy-notice' THEN (SELECT s.code FROM legacy_sites s WHERE s.id = a.record_id)
                       ELSE a.record_id::text
                   END AS record
            FROM document_attachments a JOIN documents d ON d.sha256 = a.sha256
            WHERE (\(id)::bigint IS NULL OR a.id = \(id)::bigint)
              AND (\(subject?.rawValue)::text IS NULL OR (a.subject = \(subject?.rawValue)::text AND a.record_id = \(recordID)::bigint))
            ORDER BY a.id
            """).rows.map { r in
            guard let subject = DocumentSubject(rawValue: try r.decode("subject")) else {
                throw ReclaimError(.internal, "an attachment of an unknown subject")
            }
            return DocumentAttachment(id: try r.decode("id"), subject: subject, record: try r.decode("record"),
                                      fileName: try r.decode("file_name"), mediaType: try r.decode("media_type"),
                                      size: Int(try r.decode("size", as: Int32.self)), sha256: try r.decode("sha256"),
                                      attachedBy: try r.decode("attached_by"), attachedAt: try r.decode("attached_at"))
        }
    }
}
