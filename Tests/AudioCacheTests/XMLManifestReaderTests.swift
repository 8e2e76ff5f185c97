import Foundation
import Testing

@testable import AudioCache

@Suite struct XMLManifestReaderTests {
    // MARK: Defaults and precedence

    struct Precedence: CustomTestStringConvertible, Sendable {
        var name: String
        var xml: String
        /// Each phrase as "text voice language model".
        var expected: [String]
        var testDescription: String { name }
    }

    static let precedence: [Precedence] = [
        Precedence(
            name: "script defaults",
            xml: #"<script voice="narrator" language="en" model="m1"><line>One</line></script>"#,
            expected: ["One narrator en m1"]
        ),
        Precedence(
            name: "scene beats script",
            xml: #"""
                <script voice="narrator" language="en" model="m1">
                  <scene voice="guard"><line>Halt</line></scene>
                  <line>After</line>
                </script>
                """#,
            expected: ["Halt guard en m1", "After narrator en m1"]
        ),
        Precedence(
            name: "nested scenes and groups, innermost wins",
            xml: #"""
                <script voice="a" language="en">
                  <group language="es">
                    <scene voice="b">
                      <group model="m2"><line>Deep</line></group>
                      <line>Middle</line>
                    </scene>
                    <line>Outer</line>
                  </group>
                </script>
                """#,
            expected: ["Deep b es m2", "Middle b es outer-model", "Outer a es outer-model"]
        ),
        Precedence(
            name: "line beats everything",
            xml: #"""
                <script voice="a" language="en" model="m1">
                  <scene voice="b" language="es" model="m2">
                    <line voice="c" language="fr" model="m3">Tout</line>
                  </scene>
                </script>
                """#,
            expected: ["Tout c fr m3"]
        ),
        Precedence(
            name: "file beats the folder and command line; they fill the gaps",
            xml: #"<script language="de"><line>Hallo</line></script>"#,
            expected: ["Hallo outer de outer-model"]
        ),
    ]

    @Test(arguments: precedence)
    func defaultsNestInnermostWins(_ example: Precedence) {
        let result = readXML(
            example.xml,
            outerDefaults: PhraseDefaults(voiceID: "outer", language: "xx", modelID: "outer-model")
        )
        #expect(result.error == nil)
        #expect(result.problems.isEmpty)
        #expect(
            result.phrases.map { "\($0.text) \($0.voiceID) \($0.language) \($0.modelID ?? "-")" } == example.expected
        )
    }

    @Test func lineWithoutVoiceAnywhereIsReportedBySink() {
        let result = readXML("<script language=\"en\"><line>Hi</line></script>")
        #expect(result.phrases.isEmpty)
        #expect(result.problemDescriptions.first?.hasPrefix("script.xml:1:23: phrase has no voice_id") == true)
    }

    // MARK: Ids and tags

    @Test func idsAndSceneTags() throws {
        let result = readXML(
            #"""
            <script voice="v" language="en" name="The Heist" title="ignored">
              <line id="intro">Before any scene</line>
              <scene name="vault" title="The vault">
                <line id="vault-1">Open it</line>
                <group><line>Still the vault</line></group>
                <scene title="alarm"><line id="alarm-1">Run</line></scene>
              </scene>
              <scene name=""><line>Unnamed</line></scene>
            </script>
            """#
        )
        #expect(result.error == nil)
        #expect(result.problems.isEmpty)
        let summary = result.phrases.map { "\($0.id ?? "-") \($0.tags["scene"] ?? "-")" }
        #expect(summary == ["intro -", "vault-1 vault", "- vault", "alarm-1 alarm", "- -"])
        #expect(result.phrases.allSatisfy { $0.tags.keys.allSatisfy { $0 == "scene" } })
    }

    @Test func invalidIDIsReportedBySink() {
        let result = readXML("<script voice=\"v\" language=\"en\">\n<line id=\"\">x</line></script>")
        #expect(result.phrases.isEmpty)
        #expect(
            result.problemDescriptions == [
                #"script.xml:2:1: id "" is not allowed; use 1-256 characters and no control characters"#
            ]
        )
    }

    // MARK: Text

    @Test(arguments: [
        ("plain", "plain"),
        ("  \n\t padded \r\n ", "padded"),
        ("two\n  lines", "two\n  lines"),
        ("Tom &amp; Jerry &lt;3 &quot;q&quot; &apos;a&apos; &gt;", "Tom & Jerry <3 \"q\" 'a' >"),
        ("caf&#233; &#xE9; &#x1F600;", "café é 😀"),
        ("<![CDATA[a <b> & c]]>", "a <b> & c"),
        ("  <![CDATA[  inside  ]]>  ", "inside"),
        ("before <![CDATA[middle]]> after", "before middle after"),
        ("a<!-- comment -->b", "ab"),
        ("tab\there", "tab\there"),
        ("crlf\r\nline", "crlf\nline"),
        ("&#x20;kept? no&#x20;", "kept? no"),
        ("\u{A0}nbsp stays\u{3000}", "\u{A0}nbsp stays\u{3000}"),
    ])
    func lineText(_ content: String, _ expected: String) {
        let result = readXML("<script voice=\"v\" language=\"en\"><line>\(content)</line></script>")
        #expect(result.error == nil)
        #expect(result.problems.isEmpty)
        #expect(result.phrases.map(\.text) == [expected])
    }

    @Test(arguments: ["<line/>", "<line></line>", "<line>  \n  </line>", "<line><![CDATA[]]></line>"])
    func emptyLineIsReportedAsEmptyText(_ line: String) {
        let result = readXML("<script voice=\"v\" language=\"en\">\n  \(line)\n</script>")
        #expect(result.error == nil)
        #expect(result.phrases.isEmpty)
        #expect(result.problemDescriptions == ["script.xml:2:3: text is empty"])
    }

    @Test func overlongTextIsCappedWhileReadingAndReported() {
        let limits = ManifestLimits(maxTextCharacters: 10)
        let huge = String(repeating: "ñ", count: limits.maxFieldBytes)
        let result = readXML(
            "<script voice=\"v\" language=\"en\">\n<line>\(huge)</line>\n<line>short</line>\n<line>eleven chars</line></script>",
            limits: limits
        )
        #expect(result.error == nil)
        #expect(result.phrases.map(\.text) == ["short"])
        #expect(
            result.problemDescriptions == [
                "script.xml:2:1: text is far longer than the limit of 10 characters (see --max-text-length)",
                "script.xml:4:1: text is 12 characters long; the limit is 10 (see --max-text-length)",
            ]
        )
    }

    // MARK: Strictness

    @Test func unknownElementsAndAttributesAreReportedAndTheirLinesSkipped() {
        let result = readXML(
            #"""
            <script voice="v" language="en">
              <scene voise="x"><line>typo in scene</line></scene>
              <sceen><line>typo in element</line></sceen>
              <line voice_id="x">typo in line</line>
              <line model_id="x">also</line>
              <line lang="es">unknown</line>
              <line>kept</line>
              <scene>
                <script><line>nested script</line></script>
                <line>kept too</line>
              </scene>
            </script>
            """#
        )
        #expect(result.error == nil)
        #expect(result.phrases.map(\.text) == ["kept", "kept too"])
        #expect(
            result.problemDescriptions == [
                "script.xml:2:3: unknown attribute voise on <scene>; expected voice, language, model, name or title (its lines are skipped)",
                "script.xml:3:3: element <sceen> is not allowed here; expected <scene>, <group> or <line> (its content is skipped)",
                "script.xml:4:3: unknown attribute voice_id on <line>; XML scripts spell it voice",
                "script.xml:5:3: unknown attribute model_id on <line>; XML scripts spell it model",
                "script.xml:6:3: unknown attribute lang on <line>; expected id, voice, language or model",
                "script.xml:9:5: element <script> is not allowed here; expected <scene>, <group> or <line> (its content is skipped)",
            ]
        )
    }

    @Test func namespacedNamesAreUnknown() {
        let result = readXML(
            #"<script xmlns:a="urn:a" voice="v" language="en"><a:line>x</a:line><line>y</line></script>"#
        )
        #expect(result.error == nil)
        #expect(result.phrases.isEmpty)
        #expect(
            result.problemDescriptions == [
                "script.xml:1:1: unknown attribute xmlns:a on <script>; expected voice, language, model, name or title (its lines are skipped)",
                "script.xml:1:49: element <a:line> is not allowed here; expected <scene>, <group> or <line> (its content is skipped)",
            ]
        )
    }

    @Test(arguments: [
        (
            #"<scene voice="a/b">"#,
            #"voice "a/b" is not allowed; use 1-64 of A-Z a-z 0-9 . _ + - starting with a letter or digit (its lines are skipped)"#
        ),
        (
            #"<scene language="">"#,
            #"language "" is not allowed; use 1-35 of A-Z a-z 0-9 - _ starting with a letter or digit (its lines are skipped)"#
        ),
        (
            #"<scene model="../m">"#,
            #"model "../m" is not allowed; use 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit (its lines are skipped)"#
        ),
        (
            #"<scene id="s1">"#,
            "unknown attribute id on <scene>; expected voice, language, model, name or title (its lines are skipped)"
        ),
    ])
    func invalidSceneAttributesSkipEveryLineInside(_ openTag: String, _ message: String) {
        let result = readXML(
            "<script voice=\"v\" language=\"en\">\n\(openTag)<line>a</line><group><line>b</line></group></scene>\n<line>c</line></script>"
        )
        #expect(result.error == nil)
        #expect(result.phrases.map(\.text) == ["c"])
        #expect(result.problemDescriptions == ["script.xml:2:1: " + message])
    }

    @Test func invalidLineAttributeSkipsOnlyThatLine() {
        let result = readXML(
            "<script voice=\"v\" language=\"en\">\n<line voice=\"a b\">x</line><line>y</line></script>"
        )
        #expect(result.phrases.map(\.text) == ["y"])
        #expect(
            result.problemDescriptions == [
                #"script.xml:2:1: voice "a b" is not allowed; use 1-64 of A-Z a-z 0-9 . _ + - starting with a letter or digit"#
            ]
        )
    }

    @Test func textOutsideLinesIsReportedOncePerRun() {
        let result = readXML(
            "<script voice=\"v\" language=\"en\">\n  Hello &amp; welcome\n  <scene>\n    <!-- note -->  forgot the tags\n    <line>ok</line> <![CDATA[cdata]]>\n  </scene>\n</script>"
        )
        #expect(result.error == nil)
        #expect(result.phrases.map(\.text) == ["ok"])
        #expect(
            result.problemDescriptions == [
                #"script.xml:2:3: text "Hello" is outside any <line>; put it in a <line> element or remove it"#,
                #"script.xml:4:20: text "forgot the tags" is outside any <line>; put it in a <line> element or remove it"#,
                #"script.xml:5:21: text "cdata" is outside any <line>; put it in a <line> element or remove it"#,
            ]
        )
    }

    @Test func elementsInsideALineAreReportedAndTheLineSkipped() {
        let result = readXML(
            "<script voice=\"v\" language=\"en\"><line>Say <b>this</b><i/></line><line>ok</line></script>"
        )
        #expect(result.phrases.map(\.text) == ["ok"])
        #expect(
            result.problemDescriptions == [
                "script.xml:1:43: element <b> is not allowed inside <line>; a line holds only text",
                "script.xml:1:54: element <i> is not allowed inside <line>; a line holds only text",
            ]
        )
    }

    @Test func readingStopsQuietlyOnceTheSinkIsSaturated() {
        let lines = String(repeating: "<line/>\n", count: 50)
        let result = readXML(
            "<script voice=\"v\" language=\"en\">\n\(lines)<broken",
            limits: ManifestLimits(maxProblemsPerFile: 3)
        )
        #expect(result.error == nil)
        #expect(result.problems.count == 3)
    }

    // MARK: Locations

    @Test func locationsPointAtTheStartOfEachLineElement() {
        let xml =
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            + "<!-- <line>not a line</line> -->\n"
            + "<script voice=\"v\" language=\"en\">\n"
            + "  <scene name=\"a > b\"><line id=\"1\">one</line>\n"
            + "  <line\n"
            + "      id=\"2\"\n"
            + "      voice=\"w\">two</line>\n"
            + "\t<line id=\"ñ→3\">tres</line><line id='4'><![CDATA[<line>]]></line>\r\n"
            + "  <line id=\"5\">multi\nline\ntext</line><line id=\"6\">six</line>\r"
            + "<line id=\"7\">seven</line>\n"
            + "  </scene>\n"
            + "</script>\n"
        let result = readXML(xml)
        #expect(result.error == nil)
        #expect(result.problems.isEmpty)
        #expect(
            result.phrases.map { "\($0.id ?? "-")@\($0.location)" } == [
                "1@script.xml:4:23", "2@script.xml:5:3", "ñ→3@script.xml:8:2", "4@script.xml:8:28",
                "5@script.xml:9:3", "6@script.xml:11:12", "7@script.xml:12:1",
            ]
        )
        #expect(result.phrases.map(\.text)[3] == "<line>")
    }

    // MARK: Malformed documents

    @Test(arguments: [
        (
            "<script voice=\"v\" language=\"en\">\n<line>abc</lin>\n</script>",
            "script.xml:2:16: closing tag does not match <line> opened at 2:1; expected </line>"
        ),
        (
            "<script>\n<scene>\n<line>x</line>\n</script>",
            "script.xml:4:10: closing tag does not match <scene> opened at 2:1; expected </scene>"
        ),
        (
            "<script voice=\"v\" language=\"en\">\n<line>ab",
            "script.xml:2:9: file ends inside <line> opened at 2:1; the file is truncated or </line> is missing"
        ),
        (
            "<script>\n  <scene>\n    <line>x</line>\n",
            "script.xml:4:1: file ends inside <scene> opened at 2:3; the file is truncated or </scene> is missing"
        ),
        (
            "<script>\n<line id=\"a",
            "script.xml:2:12: file ends inside <script> opened at 1:1; the file is truncated or </script> is missing"
        ),
        (
            "<script><line>x</line",
            "script.xml:1:22: file ends inside <line> opened at 1:9; the file is truncated or </line> is missing"
        ),
        ("<script><line><![CDATA[abc</line></script>", "script.xml:1:15: CDATA section is not closed; end it with ]]>"),
        ("<script><!-- never closed", "script.xml:1:26: comment is not closed; end it with -->"),
        (
            "<script/>\n<script/>",
            "script.xml:2:1: unexpected content after </script>; a manifest holds exactly one <script> element"
        ),
        ("<speech/>", "script.xml:1:1: the root element is <speech>; expected <script>"),
        ("just text", "script.xml:1:1: file holds no XML element; expected a <script> element"),
        ("   \n\n", "script.xml:1:1: file holds no <script> element"),
        ("<s", "script.xml:1:1: file holds no <script> element"),
        (
            "<script><line>a & b</line></script>",
            "script.xml:1:18: a name is missing after < or &; write a literal < as &lt; and & as &amp;"
        ),
        (
            "<script><line>a &amp b</line></script>",
            "script.xml:1:21: entity reference is missing its closing ;; write a literal & as &amp;"
        ),
        (
            "<script><line>&nbsp;</line></script>",
            "script.xml:1:21: entity &nbsp; is not defined; only &amp; &lt; &gt; &quot; &apos; and character references such as &#233; are allowed"
        ),
        (
            "<script><line>&#1;</line></script>",
            "script.xml:1:19: character not allowed in XML; control characters other than tab, line feed and carriage return cannot appear, not even as &#…; references"
        ),
        (
            "<script><line voice=x>a</line></script>",
            "script.xml:1:21: attribute value must be in quotes, as in voice=\"narrator\""
        ),
        (
            "<script><line id=\"1\" id=\"2\">a</line></script>",
            "script.xml:1:28: attribute appears twice on the same element"
        ),
        (
            "<script><line id=\"<\">a</line></script>",
            "script.xml:1:19: < is not allowed in an attribute value; write &lt;"
        ),
        (
            "\n<?xml version=\"1.0\"?><script/>",
            "script.xml:2:6: the <?xml …?> declaration must come first in the file, with nothing before it"
        ),
        (
            "<script><a:line>x</a:line></script>",
            "script.xml:1:16: namespace prefixes (prefix:name) are not supported; use the plain names script, scene, group, line"
        ),
    ])
    func malformedDocumentsThrowWithLineAndColumn(_ xml: String, _ expected: String) {
        let result = readXML(xml)
        #expect(result.error?.description == expected)
        #expect(result.error?.kind == .badData)
    }

    // MARK: Encoding

    static let notUTF8: [([UInt8], String)] = {
        let latin1 = Array("<script>\n<line>caf".utf8) + [0xE9] + Array("</line></script>".utf8)
        let surrogate = Array("<script><line>".utf8) + [0xED, 0xA0, 0x80] + Array("</line></script>".utf8)
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "<script/>".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let latin1Declared = Array("<?xml version='1.0' encoding='ISO-8859-1'?>\n<script/>".utf8)
        let onlyUTF8 = "only UTF-8 manifests are supported"
        return [
            (
                latin1,
                "script.xml:2:10: byte 0xE9 is not valid UTF-8; \(onlyUTF8) (was the file saved as Latin-1 or Windows-1252?)"
            ),
            (
                surrogate,
                "script.xml:1:15: byte 0xED is not valid UTF-8; \(onlyUTF8) (was the file saved as Latin-1 or Windows-1252?)"
            ),
            (utf16, "script.xml:1:1: file is UTF-16 or UTF-32 encoded; \(onlyUTF8), so save it as UTF-8"),
            (
                latin1Declared,
                #"script.xml:1:31: the XML declaration names the encoding "ISO-8859-1"; "#
                    + #"only UTF-8 manifests are supported, so save the file as UTF-8 and declare encoding="UTF-8" or no encoding"#
            ),
        ]
    }()

    @Test(arguments: notUTF8)
    func onlyUTF8IsAccepted(_ bytes: [UInt8], _ expected: String) {
        let description = readXML(bytes: bytes).error?.description
        #expect(description == expected)
    }

    @Test(arguments: ["UTF-8", "utf-8", "utf8"])
    func utf8DeclarationsAreAccepted(_ name: String) {
        let result = readXML(
            "<?xml version=\"1.0\" encoding=\"\(name)\"?><script voice=\"v\" language=\"en\"><line>ok</line></script>"
        )
        #expect(result.error == nil)
        #expect(result.phrases.count == 1)
    }

    // MARK: Security

    static let billionLaughs: String = {
        var entities = [#"<!ENTITY lol "lol">"#]
        for level in 1...9 {
            let previous = level == 1 ? "&lol;" : "&lol\(level - 1);"
            entities.append("<!ENTITY lol\(level) \"\(String(repeating: previous, count: 10))\">")
        }
        return "<?xml version=\"1.0\"?>\n<!DOCTYPE script [\n\(entities.joined(separator: "\n"))\n]>\n"
            + "<script voice=\"v\" language=\"en\"><line>&lol9;</line></script>\n"
    }()

    @Test(.timeLimit(.minutes(1)), arguments: [true, false])
    func billionLaughsIsRefusedFast(screened: Bool) {
        let clock = ContinuousClock()
        var result: XMLReadResult?
        let elapsed = clock.measure { result = readXML(Self.billionLaughs, screeningDeclarations: screened) }
        #expect(elapsed < .seconds(2))
        #expect(result?.phrases.isEmpty == true)
        let error = result?.error?.description ?? ""
        if screened {
            #expect(
                error
                    == "script.xml:2:1: DTDs and entity declarations are not allowed in manifests; remove the <!DOCTYPE …> declaration"
            )
        } else {
            // Behind the screen, the parser still refuses to expand.
            #expect(error.hasPrefix("script.xml:"))
        }
    }

    @Test(arguments: [true, false])
    func externalEntityIsRefusedAndNeverRead(screened: Bool) throws {
        let marker = "SECRET-\(UUID().uuidString)"
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent(
            "audiocache-xxe-\(UUID().uuidString).txt"
        )
        try marker.write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE script [<!ENTITY x SYSTEM "\(secret.absoluteString)">]>
            <script voice="v" language="en"><line>&x;</line><line>after &x; entity</line></script>
            """
        let result = readXML(xml, screeningDeclarations: screened)
        #expect(result.phrases.allSatisfy { !$0.text.contains(marker) })
        #expect(result.problems.allSatisfy { !$0.description.contains(marker) })
        #expect(result.error?.description.contains(marker) != true)
        if screened {
            #expect(
                result.error?.description
                    == "script.xml:2:1: DTDs and entity declarations are not allowed in manifests; remove the <!DOCTYPE …> declaration"
            )
        } else {
            // Behind the screen the entity is left unexpanded: the line is empty or the file fails.
            #expect(result.phrases.map(\.text).allSatisfy { $0 == "after  entity" })
        }
    }

    @Test(arguments: [
        "<!doctype script><script/>",
        "<script><!-- <!DOCTYPE x> --></script>",
        "<!ENTITY x \"y\"><script/>",
    ])
    func anyDeclarationIsRefused(_ xml: String) {
        #expect(
            readXML(xml).error?.message.hasPrefix("DTDs and entity declarations are not allowed in manifests") == true
        )
    }

    @Test(.timeLimit(.minutes(1)))
    func deepNestingIsRefusedWithoutCrashing() {
        let depth = 10_000
        let xml =
            "<script>\n" + String(repeating: "<scene>", count: depth) + String(repeating: "</scene>", count: depth)
            + "</script>"
        let result = readXML(xml)
        // <script> is the first level, so the 32nd <scene> is the 33rd element.
        #expect(
            result.error?.description == "script.xml:2:218: element <scene> is nested 33 levels deep; the limit is 32"
        )
    }

    /// `<script>`, then `depth - 2` scenes, then the `<line>`.
    @Test(arguments: [(32, true), (33, false)])
    func nestingLimitIsExact(depth: Int, accepted: Bool) {
        let xml =
            "<script voice=\"v\" language=\"en\">" + String(repeating: "<scene>", count: depth - 2)
            + "<line>deep</line>" + String(repeating: "</scene>", count: depth - 2) + "</script>"
        let result = readXML(xml)
        #expect((result.error == nil) == accepted)
        #expect(result.phrases.count == (accepted ? 1 : 0))
    }

    // MARK: Concurrency

    @Test(.timeLimit(.minutes(1)))
    func readersRunConcurrently() async {
        let xml =
            "<script voice=\"v\" language=\"en\">"
            + String(repeating: "<scene name=\"s\"><line>x &amp; y</line></scene>", count: 200) + "</script>"
        let counts = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask { readXML(xml).phrases.count }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 200, count: 64))
    }
}
