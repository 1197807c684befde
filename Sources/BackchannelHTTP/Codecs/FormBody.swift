import BackchannelCore
import BackchannelServer
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
        try await read(request, limit: limit).pairs
    }

    /// The pairs with the bytes they were decoded from.
    static func read(_ request: Request, limit: Int) async throws(Failure) -> (pairs: [(name: String, value: String)], bytes: [UInt8]) {
        guard let contentType = request.headers[.contentType], isFormMediaType(contentType) else { throw .unsupportedMediaType }
        let bytes = try await raw(request, limit: limit)
        do {
            return (try FormURLEncoding.decode(bytes), bytes)
        } catch {
            throw .malformed
        }
    }

    /// The body's bytes, whatever its media type. - Throws: ``Failure/tooLarge`` past `limit`.
    static func raw(_ request: Request, limit: Int) async throws(Failure) -> [UInt8] {
        // A declared length over the limit is refused before a byte of the body is read.
        if let declared = request.headers[.contentLength], let length = Int(declared), length > limit { throw .tooLarge }
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw .tooLarge
        }
    }

    /// Whether a `Content-Type` names `application/x-www-form-urlencoded` (any case, parameters and
    /// surrounding spaces allowed). Compared on bytes: Foundation's trimming bridges through `NSString`
    /// on Linux and cost a tenth of a token poll.
    static func isFormMediaType(_ contentType: String) -> Bool {
        let expected = "application/x-www-form-urlencoded".utf8
        if contentType == "application/x-www-form-urlencoded" { return true }
        var bytes = contentType.utf8[...]
        if let semicolon = bytes.firstIndex(of: UInt8(ascii: ";")) { bytes = bytes[..<semicolon] }
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isSpace(last) { bytes = bytes.dropLast() }
        guard bytes.count == expected.count else { return false }
        // ASCII case folding: the expected name is lowercase letters, digits and punctuation.
        return zip(bytes, expected).allSatisfy { actual, wanted in actual == wanted || actual | 0x20 == wanted && wanted >= UInt8(ascii: "a") && wanted <= UInt8(ascii: "z") }
    }

    /// Decodes `a=1&b=2` with the engine's byte-level decoder.
    static func decode(_ body: String) throws(Failure) -> [(name: String, value: String)] {
        do {
            return try FormURLEncoding.decode(Array(body.utf8))
        } catch {
            throw .malformed
        }
    }
}
