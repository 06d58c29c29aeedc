import Foundation
import PQKit
import Reclaim
import TestSupport
import Testing

/// Issue 30 item 2: documents attached to records, stored by content,
/// typed from their bytes, capped by a setting, recorded in the audit
/// chain, and read back only by those who may read the record.
@Suite struct DocumentTests {
    static let pdf = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
    /// A web page named like a PDF: what the content says is what counts.
    static let disguised = Data("<html><script>alert(1)</script></html>".utf8)

    static func file(_ name: String, _ data: Data) throws -> String {
        let dir = NSTemporaryDirectory() + "reclaim-doc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        #expect(FileManager.default.createFile(atPath: path, contents: data))
        return path
    }

    static var planFile: String { TestEnvironment.repositoryRoot.appendingPathComponent("examples/plan.json").path }

    @Test(arguments: CLIMode.allCases)
    func attachListAndGetFromTheCLI(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        #expect(try h.run(["plan", "submit", "A", "--file", Self.planFile], as: "opA").stdout == "1\n")
        let pdf = try Self.file("方案文本.pdf", Self.pdf), png = try Self.file("现场照片.png", Self.png)
        let fake = try Self.file("验收报告.pdf", Self.disguised)

        let attached = try h.run(["document", "attach", "plan", "A/1", "--attach", pdf, "--attach", png, "--format", "csv"], as: "opA")
        #expect(attached.status == 0, "\(attached.stderr)")
        let lines = attached.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.dropFirst().first?.contains(",plan,A/1,方案文本.pdf,application/pdf,\(Self.pdf.count),") == true, "\(attached.stdout)")
        #expect(lines.last?.contains(",现场照片.png,image/png,16,") == true)

        // the type is read from the content: a disguised page is refused, and with it the good file sent alongside
        let disguised = try h.run(["document", "attach", "plan", "A/1", "--attach", pdf, "--attach", fake], as: "opA")
        #expect(disguised.status == 65)
        #expect(disguised.stderr == "error: files: 验收报告.pdf is not a PDF, PNG, JPEG or Office document (read from its content)\n",
                "\(disguised.stderr)")
        // finance attaches nothing; an unknown record is named; an unreadable file is refused before anything is sent
        #expect(try h.run(["document", "attach", "plan", "A/1", "--attach", pdf], as: "li").stderr
                == "error: li (finance) may not attach documents to a mine's plan\n")
        let unknown = try h.run(["document", "attach", "plan", "A/9", "--attach", pdf], as: "opA")
        #expect(unknown.status != 0 && unknown.stderr.contains("no plan A/9"), "\(unknown.stderr)")
        #expect(try h.run(["document", "attach", "plan", "A/1", "--attach", "/nonexistent.pdf"], as: "opA").status == 66)

        let list = try h.run(["document", "list", "plan", "A/1", "--format", "json"], as: "aud")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list.stderr)")
        #expect(items.map { $0["file_name"] as? String } == ["方案文本.pdf", "现场照片.png"])
        let digest = try h.db.connect().queryFirst("SELECT encode(sha256(\(ByteA([UInt8](Self.pdf)))), 'hex') AS h")?.decode("h", as: String.self)
        #expect(items.first?["sha256"] as? String == digest)
        let id = try #require(items.first?["id"] as? Int)

        let out = NSTemporaryDirectory() + "reclaim-got-\(UUID().uuidString).pdf"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let got = try h.run(["document", "get", String(id), "--out", out], as: "aud")
        #expect(got.stdout == "\(out): \(Self.pdf.count) bytes, application/pdf\n", "\(got.stderr)")
        #expect(FileManager.default.contents(atPath: out) == Self.pdf)
        // never over a file that is there
        #expect(try h.run(["document", "get", String(id), "--out", out], as: "aud").status == 65)

        // the same content attached elsewhere is stored once
        let project = try h.run(["legacy", "project", "add", "示范项目", "--approval", "自然资字〔2021〕346号", "--contractor", "某公司",
                                 "--budget", "central=100000"], as: "boss").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try h.run(["document", "attach", "legacy-project", project, "--attach", pdf], as: "rev").status == 0)
        let conn = try h.db.connect()
        defer { conn.close() }
        #expect(try conn.queryFirst("SELECT count(*) AS n FROM documents")?.decode("n", as: Int64.self) == 2)
        #expect(try conn.queryFirst("SELECT count(*) AS n FROM document_attachments")?.decode("n", as: Int64.self) == 3)
        // each attachment is in its record's audit chain, with the content's digest in the hashed input
        let audited = try conn.query("SELECT action, target FROM audit_log WHERE action LIKE '%.attach' ORDER BY id").rows
            .map { "\(try $0.decode("action", as: String.self)) \(try $0.decode("target", as: String.self))" }
        #expect(audited == ["plan.attach plan:1", "plan.attach plan:1", "legacy-project.attach legacy-project:\(project)"])
    }

    /// The issue's contract: the CLI takes `--attach FILE` where the dashboard
    /// offers an upload (the annual plan, its year-end report, the closure
    /// application). An unreadable file stops the step before anything is sent.
    @Test(arguments: CLIMode.allCases)
    func theStepsWithAnUploadTakeAttach(mode: CLIMode) throws {
        let h = try CLIHarness(mode)
        let conn = try h.db.connect()
        defer { conn.close() }
        let v = try Plans.submit("A", try PlanDocument.parse(Data(contentsOf: URL(fileURLWithPath: Self.planFile))), by: try Actor("setup-op"),
                                 on: conn)
        _ = try Plans.decide("A", version: v.version, .approve, reason: nil, by: try Actor("rev"), on: conn)
        let works = try Self.file("works.json", Data(AnnualCLITests.works.utf8))
        let drawing = try Self.file("平面图.pdf", Self.pdf)

        let unreadable = try h.run(["annual", "draft", "A", "2025", "--file", works, "--attach", "/nonexistent.pdf"], as: "opA")
        #expect(unreadable.status == 66)
        #expect(try conn.queryFirst("SELECT count(*) AS n FROM annual_plans")?.decode("n", as: Int64.self) == 0)

        let drafted = try h.run(["annual", "draft", "A", "2025", "--file", works, "--attach", drawing], as: "opA")
        #expect(drafted.status == 0 && drafted.stdout.hasPrefix("drafted the 2025 annual plan of A"), "\(drafted.stderr)")
        let listed = try h.run(["document", "list", "annual-plan", "A/2025", "--format", "csv"], as: "aud")
        #expect(listed.stdout.contains(",annual-plan,A/2025,平面图.pdf,application/pdf,"), "\(listed.stdout) \(listed.stderr)")

        // a closure filing refused for its unmet conditions attaches nothing
        let refused = try h.run(["closure", "apply", "A", "--evidence", "report-1", "--attach", drawing], as: "opA")
        #expect(refused.status == 65)
        #expect(try conn.queryFirst("SELECT count(*) AS n FROM document_attachments")?.decode("n", as: Int64.self) == 1)
    }
}
