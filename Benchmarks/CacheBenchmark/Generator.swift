import AudioCache
import Foundation

/// A small seeded generator (SplitMix64), so a dataset is the same for the same seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Realistic phrases, voices and languages.
enum Vocabulary {
    /// 13 voice ids in ElevenLabs' style.
    static let voices = [
        "21m00Tcm4TlvDq8ikWAM", "29vD33N1CtxCmqQRPOHJ", "2EiwWnXFnvU5JabPnv8n", "AZnzlk1XvdvUeBnXmlld",
        "EXAVITQu4vr4xnSDxMaL", "ErXwobaYiN019PkySvjV", "MF3mGyEYCl7XYWbV9V6O", "TxGEqnHWrfWFTfGW9XjX",
        "VR6AewLTigWG4xSOukaG", "pNInz6obpgDQGcFmaJgB", "yoZ06aMxZJJ28mfd3POQ", "onwK4e9ZLuTAKqWW03F9",
        "N2lVS1w4EtoT3dr4eOWO",
    ]
    /// 9 languages and words in their scripts.
    static let languages: [(code: String, words: [String])] = [
        (
            "en",
            "the your order has been shipped please confirm appointment tomorrow at welcome back account balance is"
                .split(separator: " ").map(String.init)
        ),
        (
            "es",
            "su pedido ha sido enviado por favor confirme la cita mañana bienvenido de nuevo saldo cuenta".split(
                separator: " "
            ).map(String.init)
        ),
        (
            "fr",
            "votre commande a été expédiée veuillez confirmer le rendez-vous demain à bienvenue solde du compte".split(
                separator: " "
            ).map(String.init)
        ),
        (
            "de",
            "Ihre Bestellung wurde versandt bitte bestätigen Sie den Termin morgen um willkommen zurück Kontostand"
                .split(separator: " ").map(String.init)
        ),
        (
            "pt",
            "seu pedido foi enviado por favor confirme a consulta amanhã às bem-vindo de volta saldo da conta".split(
                separator: " "
            ).map(String.init)
        ),
        (
            "ru",
            "ваш заказ был отправлен пожалуйста подтвердите встречу завтра в добро пожаловать баланс счёта".split(
                separator: " "
            ).map(String.init)
        ),
        (
            "el",
            "η παραγγελία σας έχει αποσταλεί παρακαλώ επιβεβαιώστε το ραντεβού αύριο στις καλώς ήρθατε υπόλοιπο".split(
                separator: " "
            ).map(String.init)
        ),
        ("ja", "ご注文 は 発送 されました 明日 の 予約 を ご確認 ください お帰りなさい 残高 口座 東京 大阪".split(separator: " ").map(String.init)),
        (
            "ar",
            "تم شحن طلبك يرجى تأكيد الموعد غدا في مرحبا بعودتك رصيد الحساب هو".split(separator: " ").map(String.init)
        ),
    ]
    /// Brand names and codes that appear in any language's phrases.
    static let mixed = ["ACME", "Wi-Fi", "PIN", "SMS", "Zürich", "São Paulo", "OK", "IBAN", "№", "€"]
    /// ElevenLabs models.
    static let models = ["eleven_multilingual_v2", "eleven_turbo_v2_5", "eleven_flash_v2_5"]

    /// A phrase of 10 to 120 characters in `language`'s words, with the odd number or brand.
    static func phrase(_ words: [String], using random: inout SeededRandom) -> String {
        let target = Int.random(in: 10...120, using: &random)
        var text = ""
        while text.count < target {
            let word: String
            switch Int.random(in: 0..<20, using: &random) {
            case 0: word = Self.mixed[Int.random(in: 0..<Self.mixed.count, using: &random)]
            case 1, 2: word = String(Int.random(in: 1...99_999, using: &random))
            default: word = words[Int.random(in: 0..<words.count, using: &random)]
            }
            if text.count + word.count + 1 > 120 { break }
            text += text.isEmpty ? word.prefix(1).uppercased() + word.dropFirst() : " " + word
        }
        if text.count < 10 { text += " " + String(Int.random(in: 100_000...999_999, using: &random)) }
        return text + (Bool.random(using: &random) ? "." : "")
    }
}

/// Writes a cache folder holding an index of N entries in the documented format
/// (docs/cache-format.md), with a journal that follows it, and no audio files: opening and
/// looking up never touch audio, and eviction ignores files that are already gone.
enum Generator {
    struct Phrase {
        var key: CacheKey
        var text: String
        var voice: UInt8
        var language: UInt8
    }

    /// Writes a cache index of `count` entries (and no audio) into `directory`; with `shard`, only
    /// the entries of that shard of the generated set; with `files`, a small file of random bytes
    /// per entry too (the size the index records; the SHA-256 it records is not the file's).
    static func run(
        directory: String,
        entries count: Int,
        seed: UInt64,
        shard: Shard? = nil,
        files: Bool = false
    ) throws {
        let started = seconds()
        var random = SeededRandom(state: seed)
        var seen = Set<CacheKey>(minimumCapacity: count)
        var phrases: [Phrase] = []
        phrases.reserveCapacity(count)
        let scheme = KeyScheme.md5TextVoiceLanguageV1
        while phrases.count < count {
            let language = Int.random(in: 0..<Vocabulary.languages.count, using: &random)
            let voice = Int.random(in: 0..<Vocabulary.voices.count, using: &random)
            let text = Vocabulary.phrase(Vocabulary.languages[language].words, using: &random)
            let key = scheme.key(
                text: text,
                voiceID: Vocabulary.voices[voice],
                language: Vocabulary.languages[language].code
            )
            guard seen.insert(key).inserted else { continue }
            phrases.append(Phrase(key: key, text: text, voice: UInt8(voice), language: UInt8(language)))
        }
        seen = []
        if let shard { phrases.removeAll { !shard.contains($0.key) } }
        phrases.sort { $0.key < $1.key }

        try FileManager.default.createDirectory(atPath: directory + "/audio", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        let indexPath = directory + "/index.json"
        _ = FileManager.default.createFile(atPath: indexPath, contents: nil)
        guard let output = FileHandle(forWritingAtPath: indexPath) else { fail("cannot write \(indexPath)") }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let day: Int64 = 86_400_000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 21)
        bytes += Array(
            ("{\"format\":\"audiocache-index\",\"format_version\":1,\"generation\":1,"
                + "\"key_scheme\":\"md5-text-voice-language-v1\",\"stats\":{\"hits\":0,\"misses\":0,\"since\":\""
                + Timestamp.string(now - 90 * day) + "\"},\"updated_at\":\"" + Timestamp.string(now)
                + "\",\"entries\":{").utf8
        )
        var totalSize = 0
        for (index, phrase) in phrases.enumerated() {
            let voice = Vocabulary.voices[Int(phrase.voice)]
            let language = Vocabulary.languages[Int(phrase.language)].code
            let size =
                files ? Int.random(in: 200...600, using: &random) : Int.random(in: 20_000...60_000, using: &random)
            totalSize += size
            let sha = (0..<4).map { _ in hex(random.next()) }.joined()
            let key = phrase.key.description
            let path = "audio/\(key.prefix(2))/\(key.dropFirst(2).prefix(2))/\(key)-\(sha.prefix(8)).mp3"
            if files {
                let folder = directory + "/" + path[..<(path.lastIndex(of: "/") ?? path.endIndex)]
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                var audio = [UInt8](repeating: 0, count: size)
                for offset in stride(from: 0, to: size - 8, by: 8) {
                    withUnsafeBytes(of: random.next()) { audio.replaceSubrange(offset..<offset + 8, with: $0) }
                }
                guard FileManager.default.createFile(atPath: directory + "/" + path, contents: Data(audio)) else {
                    fail("cannot write \(path)")
                }
            }
            let created = now - Int64.random(in: 0..<(90 * day), using: &random)
            let accessed = created + Int64.random(in: 0...(now - created), using: &random)
            let accesses = Int(pow(2, Double.random(in: 0..<14, using: &random))) - 1
            let pinned = Int.random(in: 0..<10, using: &random) == 0
            let expires =
                pinned ? "null" : "\"" + Timestamp.string(now + Int64.random(in: 1...30, using: &random) * day) + "\""
            let rendering = RenderingDescription(
                provider: "elevenlabs",
                modelID: Vocabulary.models[Int.random(in: 0..<Vocabulary.models.count, using: &random)],
                outputFormat: "mp3_44100_128",
                voiceSettings: [
                    VoiceSetting(name: "stability", value: .number(Double(Int.random(in: 3...8, using: &random)) / 10)),
                    VoiceSetting(name: "similarity_boost", value: .number(0.75)),
                    VoiceSetting(name: "style", value: .number(0)),
                    VoiceSetting(name: "use_speaker_boost", value: .bool(true)),
                ],
                text: phrase.text
            )
            bytes += Array((index == 0 ? "\n\"" : ",\n\"").utf8)
            bytes += Array(key.utf8)
            bytes += Array(
                ("\":{\"key\":\"\(key)\",\"path\":\"\(path)\",\"size\":\(size),\"sha256\":\"\(sha)\","
                    + "\"mime_type\":\"audio/mpeg\",\"audio_format\":\"mp3_44100_128\","
                    + "\"created_at\":\"\(Timestamp.string(created))\",\"last_accessed\":\"\(Timestamp.string(accessed))\","
                    + "\"access_count\":\(accesses),\"expires_at\":\(expires),\"pinned\":\(pinned),\"source\":\"tts\","
                    + "\"text\":\(jsonString(phrase.text)),\"voice_id\":\"\(voice)\",\"language\":\"\(language)\","
                    + "\"rendering\":").utf8
            )
            bytes += rendering.canonicalJSON
            bytes += Array(",\"rendering_fingerprint\":\"\(rendering.fingerprint)\"}".utf8)
            if bytes.count >= 1 << 20 {
                try output.write(contentsOf: bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        bytes += Array("\n}}\n".utf8)
        try output.write(contentsOf: bytes)
        try output.close()
        try Data("{\"op\":\"begin\",\"generation\":1}\n".utf8).write(
            to: URL(fileURLWithPath: directory + "/index.journal")
        )
        let indexBytes = (try? FileManager.default.attributesOfItem(atPath: indexPath)[.size] as? Int) ?? 0
        print(
            String(
                format: "generated %d entries in %.1f s: index.json %.1f MB, audio (%@) %.1f GB",
                phrases.count,
                seconds() - started,
                Double(indexBytes) / 1_048_576,
                files ? "written" : "not written",
                Double(totalSize) / 1e9
            )
        )
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// UTC timestamps as the index writes them: `2023-04-25T18:30:00.000Z`.
enum Timestamp {
    static func string(_ milliseconds: Int64) -> String {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let rest = milliseconds - days * 86_400_000
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(rest / 3_600_000, 2) + ":"
            + pad(rest / 60_000 % 60, 2) + ":" + pad(rest / 1000 % 60, 2) + "." + pad(rest % 1000, 3) + "Z"
    }
}
