/// A search filter template with one placeholder, `{hint}`, filled with an RFC 4515 escaped value.
///
/// Escaping turns every byte a filter could read as syntax into `\XX`: `*`, `(`, `)`, `\`, NUL, and every byte
/// outside printable ASCII (so no non-ASCII or control character reaches the server unescaped). A value can then
/// only ever be compared, never widen or end the filter it sits in.
struct LDAPFilter: Sendable, Equatable {
    /// The placeholder.
    static let placeholder = "{hint}"

    let template: String

    /// A template; it must hold the placeholder and be a parenthesised filter.
    init?(_ template: String) {
        guard template.contains(Self.placeholder), template.hasPrefix("("), template.hasSuffix(")") else { return nil }
        self.template = template
    }

    /// The filter for `value`.
    func filter(for value: String) -> String {
        template.replacingOccurrences(of: Self.placeholder, with: Self.escape(value))
    }

    /// `value` as an RFC 4515 assertion value.
    static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"), 0..<0x20, 0x7F...:
                escaped += "\\" + String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
            default:
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return escaped
    }
}
