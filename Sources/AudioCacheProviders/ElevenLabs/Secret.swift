import Foundation

/// A secret, such as an API key, that never shows itself: printing, interpolating, dumping or
/// mirroring it gives `<redacted>`.
///
/// Only the provider that sends it reads the value (through the module-internal ``value``); no
/// public API hands it back.
///
/// ```swift
/// let key = Secret("sk_…")
/// print(key)  // <redacted>
/// ```
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; internal so that no caller outside the module can print it by accident.
    let value: String

    /// Wraps a secret.
    /// - Parameter value: The secret.
    public init(_ value: String) {
        self.value = value
    }

    /// `<redacted>`.
    public var description: String { "<redacted>" }

    /// `Secret(<redacted>)`.
    public var debugDescription: String { "Secret(<redacted>)" }

    /// A mirror with no children, so `dump` and reflection show nothing of the value.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Replaces every occurrence of the secret in `text` with `<redacted>`.
    /// - Parameter text: Text that may hold the secret (a server's error message).
    /// - Returns: The text without it.
    func redact(_ text: String) -> String {
        guard !value.isEmpty else { return text }
        return text.replacingOccurrences(of: value, with: "<redacted>")
    }
}
