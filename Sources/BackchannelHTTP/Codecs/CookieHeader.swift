/// Reads `Cookie` headers (RFC 6265 §5.4: `name=value` pairs separated by `; `) in one pass.
///
/// Hummingbird's `Cookies` finds a cookie by scanning every pair, so reading each of n cookies cost
/// O(n²): one 47 KB header of 6 000 cookies took seconds. Front-channel pages need a handful of
/// cookies; a request with more than ``maxCookies`` or more than ``maxBytes`` of them is refused.
enum CookieHeader {
    /// The most cookies one request may carry.
    static let maxCookies = 50
    /// The most bytes all `Cookie` headers of one request may hold together.
    static let maxBytes = 8 * 1024

    /// The cookies by name (the first of a repeated name wins, as browsers send the most specific
    /// first), or `nil` when the headers exceed the bounds.
    static func cookies(_ headers: [String]) -> [String: String]? {
        var cookies: [String: String] = [:]
        var bytes = 0
        var count = 0
        for header in headers {
            bytes += header.utf8.count
            guard bytes <= maxBytes else { return nil }
            for piece in header.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
                count += 1
                guard count <= maxCookies else { return nil }
                guard let equals = piece.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let name = trimmed(piece[..<equals])
                var value = trimmed(piece[piece.index(after: equals)...])
                // A quoted value (RFC 6265's cookie-value grammar allows DQUOTE around it).
                if value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") {
                    value = value.dropFirst().dropLast()
                }
                guard !name.isEmpty, let nameText = String(validating: name, as: UTF8.self),
                    let valueText = String(validating: value, as: UTF8.self)
                else { continue }
                if cookies[nameText] == nil { cookies[nameText] = valueText }
            }
        }
        return cookies
    }

    private static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var bytes = bytes
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes = bytes.dropLast() }
        return bytes
    }
}
