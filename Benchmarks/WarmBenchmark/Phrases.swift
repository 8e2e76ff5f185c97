import AudioCacheTestSupport
import Foundation

/// A small seeded generator (SplitMix64), so a manifest is the same for the same seed.
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

/// One manifest row.
struct Phrase: Hashable {
    var text: String
    var voiceID: String
}

/// Realistic English prompts of a voice app (orders, appointments, balances, directions), 20 to
/// 120 characters, all different, spread over the fake account's voices.
enum Phrases {
    private static let templates: [(String, [[String]])] = [
        ("Your order %@ has shipped and should arrive on %@.", [numbers, days]),
        ("Please confirm your appointment with Dr. %@ on %@ at %@.", [names, days, times]),
        ("Welcome back, %@. Your balance is %@ dollars.", [names, amounts]),
        ("In %@ meters, turn %@ onto %@.", [distances, turns, streets]),
        ("Your table for %@ is ready. Please come to the %@ entrance.", [counts, entrances]),
        ("The %@ train to %@ departs from platform %@ at %@.", [trains, cities, platforms, times]),
        ("Thanks, %@! We have received your payment of %@ dollars.", [names, amounts]),
        ("Reminder: your %@ subscription renews on %@.", [plans, days]),
        ("Your verification code is %@. It expires in %@ minutes.", [numbers, counts]),
        ("Flight %@ to %@ is now boarding at gate %@.", [flights, cities, platforms]),
    ]
    private static let numbers = (0..<400).map { String(format: "%04d", ($0 * 7_919) % 10_000) }
    private static let days = [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "March 3rd", "April 12th",
        "May 21st", "June 30th", "the first of July", "August 9th", "September 15th",
    ]
    private static let names = [
        "Alvarez", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski",
        "Lopez", "Murphy", "Nguyen", "Okafor", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka",
    ]
    private static let times = (8...19).flatMap { hour in ["00", "15", "30", "45"].map { "\(hour):\($0)" } }
    private static let amounts = (0..<300).map { "\(12 + $0 * 37 % 4_000).\(String(format: "%02d", $0 * 13 % 100))" }
    private static let distances = ["50", "100", "150", "200", "300", "400", "500", "800"]
    private static let turns = ["left", "right", "slightly left", "slightly right", "sharp left", "sharp right"]
    private static let streets = [
        "Main Street", "Oak Avenue", "Elm Road", "Harbor Drive", "Station Square", "Maple Lane", "River Walk",
        "King's Parade", "Cedar Court", "Market Street", "Hill Crescent", "Bridge Road",
    ]
    private static let counts = (2...12).map(String.init)
    private static let entrances = ["north", "south", "east", "west", "garden", "main"]
    private static let trains = ["08:12", "09:40", "11:05", "13:30", "15:55", "17:20", "18:45", "21:10"]
    private static let cities = [
        "Boston", "Chicago", "Denver", "Lisbon", "Madrid", "Oslo", "Paris", "Rome", "Seattle", "Vienna", "Zurich",
    ]
    private static let platforms = (1...24).map(String.init)
    private static let plans = ["Basic", "Plus", "Premium", "Family", "Student", "Business"]
    private static let flights = (0..<200).map { "AC \(100 + $0 * 31 % 900)" }

    /// `count` different phrases, the same for the same seed.
    /// - Parameters:
    ///   - count: How many.
    ///   - seed: The generator's seed.
    ///   - voices: The voices to spread them over.
    /// - Returns: The phrases.
    static func generate(count: Int, seed: UInt64, voices: [String]) -> [Phrase] {
        var random = SeededRandom(state: seed)
        var seen = Set<Phrase>()
        var phrases: [Phrase] = []
        phrases.reserveCapacity(count)
        while phrases.count < count {
            let (format, lists) = templates[Int.random(in: 0..<templates.count, using: &random)]
            let arguments = lists.map { $0[Int.random(in: 0..<$0.count, using: &random)] }
            var text = format
            for argument in arguments {
                if let range = text.range(of: "%@") { text.replaceSubrange(range, with: argument) }
            }
            let phrase = Phrase(text: text, voiceID: voices[Int.random(in: 0..<voices.count, using: &random)])
            if seen.insert(phrase).inserted { phrases.append(phrase) }
        }
        return phrases
    }

    /// Writes a CSV manifest (`id,text,voice_id,language`, language `en`).
    /// - Parameters:
    ///   - phrases: The rows.
    ///   - path: The file to write.
    /// - Throws: What writing the file throws.
    static func writeManifest(_ phrases: [Phrase], to path: String) throws {
        var text = "id,text,voice_id,language\n"
        text.reserveCapacity(phrases.count * 80)
        for (index, phrase) in phrases.enumerated() {
            let quoted = "\"" + phrase.text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            text += "p\(index),\(quoted),\(phrase.voiceID),en\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The fake account's voice ids.
    static var voices: [String] { FakeElevenLabsVoice.defaults.map(\.id) }
}
