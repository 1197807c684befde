/// `application/x-www-form-urlencoded` (RFC 6749 Appendix B, the WHATWG URL standard's parser and
/// serializer): `&`-separated `name=value` pairs, `+` for a space, `%XX` escapes, UTF-8 text.
///
/// It works on bytes: Foundation's percent-decoding bridges through `NSString` on Linux and cost more
/// than the rest of a token poll together.
package enum FormURLEncoding {
    /// Why a body could not be decoded.
    package struct Malformed: Error, Sendable {}

    /// Decodes a body into its pairs, in order, repetitions kept.
    /// - Throws: ``Malformed`` for a broken escape or a value that is not UTF-8.
    package static func decode(_ body: [UInt8]) throws(Malformed) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for field in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let separator = field.firstIndex(of: UInt8(ascii: "="))
            let name = try unescape(field[..<(separator ?? field.endIndex)])
            var value = ""
            if let separator { value = try unescape(field[field.index(after: separator)...]) }
            pairs.append((name, value))
        }
        return pairs
    }

    /// Decodes one name or value.
    package static func unescape(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> String {
        // Most names and values have nothing to unescape: validate them in place.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed() }
            return text
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"):
                decoded.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let high = bytes.index(after: index)
                guard high != bytes.endIndex else { throw Malformed() }
                let low = bytes.index(after: high)
                guard low != bytes.endIndex, let h = hexValue(bytes[high]), let l = hexValue(bytes[low]) else { throw Malformed() }
                decoded.append(h << 4 | l)
                index = low
            default:
                decoded.append(byte)
            }
            index = bytes.index(after: index)
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { throw Malformed() }
        return text
    }

    /// Encodes a name or value: ASCII letters, digits and `*-._` stay, a space becomes `+`, every other
    /// byte of the UTF-8 becomes `%XX`.
    package static func escape(_ text: String) -> String {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                escaped.append(byte)
            case UInt8(ascii: " "):
                escaped.append(UInt8(ascii: "+"))
            default:
                escaped.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
