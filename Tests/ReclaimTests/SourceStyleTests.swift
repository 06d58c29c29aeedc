import Foundation
import TestSupport
import Testing

/// The tree follows .editorconfig: UTF-8, LF line ends, no tabs (but in the
/// Makefile), no trailing whitespace, a final newline. A formatter's settings
/// the code does not follow would be decoration; this holds them to each other.
@Suite struct SourceStyleTests {
    static let folders = ["Sources", "Tests", "sql", "scripts", "bench"]
    static let kinds = ["swift", "sql", "sh", "py"]

    static func files() throws -> [URL] {
        let root = TestEnvironment.repositoryRoot
        var out: [URL] = []
        for folder in folders {
            guard let walk = FileManager.default.enumerator(at: root.appendingPathComponent(folder),
                                                            includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walk where kinds.contains(url.pathExtension) && !url.path.contains("/.build/") {
                out.append(url)
            }
        }
        return out
    }

    @Test func everySourceFileFollowsTheEditorConfig() throws {
        let files = try Self.files()
        #expect(files.count > 100)
        var problems: [String] = []
        for url in files {
            let data = try Data(contentsOf: url)
            guard let text = String(data: data, encoding: .utf8) else { problems.append("\(url.lastPathComponent): not UTF-8"); continue }
            if text.contains("\r") { problems.append("\(url.lastPathComponent): CR line ends") }
            if !text.isEmpty && !text.hasSuffix("\n") { problems.append("\(url.lastPathComponent): no final newline") }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.contains("\t") { problems.append("\(url.lastPathComponent):\(n + 1): a tab") }
                if line.last == " " { problems.append("\(url.lastPathComponent):\(n + 1): trailing whitespace") }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
    }
}
