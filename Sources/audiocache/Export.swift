import ArgumentParser
import AudioCache
import AudioCacheBundles
import Foundation

extension CacheExport.Layout: ExpressibleByArgument {}

extension AudioCacheCommand {
    /// `audiocache export CACHE OUT --layout …`: the cache laid out as another runtime's cache.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lay a cache's audio out as Home Assistant's, OpenVoiceOS's or a by-id prompt folder.",
            discussion: """
                --layout home-assistant --engine ENGINE [--option KEY=VALUE]…: Home Assistant's tts \
                folder, files named as its tts component names them (sha1 of the message, language, a \
                BLAKE2s of the options, engine). --layout ovos --plugin PLUGIN_ID: OpenVoiceOS's \
                persistent cache, OUT/<plugin>/<voice>/<lang>/<md5 of the sentence>.<ext>. --layout \
                by-id MANIFESTS…: one file per phrase id, OUT/<voice>/<language>/<id>.<ext>. Files are \
                hard-linked to the cache's when on one file system, copied otherwise; nothing is \
                written outside OUT. See docs/exports.md.
                """
        )

        @Argument(help: "The cache folder.")
        var cache: String

        @Argument(help: "The folder to write into.")
        var out: String

        @Argument(help: "With --layout by-id: the manifests whose phrase ids name the files.")
        var manifests: [String] = []

        @Option(help: "home-assistant, ovos or by-id.")
        var layout: CacheExport.Layout

        @Option(help: "With home-assistant: the engine id (tts.elevenlabs, or a legacy platform name).")
        var engine: String?

        @Option(
            name: .customLong("option"),
            help: ArgumentHelp(
                "With home-assistant: an option Home Assistant merges for the engine, as Python's str() writes it.",
                valueName: "key=value"
            )
        )
        var options: [String] = []

        @Option(help: "With ovos: the TTS plugin's id (ovos-tts-plugin-piper).")
        var plugin: String?

        func validate() throws {
            switch layout {
            case .homeAssistant:
                guard engine != nil else { throw ValidationError("--layout home-assistant needs --engine") }
            case .ovos:
                guard plugin != nil else { throw ValidationError("--layout ovos needs --plugin") }
            case .byID:
                guard !manifests.isEmpty else { throw ValidationError("--layout by-id needs the manifests") }
            }
            if layout != .homeAssistant && (engine != nil || !options.isEmpty) {
                throw ValidationError("--engine and --option are for --layout home-assistant")
            }
            if layout != .ovos && plugin != nil { throw ValidationError("--plugin is for --layout ovos") }
            if layout != .byID && !manifests.isEmpty {
                throw ValidationError("manifests are for --layout by-id")
            }
            _ = try parsedOptions()
        }

        private func parsedOptions() throws -> [(String, String)] {
            try options.map { option in
                guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                    throw ValidationError("--option \"\(option)\" is not KEY=VALUE")
                }
                return (String(option[..<equals]), String(option[option.index(after: equals)...]))
            }
        }

        func run() async throws {
            let report = try await reportingErrors {
                try requireCacheIndex(in: cache)
                let opened = try CacheDirectory(configuration: CacheConfiguration(directory: cache), access: .readOnly)
                switch layout {
                case .homeAssistant:
                    return try await CacheExport.homeAssistant(
                        opened,
                        to: out,
                        engine: engine ?? "",
                        options: try parsedOptions()
                    )
                case .ovos:
                    return try await CacheExport.ovos(opened, to: out, plugin: plugin ?? "")
                case .byID:
                    let plan = try await Planner().plan(paths: manifests)
                    return try await CacheExport.byID(opened, plan: plan, to: out)
                }
            }
            for skipped in report.skipped { printError("skipped \(skipped)") }
            print("\(out): \(report.files) files (\(report.linked) hard-linked), \(report.bytes) bytes")
        }
    }
}
