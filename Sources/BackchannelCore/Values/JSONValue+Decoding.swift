import Foundation

extension JSONValue {
    /// Decodes a typed value from this tree, reading snake_case keys into camelCase properties.
    ///
    /// - Parameter type: The type to decode, typically a plugin's `Configuration`.
    /// - Returns: The decoded value.
    /// - Throws: ``ConfigurationError`` naming the path of the offending field.
    public func decode<Value: Decodable>(as type: Value.Type) throws(ConfigurationError) -> Value {
        let data: Data
        do {
            data = try JSONEncoder().encode(self)
        } catch {
            throw ConfigurationError(path: "", reason: "not representable as JSON")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Value.self, from: data)
        } catch let error as DecodingError {
            throw ConfigurationError(decodingError: error)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(path: "", reason: "\(error)")
        }
    }
}

extension ConfigurationError {
    /// Translates Foundation's decoding error into a path in the configuration's own spelling.
    init(decodingError: DecodingError) {
        switch decodingError {
        case .keyNotFound(let key, let context):
            self.init(path: Self.path(context.codingPath + [key]), reason: "is required but missing")
        case .typeMismatch(let type, let context):
            self.init(path: Self.path(context.codingPath), reason: "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(path: Self.path(context.codingPath), reason: "expected \(Self.describe(type)), found null")
        case .dataCorrupted(let context):
            self.init(path: Self.path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            self.init(path: "", reason: "\(decodingError)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "a list"
        default: "a value of type \(type)"
        }
    }

    /// Joins coding keys as `a.b[2].c`, spelling keys back in snake_case as they stand in the file.
    static func path(_ keys: [any CodingKey]) -> String {
        var path = ""
        for key in keys {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                if !path.isEmpty { path += "." }
                path += snakeCased(key.stringValue)
            }
        }
        return path
    }

    static func snakeCased(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result += "_" }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
