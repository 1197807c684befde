import BackchannelCore
import JWTKit

/// A JWT's claims as a JSON object, for tokens whose claims are checked one by one after the signature
/// (ID token hints, client assertions, signed requests): jwt-kit verifies only the signature.
struct JSONClaims: JWTPayload {
    var claims: [String: JSONValue]

    init(_ claims: [String: JSONValue]) { self.claims = claims }
    init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
    func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// A NumericDate claim (`exp`, `iat`, `nbf`), in seconds since 1970.
    func time(_ name: String) -> Double? {
        switch claims[name] {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// `aud`, a string or an array of strings.
    var audiences: [String] {
        switch claims["aud"] {
        case .string(let audience): [audience]
        case .array(let values): values.compactMap(\.stringValue)
        default: []
        }
    }
}
