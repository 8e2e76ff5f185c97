// The cache benchmark: generates a large cache index and times opening it, lookups, eviction,
// verification and stores, through the public API of AudioCache only.
// Run by Benchmarks/run-cache-benchmark.sh; see Benchmarks/README.md.
import AudioCache
import Foundation

let usage = """
    usage: CacheBenchmark generate DIR --entries N [--seed S] [--shard K --shards N] [--files 1]
           CacheBenchmark open DIR
           CacheBenchmark lookup DIR [--count M]
           CacheBenchmark evict DIR
           CacheBenchmark verify DIR [--files N]
           CacheBenchmark store DIR [--count N]
    """

/// Fails the run with a message on standard error.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("CacheBenchmark: \(message)\n".utf8))
    exit(1)
}

/// The command line: a subcommand, a folder and `--name value` options.
struct Arguments {
    var command: String
    var directory: String
    var options: [String: Int] = [:]

    init(_ arguments: [String]) {
        guard arguments.count >= 2 else { fail("missing arguments\n\(usage)") }
        command = arguments[0]
        directory = arguments[1]
        var rest = arguments.dropFirst(2)
        while let name = rest.popFirst() {
            guard name.hasPrefix("--"), let value = rest.popFirst().flatMap({ Int($0) }), value >= 0 else {
                fail("bad option \(name)\n\(usage)")
            }
            options[String(name.dropFirst(2))] = value
        }
    }

    func option(_ name: String, default value: Int) -> Int { options[name] ?? value }
}

/// Seconds on the monotonic clock.
func seconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

let arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
do {
    switch arguments.command {
    case "generate":
        let shards = arguments.option("shards", default: 0)
        try Generator.run(
            directory: arguments.directory,
            entries: arguments.option("entries", default: 1_000_000),
            seed: UInt64(arguments.option("seed", default: 20_240_611)),
            shard: shards > 0 ? try Shard(index: arguments.option("shard", default: 1), count: shards) : nil,
            files: arguments.option("files", default: 0) == 1
        )
        // The first writer parses index.json and writes index.table, which later opens read.
        let started = seconds()
        let cache = try CacheDirectory(configuration: .init(directory: arguments.directory), access: .readWrite)
        try await cache.close()
        Measure.report("open_from_index_json_seconds", seconds() - started, "s")
    case "open": try await Measure.open(arguments.directory)
    case "lookup": await Measure.lookup(arguments.directory, count: arguments.option("count", default: 200_000))
    case "evict": try await Measure.evict(arguments.directory)
    case "verify": try await Measure.verify(arguments.directory, files: arguments.option("files", default: 10_000))
    case "store": try await Measure.store(arguments.directory, count: arguments.option("count", default: 10_000))
    default: fail("unknown command \(arguments.command)\n\(usage)")
    }
} catch {
    fail("\(error)")
}
