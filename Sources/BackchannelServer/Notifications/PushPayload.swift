import Foundation

/// The bodies a push client receives (CIBA Core §10.3.1, §12): the token response with `auth_req_id`,
/// or an error naming the request.
enum PushPayload {
    struct Tokens: Encodable {
        var authReqId: String
        var tokens: TokenResponse

        private enum CodingKeys: String, CodingKey { case authReqId = "auth_req_id" }

        func encode(to encoder: any Encoder) throws {
            try tokens.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(authReqId, forKey: .authReqId)
        }
    }

    struct Failure: Encodable {
        var authReqId: String
        var error: String
        var errorDescription: String

        private enum CodingKeys: String, CodingKey {
            case authReqId = "auth_req_id"
            case error
            case errorDescription = "error_description"
        }
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
