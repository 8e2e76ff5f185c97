import AudioCacheProviders
import Foundation

extension ElevenLabsConfiguration {
    /// The settings the command line and the environment give: `--base-url`, else
    /// `ELEVENLABS_BASE_URL`; `--output-format`; `--model`.
    static func resolved(
        apiKey: Secret,
        baseURL: String?,
        outputFormat: String?,
        modelID: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ElevenLabsConfiguration {
        var settings = ElevenLabsConfiguration(apiKey: apiKey)
        if let url = baseURL ?? environment[baseURLVariable].flatMap({ $0.isEmpty ? nil : $0 }) {
            settings.baseURL = url
        }
        if let outputFormat { settings.outputFormat = outputFormat }
        if let modelID { settings.modelID = modelID }
        return settings
    }
}
