import BackchannelCore
import Foundation
import JWTKit

/// The UserInfo endpoint (OpenID Connect Core §5.3).
struct UserinfoEndpoint: EngineEndpoint {
    let state: EngineState

    /// Handles a request to the UserInfo endpoint (OpenID Connect Core §5.3): the claims about the
    /// token's user that its scopes (§5.4) and the `claims` parameter (§5.5) asked for, with `sub`.
    /// - Parameters:
    ///   - authorization: The `Authorization` header, if any.
    ///   - formToken: The `access_token` form parameter of a POST (RFC 6750 §2.2), if any.
    ///   - clientCertificate: The certificate of the mutual-TLS connection, if any: a certificate-bound token
    ///     is accepted only with the certificate it is bound to (RFC 8705 §3).
    /// - Returns: The claims, or the error to answer with.
    func userinfoRequest(
        authorization: String?, formToken: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<[String: JSONValue], BearerTokenError> {
        let started = ContinuousClock.now
        var clientId: String?
        let result: Result<[String: JSONValue], BearerTokenError>
        do throws(BearerTokenError) {
            let token = try Self.bearerToken(authorization: authorization, formToken: formToken)
            result = .success(try await userinfo(for: token, certificate: clientCertificate, clientId: &clientId))
        } catch {
            result = .failure(error)
        }
        let outcome: String =
            switch result {
            case .success: "success"
            case .failure(let error): error.code ?? "missing_token"
            }
        metrics.request(.userinfo, outcome: outcome, client: clientId, duration: ContinuousClock.now - started)
        return result
    }

    /// The token from exactly one of the header and the form (RFC 6750 §2).
    static func bearerToken(authorization: String?, formToken: String?) throws(BearerTokenError) -> String {
        switch (authorization, formToken) {
        case (nil, nil): throw .missingToken
        case (.some, .some): throw .invalidRequest("the access token must be sent one way only")
        case (nil, let token?): return token
        case (let header?, nil):
            // credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .missingToken }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }
    }

    private func userinfo(for token: String, certificate: ClientCertificate?, clientId: inout String?) async throws(BearerTokenError) -> [String: JSONValue] {
        let claims = try await verifiedAccessToken(token)
        clientId = claims.clientId
        if let bound = claims.cnf, bound.x5tS256 != certificate?.thumbprint {
            throw .invalidToken("the access token is bound to a certificate this connection did not present")
        }
        let scopes = claims.scope.split(separator: " ").map(String.init)
        guard scopes.contains("openid") else {
            throw .insufficientScope("the access token was not granted the openid scope")
        }
        let user: DirectoryUser?
        do {
            user = try await userDirectory?.user(subject: claims.sub)
        } catch {
            // The token is fine: a client told invalid_token would throw it away over the directory's outage.
            logger.error("the user directory failed", metadata: ["reason": "directory_failed", "error": "\(error)"])
            throw .serverError("the user cannot be looked up")
        }
        guard let user else { throw .invalidToken("the access token's user is not known here") }
        // What the client may still ask for decides, not only what it asked for when the token was issued:
        // a client whose scopes were narrowed since (or that is gone) gets no more than it may have now.
        let registered = self.clients.client(id: claims.clientId)?.allowedScopes ?? []
        let names = StandardClaims.claims(forScopes: scopes).union(claims.userinfoClaims ?? [])
            .intersection(StandardClaims.claims(forScopes: Array(registered)))
        var values = StandardClaims.values(of: names, for: user)
        values["sub"] = .string(user.subject)
        return values
    }
}
