import BackchannelCore
import Yams

/// Reads YAML into a ``BackchannelCore/JSONValue`` tree with YAML 1.2's core schema, interpreting
/// scalars itself: Yams' own number construction traps on some inputs (YAML 1.1 base-60 integers such
/// as `1:1:11:2222222222` overflow inside Yams: a crash found by fuzzing the configuration loader), and
/// a configuration file must never crash the server.
enum YAMLTree {
    /// Why a document cannot be a configuration tree.
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws -> JSONValue {
        guard let root = try Yams.compose(yaml: text) else { return .null }
        return try value(root, depth: 0)
    }

    private static func value(_ node: Node, depth: Int) throws -> JSONValue {
        // Nesting is bounded: a configuration is a few levels deep; a hostile one must not exhaust the stack.
        guard depth < 64 else { throw Unsupported(description: "the document nests deeper than 64 levels") }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            return .array(try sequence.map { try value($0, depth: depth + 1) })
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, entry) in mapping {
                guard case .scalar(let keyScalar) = key else { throw Unsupported(description: "a mapping key must be a plain word") }
                object[keyScalar.string] = try value(entry, depth: depth + 1)
            }
            return .object(object)
        case .alias:
            // Aliases can expand a small file into a huge tree; a configuration has no need of them.
            throw Unsupported(description: "YAML aliases (*name) are not supported in a configuration file")
        }
    }

    /// The core schema: null, booleans, decimal integers and floats are recognised in plain scalars only;
    /// every quoted or block scalar, and every other plain one, is a string.
    private static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if isInteger(text) {
            if let integer = Int(text) { return .integer(integer) }
            if let number = Double(text) { return .number(number) }
        }
        if isFloat(text), let number = Double(text) { return .number(number) }
        return .string(text)
    }

    /// `[-+]?[0-9]+`
    private static func isInteger(_ text: String) -> Bool {
        var digits = Substring(text)
        if let first = digits.first, first == "-" || first == "+" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isFloat(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        func digits() -> Int {
            var count = 0
            while let byte = bytes.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                bytes = bytes.dropFirst()
                count += 1
            }
            return count
        }
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        let whole = digits()
        var fraction = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fraction = digits()
        }
        guard whole + fraction > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
