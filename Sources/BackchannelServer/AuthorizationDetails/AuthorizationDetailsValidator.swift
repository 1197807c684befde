import BackchannelCore
import Foundation

/// Reads and checks a request's `authorization_details` (RFC 9396 §2, §5): a JSON array of objects, each of a
/// type the server knows and the client may request, valid against that type's schema; then renders each
/// entry's summary. Anything else is `invalid_authorization_details` with a fixed description, so nothing the
/// client sent is reflected.
///
/// The cost is linear in the parameter's size: its bytes and nesting are bounded before it is parsed, and
/// each value is visited once.
struct AuthorizationDetailsValidator: Sendable {
    /// The configured types.
    let types: [String: AuthorizationDetailType]

    /// Why details were refused: a fixed reason code for the operator's log, and the fixed description the client
    /// gets with `invalid_authorization_details`. Nothing the client sent is in either.
    struct Refusal: Error, Sendable {
        let reason: String
        let description: String

        init(_ reason: String, _ description: String) {
            self.reason = reason
            self.description = description
        }

        var oauthError: OAuthError { .invalidAuthorizationDetails(description) }
    }

    /// The most bytes the parameter may have.
    static let maxBytes = 8 * 1024
    /// The most entries in one request.
    static let maxEntries = 8
    /// The deepest nesting of arrays and objects, the outer array counting as one.
    static let maxDepth = 6

    /// The validated details of `parameter`, for a client that may request `allowedTypes`.
    func validate(_ parameter: String, allowedTypes: Set<String>) throws(Refusal) -> AuthorizationDetails {
        let entries = try Self.entries(of: parameter)
        var details: [AuthorizationDetail] = []
        details.reserveCapacity(entries.count)
        for entry in entries {
            guard case .string(let name)? = entry["type"] else {
                throw Refusal("missing_type", "each authorization_details entry must have a type")
            }
            guard let type = types[name] else { throw Refusal("unknown_type", "an authorization_details type is not supported") }
            guard allowedTypes.contains(name) else {
                throw Refusal("type_not_allowed", "this client may not request an authorization_details type it sent")
            }
            var fields = entry
            fields["type"] = nil
            try Self.check(fields, against: type.fields)
            details.append(AuthorizationDetail(type: name, fields: entry, summary: Self.summary(of: entry, type: type)))
        }
        return AuthorizationDetails(details)
    }

    /// The entries of a parameter: a non-empty array of at most ``maxEntries`` objects, within the byte and depth bounds.
    static func entries(of parameter: String) throws(Refusal) -> [[String: JSONValue]] {
        guard parameter.utf8.count <= maxBytes else { throw Refusal("too_large", "authorization_details is too large") }
        guard depth(of: parameter) <= maxDepth else { throw Refusal("too_deep", "authorization_details is nested too deeply") }
        guard case .array(let items)? = try? JSONDecoder().decode(JSONValue.self, from: Data(parameter.utf8)) else {
            throw Refusal("not_an_array_of_objects", "authorization_details must be a JSON array of objects")
        }
        guard !items.isEmpty, items.count <= maxEntries else {
            throw Refusal("entry_count", "authorization_details must have 1 to \(maxEntries) entries")
        }
        var entries: [[String: JSONValue]] = []
        for item in items {
            guard case .object(let entry) = item else { throw Refusal("not_an_array_of_objects", "authorization_details must be a JSON array of objects") }
            entries.append(entry)
        }
        return entries
    }

    /// The deepest nesting of brackets outside strings, in one pass over the bytes: checked before the JSON parser
    /// (which recurses) sees the text.
    static func depth(of text: String) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in text.utf8 {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// Checks an object's members against `schema`: every member declared, every required one present.
    private static func check(_ object: [String: JSONValue], against schema: [String: AuthorizationDetailField]) throws(Refusal) {
        for (name, value) in object {
            guard let field = schema[name] else { throw Refusal("undeclared_field", "an authorization_details entry has a field its type does not define") }
            try check(value, against: field)
        }
        for (name, field) in schema where field.required && object[name] == nil {
            throw Refusal("missing_field", "an authorization_details entry lacks a required field")
        }
    }

    private static func check(_ value: JSONValue, against field: AuthorizationDetailField) throws(Refusal) {
        switch (field.kind, value) {
        case (.string, .string(let text)):
            try checkText(text, field: field)
        case (.decimal, .string(let text)):
            guard isDecimal(text) else { throw Refusal("not_a_decimal", "an authorization_details decimal field is not a decimal number") }
            try checkText(text, field: field)
        case (.integer, .integer(let number)):
            if let minimum = field.minimum, number < minimum { throw Refusal("out_of_range", "an authorization_details number is out of range") }
            if let maximum = field.maximum, number > maximum { throw Refusal("out_of_range", "an authorization_details number is out of range") }
        case (.boolean, .bool):
            return
        case (.object(let schema), .object(let members)):
            try check(members, against: schema)
        case (.array(let itemField), .array(let items)):
            guard items.count >= field.minItems, items.count <= field.maxItems else {
                throw Refusal("item_count", "an authorization_details array has too few or too many items")
            }
            for item in items { try check(item, against: itemField) }
        default:
            throw Refusal("wrong_type", "an authorization_details field has the wrong type")
        }
    }

    /// A string a user can read on one line, within the field's length and values.
    private static func checkText(_ text: String, field: AuthorizationDetailField) throws(Refusal) {
        // Printable ASCII (most values: amounts, IBANs, names) is one character per byte and all of it plain
        // text, so neither characters nor Unicode properties need looking up.
        let printableASCII = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        // Bytes and scalars first: they bound what counting characters costs.
        guard text.utf8.count <= 4 * field.maxLength, text.unicodeScalars.count <= 2 * field.maxLength,
            (field.minLength...field.maxLength).contains(printableASCII ? text.utf8.count : text.count)
        else { throw Refusal("length", "an authorization_details string is too short or too long") }
        let plain = printableASCII || text.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
            default: true
            }
        }
        guard plain else { throw Refusal("not_plain_text", "an authorization_details string must be plain text on one line") }
        if let allowed = field.allowedValues, !allowed.contains(text) {
            throw Refusal("value_not_allowed", "an authorization_details field has a value its type does not allow")
        }
    }

    /// `-?[0-9]+(\.[0-9]+)?`
    static func isDecimal(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let whole = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !whole.isEmpty else { return false }
        bytes = bytes.dropFirst(whole.count)
        guard let point = bytes.first else { return true }
        guard point == UInt8(ascii: ".") else { return false }
        let fraction = bytes.dropFirst()
        return !fraction.isEmpty && fraction.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The most characters of a summary.
    static let summaryMaxLength = 200

    /// The type's summary rendered with the entry: one line of at most ``summaryMaxLength`` characters (runs of
    /// white space become one space; a longer summary is cut with an ellipsis).
    static func summary(of entry: [String: JSONValue], type: AuthorizationDetailType) -> String {
        let rendered = type.summaryTemplate.render(mustacheContext(.object(entry)))
        let line = rendered.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        return line.count <= summaryMaxLength ? line : String(line.prefix(summaryMaxLength - 1)) + "…"
    }

    /// A JSON value as the dictionaries, arrays and strings Mustache renders.
    private static func mustacheContext(_ value: JSONValue) -> Any {
        switch value {
        case .null: ""
        case .bool(let flag): flag
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .string(let text): text
        case .array(let items): items.map(mustacheContext)
        case .object(let members): members.mapValues(mustacheContext)
        }
    }
}

extension EngineEndpoint {
    /// `invalid_authorization_details` for a refusal, its reason in the operator's log (rate-limited per client).
    func refused(_ refusal: AuthorizationDetailsValidator.Refusal, clientId: String) -> OAuthError {
        state.refusals.note(code: refusal.reason, clientId: clientId, message: "authorization_details refused")
        return refusal.oauthError
    }
}
