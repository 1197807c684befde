import BackchannelCore
import Foundation
import Yams

/// Reads a configuration file: JSON when it ends in `.json`, YAML otherwise.
public enum ConfigurationLoader {
    /// - Throws: `ConfigurationError` naming the path of the bad field, or saying why the file
    ///   cannot be read.
    public static func load(path: String) throws(ConfigurationError) -> BackchanneldConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(path: "", reason: "cannot read the configuration file \(path)")
        }
        return try parse(data, json: path.lowercased().hasSuffix(".json"))
    }

    /// Parses a configuration held in memory: JSON when `json`, else YAML.
    /// - Throws: `ConfigurationError` naming the path of the bad field.
    public static func parse(_ data: Data, json: Bool) throws(ConfigurationError) -> BackchanneldConfiguration {
        // Bounded before any parser sees it: the parsers recurse per nesting level, and a file of a
        // thousand '[' overflowed the stack (found by fuzzing). A configuration is a few levels deep.
        if let problem = Self.shapeProblem(data) {
            throw ConfigurationError(path: "", reason: problem)
        }
        // Both formats are read into one JSON tree first, so every field error is reported one way.
        let tree: JSONValue
        do {
            if json {
                tree = try JSONDecoder().decode(JSONValue.self, from: data)
            } else {
                guard let text = String(data: data, encoding: .utf8) else {
                    throw ConfigurationError(path: "", reason: "the file is not UTF-8")
                }
                tree = try YAMLTree.parse(text)
            }
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(path: "", reason: "the file is not valid \(json ? "JSON" : "YAML"): \(Self.summary(of: error))")
        }
        guard case .object = tree else {
            throw ConfigurationError(path: "", reason: "the file must hold a mapping of sections (server, policy, clients, authenticators, users, keys)")
        }
        var configuration = try tree.decode(as: BackchanneldConfiguration.self)
        configuration.source = tree
        return configuration
    }

    /// The most bytes a configuration file may have, and the deepest it may nest.
    static let maxBytes = 1 << 20
    static let maxDepth = 32
    static let maxIndentation = 128

    /// Why a file is too large or too deeply nested to parse, or `nil`. Brackets inside quoted strings do
    /// not count; YAML's block nesting is bounded through its indentation.
    static func shapeProblem(_ data: Data) -> String? {
        guard data.count <= maxBytes else { return "the file is larger than \(maxBytes) bytes" }
        var depth = 0
        var quote: UInt8?
        var escaped = false
        var indentation = 0
        var atLineStart = true
        for byte in data {
            if atLineStart {
                if byte == UInt8(ascii: " ") {
                    indentation += 1
                    if indentation > maxIndentation { return "a line is indented more than \(maxIndentation) columns" }
                    continue
                }
                atLineStart = false
            }
            if byte == UInt8(ascii: "\n") {
                atLineStart = true
                indentation = 0
                if quote == UInt8(ascii: "'") { quote = nil }
                continue
            }
            if let open = quote {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\"), open == UInt8(ascii: "\"") { escaped = true } else if byte == open { quote = nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxDepth { return "the file nests more than \(maxDepth) levels of [ and {" }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    /// Where and why the parser stopped: "line 3, column 7: mapping values are not allowed in this context".
    /// Yams wraps its `YamlError` (which knows the position) in `DecodingError.dataCorrupted`; JSON's
    /// errors carry the position in their description.
    static func summary(of error: any Error) -> String {
        var error = error
        if case DecodingError.dataCorrupted(let context) = error, let underlying = context.underlyingError { error = underlying }
        if let unsupported = error as? YAMLTree.Unsupported { return unsupported.description }
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let while_ = context.map { " (\($0.text))" } ?? ""
                return "line \(mark.line), column \(mark.column): \(problem)\(while_)"
            case .reader(let problem, let offset, _, _):
                return "\(problem)\(offset.map { " at byte \($0)" } ?? "")"
            case .duplicatedKeysInMapping(let duplicates, _):
                return "a key appears twice in one mapping: \(duplicates.sorted().joined(separator: ", "))"
            default:
                return "\(yaml)".split(separator: "\n").first.map(String.init) ?? "syntax error"
            }
        }
        let described = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return described ?? "syntax error"
    }
}
