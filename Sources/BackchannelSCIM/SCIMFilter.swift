/// A SCIM filter (RFC 7644 §3.4.2.2) comparing one attribute with a value: `userName eq "bjensen"`.
///
/// The value is a JSON string inside the filter: a quote or a backslash in it is escaped, and so is every
/// control character, so a value can only ever be compared, never close the string and add a clause.
public enum SCIMFilter {
    /// `attribute eq "value"`, the value escaped.
    public static func equals(_ attribute: String, _ value: String) -> String {
        "\(attribute) eq \(quoted(value))"
    }

    /// `value` as a JSON string literal.
    public static func quoted(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                quoted += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
