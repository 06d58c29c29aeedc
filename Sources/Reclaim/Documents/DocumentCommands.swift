public import Foundation
public import PQKit

/// Who may attach documents, by what they are attached to; reading follows
/// the record (`Documents.list(_:for:on:)`). The database holds the same
/// rule (`document_attach`), and there an operator only for a mine bound to
/// them and a reviewer's visit documents only for a panel they sit on.
public enum DocumentPolicy {
    public static func attach(_ subject: DocumentSubject) -> Policy {
        switch subject {
        case .plan, .annualPlan, .annualReport, .closureApplication:
            Policy.roles("attach documents to a mine's \(subject.rawValue)", .operator, .admin)
        case .closureVisit, .closureConfirmation:
            Policy.roles("attach documents to a closure's \(subject.rawValue)", .reviewer, .admin)
        case .legacyNotice, .legacyProject:
            Policy.roles("attach documents to a \(subject.rawValue)", .admin, .reviewer)
        }
    }
}

extension Documents {
    public enum Commands {
        /// Attaches `files` to `record`: one action, all or none.
        public static func attach(_ files: [NewDocument], to record: DocumentRecord) -> Command<[DocumentAttachment]> {
            Command(DocumentPolicy.attach(record.subject)) { actor, conn in
                try Documents.attach(files, to: record, by: actor, on: conn)
            }
        }
    }

    /// POST /documents: files for one record, each as base64.
    public struct AttachRequest: APIRequest {
        public var subject: DocumentSubject
        public var record: String
        public var files: [File]

        public struct File: APIRequest {
            public var name: String
            public var contentBase64: String

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case name
                case contentBase64 = "content_base64"
            }

            public init(name: String, contentBase64: String) {
                self.name = name
                self.contentBase64 = contentBase64
            }
        }

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case subject, record, files
        }

        public static var nested: [String: any APIRequest.Type] { ["files": File.self] }

        public init(_ record: DocumentRecord, files: [NewDocument]) {
            subject = record.subject
            self.record = record.record
            self.files = files.map { File(name: $0.fileName, contentBase64: $0.content.base64EncodedString()) }
        }

        /// The files, decoded; a file that is not base64 is named.
        public func documents() throws -> [NewDocument] {
            try files.map { f in
                guard let data = Data(base64Encoded: f.contentBase64) else {
                    throw ReclaimError(.ruleViolation, field: "files", "\(f.name): content_base64 is not base64")
                }
                return NewDocument(fileName: f.name, content: data)
            }
        }
    }
}
