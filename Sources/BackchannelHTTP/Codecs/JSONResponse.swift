import BackchannelServer
import Foundation
import HTTPTypes
import Hummingbird

/// Writes JSON responses with the headers RFC 6749 §5.1 requires of anything carrying tokens or
/// identifiers: `Cache-Control: no-store`, `Pragma: no-cache`.
enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func ok(_ value: some Encodable) -> Response {
        guard let data = try? encoder.encode(value) else {
            return error(.serverError("the response could not be encoded"))
        }
        return make(status: .ok, data: data, noStore: true)
    }

    /// The recurring answers (`authorization_pending` on every poll), built once with their headers:
    /// an immutable table, read without a lock; a response's body and headers are shared copy-on-write.
    private static let answeredOnce: [OAuthError: Response] = Dictionary(
        uniqueKeysWithValues: OAuthError.recurring.map { ($0, answer($0)) })

    static func error(_ error: OAuthError) -> Response {
        answeredOnce[error] ?? answer(error)
    }

    private static func answer(_ error: OAuthError) -> Response {
        // The body is two fixed-vocabulary strings; encoding cannot fail.
        let data = (try? encoder.encode(error.body)) ?? Data(#"{"error":"server_error"}"#.utf8)
        var response = make(status: HTTPResponse.Status(code: error.httpStatus), data: data, noStore: true)
        if let challenge = error.challenge {
            response.headers[.wwwAuthenticate] = challenge
        }
        return response
    }

    /// Static documents (discovery, JWKS) are encoded once by the engine and may be cached briefly.
    static func document(_ data: Data) -> Response {
        var response = make(status: .ok, data: data, noStore: false)
        response.headers[.cacheControl] = "public, max-age=300"
        return response
    }

    private static let nosniff = HTTPField(name: HTTPField.Name("X-Content-Type-Options")!, value: "nosniff")

    private static func make(status: HTTPResponse.Status, data: Data, noStore: Bool) -> Response {
        // nosniff: a browser must never read an error body as HTML, whatever a client managed to put in it.
        var headers: HTTPFields = [.contentType: "application/json", nosniff.name: nosniff.value]
        if noStore {
            headers[.cacheControl] = "no-store"
            headers[HTTPField.Name("Pragma")!] = "no-cache"
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
