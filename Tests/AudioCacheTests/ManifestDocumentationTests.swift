import Foundation
import Testing

@testable import AudioCache

/// Checks every example in `docs/manifests.md` against the real readers.
///
/// An example is a fenced block whose info string is `csv`, `json`, `jsonl` or `xml`, immediately
/// preceded by a comment naming the file and what reading it gives:
///
///     <!-- example: lucia/es/menu.csv voice=lucia language=es phrases=3 -->
///     <!-- example: bad.xml phrases=1 error="bad.xml:3:3: text is empty" -->
///
/// - `phrases=N`: the number of valid phrases.
/// - `error="…"`: the error that stops the file or, when none does, the first reported problem, as
///   `path:line:column: message`; `*` matches any run of characters, and `\"` is a quote. Without
///   `error`, the example must read with no error and no problem.
/// - `voice=`, `language=`, `model=`: defaults from outside the file (folder or command line).
@Suite struct ManifestDocumentationTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var name: String
        var fence: String
        /// The line of the opening fence in the document.
        var line: Int
        var content: String
        var phrases: Int?
        var error: String?
        var defaults: PhraseDefaults

        var testDescription: String { "\(name) (manifests.md:\(line))" }
    }

    /// `docs/manifests.md`, three levels above this file: the package root.
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("docs/manifests.md")

    static let exampleLanguages: Set<String> = ["csv", "json", "jsonl", "xml"]

    static let document: String = (try? String(contentsOf: documentURL, encoding: .utf8)) ?? ""

    static let parsed: (examples: [Example], issues: [String]) = parseExamples(in: document)

    @Test func everyExampleIsAnnotatedAndEveryFormatIsShown() {
        #expect(!Self.document.isEmpty, "cannot read \(Self.documentURL.path)")
        #expect(Self.parsed.issues == [])
        let fences = Set(Self.parsed.examples.map(\.fence))
        #expect(fences == Self.exampleLanguages)
    }

    @Test(arguments: parsed.examples)
    func exampleReadsAsDocumented(_ example: Example) throws {
        let pathExtension = String(example.name.split(separator: ".").last ?? "")
        let format = try #require(ManifestFormat(pathExtension: pathExtension))
        var sink = ManifestSink(path: example.name, outerDefaults: example.defaults)
        var thrown: AudioCacheError?
        Array(example.content.utf8).withUnsafeBytes { bytes in
            do throws(AudioCacheError) {
                try format.read(bytes, into: &sink)
            } catch {
                thrown = error
            }
        }
        let reported = thrown?.description ?? sink.problems.first?.description
        if let expected = example.error {
            let actual = try #require(reported, "expected \(expected)")
            #expect(Self.matches(actual, pattern: expected), "\(actual) does not match \(expected)")
        } else {
            #expect(reported == nil)
        }
        if let phrases = example.phrases {
            #expect(sink.phrases.count == phrases)
        }
    }

    // MARK: Reading the document

    static func parseExamples(in markdown: String) -> (examples: [Example], issues: [String]) {
        var examples: [Example] = []
        var issues: [String] = []
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        var pending: (line: Int, attributes: [String: String], name: String)?
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("<!-- example:") {
                guard line.hasSuffix("-->"), let parsed = parseComment(line) else {
                    issues.append("manifests.md:\(index + 1): malformed example comment")
                    index += 1
                    continue
                }
                pending = (index + 1, parsed.attributes, parsed.name)
                index += 1
                continue
            }
            if line.hasPrefix("```") {
                let fence = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                var body: [String] = []
                var end = index + 1
                while end < lines.count && lines[end] != "```" {
                    body.append(lines[end])
                    end += 1
                }
                if exampleLanguages.contains(fence) {
                    if let comment = pending, comment.line == index {
                        examples.append(example(comment, fence: fence, line: index + 1, body: body, issues: &issues))
                    } else {
                        issues.append("manifests.md:\(index + 1): a \(fence) block without an example comment above it")
                    }
                }
                pending = nil
                index = end + 1
                continue
            }
            if pending != nil {
                issues.append("manifests.md:\(index + 1): an example comment not followed by a code block")
                pending = nil
            }
            index += 1
        }
        return (examples, issues)
    }

    private static func example(
        _ comment: (line: Int, attributes: [String: String], name: String),
        fence: String,
        line: Int,
        body: [String],
        issues: inout [String]
    ) -> Example {
        let expectedFence: String? =
            switch comment.name.split(separator: ".").last?.lowercased() {
            case "csv": "csv"
            case "json": "json"
            case "jsonl", "ndjson": "jsonl"
            case "xml": "xml"
            default: nil
            }
        if expectedFence != fence {
            issues.append("manifests.md:\(line): \(comment.name) is shown in a \(fence) block")
        }
        let attributes = comment.attributes
        for key in attributes.keys where !["phrases", "error", "voice", "language", "model"].contains(key) {
            issues.append("manifests.md:\(comment.line): unknown example attribute \(key)")
        }
        if attributes["phrases"] == nil && attributes["error"] == nil {
            issues.append("manifests.md:\(comment.line): an example needs phrases= or error=")
        }
        let phrases = attributes["phrases"].flatMap { Int($0) }
        if attributes["phrases"] != nil && phrases == nil {
            issues.append("manifests.md:\(comment.line): phrases= is not a number")
        }
        return Example(
            name: comment.name,
            fence: fence,
            line: line,
            content: body.map { $0 + "\n" }.joined(),
            phrases: phrases,
            error: attributes["error"],
            defaults: PhraseDefaults(
                voiceID: attributes["voice"],
                language: attributes["language"],
                modelID: attributes["model"]
            )
        )
    }

    /// Splits `<!-- example: NAME key=value key="quoted \" value" -->`.
    static func parseComment(_ line: String) -> (name: String, attributes: [String: String])? {
        var rest = Substring(line.dropFirst("<!-- example:".count).dropLast("-->".count))
        func skipSpaces() { rest = rest.drop(while: { $0 == " " }) }
        func word() -> String {
            let value = rest.prefix(while: { $0 != " " && $0 != "=" })
            rest = rest.dropFirst(value.count)
            return String(value)
        }
        skipSpaces()
        let name = word()
        guard !name.isEmpty else { return nil }
        var attributes: [String: String] = [:]
        while true {
            skipSpaces()
            if rest.isEmpty { break }
            let key = word()
            guard !key.isEmpty, rest.first == "=" else { return nil }
            rest = rest.dropFirst()
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var value = ""
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first {
                        value.append(escaped)
                        rest = rest.dropFirst()
                    } else if character == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(character)
                    }
                }
                guard closed else { return nil }
                attributes[key] = value
            } else {
                attributes[key] = word()
            }
        }
        return (name, attributes)
    }

    /// Whether `text` matches `pattern`, where `*` stands for any run of characters.
    static func matches(_ text: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return text == pattern }
        var rest = Substring(text)
        guard let first = parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        guard let last = parts.last else { return true }
        return last.isEmpty || rest.hasSuffix(last)
    }

    @Test(arguments: [
        ("a.csv:3:7: bad", "a.csv:3:*", true),
        ("a.csv:3:7: bad", "a.csv:4:*", false),
        ("a.csv:3:1: voice_id \"x\" is not allowed", "a.csv:3:*voice_id \"x\"*", true),
        ("exact", "exact", true),
        ("exact", "exac", false),
        ("abc", "a*c", true),
        ("ac", "a*bc", false),
    ])
    func wildcardMatching(_ text: String, _ pattern: String, _ expected: Bool) {
        #expect(Self.matches(text, pattern: pattern) == expected)
    }
}
