import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads XML scripts: a `<script>` root, `<line>` elements holding the text, optionally grouped
/// in nestable `<scene>` or `<group>` elements.
///
/// ```xml
/// <script voice="narrator" language="en" model="eleven_multilingual_v2">
///   <scene name="intro" voice="guard">
///     <line id="guard-1">Halt! Who goes there?</line>
///   </scene>
/// </script>
/// ```
///
/// - `voice`, `language` and `model` attributes set defaults on `<script>`, `<scene>` and `<group>`
///   and override them on a `<line>`; the innermost element wins. There is exactly one spelling per
///   attribute (not `voice_id` or `model_id`, which CSV and JSON use).
/// - `<line>` also takes `id`. `<script>`, `<scene>` and `<group>` take `name` and `title`; the
///   innermost scene or group's `name` (or else `title`) becomes the line's `scene` tag.
/// - A line's text is its character content (character references, the five predefined entities
///   and CDATA sections included, comments left out) with leading and trailing XML whitespace
///   (space, tab, line feed, carriage return) removed; whitespace inside is kept.
/// - Problems that concern some lines are reported to the sink and the lines skipped: unknown
///   elements (their content is skipped too), unknown or invalid attributes (on a scene, every line
///   in it is skipped, so that a typo never silently changes a rendering), elements inside `<line>`,
///   and text outside a `<line>`.
/// - Problems with the file as a whole are thrown: malformed XML (with the parser's line and
///   column), a root other than `<script>`, nesting deeper than ``ManifestLimits/maxNestingDepth``,
///   an encoding other than UTF-8, and any DTD or entity declaration.
///
/// Security: the bytes are screened for `<!DOCTYPE` and `<!ENTITY` before parsing, external entities
/// are never resolved, and any entity the parser asks about fails the file, so no file or URL is
/// ever read and no entity expansion can grow. Line text is capped at
/// ``ManifestLimits/maxFieldBytes`` while it is collected.
enum XMLManifestReader {
    /// Reads an XML script into a sink.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - sink: Receives the lines and the problems with single lines.
    /// - Throws: ``AudioCacheError`` when the file is not UTF-8, holds a DTD, is not well-formed, or
    ///   has no `<script>` root.
    static func read(_ bytes: UnsafeRawBufferPointer, into sink: inout ManifestSink) throws(AudioCacheError) {
        try read(bytes, into: &sink, screeningDeclarations: true)
    }

    /// Reads an XML script into a sink, optionally without the up-front DTD screen.
    ///
    /// Only tests turn the screen off, to show that the parser settings and the delegate still keep
    /// entities from being resolved or expanded.
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - sink: Receives the lines and the problems with single lines.
    ///   - screeningDeclarations: Whether to refuse `<!DOCTYPE` and `<!ENTITY` before parsing.
    /// - Throws: ``AudioCacheError`` as ``read(_:into:)`` does.
    static func read(
        _ bytes: UnsafeRawBufferPointer,
        into sink: inout ManifestSink,
        screeningDeclarations: Bool
    ) throws(AudioCacheError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw .badData(at: SourceLocation(file: sink.path), "file is empty; expected a <script> element")
        }
        try screenEncoding(bytes, path: sink.path)
        if screeningDeclarations { try screenDeclarations(bytes, path: sink.path) }

        // The parser only reads the bytes, and neither it nor the data outlives this call.
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none)
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.externalEntityResolvingPolicy = .never
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        let handler = ScriptHandler(sink: sink, bytes: bytes)
        parser.delegate = handler
        let succeeded = parser.parse()
        parser.delegate = nil
        sink = handler.sink
        if let failure = handler.failure(afterParsing: parser, succeeded: succeeded) { throw failure }
    }
}

/// Receives one document's parser events and turns `<line>` elements into phrases.
private final class ScriptHandler: NSObject, XMLParserDelegate {
    private enum Role {
        case script, scene, line
        /// An element that is not read: unknown, misplaced, or inside one of those.
        case skipped
    }

    private struct Frame {
        var role: Role
        var name: String
        var location: SourceLocation
        var defaults: PhraseDefaults
        var scene: String?
        /// Whether a problem was reported for this element or one around it: its lines are not added.
        var isRejected: Bool
        /// Whether stray text was reported since the last child element, so that a run of text split
        /// into several callbacks is reported once.
        var reportedStrayText = false
        var id: String?
        var text = ""
        var textBytes = 0
        var isTextTooLong = false
    }

    private static let containerAttributes = "voice, language, model, name or title"
    private static let lineAttributes = "id, voice, language or model"

    private(set) var sink: ManifestSink
    private var locator: XMLMarkupLocator
    private let bytes: UnsafeRawBufferPointer
    private var stack: [Frame] = []
    private var sawRoot = false
    private var closedRoot = false
    private var stoppedEarly = false
    private var failure: AudioCacheError?

    init(sink: ManifestSink, bytes: UnsafeRawBufferPointer) {
        self.sink = sink
        self.bytes = bytes
        self.locator = XMLMarkupLocator(bytes)
    }

    /// The error that ends the file, if any, once the parser has returned.
    func failure(afterParsing parser: XMLParser, succeeded: Bool) -> AudioCacheError? {
        if let failure { return failure }
        if stoppedEarly { return nil }
        if !closedRoot { return endOfFileFailure() }
        if !succeeded || parser.parserError != nil {
            return .badData(at: parserLocation(parser), "the file is not well-formed XML")
        }
        return nil
    }

    // MARK: Elements

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?,
        attributes: [String: String]
    ) {
        let position = locator.nextStartTag()
        guard failure == nil, !stoppedEarly else { return }
        let location = SourceLocation(file: sink.path, line: position.line, column: position.column)
        let limit = sink.limits.maxNestingDepth
        guard stack.count < limit else {
            return fail(
                parser,
                at: location,
                "element <\(elementName)> is nested \(stack.count + 1) levels deep; the limit is \(limit)"
            )
        }
        guard let parent = stack.last else {
            guard elementName == "script" else {
                return fail(parser, at: location, "the root element is <\(elementName)>; expected <script>")
            }
            sawRoot = true
            return push(.script, elementName, at: location, attributes, inside: nil)
        }
        stack[stack.count - 1].reportedStrayText = false
        switch (parent.role, elementName) {
        case (.skipped, _):
            push(.skipped, elementName, at: location, [:], inside: parent)
        case (.line, _):
            report(at: location, "element <\(elementName)> is not allowed inside <line>; a line holds only text")
            stack[stack.count - 1].isRejected = true
            push(.skipped, elementName, at: location, [:], inside: parent)
        case (_, "scene"), (_, "group"):
            push(.scene, elementName, at: location, attributes, inside: parent)
        case (_, "line"):
            push(.line, elementName, at: location, attributes, inside: parent)
        default:
            report(
                at: location,
                "element <\(elementName)> is not allowed here; expected <scene>, <group> or <line> (its content is skipped)"
            )
            push(.skipped, elementName, at: location, [:], inside: parent)
        }
        stopIfSaturated(parser)
    }

    func parser(
        _ parser: XMLParser,
        didEndElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        locator.nextEndTag()
        guard failure == nil, !stoppedEarly, let frame = stack.popLast() else { return }
        if stack.isEmpty {
            closedRoot = true
        } else {
            stack[stack.count - 1].reportedStrayText = false
        }
        guard frame.role == .line, !frame.isRejected else { return }
        if frame.isTextTooLong {
            let limit = sink.limits.maxTextCharacters
            report(
                at: frame.location,
                "text is far longer than the limit of \(limit) characters (see --max-text-length)"
            )
        } else {
            var text = frame.text.unicodeScalars
            while let last = text.last, last.isASCII, XMLMarkupLocator.isXMLWhitespace(UInt8(last.value)) {
                text.removeLast()
            }
            let tags = frame.scene.map { ["scene": $0] } ?? [:]
            sink.add(
                RawPhrase(
                    text: String(text),
                    defaults: frame.defaults,
                    id: frame.id,
                    tags: tags,
                    location: frame.location
                )
            )
        }
        stopIfSaturated(parser)
    }

    /// Pushes a frame for an element, reading its attributes when it is one that has them.
    private func push(
        _ role: Role,
        _ name: String,
        at location: SourceLocation,
        _ attributes: [String: String],
        inside parent: Frame?
    ) {
        var frame = Frame(
            role: role,
            name: name,
            location: location,
            defaults: parent?.defaults ?? PhraseDefaults(),
            scene: parent?.scene,
            isRejected: parent?.isRejected ?? false
        )
        var own = PhraseDefaults()
        var sceneName: (name: String?, title: String?) = (nil, nil)
        // Sorted, so that several problems on one element are reported in a stable order.
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            switch (role, key) {
            case (.skipped, _): break
            case (_, "voice"), (_, "language"), (_, "model"):
                if let problem = XMLManifestReader.problem(withAttribute: key, value) {
                    reject(&frame, problem)
                } else if key == "voice" {
                    own.voiceID = value
                } else if key == "language" {
                    own.language = value
                } else {
                    own.modelID = value
                }
            case (.line, "id"): frame.id = value
            case (.scene, "name"), (.script, "name"): sceneName.name = value
            case (.scene, "title"), (.script, "title"): sceneName.title = value
            default:
                let expected = role == .line ? Self.lineAttributes : Self.containerAttributes
                let hint =
                    switch key {
                    case "voice_id": "; XML scripts spell it voice"
                    case "model_id": "; XML scripts spell it model"
                    default: "; expected \(expected)"
                    }
                reject(&frame, "unknown attribute \(key) on <\(name)>\(hint)")
            }
        }
        frame.defaults = frame.defaults.overridden(by: own)
        if role == .scene,
            let scene = [sceneName.name, sceneName.title].compactMap({ $0 }).first(where: { !$0.isEmpty })
        {
            frame.scene = scene
        }
        stack.append(frame)
    }

    /// Reports a problem with an element's attributes and keeps its lines out of the sink.
    private func reject(_ frame: inout Frame, _ problem: String) {
        let suffix = frame.role == .line ? "" : " (its lines are skipped)"
        report(at: frame.location, problem + suffix)
        frame.isRejected = true
    }

    // MARK: Text

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        take(string, parser)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        // The whole file was checked to be UTF-8, so decoding repairs nothing.
        take(String(decoding: CDATABlock, as: UTF8.self), parser)
    }

    private func take(_ chunk: String, _ parser: XMLParser) {
        guard failure == nil, !stoppedEarly, !stack.isEmpty else { return }
        let index = stack.count - 1
        switch stack[index].role {
        case .line:
            guard !stack[index].isRejected, !stack[index].isTextTooLong else { return }
            // Leading whitespace is dropped as it arrives, so that it never counts against the cap.
            let piece =
                stack[index].text.isEmpty
                ? String(
                    chunk.unicodeScalars.drop(while: { $0.isASCII && XMLMarkupLocator.isXMLWhitespace(UInt8($0.value)) }
                    )
                )
                : chunk
            stack[index].textBytes += piece.utf8.count
            if stack[index].textBytes > sink.limits.maxFieldBytes {
                stack[index].isTextTooLong = true
                stack[index].text = ""
            } else {
                stack[index].text += piece
            }
        case .script, .scene:
            guard !stack[index].reportedStrayText,
                chunk.unicodeScalars.contains(where: {
                    !($0.isASCII && XMLMarkupLocator.isXMLWhitespace(UInt8($0.value)))
                })
            else { return }
            stack[index].reportedStrayText = true
            let position = locator.nextContent()
            let snippet = chunk.trimmingCharacters(in: .whitespacesAndNewlines)
            report(
                at: SourceLocation(file: sink.path, line: position.line, column: position.column),
                "text \(quoted(snippet)) is outside any <line>; put it in a <line> element or remove it"
            )
            stopIfSaturated(parser)
        case .skipped:
            break
        }
    }

    // MARK: Errors and refusals

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        guard failure == nil, !stoppedEarly else { return }
        failure = parseFailure(code: (parseError as NSError).code, parser: parser)
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        if failure == nil {
            fail(
                parser,
                at: parserLocation(parser),
                "entity &\(name); is not defined; only &amp; &lt; &gt; &quot; &apos; and character references such as &#233; are allowed"
            )
        }
        return nil
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        refuseDeclaration(parser)
    }

    func parser(
        _ parser: XMLParser,
        foundExternalEntityDeclarationWithName name: String,
        publicID: String?,
        systemID: String?
    ) {
        refuseDeclaration(parser)
    }

    func parser(
        _ parser: XMLParser,
        foundUnparsedEntityDeclarationWithName name: String,
        publicID: String?,
        systemID: String?,
        notationName: String?
    ) {
        refuseDeclaration(parser)
    }

    func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
        refuseDeclaration(parser)
    }

    func parser(
        _ parser: XMLParser,
        foundAttributeDeclarationWithName attributeName: String,
        forElement elementName: String,
        type: String?,
        defaultValue: String?
    ) {
        refuseDeclaration(parser)
    }

    func parser(
        _ parser: XMLParser,
        foundNotationDeclarationWithName name: String,
        publicID: String?,
        systemID: String?
    ) {
        refuseDeclaration(parser)
    }

    private func refuseDeclaration(_ parser: XMLParser) {
        guard failure == nil else { return }
        fail(parser, at: parserLocation(parser), "DTDs and entity declarations are not allowed in manifests")
    }

    private func report(at location: SourceLocation, _ message: String) {
        sink.report(.badData(at: location, message))
    }

    private func stopIfSaturated(_ parser: XMLParser) {
        guard sink.isSaturated else { return }
        stoppedEarly = true
        parser.abortParsing()
    }

    private func fail(_ parser: XMLParser, at location: SourceLocation, _ message: String) {
        failure = .badData(at: location, message)
        parser.abortParsing()
    }

    private func parserLocation(_ parser: XMLParser) -> SourceLocation {
        SourceLocation(file: sink.path, line: max(parser.lineNumber, 1), column: max(parser.columnNumber, 1))
    }

    /// Whether the parser has reached the end of the input, where most errors mean a truncated file.
    private func isAtEndOfFile(_ parser: XMLParser) -> Bool {
        let end = XMLMarkupLocator.position(ofOffset: bytes.count, in: bytes)
        return (parser.lineNumber, parser.columnNumber) >= (end.line, end.column)
    }

    /// The error for a file that ends with elements still open, at the end of the file.
    private func endOfFileFailure() -> AudioCacheError {
        guard sawRoot else {
            return .badData(at: SourceLocation(file: sink.path, line: 1, column: 1), "file holds no <script> element")
        }
        let end = XMLMarkupLocator.position(ofOffset: bytes.count, in: bytes)
        let location = SourceLocation(file: sink.path, line: end.line, column: end.column)
        guard let open = stack.last else { return .badData(at: location, "the file is not well-formed XML") }
        return .badData(
            at: location,
            "file ends inside <\(open.name)> opened at \(open.location.line ?? 1):\(open.location.column ?? 1); "
                + "the file is truncated or </\(open.name)> is missing"
        )
    }

    /// The error for a libxml2 error code (`xmlParserErrors`), with the open elements for context.
    private func parseFailure(code: Int, parser: XMLParser) -> AudioCacheError {
        let here = parserLocation(parser)
        switch code {
        case 45: return .badData(at: here, "comment is not closed; end it with -->")
        case 46, 47: return .badData(at: here, "processing instruction is not closed; end it with ?>")
        case 63: return .badData(at: here, "CDATA section is not closed; end it with ]]>")
        case 74, 76:
            guard let open = stack.last else {
                return .badData(at: here, "closing tag does not match any open element")
            }
            return .badData(
                at: here,
                "closing tag does not match <\(open.name)> opened at \(open.location.line ?? 1):\(open.location.column ?? 1); "
                    + "expected </\(open.name)>"
            )
        default: break
        }
        if code == 5 && !closedRoot || isAtEndOfFile(parser) && !closedRoot {
            // The push parser waits for the end of an unclosed CDATA section or comment, then reports
            // the end of the input just after its opening.
            let offset = XMLMarkupLocator.offset(
                of: XMLMarkupLocator.Position(line: parser.lineNumber, column: parser.columnNumber),
                in: bytes
            )
            for (opening, message) in [
                ("<![CDATA[", "CDATA section is not closed; end it with ]]>"),
                ("<!--", "comment is not closed; end it with -->"),
            ] {
                let start = offset - opening.utf8.count
                if start >= 0, bytes[start..<offset].elementsEqual(opening.utf8) {
                    return .badData(
                        at: XMLManifestReader.location(ofOffset: start, in: bytes, path: sink.path),
                        message
                    )
                }
            }
            return endOfFileFailure()
        }
        return .badData(at: here, XMLManifestReader.message(forParserError: code))
    }
}
