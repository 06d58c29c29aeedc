import ArgumentParser
import Foundation
import Reclaim
import ReclaimClient

/// `reclaim document`: documents (附件) on plans, annual plans, year-end
/// reports, closures and legacy records — what the dashboard uploads.
struct DocumentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "document", abstract: "Documents attached to records: attach, list, get.",
        discussion: """
            SUBJECT is one of \(DocumentSubject.allCases.map(\.rawValue).joined(separator: ", ")).
            RECORD is LICENSE/VERSION for a plan, LICENSE/YEAR for an annual plan or its year-end report,
            the application's number for closure-*, the project's for legacy-project, the site's code for legacy-notice.
            """,
        subcommands: [Attach.self, List.self, Get.self])

    struct Attach: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "attach",
            abstract: "Attach files to a record: PDF, PNG, JPEG or Office, each within documents.max_bytes; all or none.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "What the record is.") var subject: DocumentSubject
        @Argument(help: "The record (see `reclaim document --help`).") var record: String
        @OptionGroup var attach: AttachOptions
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let documents = try attach.read()
                guard !documents.isEmpty else { throw ReclaimError.invalid("attach", "name at least one file with --attach") }
                try await target.with { api in
                    try Output.rows(try await api.attachDocuments(documents, to: DocumentRecord(subject, record)), format: format)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "A record's documents, oldest first.")
        @OptionGroup var target: BackendOptions
        @Argument(help: "What the record is.") var subject: DocumentSubject
        @Argument(help: "The record.") var record: String
        @Option(help: "Output format.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    try Output.rows(try await api.documents(DocumentRecord(subject, record)), format: format)
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Save one document (by its number in `document list`).")
        @OptionGroup var target: BackendOptions
        @Argument(help: "The document's number.") var id: Int64
        @Option(help: "Where to save it (default: its own name, in the current folder; never over an existing file).")
        var out: String?

        func run() async throws {
            try await reportingFailures {
                try await target.with { api in
                    let doc = try await api.document(id)
                    let path = out ?? doc.fileName
                    guard !FileManager.default.fileExists(atPath: path) else {
                        throw ReclaimError.invalid("out", "\(path) exists already; name another with --out")
                    }
                    guard FileManager.default.createFile(atPath: path, contents: doc.content) else {
                        throw ReclaimError.invalid("out", "cannot write \(path)")
                    }
                    Output.write("\(path): \(doc.content.count) bytes, \(doc.mediaType)\n")
                }
            }
        }
    }
}

/// `--attach FILE` (repeatable), on `document attach` and on the steps
/// whose dashboard page offers an upload (`annual draft`, `annual report`,
/// `closure apply`). Every file is read before anything is sent, so an
/// unreadable one leaves nothing done (exit 66); after the step, the files
/// are attached to its record, all or none, as an action of their own.
struct AttachOptions: ParsableArguments {
    @Option(name: .customLong("attach"), help: "A document to attach (PDF, image, Office file); repeat for several (at most 5).")
    var files: [String] = []

    func read() throws -> [NewDocument] {
        try files.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ReclaimError(.unreadableInput, field: "attach", "cannot read \(path)")
            }
            return NewDocument(fileName: URL(fileURLWithPath: path).lastPathComponent, content: data)
        }
    }

    /// Attaches `documents` (none: nothing) to `record`.
    static func attach(_ documents: [NewDocument], to record: DocumentRecord, api: any ReclaimAPI) async throws {
        guard !documents.isEmpty else { return }
        _ = try await api.attachDocuments(documents, to: record)
    }
}

extension DocumentSubject: ExpressibleByArgument {}

extension DocumentAttachment: Tabular {
    static var headers: [String] { ["id", "subject", "record", "file_name", "media_type", "size", "sha256", "attached_by", "attached_at"] }
    var cells: [String] {
        [String(id), subject.rawValue, record, fileName, mediaType, String(size), sha256, attachedBy, Bureau.time(attachedAt)]
    }
}
