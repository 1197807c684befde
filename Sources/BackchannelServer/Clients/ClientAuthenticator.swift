import Foundation

/// Authenticates the client of a token or backchannel authentication request (RFC 6749 §2.3).
struct ClientAuthenticator: Sendable {
    private let clients: [String: RegisteredClient]

    init(clients: [RegisteredClient]) {
        self.clients = Dictionary(clients.map { ($0.clientId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The client with this id, authenticated or not.
    func client(id: String) -> RegisteredClient? {
        clients[id]
    }

    /// Authenticates the request's client by exactly one method.
    /// - Parameters:
    ///   - parameters: The form parameters (for `client_secret_post`).
    ///   - authorization: The `Authorization` header, if any (for `client_secret_basic`).
    /// - Throws: `invalid_request` when two methods are used, `invalid_client` when authentication fails.
    func authenticate(_ parameters: OAuthParameters, authorization: String?) throws(OAuthError) -> RegisteredClient {
        let postedId = try parameters.value("client_id")
        let postedSecret = try parameters.value("client_secret")
        let failed = OAuthError.clientAuthenticationFailed

        if let authorization, authorization.count >= 6, authorization.prefix(6).lowercased() == "basic " {
            // RFC 6749 §2.3: a client must not use more than one authentication method.
            guard postedSecret == nil else {
                throw .invalidRequest("the client used more than one authentication method")
            }
            guard let (id, secret) = Self.decodeBasic(String(authorization.dropFirst(6))) else { throw failed }
            if let postedId, postedId != id { throw .invalidRequest("client_id does not match the authenticated client") }
            return try verify(id: id, secret: secret, method: .clientSecretBasic)
        }
        if let postedId, let postedSecret {
            return try verify(id: postedId, secret: postedSecret, method: .clientSecretPost)
        }
        throw failed
    }

    private func verify(id: String, secret: String, method: ClientAuthenticationMethod) throws(OAuthError) -> RegisteredClient {
        // Every failure gives the same answer, so a caller cannot probe which client ids exist.
        guard let client = clients[id], let digest = client.secretDigest, digest.matches(secret),
            client.authenticationMethods.contains(method)
        else {
            throw OAuthError.clientAuthenticationFailed
        }
        return client
    }

    /// Decodes `base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
    static func decodeBasic(_ credentials: String) -> (String, String)? {
        guard let data = Data(base64Encoded: credentials.trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        guard let id = try? FormURLEncoding.unescape(ArraySlice(decoded[..<colon].utf8)),
            let secret = try? FormURLEncoding.unescape(ArraySlice(decoded[decoded.index(after: colon)...].utf8)), !id.isEmpty
        else { return nil }
        return (id, secret)
    }
}
