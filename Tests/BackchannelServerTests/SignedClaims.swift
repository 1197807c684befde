import BackchannelCore
import JWTKit

/// Claims a test signs as a client would (assertions, signed requests): any JSON object.
struct SignedClaims: JWTPayload {
    var claims: [String: JSONValue]
    init(_ claims: [String: JSONValue]) { self.claims = claims }
    init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
    func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
