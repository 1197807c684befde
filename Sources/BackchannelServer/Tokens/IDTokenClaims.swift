import BackchannelCore
import JWTKit

/// The claims of an ID token (OpenID Connect Core §2; CIBA Core §10.3.1 adds nothing for poll mode).
///
/// Claims an authenticator adds travel in ``extra``; they never override the registered ones.
struct IDTokenClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var iat: Int
    var authTime: Int
    var acr: String?
    var amr: [String]?
    var atHash: String
    /// `urn:openid:params:jwt:claim:auth_req_id`: in push mode, which request the token answers (CIBA Core §10.3.1).
    var authReqId: String?
    var extra: [String: JSONValue] = [:]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let authReqIdClaim = "urn:openid:params:jwt:claim:auth_req_id"
    static let registered: Set<String> = [
        "iss", "sub", "aud", "exp", "iat", "auth_time", "acr", "amr", "at_hash", "nonce", "azp", authReqIdClaim,
        "urn:openid:params:jwt:claim:rt_hash",
    ]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in extra where !Self.registered.contains(name) {
            try container.encode(value, forKey: Key(name))
        }
        try container.encode(iss, forKey: Key("iss"))
        try container.encode(sub, forKey: Key("sub"))
        try container.encode(aud, forKey: Key("aud"))
        try container.encode(exp, forKey: Key("exp"))
        try container.encode(iat, forKey: Key("iat"))
        try container.encode(authTime, forKey: Key("auth_time"))
        try container.encodeIfPresent(acr, forKey: Key("acr"))
        try container.encodeIfPresent(amr, forKey: Key("amr"))
        try container.encode(atHash, forKey: Key("at_hash"))
        try container.encodeIfPresent(authReqId, forKey: Key(Self.authReqIdClaim))
    }

    init(
        iss: String, sub: String, aud: String, exp: Int, iat: Int, authTime: Int, acr: String?, amr: [String]?, atHash: String,
        authReqId: String? = nil, extra: [String: JSONValue]
    ) {
        self.authReqId = authReqId
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.authTime = authTime
        self.acr = acr
        self.amr = amr
        self.atHash = atHash
        self.extra = extra
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        iss = try container.decode(String.self, forKey: Key("iss"))
        sub = try container.decode(String.self, forKey: Key("sub"))
        aud = try container.decode(String.self, forKey: Key("aud"))
        exp = try container.decode(Int.self, forKey: Key("exp"))
        iat = try container.decode(Int.self, forKey: Key("iat"))
        authTime = try container.decode(Int.self, forKey: Key("auth_time"))
        acr = try container.decodeIfPresent(String.self, forKey: Key("acr"))
        amr = try container.decodeIfPresent([String].self, forKey: Key("amr"))
        atHash = try container.decode(String.self, forKey: Key("at_hash"))
        authReqId = try container.decodeIfPresent(String.self, forKey: Key(Self.authReqIdClaim))
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
