/// One entry of a request's `authorization_details` (RFC 9396): a concrete action the user is asked to
/// approve, such as a payment, as the server validated it, with the text that describes it to the user.
/// Added in 1.3.
public struct AuthorizationDetail: Sendable, Hashable, Codable {
    /// The entry's `type`, one the server is configured to accept.
    public var type: String
    /// The whole entry as the client sent it (its `type` among the members), valid against its type's schema.
    public var fields: [String: JSONValue]
    /// What the user is shown: the type's summary template rendered with the entry's fields, as plain text
    /// on one line (an authenticator escapes it for HTML itself).
    public var summary: String

    /// Creates an entry.
    public init(type: String, fields: [String: JSONValue], summary: String) {
        self.type = type
        self.fields = fields
        self.summary = summary
    }

    /// One line of ``fieldLines``: a field's dotted name and its value as text.
    public struct FieldLine: Sendable, Hashable {
        /// The field's path, such as `instructedAmount.amount`, or `regions[2]` for an array's second item.
        public var name: String
        /// The value as text: a string as it is, a number in decimal, `true` or `false`.
        public var value: String

        /// Creates a line.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Every field of the entry but `type`, one line per value, names in order: what a surface lists under the
    /// summary so the user can see all of what they approve.
    public var fieldLines: [FieldLine] {
        var lines: [FieldLine] = []
        func visit(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let members):
                for (name, member) in members.sorted(by: { $0.key < $1.key }) { visit(member, path.isEmpty ? name : path + "." + name) }
            case .array(let items):
                for (index, item) in items.enumerated() { visit(item, "\(path)[\(index + 1)]") }
            case .string(let text): lines.append(FieldLine(name: path, value: text))
            case .integer(let number): lines.append(FieldLine(name: path, value: String(number)))
            case .number(let number): lines.append(FieldLine(name: path, value: String(number)))
            case .bool(let flag): lines.append(FieldLine(name: path, value: flag ? "true" : "false"))
            case .null: lines.append(FieldLine(name: path, value: "null"))
            }
        }
        var rest = fields
        rest["type"] = nil
        visit(.object(rest), "")
        return lines
    }
}
