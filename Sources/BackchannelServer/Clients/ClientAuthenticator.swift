import BackchannelCore
import Foundation
import Logging

/// Authenticates the client of a token or backchannel authentication request (RFC 6749 §2.3).
///
/// A client polling every few seconds sends the same `Authorization` header each time, almost always in
/// the canonical encoding (`base64(form-encode(id) ":" form-encode(secret))`). The salted digest of that
/// form is known per client, so such a header is authenticated by one hash and a table lookup; any other
/// spelling is decoded and checked in full. The table is keyed by digests, so a lookup's timing reveals
/// nothing an attacker could steer.
struct ClientAuthenticator: Sendable {
    private let clients: [String: RegisteredClient]
    private let basicSalt: [UInt8]
    private let clientIdsByBasicDigest: [ClientSecretDigest: String]
    private let assertions: ClientAssertionVerifier
    private let authorities: ClientCertificateAuthorities
    private let clock: any BackchannelClock
    /// Where each refusal's reason is logged for the operator.
    private let refusals: ClientRefusalLog

    init(
        clients: [RegisteredClient], basicSalt: [UInt8], authorities: ClientCertificateAuthorities, assertions: ClientAssertionVerifier,
        clock: any BackchannelClock, refusals: ClientRefusalLog
    ) {
        self.refusals = refusals
        self.authorities = authorities
        self.clock = clock
        self.clients = Dictionary(clients.map { ($0.clientId, $0) }, uniquingKeysWith: { first, _ in first })
        self.basicSalt = basicSalt
        self.assertions = assertions
        self.clientIdsByBasicDigest = Dictionary(
            clients.compactMap { client in client.basicCredentialsDigest.map { ($0, client.clientId) } }, uniquingKeysWith: { first, _ in first })
    }

    /// The credentials of a `client_secret_basic` header in the canonical encoding.
    static func canonicalBasicCredentials(id: String, secret: String) -> String {
        Data((FormURLEncoding.escape(id) + ":" + FormURLEncoding.escape(secret)).utf8).base64EncodedString()
    }

    /// Every registered client, by `client_id`.
    var all: [RegisteredClient] {
        clients.values.sorted { $0.clientId < $1.clientId }
    }

    /// The client with this id, authenticated or not.
    func client(id: String) -> RegisteredClient? {
        clients[id]
    }

    /// Authenticates the request's client by exactly one method.
    /// - Parameters:
    ///   - parameters: The form parameters (for `client_secret_post`).
    ///   - authorization: The `Authorization` header, if any (for `client_secret_basic`).
    ///   - certificate: The certificate the client presented for mutual TLS, if any.
    /// - Throws: `invalid_request` when two methods are used, `invalid_client` when authentication fails.
    func authenticate(
        _ parameters: OAuthParameters, authorization: String?, certificate: ClientCertificate? = nil
    ) async throws(OAuthError) -> RegisteredClient {
        let postedId = try parameters.value("client_id")
        let postedSecret = try parameters.value("client_secret")
        let assertionType = try parameters.value("client_assertion_type")
        let assertion = try parameters.value("client_assertion")
        let basic = authorization.flatMap(Self.basicCredentials)
        /// Only a registered client's id is logged, never what the caller typed.
        func refused(_ reason: ClientRefusalLog.Reason, _ id: String?, _ details: Logger.Metadata = [:]) -> OAuthError {
            refusals.refused(reason, clientId: id.flatMap { clients[$0]?.clientId }, details)
        }

        if assertionType != nil || assertion != nil {
            // RFC 6749 §2.3: a client must not use more than one authentication method.
            guard basic == nil, postedSecret == nil else { throw .invalidRequest("the client used more than one authentication method") }
            guard assertionType == ClientAssertionVerifier.assertionType, let assertion else { throw refused(.assertionType, postedId) }
            // The client is the assertion's issuer (RFC 7523 §3); a client_id beside it must agree.
            guard let issuer = Self.unverifiedIssuer(assertion) else { throw refused(.malformedJWT, postedId) }
            guard let client = clients[issuer] else { throw refused(.unknownClient, nil) }
            guard client.authenticationMethods.contains(.privateKeyJWT) else { throw refused(.methodNotRegistered, issuer) }
            if let postedId, postedId != issuer { throw .invalidRequest("client_id does not match the authenticated client") }
            try await assertions.verify(assertion, for: client)
            return client
        }
        if let credentials = basic {
            // RFC 6749 §2.3: a client must not use more than one authentication method.
            guard postedSecret == nil else {
                throw .invalidRequest("the client used more than one authentication method")
            }
            if let id = clientIdsByBasicDigest[ClientSecretDigest(secret: String(credentials), salt: basicSalt)], let client = clients[id] {
                if let postedId, postedId != id { throw .invalidRequest("client_id does not match the authenticated client") }
                guard client.authenticationMethods.contains(.clientSecretBasic) else { throw refused(.methodNotRegistered, id) }
                return client
            }
            guard let (id, secret) = Self.decodeBasic(credentials) else { throw refused(.malformedBasic, nil) }
            if let postedId, postedId != id { throw .invalidRequest("client_id does not match the authenticated client") }
            return try verify(id: id, secret: secret, method: .clientSecretBasic)
        }
        if let postedId, let postedSecret {
            return try verify(id: postedId, secret: postedSecret, method: .clientSecretPost)
        }
        // RFC 8705 §2: a client_id alone, and the certificate of the TLS connection.
        guard let postedId else { throw refused(.noCredentials, nil) }
        guard let client = clients[postedId] else { throw refused(.unknownClient, nil) }
        guard let registration = client.mutualTLS else { throw refused(.noCredentials, postedId) }
        guard let certificate else { throw refused(.noCertificate, postedId) }
        if client.authenticationMethods.contains(.selfSignedTLSClientAuth), registration.matchesKey(certificate) { return client }
        guard client.authenticationMethods.contains(.tlsClientAuth) else { throw refused(.certificateKeyMismatch, postedId) }
        guard registration.matchesName(certificate) else {
            throw refused(
                .certificateNameMismatch, postedId,
                ["expected": "\(registration.expected)", "presented_subject_dn": "\(MutualTLSRegistration.normalisedDN(certificate.subjectDN))"])
        }
        guard await authorities.trust(certificate, at: clock.now) else {
            throw refused(.untrustedCertificate, postedId, ["presented_subject_dn": "\(MutualTLSRegistration.normalisedDN(certificate.subjectDN))"])
        }
        return client
    }

    /// The registered client a request claims to come from, for the audit trail of a failed
    /// authentication; `nil` when it names no registered client (an unknown id is the caller's text).
    /// The `iss` of an assertion, read before its signature is checked: it only says which client's keys
    /// to check it with.
    static func unverifiedIssuer(_ assertion: String) -> String? {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, assertion.utf8.count <= ClientSignedJWT.maxLength, let payload = Base64URL.decode(parts[1]),
            let claims = try? JSONDecoder().decode([String: JSONValue].self, from: payload)
        else { return nil }
        return claims["iss"]?.stringValue
    }

    func presentedClientId(_ parameters: OAuthParameters, authorization: String?) -> String? {
        let id: String?
        if let authorization, let credentials = Self.basicCredentials(authorization) {
            id = Self.decodeBasic(credentials)?.0
        } else {
            id = try? parameters.value("client_id")
        }
        return id.flatMap { clients[$0]?.clientId }
    }

    private func verify(id: String, secret: String, method: ClientAuthenticationMethod) throws(OAuthError) -> RegisteredClient {
        // Every failure gives the same answer, so a caller cannot probe which client ids exist.
        guard let client = clients[id] else { throw refusals.refused(.unknownClient, clientId: nil) }
        guard let digest = client.secretDigest, digest.matches(secret) else { throw refusals.refused(.secretMismatch, clientId: id) }
        guard client.authenticationMethods.contains(method) else { throw refusals.refused(.methodNotRegistered, clientId: id) }
        return client
    }

    /// What follows the `Basic` scheme name (matched case-insensitively), or `nil` for another scheme.
    static func basicCredentials(_ authorization: String) -> Substring? {
        let scheme = authorization.utf8.prefix(6)
        guard scheme.count == 6, zip(scheme, "basic ".utf8).allSatisfy({ $0 == $1 || ($0 | 0x20 == $1 && $1 != UInt8(ascii: " ")) }) else { return nil }
        return authorization.dropFirst(6)
    }

    /// Decodes `base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1). It works on bytes:
    /// Foundation's string trimming bridges through `NSString` on Linux, on every token poll.
    static func decodeBasic(_ credentials: Substring) -> (String, String)? {
        var encoded = credentials.utf8[...]
        while encoded.first == UInt8(ascii: " ") { encoded = encoded.dropFirst() }
        while encoded.last == UInt8(ascii: " ") { encoded = encoded.dropLast() }
        guard let data = Data(base64Encoded: Data(encoded)) else { return nil }
        let decoded = [UInt8](data)
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")),
            let id = try? FormURLEncoding.unescape(decoded[..<colon]),
            let secret = try? FormURLEncoding.unescape(decoded[(colon + 1)...]), !id.isEmpty
        else { return nil }
        return (id, secret)
    }
}
