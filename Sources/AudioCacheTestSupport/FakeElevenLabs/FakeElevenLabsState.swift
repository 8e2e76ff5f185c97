/// The fake server's bookkeeping and decisions, kept behind the server's `Mutex`: plain values,
/// no I/O, so every decision is taken atomically.
struct FakeElevenLabsState {
    let configuration: FakeElevenLabsConfiguration
    let origin = ContinuousClock.now
    var random: SplitMix64
    var records: [FakeElevenLabsRequestRecord] = []
    var charactersUsed: Int
    var activeTextToSpeech = 0
    var maxActiveTextToSpeech = 0
    var admittedInFlight = 0
    var maxAdmittedInFlight = 0
    /// Arrivals of admitted text-to-speech requests within the last second, for the rate limit.
    var recentAdmissions: [ContinuousClock.Instant] = []
    var attempts: [FakeElevenLabsPhrase: Int] = [:]
    var renders: [FakeElevenLabsPhrase: Int] = [:]
    var admittedCount = 0
    var keyLeaked = false

    init(configuration: FakeElevenLabsConfiguration) {
        self.configuration = configuration
        random = SplitMix64(seed: configuration.seed)
        charactersUsed = configuration.charactersUsed
    }

    /// Why a text-to-speech request was refused before any work.
    enum Refusal: Equatable {
        case systemBusy(retryAfter: Duration)
        case tooManyConcurrent
        case quotaExceeded(remaining: Int, required: Int)
    }

    /// The decision for an authenticated, valid text-to-speech request for a known voice.
    enum Admission: Equatable {
        case refused(Refusal)
        case admitted(fault: FakeElevenLabsFault?, latency: Duration)
    }

    mutating func record(_ record: FakeElevenLabsRequestRecord) -> Int {
        records.append(record)
        return records.count - 1
    }

    mutating func finish(_ index: Int, status: Int, outcome: String) {
        guard records.indices.contains(index) else { return }
        records[index].status = status
        records[index].outcome = outcome
    }

    mutating func arriveTextToSpeech() {
        activeTextToSpeech += 1
        maxActiveTextToSpeech = max(maxActiveTextToSpeech, activeTextToSpeech)
    }

    mutating func leaveTextToSpeech() {
        activeTextToSpeech -= 1
    }

    /// Applies the rate limit, the concurrency limit and the quota, in that order; an admitted
    /// request counts as in flight until ``release()``.
    mutating func admit(_ phrase: FakeElevenLabsPhrase, modelID: String, now: ContinuousClock.Instant) -> Admission {
        if let rate = configuration.requestsPerSecond {
            recentAdmissions.removeAll { now - $0 >= .seconds(1) }
            if recentAdmissions.count >= rate, let oldest = recentAdmissions.first {
                return .refused(.systemBusy(retryAfter: oldest + .seconds(1) - now))
            }
        }
        if admittedInFlight >= configuration.concurrencyLimit { return .refused(.tooManyConcurrent) }
        let cost = phrase.text.unicodeScalars.count
        if charactersUsed + cost > configuration.characterLimit {
            return .refused(
                .quotaExceeded(remaining: max(0, configuration.characterLimit - charactersUsed), required: cost)
            )
        }
        if configuration.requestsPerSecond != nil { recentAdmissions.append(now) }
        admittedInFlight += 1
        maxAdmittedInFlight = max(maxAdmittedInFlight, admittedInFlight)
        admittedCount += 1
        attempts[phrase, default: 0] += 1
        let input = FakeElevenLabsFaultInput(
            voiceID: phrase.voiceID,
            text: phrase.text,
            modelID: modelID,
            attempt: attempts[phrase, default: 1],
            sequenceNumber: admittedCount
        )
        let fault = configuration.faults.decide(input, random.nextUnit())
        let range = configuration.latency
        let latency = range.lowerBound + (range.upperBound - range.lowerBound) * random.nextUnit()
        return .admitted(fault: fault, latency: latency)
    }

    mutating func release() {
        admittedInFlight -= 1
    }

    /// Bills a successful render.
    mutating func bill(_ phrase: FakeElevenLabsPhrase) {
        charactersUsed += phrase.text.unicodeScalars.count
        renders[phrase, default: 0] += 1
    }
}
