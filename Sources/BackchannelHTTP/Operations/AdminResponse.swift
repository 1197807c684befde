import Foundation
import Hummingbird

/// The admin API's answers: JSON, never cached; errors as `{"error", "error_description"}`.
enum AdminResponse {
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let body = (try? encoder.encode(value)) ?? Data(#"{"error":"server_error"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ description: String) -> Response {
        json(status, ["error": code, "error_description": description])
    }
}
