import BackchannelCore
import Foundation

/// The endpoints, as the HTTP adapter and the host call them; each is answered by its own part.
extension BackchannelEngine {
    /// Handles a request to the backchannel authentication endpoint (CIBA Core §7).
    /// - Parameters:
    ///   - parameters: The form parameters.
    ///   - authorization: The `Authorization` header, if any.
    ///   - clientCertificate: The certificate the client presented for mutual TLS, if any.
    /// - Returns: The acknowledgement, or the OAuth error to answer with.
    public func authenticationRequest(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<AuthenticationAcknowledgement, OAuthError> {
        await authentication.authenticationRequest(parameters, authorization: authorization, clientCertificate: clientCertificate)
    }

    /// Handles a token request with the CIBA grant (CIBA Core §10.1, §11).
    /// - Parameters:
    ///   - parameters: The form parameters.
    ///   - authorization: The `Authorization` header, if any.
    ///   - clientCertificate: The certificate the client presented for mutual TLS, if any: it authenticates a
    ///     mutual-TLS client, and binds the access token of a client registered for bound tokens.
    /// - Returns: The tokens, or the OAuth error to answer with.
    public func tokenRequest(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<TokenResponse, OAuthError> {
        await token.tokenRequest(parameters, authorization: authorization, clientCertificate: clientCertificate)
    }

    /// Handles a request to the UserInfo endpoint (OpenID Connect Core §5.3): the claims about the
    /// token's user that its scopes (§5.4) and the `claims` parameter (§5.5) asked for, with `sub`.
    /// - Parameters:
    ///   - authorization: The `Authorization` header, if any.
    ///   - formToken: The `access_token` form parameter of a POST (RFC 6750 §2.2), if any.
    ///   - clientCertificate: The certificate of the mutual-TLS connection, if any: a certificate-bound token
    ///     is accepted only with the certificate it is bound to (RFC 8705 §3).
    /// - Returns: The claims, or the error to answer with.
    public func userinfoRequest(
        authorization: String?, formToken: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<[String: JSONValue], BearerTokenError> {
        await userinfo.userinfoRequest(authorization: authorization, formToken: formToken, clientCertificate: clientCertificate)
    }

    /// Handles a token revocation request (RFC 7009): an authenticated client revokes an access token or a
    /// refresh token issued to it (a refresh token with its whole family). The answer is the same (success)
    /// for a token that is unknown, invalid, expired or another client's, so that it reveals nothing (§2.2).
    public func revocationRequest(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<Void, OAuthError> {
        await revocation.revocationRequest(parameters, authorization: authorization, clientCertificate: clientCertificate)
    }

    /// Handles a token introspection request (RFC 7662) from an authenticated client: the token's own client,
    /// or a client registered as a resource server (`resource_server`) for any client's token. Whether the
    /// access token is active, and if so what it grants. Anything that is
    /// not a live access token of this server is `{"active": false}`, nothing more (§2.2); refresh tokens
    /// among them, as they are for the authorization server alone.
    public func introspectionRequest(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<[String: JSONValue], OAuthError> {
        await revocation.introspectionRequest(parameters, authorization: authorization, clientCertificate: clientCertificate)
    }

    /// Claims up to `limit` due ping and push notifications for this process to deliver, each leased
    /// for `lease` seconds (longer than an attempt may take): none of `excludingClients` (those with as many
    /// under way as the deliverer allows), and at most `perClient` of any other client's.
    /// - Throws: The store's error; the caller backs off (the store is down, and says so once).
    public func claimDueNotifications(
        limit: Int, lease: TimeInterval = 60, excludingClients: Set<String> = [], perClient: Int? = nil
    ) async throws -> [DueNotification] {
        try await notifications.claimDueNotifications(limit: limit, lease: lease, excludingClients: excludingClients, perClient: perClient)
    }

    /// Where a claimed notification goes: its client's registered endpoint, and nowhere else.
    public func notificationEndpoint(for due: DueNotification) -> URL? {
        notifications.notificationEndpoint(for: due)
    }


    public func deliver(_ due: DueNotification, transport: some NotificationTransport) async -> NotificationAttemptOutcome {
        await notifications.deliver(due, transport: transport)
    }
}
