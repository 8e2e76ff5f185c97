import Foundation

/// The machine-readable form of a ``Plan``, as `audiocache plan --json` prints it.
///
/// The format is documented in `docs/plan-format.md`; its `format` and `version` fields name it.
/// Keys are written sorted and pretty-printed exactly as `JSONEncoder` with `.prettyPrinted`,
/// `.sortedKeys` and `.withoutEscapingSlashes` would (the tests hold it to that), plus a final
/// newline, so the same plan always gives the same bytes. A `JSONWriter` writes them straight
/// from the plan: several times faster than `JSONEncoder`, and no copy of the document's values.
public struct PlanDocument: Sendable {
    /// Always `audiocache-plan`.
    public let format = "audiocache-plan"
    /// The version of this format; bumped on incompatible changes.
    public let version = 1
    /// The plan.
    public var plan: Plan
    /// The cache folder the plan was checked against, as given.
    public var cache: String
    /// Whether to list every rendering.
    public var listRenderings: Bool

    /// Creates a document.
    /// - Parameters:
    ///   - plan: The plan.
    ///   - cache: The cache folder, as given.
    ///   - listRenderings: Whether to include every rendering.
    public init(plan: Plan, cache: String, listRenderings: Bool = false) {
        self.plan = plan
        self.cache = cache
        self.listRenderings = listRenderings
    }

    /// The document as pretty-printed JSON with sorted keys and a final newline.
    /// - Returns: UTF-8 bytes.
    public func jsonData() -> Data {
        var writer = JSONWriter(capacity: 1 << 16)
        writeHead(into: &writer)
        let listing = listing()
        writeCollisions(plan.occurrences.collided.indices, listing: listing, into: &writer)
        writeTail(listing: listing, into: &writer) { _ in }
        return Data(writer.bytes)
    }

    /// Writes the document, as ``jsonData()`` returns it, to a file handle in chunks, so that the
    /// whole document is never held in memory. The collisions, the longest part, are laid out in
    /// parts on all processors and written in order.
    /// - Parameters:
    ///   - handle: Where to write, such as `FileHandle.standardOutput`.
    ///   - collisionsPerPart: How many collisions one part lays out.
    /// - Throws: The error of a failed write (a closed pipe, a full disk); `CancellationError`.
    public func write(to handle: FileHandle, collisionsPerPart: Int = 2_048) async throws {
        let chunkSize = 1 << 20
        var writer = JSONWriter(capacity: chunkSize + chunkSize / 4)
        func flush(_ writer: inout JSONWriter) throws {
            try writer.bytes.withUnsafeBytes { try handle.write(contentsOf: $0) }
            writer.removeAll()
        }
        writeHead(into: &writer)
        let listing = listing()
        let count = plan.occurrences.collided.count
        let perPart = max(1, collisionsPerPart)
        let width = activeProcessorCount()
        // The buffers of parts written out go to the parts laid out next.
        let buffers = RecyclingPool<[UInt8]>(limit: 2 * width + 2)
        try await forEachInOrder(count: (count + perPart - 1) / perPart, width: width) { part in
            let entries = part * perPart..<min(count, (part + 1) * perPart)
            var fragment = JSONWriter(
                elementsAt: 2,
                afterElements: part > 0,
                capacity: chunkSize,
                reusing: buffers.take()
            )
            writeCollisions(entries, listing: listing, into: &fragment)
            return fragment.bytes
        } consume: { _, fragment in
            // Straight to the file after what the writer holds: no copy of the longest part.
            try flush(&writer)
            try fragment.withUnsafeBytes { try handle.write(contentsOf: $0) }
            writer.noteElements(fragment)
            buffers.give(fragment)
        }
        try writeTail(listing: listing, into: &writer) { writer in
            if writer.count >= chunkSize { try flush(&writer) }
        }
        try flush(&writer)
    }

    /// Writes the start of the document, keys in byte order, up to the opened `collisions` array.
    private func writeHead(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("cache")
        writer.string(cache)
        writer.key("collisions")
        writer.beginArray()
    }

    /// What listing collisions and conflicts needs, worked out once per document.
    private struct Listing: Sendable {
        /// The sources of the collided renderings.
        var sources: CollidedSources
        /// The files' paths as string values (``JSONWriter/quoted(_:)``), one after another.
        var quotedFiles: [UInt8] = []
        /// Where each file's value is in `quotedFiles`.
        var fileRanges: [Range<Int>] = []
    }

    private func listing() -> Listing {
        var listing = Listing(sources: plan.occurrences.collidedSources(in: plan.list))
        for file in plan.occurrences.files {
            let start = listing.quotedFiles.count
            listing.quotedFiles += JSONWriter.quoted(file)
            listing.fileRanges.append(start..<listing.quotedFiles.count)
        }
        return listing
    }

    /// Writes the `collisions[]` elements of the collided renderings `entries`.
    private func writeCollisions(_ entries: Range<Int>, listing: Listing, into writer: inout JSONWriter) {
        let occurrences = plan.occurrences
        let renderings = plan.list
        occurrences.strings.withBytes { strings in
            let collisions = occurrences.collisionVariants(
                in: renderings,
                entries: entries,
                sources: listing.sources,
                first: {
                    BorrowedVariant(
                        text: renderings.textSpans[$0].buffer(in: strings),
                        model: renderings.modelIndices[$0]
                    )
                },
                differing: { BorrowedVariant(text: $0.text.buffer(in: strings), model: $0.model) }
            )
            for (entry, collided) in entries.enumerated() {
                let index = Int(occurrences.collided[collided])
                writeVariantEntry(
                    .key(renderings.keys[index]),
                    group: renderings.groups[Int(renderings.groupIndices[index])],
                    variants: entry,
                    in: collisions,
                    strings: strings,
                    listing: listing,
                    into: &writer
                )
            }
        }
    }

    /// Writes the rest of the document after the collisions, calling `checkpoint` after each
    /// element of the long arrays so that the caller can take the bytes out.
    private func writeTail(
        listing: Listing,
        into writer: inout JSONWriter,
        checkpoint: (inout JSONWriter) throws -> Void
    ) rethrows {
        let occurrences = plan.occurrences
        writer.endArray()

        writer.key("files")
        writer.beginArray()
        for file in plan.files {
            writer.string(file)
            try checkpoint(&writer)
        }
        writer.endArray()

        writer.key("format")
        writer.string(format)

        writer.key("groups")
        writer.beginArray()
        for group in plan.groups {
            writer.beginObject()
            writeCounts(group.counts, into: &writer, language: group.language, voiceID: group.voiceID)
            writer.endObject()
        }
        writer.endArray()

        writer.key("id_conflicts")
        writer.beginArray()
        let conflicts = occurrences.idConflictVariants(in: plan.list, limit: .max)
        try occurrences.strings.withBytes { strings in
            for entry in 0..<conflicts.count {
                let key = occurrences.conflictingIDs[entry]
                let group = plan.list.groups[Int(key.group)]
                writeVariantEntry(
                    .id(key.id),
                    group: group,
                    variants: entry,
                    in: conflicts,
                    strings: strings,
                    listing: listing,
                    into: &writer
                )
                try checkpoint(&writer)
            }
        }
        writer.endArray()

        writer.key("key_scheme")
        writer.string(plan.keyScheme.rawValue)

        writer.key("problems")
        writer.beginArray()
        for problem in plan.problems {
            writeProblem(problem, into: &writer)
            try checkpoint(&writer)
        }
        writer.endArray()

        if listRenderings {
            writer.key("renderings")
            writer.beginArray()
            for rendering in plan.list {
                writeRendering(rendering, into: &writer)
                try checkpoint(&writer)
            }
            writer.endArray()
        }

        if let shard = plan.shard {
            writer.key("shard")
            writer.string(shard.description)
        }

        writer.key("totals")
        writer.beginObject()
        writeCounts(plan.totals, into: &writer)
        writer.endObject()

        writer.key("version")
        writer.int(version)
        writer.endObject()
        writer.newline()
    }

    /// Writes the members of `counts`, with a group's `language` and `voice_id` in their places.
    private func writeCounts(
        _ counts: PlanCounts,
        into writer: inout JSONWriter,
        language: String? = nil,
        voiceID: String? = nil
    ) {
        writer.key("approved")
        writer.int(counts.approved)
        writer.key("cached")
        writer.int(counts.cached)
        writer.key("characters")
        writer.int(counts.characters)
        writer.key("characters_to_fetch")
        writer.int(counts.charactersToFetch)
        writer.key("collisions")
        writer.int(counts.collisions)
        writer.key("duplicates")
        writer.int(counts.duplicates)
        writer.key("flagged")
        writer.int(counts.flagged)
        if let language {
            writer.key("language")
            writer.string(language)
        }
        writer.key("missing")
        writer.int(counts.missing)
        writer.key("phrases")
        writer.int(counts.phrases)
        writer.key("renderings")
        writer.int(counts.renderings)
        writer.key("stale")
        writer.int(counts.stale)
        if let voiceID {
            writer.key("voice_id")
            writer.string(voiceID)
        }
    }

    /// Writes one `collisions[]` or `id_conflicts[]` object: its naming member (`key` or `id`, both
    /// sorting before `language`), `language`, `variants` and `voice_id`.
    private func writeVariantEntry<V: DocumentVariant>(
        _ name: VariantEntryName,
        group: GroupKey,
        variants entry: Int,
        in table: VariantTable<V>,
        strings: UnsafeBufferPointer<UInt8>,
        listing: Listing,
        into writer: inout JSONWriter
    ) {
        writer.beginObject()
        switch name {
        case .key(let key):
            writer.key("key")
            writer.string(key)
        case .id(let id):
            writer.key("id")
            writer.string(id)
        }
        writer.key("language")
        writer.string(group.language)
        writer.key("variants")
        writer.beginArray()
        let sources = plan.occurrences.sources
        for position in table.variants(of: entry) {
            let variant = table.variants[position]
            writer.beginObject()
            if let modelID = variant.modelID(in: plan.list) {
                writer.key("model_id")
                writer.string(modelID)
            }
            writer.key("sources")
            writer.beginArray()
            listing.quotedFiles.withUnsafeBufferPointer { files in
                for index in table.sources(of: position) {
                    let source = sources[Int(index)]
                    writer.sourceObject(
                        quotedFile: UnsafeBufferPointer(rebasing: files[listing.fileRanges[Int(source.file)]]),
                        line: Int(source.line),
                        column: source.column == 0 ? nil : Int(source.column),
                        id: source.id.isNone ? nil : source.id.buffer(in: strings)
                    )
                }
            }
            writer.endArray()
            writer.key("text")
            variant.writeText(into: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.key("voice_id")
        writer.string(group.voiceID)
        writer.endObject()
    }

    /// Writes one object per problem, the gathered ones of `problem` one by one.
    private func writeProblem(_ problem: AudioCacheError, into writer: inout JSONWriter) {
        guard problem.problems.isEmpty else {
            for gathered in problem.problems { writeProblem(gathered, into: &writer) }
            return
        }
        writer.beginObject()
        if let location = problem.location {
            if let column = location.column {
                writer.key("column")
                writer.int(column)
            }
            writer.key("file")
            writer.string(location.file)
            if let line = location.line {
                writer.key("line")
                writer.int(line)
            }
        }
        writer.key("message")
        writer.string(problem.message)
        writer.endObject()
    }

    /// Writes one `renderings[]` entry.
    private func writeRendering(_ rendering: Rendering, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("characters")
        writer.int(rendering.characters)
        writer.key("first_source")
        let source = rendering.firstSource
        writer.source(file: source.file, line: source.line, column: source.column, id: source.id)
        writer.key("key")
        writer.string(rendering.key)
        writer.key("language")
        writer.string(rendering.language)
        if let modelID = rendering.modelID {
            writer.key("model_id")
            writer.string(modelID)
        }
        writer.key("occurrences")
        writer.int(rendering.occurrences)
        writer.key("status")
        writer.string(rendering.status.rawValue)
        writer.key("text")
        writer.string(rendering.text)
        writer.key("verdict")
        writer.string(rendering.verdict.rawValue)
        writer.key("voice_id")
        writer.string(rendering.voiceID)
        writer.endObject()
    }
}

/// A variant as the document lists it: a model and a text.
private protocol DocumentVariant: Hashable {
    /// The variant's model, if it names one.
    func modelID(in renderings: RenderingList) -> String?
    /// Writes the variant's text as a string value.
    func writeText(into writer: inout JSONWriter)
}

extension Variant: DocumentVariant {
    func modelID(in renderings: RenderingList) -> String? { modelID }
    func writeText(into writer: inout JSONWriter) { writer.string(text) }
}

extension BorrowedVariant: DocumentVariant {
    func modelID(in renderings: RenderingList) -> String? {
        model < 0 ? nil : renderings.modelNames[Int(model)]
    }
    func writeText(into writer: inout JSONWriter) { writer.string(utf8: text) }
}

/// What names a `collisions[]` entry (its key) or an `id_conflicts[]` entry (its id).
private enum VariantEntryName {
    case key(CacheKey)
    case id(String)
}

extension JSONWriter {
    /// Writes a ``PhraseSource`` object: `column` and `id` when set, `file`, `line` (byte order).
    mutating func source(file: String, line: Int, column: Int?, id: String?) {
        var id = id
        Self.quoted(file).withUnsafeBufferPointer { file in
            guard id != nil else { return sourceObject(quotedFile: file, line: line, column: column, id: nil) }
            id?.withUTF8 { sourceObject(quotedFile: file, line: line, column: column, id: $0) }
        }
    }
}
