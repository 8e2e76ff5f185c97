// The warm benchmark: throughput of `Warmer` with the ElevenLabs provider against the fake
// ElevenLabs server at its limits, with and without faults, and the cost of a no-op re-run, through
// the public APIs of AudioCache, AudioCacheProviders and AudioCacheTestSupport only.
// Run by Benchmarks/run-warm-benchmark.sh; see Benchmarks/README.md.
import Foundation

let usage = """
    usage: WarmBenchmark ceiling DIR [--phrases N] [--seed S] [--rate R]
           WarmBenchmark faults DIR [--phrases N] [--seed S] [--rate R]
           WarmBenchmark noop-prepare DIR [--phrases N] [--seed S]
           WarmBenchmark noop DIR
    """

/// Fails the run with a message on standard error.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("WarmBenchmark: \(message)\n".utf8))
    exit(1)
}

/// Prints one figure as `name value`.
enum Measure {
    static func report(_ name: String, _ value: Double) {
        print(String(format: "%@ %.6f", name, value))
    }
}

/// The command line: a subcommand, a folder and `--name value` options.
struct Arguments {
    var command: String
    var directory: String
    var options: [String: Double] = [:]

    init(_ arguments: [String]) {
        guard arguments.count >= 2 else { fail("missing arguments\n\(usage)") }
        command = arguments[0]
        directory = arguments[1]
        var rest = arguments.dropFirst(2)
        while let name = rest.popFirst() {
            guard name.hasPrefix("--"), let value = rest.popFirst().flatMap({ Double($0) }), value >= 0 else {
                fail("bad option \(name)\n\(usage)")
            }
            options[String(name.dropFirst(2))] = value
        }
    }

    func option(_ name: String, default value: Int) -> Int { options[name].map { Int($0) } ?? value }

    func option(_ name: String, default value: Double) -> Double { options[name] ?? value }
}

let arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
let seed = UInt64(arguments.option("seed", default: 20_240_611))
do {
    switch arguments.command {
    case "ceiling", "faults":
        var settings = Throughput.Settings()
        settings.phrases = arguments.option("phrases", default: 2_000)
        settings.seed = seed
        settings.rate = arguments.option("rate", default: 20.0)
        settings.faults = arguments.command == "faults"
        try await Throughput.run(settings, folder: arguments.directory)
    case "noop-prepare":
        try await Noop.prepare(
            folder: arguments.directory,
            count: arguments.option("phrases", default: 100_000),
            seed: seed
        )
    case "noop": try await Noop.run(folder: arguments.directory)
    default: fail("unknown command \(arguments.command)\n\(usage)")
    }
} catch {
    fail("\(error)")
}
