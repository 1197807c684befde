import BackchannelCore
import Foundation

/// The configuration in force as the console shows it: every value that may be a secret replaced by
/// `(redacted)`. A value is redacted when its key names a secret (`secret`, `token`, `password`,
/// `private`, `credential`, `hash`, an inline key) or when it holds a PEM private key, wherever it is.
enum ConfigurationRedaction {
    static let redacted = JSONValue.string("(redacted)")
    private static let secretWords = ["secret", "token", "password", "passwd", "private", "credential", "hash", "api_key", "apikey", "key_encryption"]

    static func redact(_ value: JSONValue, key: String? = nil) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, redact($0.value, key: $0.key)) }))
        case .array(let items):
            return .array(items.map { redact($0, key: key) })
        case .string(let text):
            if let key, isSecret(key) || text.contains("PRIVATE KEY") { return redacted }
            return text.contains("PRIVATE KEY") ? redacted : value
        default:
            if let key, isSecret(key) { return redacted }
            return value
        }
    }

    /// Whether a key names a secret. A file's path (`…_file`) or an environment variable's name (`…_env`) is
    /// not the secret, and is shown.
    static func isSecret(_ key: String) -> Bool {
        let key = key.lowercased()
        if key.hasSuffix("_file") || key.hasSuffix("_env") || key.hasSuffix("_path") { return false }
        return secretWords.contains { key.contains($0) } || key == "key" || key == "pem" || key == "jwk"
    }

    /// The redacted configuration as indented JSON, keys sorted.
    static func text(_ configuration: JSONValue?) -> String {
        guard let configuration else { return "(the embedded defaults)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(redact(configuration))).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
