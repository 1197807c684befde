import Foundation
import Hummingbird

/// Reads an `application/x-www-form-urlencoded` body into name–value pairs, keeping order and
/// repetitions: OAuth servers must see repeated parameters to reject them, which a `Decodable` hides.
enum FormBody {
    enum Failure: Error {
        /// The media type is not `application/x-www-form-urlencoded`.
        case unsupportedMediaType
        /// The body is larger than allowed.
        case tooLarge
        /// The body is not valid percent-encoded UTF-8.
        case malformed
    }

    static func pairs(of request: Request, limit: Int) async throws(Failure) -> [(name: String, value: String)] {
        let mediaType = request.headers[.contentType]?
            .split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/x-www-form-urlencoded" else { throw .unsupportedMediaType }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw .tooLarge
        }
        return try decode(String(buffer: buffer))
    }

    /// Decodes `a=1&b=2` (the WHATWG form-urlencoded parser's rules: `+` is a space).
    static func decode(_ body: String) throws(Failure) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for field in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]), let value = unescape(parts.count > 1 ? parts[1] : "") else {
                throw .malformed
            }
            pairs.append((name, value))
        }
        return pairs
    }

    private static func unescape(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
