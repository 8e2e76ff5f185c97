import AudioCache
import Foundation

extension EspeakProvider {
    /// Whether `voice` looks like an espeak-ng voice: `NAME` or `NAME+VARIANT`, each a letter or
    /// digit followed by letters, digits, `.`, `_` or `-`, 64 characters at most in all
    /// (`es`, `en-us`, `en-us+f3`, `en-gb+m3`).
    ///
    /// The check is about safety, not existence: such a voice can never be read as an option or a
    /// path; whether espeak-ng has it is only known by running it.
    /// - Parameter voice: The voice id.
    /// - Returns: `true` when it may be passed to `-v`.
    public static func isValidVoice(_ voice: String) -> Bool {
        let bytes = Array(voice.utf8)
        guard !bytes.isEmpty, bytes.count <= 64, FieldRules.isValidVoiceID(voice) else { return false }
        let parts = bytes.split(separator: UInt8(ascii: "+"), omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.first, isLetterOrDigit(first) else { return false }
            return part.allSatisfy {
                isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
        }
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// The voice to pass to `-v` for `request`: its voice id, once checked.
    /// - Parameter request: The phrase.
    /// - Returns: The espeak-ng voice.
    /// - Throws: ``SpeechProviderError`` (``SpeechProviderError/Scope/voice``, `invalid_voice`) when
    ///   the voice id does not look like an espeak-ng voice.
    static func espeakVoice(for request: SpeechRequest) throws(SpeechProviderError) -> String {
        guard isValidVoice(request.voiceID) else {
            throw SpeechProviderError(
                .voice,
                reason: "invalid_voice",
                "\"\(request.voiceID)\" is not an espeak-ng voice name (such as es, en-us or en-us+f3)"
            )
        }
        return request.voiceID
    }

    /// The audio in what the process returned, or the failure it means.
    /// - Parameters:
    ///   - output: What the process returned.
    ///   - request: The phrase.
    ///   - voice: The voice passed to `-v`.
    /// - Returns: A valid WAV file.
    /// - Throws: ``SpeechProviderError``: `voice_not_found`, `espeak_ng_failed` or `bad_audio`.
    static func audio(
        from output: EspeakProcess.Output,
        request: SpeechRequest,
        voice: String
    ) throws(SpeechProviderError) -> [UInt8] {
        if output.status == .exited(0), let audio = StreamedWAV.finalized(output.standardOutput) {
            return audio
        }
        let errorText = String(decoding: output.standardError, as: UTF8.self)
        if saysVoiceIsMissing(errorText) {
            var message = "espeak-ng has no voice \"\(voice)\""
            if isValidVoice(request.language.lowercased()) && request.language.lowercased() != voice {
                message += " (for the language \(request.language), try the voice \"\(request.language.lowercased())\")"
            }
            throw SpeechProviderError(.voice, reason: "voice_not_found", message + "; espeak-ng --voices lists them")
        }
        let firstLine =
            errorText.split(whereSeparator: \.isNewline).lazy
            .map { String($0).trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty } ?? "no message"
        switch output.status {
        case .exited(0):
            throw SpeechProviderError(
                .transient(retryAfter: nil),
                reason: "bad_audio",
                "espeak-ng returned \(output.standardOutput.count) bytes for \(request.key) that are not a WAV file with audio"
            )
        case .exited(let code):
            throw SpeechProviderError(
                .phrase,
                reason: "espeak_ng_failed",
                "espeak-ng exited with status \(code) for \(request.key): \(firstLine)"
            )
        case .signaled(let signal):
            throw SpeechProviderError(
                .phrase,
                reason: "espeak_ng_failed",
                "espeak-ng was stopped by signal \(signal) for \(request.key): \(firstLine)"
            )
        }
    }

    private static func saysVoiceIsMissing(_ errorText: String) -> Bool {
        let text = errorText.lowercased()
        return text.contains("voice")
            && (text.contains("does not exist") || text.contains("not found") || text.contains("unknown"))
    }
}
