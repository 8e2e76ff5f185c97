import Foundation

extension CacheDirectory {
    /// What to store with an audio payload.
    public struct StoreRequest: Sendable {
        /// The original text (the key is computed from it).
        public var text: String
        /// The voice.
        public var voiceID: String
        /// The language.
        public var language: String
        /// What was rendered; its text is what was sent.
        public var rendering: RenderingDescription
        /// Where the audio came from.
        public var source: AudioSource
        /// Whether eviction and TTL leave the entry alone.
        public var isPinned: Bool
        /// What the provider said about the request.
        public var response: ProviderResponse?

        /// Creates a request.
        /// - Parameters:
        ///   - text: The original text.
        ///   - voiceID: The voice.
        ///   - language: The language.
        ///   - rendering: What was rendered.
        ///   - source: Synthesized or recorded.
        ///   - isPinned: `true` for pre-warmed and recorded audio.
        ///   - response: What the provider said about the request.
        public init(
            text: String,
            voiceID: String,
            language: String,
            rendering: RenderingDescription,
            source: AudioSource = .tts,
            isPinned: Bool = true,
            response: ProviderResponse? = nil
        ) {
            self.text = text
            self.voiceID = voiceID
            self.language = language
            self.rendering = rendering
            self.source = source
            self.isPinned = isPinned
            self.response = response
        }
    }

    /// Stores audio under the key of `request`'s text, voice and language, replacing what the key
    /// held (keeping the key's access history). The audio is on disk and journaled when this
    /// returns.
    ///
    /// When an unpinned store takes the cache past ``CacheConfiguration/maxSizeBytes``, the least
    /// recently used unpinned entries are evicted down to nine tenths of it (the new entry is the
    /// most recent, so it stays unless it alone is too big).
    /// - Parameters:
    ///   - audio: The audio payload; its first bytes must match its format.
    ///   - request: What to record with it.
    /// - Returns: The new entry.
    /// - Throws: ``AudioCacheError``: bad data for an empty or unrecognised payload or an unsafe
    ///   voice or language, usage for a read-only cache, I/O errors.
    @discardableResult
    public func store(_ audio: [UInt8], for request: StoreRequest) throws(AudioCacheError) -> CacheEntry {
        try requireWritable()
        for (field, value) in [(FieldRules.Field.voiceID, request.voiceID), (.language, request.language)] {
            if let problem = field.problem(with: value) { throw AudioCacheError(.badData, problem) }
        }
        if let problem = FieldRules.problem(withText: request.text, maxCharacters: .max) {
            throw AudioCacheError(.badData, problem)
        }
        guard let container = AudioContainer.detect(audio, declaredAs: request.rendering.outputFormat) else {
            throw AudioCacheError(
                .badData,
                "the payload (\(audio.count) bytes) is not \(request.rendering.outputFormat) audio; nothing was stored"
            )
        }
        let key = keyScheme.key(text: request.text, voiceID: request.voiceID, language: request.language)
        let sha256 = SHA256Hash(of: audio)
        let path = CacheLayout.audioPath(key: key, sha256: sha256, container: container)
        let absolute = layout.absolute(path)
        let previous = table.slot(of: key).map { table.publicRecord($0) }
        var wroteFile = false
        if previous?.path != path || FileSystem.inspect(absolute).kind != .file {
            let folder = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.endIndex)])
            try FileSystem.makeFolder(folder)
            try FileSystem.writeAtomically(absolute, through: layout.temporaryFolder, bytes: audio)
            wroteFile = previous?.path != path
        }
        let date = CacheTimestamp.truncated(now())
        let expiresAt: Date? =
            request.isPinned || configuration.ttlSeconds == 0
            ? nil : date.addingTimeInterval(TimeInterval(configuration.ttlSeconds))
        let entry = CacheEntry(
            key: key,
            path: path,
            size: audio.count,
            sha256: sha256,
            mimeType: container.mimeType,
            audioFormat: request.rendering.outputFormat,
            createdAt: date,
            lastAccessed: previous?.lastAccessed ?? date,
            accessCount: previous?.accessCount ?? 0,
            expiresAt: expiresAt,
            isPinned: request.isPinned,
            source: request.source,
            text: CacheEntry.displayText(request.text),
            voiceID: request.voiceID,
            language: request.language,
            rendering: request.rendering,
            response: request.response
        )
        let replaced = previous.flatMap { $0.path == path ? nil : $0.path }
        do {
            try put(entry, replacing: replaced)
        } catch {
            // No entry names the new file (a full disk, say): it goes, so the folder verifies clean.
            if wroteFile { try? FileSystem.removeFile(absolute) }
            throw error
        }
        if configuration.maxSizeBytes > 0 && totalSize > configuration.maxSizeBytes && !entry.isPinned {
            // The reference Python implementation's behaviour: a cache that outgrows its maximum
            // drops what is used least, here down to nine tenths of the maximum so that the next
            // stores do not each rewrite the index. Pinned entries stay, so a pre-warmed cache never shrinks itself.
            try evict(toFit: configuration.maxSizeBytes / 10 * 9)
        } else {
            try foldJournalIfLong()
        }
        return entry
    }

    /// Journals `entry` (flushed) and puts it in the table, the file at `replaced` (another take's)
    /// to be deleted after the next snapshot: what every change to one entry does.
    /// - Throws: ``AudioCacheError`` when the journal cannot be written; then nothing changed.
    func put(_ entry: CacheEntry, replacing replaced: String?) throws(AudioCacheError) {
        try appendToJournal([.put(entry, replaces: replaced)], flush: true)
        table.put(entry)
        putsSinceSnapshot += 1
        dirtyAccesses.remove(entry.key)
        if let replaced { garbage.append(replaced) }
    }

    /// Writes a fresh `index.json` once the entries put since the last one pass half of the index
    /// (10,000 at least), so that the journal does not grow without end.
    func foldJournalIfLong() throws(AudioCacheError) {
        if putsSinceSnapshot > max(10_000, table.count / 2) { try writeSnapshotAndStartJournal() }
    }
}
