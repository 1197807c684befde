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
        do {
            return try FormURLEncoding.decode(Array(buffer.readableBytesView))
        } catch {
            throw .malformed
        }
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
