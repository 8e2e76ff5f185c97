import Foundation

/// An index entry and the values in it, read as the index document and journal records hold them
/// (`docs/cache-format.md`).
extension CacheIndexReader {
    struct Fields: OptionSet {
        let rawValue: UInt32
        static let key = Fields(rawValue: 1 << 0)
        static let path = Fields(rawValue: 1 << 1)
        static let size = Fields(rawValue: 1 << 2)
        static let sha256 = Fields(rawValue: 1 << 3)
        static let createdAt = Fields(rawValue: 1 << 4)
        static let voiceID = Fields(rawValue: 1 << 5)
        static let language = Fields(rawValue: 1 << 6)
        static let rendering = Fields(rawValue: 1 << 7)
        static let required: Fields = [.key, .path, .size, .sha256, .createdAt, .voiceID, .language, .rendering]
        static let names: [(Fields, String)] = [
            (.key, "key"), (.path, "path"), (.size, "size"), (.sha256, "sha256"), (.createdAt, "created_at"),
            (.voiceID, "voice_id"), (.language, "language"), (.rendering, "rendering"),
        ]
    }

    mutating func readEntry() throws(AudioCacheError) -> CacheEntry {
        let start = scanner.position
        guard scanner.kind == .object else { throw scanner.unexpected("an entry object") }
        try scanner.beginObject()
        var seen: Fields = []
        var key = CacheKey(high: 0, low: 0)
        var path = ""
        var size = 0
        var sha256 = SHA256Hash(high: 0, middleHigh: 0, middleLow: 0, low: 0)
        var mimeType = "application/octet-stream"
        var audioFormat = ""
        var createdAt = Date(timeIntervalSince1970: 0)
        var lastAccessed: Date?
        var accessCount = 0
        var expiresAt: Date?
        var isPinned = false
        var source = AudioSource.tts
        var text = ""
        var voiceID = ""
        var language = ""
        var rendering: RenderingDescription?
        var fingerprint: SHA256Hash?
        var response: ProviderResponse?
        var review: Review?
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            let valueStart = scanner.position
            if scanner.matches(name, "key") {
                key = try readKey()
                seen.insert(.key)
            } else if scanner.matches(name, "path") {
                path = try readString()
                guard CacheLayout.isSafeAudioPath(path) else {
                    throw scanner.error(
                        "path \"\(path)\" is not a relative path inside the audio folder",
                        at: valueStart
                    )
                }
                seen.insert(.path)
            } else if scanner.matches(name, "size") {
                size = try readInt()
                seen.insert(.size)
            } else if scanner.matches(name, "sha256") {
                sha256 = try readHash()
                seen.insert(.sha256)
            } else if scanner.matches(name, "mime_type") {
                mimeType = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "audio_format") {
                audioFormat = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "created_at") {
                createdAt = try readTimestamp()
                seen.insert(.createdAt)
            } else if scanner.matches(name, "last_accessed") {
                lastAccessed = try readTimestamp()
            } else if scanner.matches(name, "access_count") {
                accessCount = try readInt()
            } else if scanner.matches(name, "expires_at") {
                expiresAt = scanner.kind == .null ? try skipNull() : try readTimestamp()
            } else if scanner.matches(name, "pinned") {
                isPinned = try readBool()
            } else if scanner.matches(name, "source") {
                let value = try readString()
                guard let known = AudioSource(rawValue: value) else {
                    throw scanner.error("unknown source \"\(value)\"; expected tts or recorded", at: valueStart)
                }
                source = known
            } else if scanner.matches(name, "text") {
                text = try readString()
            } else if scanner.matches(name, "voice_id") {
                voiceID = try scanner.readString(isRepeated: true)
                seen.insert(.voiceID)
            } else if scanner.matches(name, "language") {
                language = try scanner.readString(isRepeated: true)
                seen.insert(.language)
            } else if scanner.matches(name, "rendering") {
                rendering = try readRendering()
                seen.insert(.rendering)
            } else if scanner.matches(name, "rendering_fingerprint") {
                fingerprint = try readHash()
            } else if scanner.matches(name, "response") {
                response = try readResponse()
            } else if scanner.matches(name, "review") {
                review = try readReview()
            } else {
                try scanner.skipValue()
            }
        }
        let missing = Fields.names.filter { !seen.contains($0.0) }.map(\.1)
        guard missing.isEmpty, let description = rendering else {
            throw scanner.error("entry has no \(missing.joined(separator: ", "))", at: start)
        }
        let recorded = RenderingDescription(
            provider: description.provider,
            modelID: description.modelID,
            outputFormat: description.outputFormat,
            sortedVoiceSettings: description.voiceSettings,
            text: description.text == text ? text : description.text,
            fingerprint: fingerprint
                ?? RenderingDescription(
                    provider: description.provider,
                    modelID: description.modelID,
                    outputFormat: description.outputFormat,
                    voiceSettings: description.voiceSettings,
                    text: description.text
                ).fingerprint
        )
        return CacheEntry(
            key: key,
            path: path,
            size: size,
            sha256: sha256,
            mimeType: mimeType,
            audioFormat: audioFormat.isEmpty ? description.outputFormat : audioFormat,
            createdAt: createdAt,
            lastAccessed: lastAccessed ?? createdAt,
            accessCount: accessCount,
            expiresAt: expiresAt,
            isPinned: isPinned,
            source: source,
            text: text,
            voiceID: voiceID,
            language: language,
            rendering: recorded,
            response: response,
            review: review
        )
    }

    /// Reads a `review` object; an unreviewed verdict is no review.
    mutating func readReview() throws(AudioCacheError) -> Review? {
        let start = scanner.position
        guard scanner.kind == .object else { throw scanner.unexpected("a review object") }
        try scanner.beginObject()
        var verdict: ReviewVerdict?
        var note: String?
        var reviewedAt = Date(timeIntervalSince1970: 0)
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            let valueStart = scanner.position
            if scanner.matches(name, "verdict") {
                let value = try readString()
                guard let known = ReviewVerdict(rawValue: value) else {
                    throw scanner.error(
                        "unknown verdict \"\(value)\"; expected approved, flagged or unreviewed",
                        at: valueStart
                    )
                }
                verdict = known
            } else if scanner.matches(name, "note") {
                note = scanner.kind == .null ? try skipNull() : try readString()
            } else if scanner.matches(name, "reviewed_at") {
                reviewedAt = try readTimestamp()
            } else {
                try scanner.skipValue()
            }
        }
        guard let verdict else { throw scanner.error("review has no verdict", at: start) }
        return verdict == .unreviewed ? nil : Review(verdict: verdict, note: note, reviewedAt: reviewedAt)
    }

    /// Reads an entry object's `text` and skips the rest.
    mutating func readText() throws(AudioCacheError) -> String? {
        guard scanner.kind == .object else { throw scanner.unexpected("an entry object") }
        try scanner.beginObject()
        var text: String?
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            if scanner.matches(name, "text") {
                text = try readString()
            } else {
                try scanner.skipValue()
            }
        }
        return text
    }

    /// Reads a `response` object.
    mutating func readResponse() throws(AudioCacheError) -> ProviderResponse {
        guard scanner.kind == .object else { throw scanner.unexpected("a response object") }
        try scanner.beginObject()
        var response = ProviderResponse()
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            if scanner.matches(name, "request_id") {
                response.requestID = try readString()
            } else if scanner.matches(name, "character_cost") {
                response.characterCost = try readInt()
            } else if scanner.matches(name, "history_item_id") {
                response.historyItemID = try readString()
            } else {
                try scanner.skipValue()
            }
        }
        return response
    }

    /// Reads a `rendering` object, leaving its fingerprint to the entry's `rendering_fingerprint`.
    mutating func readRendering() throws(AudioCacheError) -> RenderingDescription {
        guard scanner.kind == .object else { throw scanner.unexpected("a rendering object") }
        try scanner.beginObject()
        var provider = ""
        var modelID: String?
        var outputFormat = ""
        var settings: [VoiceSetting] = []
        var text = ""
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            if scanner.matches(name, "provider") {
                provider = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "model_id") {
                modelID = scanner.kind == .null ? try skipNull() : try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "output_format") {
                outputFormat = try scanner.readString(isRepeated: true)
            } else if scanner.matches(name, "voice_settings") {
                settings = try readVoiceSettings()
            } else if scanner.matches(name, "text") {
                text = try readString()
            } else {
                try scanner.skipValue()
            }
        }
        return RenderingDescription(
            provider: provider,
            modelID: modelID,
            outputFormat: outputFormat,
            sortedVoiceSettings: settings.sorted { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) },
            text: text,
            fingerprint: SHA256Hash(high: 0, middleHigh: 0, middleLow: 0, low: 0)
        )
    }

    mutating func readVoiceSettings() throws(AudioCacheError) -> [VoiceSetting] {
        if scanner.kind == .null { return try skipNull() ?? [] }
        guard scanner.kind == .object else { throw scanner.unexpected("an object of voice settings") }
        try scanner.beginObject()
        var settings: [VoiceSetting] = []
        var isFirst = true
        while let name = try scanner.nextField(&isFirst) {
            let value: VoiceSetting.Value
            switch scanner.kind {
            case .boolean: value = .bool(try readBool())
            case .number: value = .number(try readDouble())
            default: throw scanner.unexpected("a number or a Boolean")
            }
            // Setting names repeat in every entry: share one string rather than allocate each.
            let text =
                name.hasEscapes
                ? scanner.string(name)
                : scanner.repeatedStrings.string(scanner.base, start: name.start, count: name.end - name.start)
            settings.append(VoiceSetting(name: text ?? scanner.string(name), value: value))
        }
        return settings
    }

    // MARK: Values

    mutating func readString() throws(AudioCacheError) -> String {
        guard scanner.kind == .string else { throw scanner.unexpected("a string") }
        return try scanner.readString()
    }

    mutating func readInt() throws(AudioCacheError) -> Int {
        let start = scanner.position
        guard scanner.kind == .number else { throw scanner.unexpected("a whole number") }
        try scanner.skipValue()
        var value = 0
        for offset in start..<scanner.position {
            let digit = scanner.base[offset] &- UInt8(ascii: "0")
            guard digit < 10 else { throw scanner.error("expected a whole number of at least 0", at: start) }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit))
            guard !overflow1 && !overflow2 else { throw scanner.error("number is too large", at: start) }
            value = sum
        }
        return value
    }

    mutating func readDouble() throws(AudioCacheError) -> Double {
        let start = scanner.position
        try scanner.skipValue()
        let text = String(
            decoding: UnsafeBufferPointer(start: scanner.base + start, count: scanner.position - start),
            as: UTF8.self
        )
        guard let value = Double(text), value.isFinite else { throw scanner.error("number is out of range", at: start) }
        return value
    }

    mutating func readBool() throws(AudioCacheError) -> Bool {
        guard scanner.kind == .boolean else { throw scanner.unexpected("true or false") }
        let value = scanner.base[scanner.position] == UInt8(ascii: "t")
        try scanner.skipValue()
        return value
    }

    mutating func skipNull<T>() throws(AudioCacheError) -> T? {
        try scanner.skipValue()
        return nil
    }

    mutating func readTimestamp() throws(AudioCacheError) -> Date {
        guard scanner.kind == .string else { throw scanner.unexpected("a timestamp string") }
        let token = try scanner.scanString()
        let bytes = UnsafeBufferPointer(start: scanner.base + token.start, count: token.end - token.start)
        guard !token.hasEscapes, let milliseconds = CacheTimestamp.parse(bytes) else {
            throw scanner.error("expected a UTC timestamp like 2023-04-25T18:30:00.000Z", at: token.quote)
        }
        return CacheTimestamp.date(milliseconds: milliseconds)
    }

    mutating func readKey() throws(AudioCacheError) -> CacheKey {
        guard scanner.kind == .string else { throw scanner.unexpected("a key string") }
        let token = try scanner.scanString()
        guard let key = CacheKey(hex: scanner.string(token)) else {
            throw scanner.error("expected a key of 32 hex digits", at: token.quote)
        }
        return key
    }

    mutating func readHash() throws(AudioCacheError) -> SHA256Hash {
        guard scanner.kind == .string else { throw scanner.unexpected("a SHA-256 string") }
        let token = try scanner.scanString()
        guard let hash = SHA256Hash(hex: scanner.string(token)) else {
            throw scanner.error("expected a SHA-256 of 64 hex digits", at: token.quote)
        }
        return hash
    }
}
