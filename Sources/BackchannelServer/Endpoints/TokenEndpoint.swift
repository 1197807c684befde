import BackchannelCore
import Foundation
import Tracing

/// The token endpoint: the CIBA grant (CIBA Core §10–11) and the refresh token grant (RFC 6749 §6).
struct TokenEndpoint: EngineEndpoint {
    let state: EngineState

    /// Handles a token request with the CIBA grant (CIBA Core §10.1, §11).
    /// - Parameters:
    ///   - parameters: The form parameters.
    ///   - authorization: The `Authorization` header, if any.
    ///   - clientCertificate: The certificate the client presented for mutual TLS, if any: it authenticates a
    ///     mutual-TLS client, and binds the access token of a client registered for bound tokens.
    /// - Returns: The tokens, or the OAuth error to answer with.
    func tokenRequest(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate? = nil
    ) async -> Result<TokenResponse, OAuthError> {
        // Off, or outside a request's trace, the request is answered without a span's closure around it.
        guard state.tracer.isOn, ServiceContext.current != nil else {
            return await answer(parameters, authorization: authorization, clientCertificate: clientCertificate).result
        }
        return await state.tracer.span("ciba token") { span in
            let (result, clientId) = await answer(parameters, authorization: authorization, clientCertificate: clientCertificate)
            span?.describe(outcome: result.outcome, client: clientId)
            // Only a request that was redeemed is named: a guessed or garbage id is nobody's.
            if let span, case .success = result, let authReqId = (try? parameters.value("auth_req_id")) ?? nil {
                span.attributes["backchannel.auth_req_id_sha256"] = AuditLog.label(AuthReqIdSecret.hash(authReqId)).description
            }
            return result
        }
    }

    /// The answer to a token request, and the client it authenticated, counted and audited.
    @inline(__always)
    private func answer(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate?
    ) async -> (result: Result<TokenResponse, OAuthError>, clientId: String?) {
        let started = ContinuousClock.now
        var clientId: String?
        let result: Result<TokenResponse, OAuthError>
        do throws(OAuthError) {
            result = .success(try await redeem(parameters, authorization: authorization, certificate: clientCertificate, clientId: &clientId))
        } catch {
            result = .failure(error)
        }
        metrics.request(.token, outcome: result.outcome, client: clientId, duration: ContinuousClock.now - started)
        if case .failure(.invalidClient) = result {
            audit.clientAuthenticationFailed(endpoint: .token, clientId: clients.presentedClientId(parameters, authorization: authorization))
        }
        return (result, clientId)
    }

    private func redeem(
        _ parameters: OAuthParameters, authorization: String?, certificate: ClientCertificate?, clientId authenticated: inout String?
    ) async throws(OAuthError) -> TokenResponse {
        let client = try await clients.authenticate(parameters, authorization: authorization, certificate: certificate)
        authenticated = client.clientId
        // Checked before anything is redeemed, so tokens are never issued that could not be bound.
        let binding = client.boundTokens ? certificate?.thumbprint : nil
        if client.boundTokens, binding == nil {
            throw .invalidRequest("this client's access tokens are bound to its certificate: present one over mutual TLS")
        }
        guard let grantType = try parameters.value("grant_type") else {
            throw .invalidRequest("the grant_type parameter is required")
        }
        if grantType == ClientConfiguration.refreshTokenGrantType {
            return try await refresh(parameters, client: client, binding: binding)
        }
        guard grantType == CIBAGrant.grantType else {
            throw .unsupportedGrantType("only \(CIBAGrant.grantType) and refresh_token are supported")
        }
        guard client.isConfidential, client.mayUseCIBA, client.deliveryMode != .push else {
            throw .unauthorizedClient("this client may not poll for backchannel authentication results")
        }
        guard let presented = try parameters.value("auth_req_id") else {
            throw .invalidRequest("the auth_req_id parameter is required")
        }
        let hash = AuthReqIdSecret(presented: presented).hash
        let now = clock.now

        var approvalUnconfirmed = false
        let (found, statusCheckScope) = try await storeCall({ try await self.store.pollRead(authReqIdHash: hash) })
        // Unknown, redeemed and another client's ids are indistinguishable on purpose.
        guard var request = found, request.clientId == client.clientId else { throw OAuthError.invalidAuthReqId }
        try await pace(request, now: now)

        if request.state == .pending, now < request.expiresAt {
            let handler = authenticators[request.authenticator]?.instance.handler
            let status: BackchannelAuthenticationResult?
            do {
                // Inside the store's scope when it read ahead for the check (entered only then: a scope, or a
                // closure to share the call, costs every poll).
                if let statusCheckScope {
                    status = try await statusCheckScope.run {
                        try await metrics.timing(request.authenticator, "status") {
                            try await handler?.checkAuthenticationStatus(authReqId: AuthReqId(rawValue: hash))
                        }
                    }
                } else {
                    status = try await metrics.timing(request.authenticator, "status") {
                        try await handler?.checkAuthenticationStatus(authReqId: AuthReqId(rawValue: hash))
                    }
                }
            } catch {
                logger.error("an authenticator failed to report a status", metadata: ["authenticator": "\(request.authenticator)"])
                throw .serverError("the authenticator could not be reached")
            }
            guard let status else { throw OAuthError.authorizationPending }
            let concluded = PendingRequestState(result: status)
            if try await storeCall({ try await self.store.conclude(authReqIdHash: hash, result: status) }) {
                ConclusionMetrics.concluded(request, as: concluded, at: now)
                audit.concluded(request, as: concluded, at: now)
                request.state = concluded  // What the store holds now.
            } else if case .approved = concluded {
                // Another conclusion won the race, most often this same approval reported through the
                // completion sink. The redemption below takes only an approved request, so it finds out
                // without reading the request again.
                request.state = concluded
                approvalUnconfirmed = true
            } else {
                // Act on what the store holds.
                guard let current = try await storeCall({ try await self.store.request(authReqIdHash: hash) }) else {
                    throw OAuthError.invalidAuthReqId
                }
                request = current
            }
        }

        // No longer pending: this poll is answered for good, so its pacing is done with.
        state.pacing.forget(authReqIdHash: hash)
        if now >= request.expiresAt {
            await limiter.concluded(member: hash, denied: false, now: now)
            throw OAuthError.expired
        }
        guard case .approved = request.state else { throw await refusal(for: request.state, hash: hash, now: now) }
        // The request's limits and an authenticator's request-scoped records end with the redemption, in its
        // own write where the store can (else after the tokens, as below).
        let handler = authenticators[request.authenticator]?.instance.handler
        let scoped = handler as? any RequestScopedRecords
        let leftovers = RedemptionLeftovers(
            limits: limiter.limits.enabled ? limiter.store : nil, records: scoped == nil ? nil : replayStore,
            recordNamespaces: scoped?.requestRecordNamespaces ?? [])
        let (redemption, endedLeftovers) = try await storeCall({
            try await self.store.redeem(authReqIdHash: hash, clientId: client.clientId, now: now, ending: leftovers)
        })
        guard let redeemed = redemption, case .approved(let attributes) = redeemed.state else {
            // The approval this poll saw was not the store's: answer what the store holds.
            if approvalUnconfirmed, let current = try await storeCall({ try await self.store.request(authReqIdHash: hash) }) {
                if case .approved = current.state {} else { throw await refusal(for: current.state, hash: hash, now: now) }
            }
            throw OAuthError.invalidAuthReqId
        }
        var tokens: TokenResponse
        do {
            // The family first: the access token carries its id, and ends with it.
            var refresh: (token: String, family: String)?
            if client.mayRefresh, redeemed.scopes.contains("offline_access") {
                refresh = try await refreshTokens.begin(
                    RefreshTokens.Authentication(
                        clientId: client.clientId, subject: attributes.subject, scopes: redeemed.scopes, authTime: attributes.authTime,
                        acr: attributes.acr ?? redeemed.acr, amr: attributes.amr, userinfoClaims: redeemed.claims.userinfo.sorted(),
                        authorizationDetails: TokenIssuer.authorizationDetails(redeemed.authorizationDetails)),
                    now: now)
            }
            tokens = try await tokenIssuer.issue(
                for: redeemed, attributes: attributes, idTokenKid: client.idTokenKid, idTokenClaims: try await claims(redeemed.claims.idToken, subject: attributes.subject),
                certificateThumbprint: binding, refreshFamily: refresh?.family, now: now)
            tokens.refreshToken = refresh?.token
        } catch {
            logger.error("signing tokens failed", metadata: ["error": "\(error)"])
            throw .serverError("the tokens could not be issued")
        }
        if !endedLeftovers { await limiter.concluded(member: hash, denied: false, now: now) }
        // The request is over: let the authenticator forget it.
        if endedLeftovers, let scoped {
            await scoped.requestRedeemed(authReqId: AuthReqId(rawValue: hash))
        } else if let handler {
            try? await metrics.timing(redeemed.authenticator, "cancel") { try await handler.cancelAuthenticationRequest(authReqId: AuthReqId(rawValue: hash)) }
        }
        var audited = redeemed
        audited.subject = redeemed.subject ?? attributes.subject
        audit.redeemed(audited)
        return tokens
    }

    /// The refresh token grant (RFC 6749 §6): a new access token, and a new refresh token in place of the
    /// one presented, which is spent. A spent one presented again revokes its whole family.
    private func refresh(_ parameters: OAuthParameters, client: RegisteredClient, binding: String?) async throws(OAuthError) -> TokenResponse {
        guard client.mayRefresh else { throw .unauthorizedClient("this client may not use refresh tokens") }
        guard let presented = try parameters.value("refresh_token") else { throw .invalidRequest("the refresh_token parameter is required") }
        let requested = try parameters.value("scope").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            .flatMap { $0.isEmpty ? nil : $0 }
        var narrowedTo: [[String: JSONValue]]?
        if let text = try parameters.value("authorization_details") {
            do throws(AuthorizationDetailsValidator.Refusal) {
                narrowedTo = try AuthorizationDetailsValidator.entries(of: text)
            } catch {
                throw refused(error, clientId: client.clientId)
            }
        }
        let now = clock.now
        let redemption: RefreshTokens.Redemption
        do {
            redemption = try await refreshTokens.redeem(presented, clientId: client.clientId, scopes: requested, authorizationDetails: narrowedTo)
        } catch {
            logger.error("the refresh token store failed", metadata: ["error": "\(error)"])
            throw .serverError("the server could not complete the request")
        }
        let grant: RefreshTokens.Grant
        switch redemption {
        case .invalid:
            throw .invalidGrant("the refresh token is invalid, expired or revoked")
        case .scopeExceeded:
            throw .invalidScope("the scope asked for exceeds what the refresh token grants")
        case .authorizationDetailsExceeded:
            throw refused(
                .init("exceeds_grant", "the authorization_details asked for exceed what the refresh token grants"), clientId: client.clientId)
        case .reused(let authentication):
            audit.refreshTokenReused(clientId: client.clientId, subject: authentication.subject)
            throw .invalidGrant("the refresh token is invalid, expired or revoked")
        case .grant(let redeemed):
            grant = redeemed
        }
        // The grant holds only while the user does: a user removed from the directory ends it.
        var known = true
        do {
            if let userDirectory { known = try await userDirectory.user(subject: grant.authentication.subject) != nil }
        } catch {
            logger.error("the user directory failed", metadata: ["reason": "directory_failed", "error": "\(error)"])
            throw .serverError("the server could not complete the request")
        }
        guard known else {
            do { try await refreshTokens.revokeFamily(grant.family) } catch { logger.error("revoking a refresh token family failed", metadata: ["error": "\(error)"]) }
            logger.info("refresh refused", metadata: ["reason": "user_unknown", "client_id": "\(client.clientId)"])
            throw .invalidGrant("the refresh token is invalid, expired or revoked")
        }
        // A narrower scope for this access token only (RFC 6749 §6); the refresh token keeps the grant whole. Only
        // the scopes the client may still request are granted: a registration narrowed since narrows the token.
        let scopes = (requested ?? grant.authentication.scopes).filter(client.allowedScopes.contains)
        // As with the scopes: only the types the client may still request are granted, so a registration narrowed
        // since narrows the token.
        let details = Self.allowed(RefreshTokens.narrowed(grant.authentication.authorizationDetails, to: narrowedTo), types: client.authorizationDetailsTypes)
        do {
            let next = try await refreshTokens.issue(grant, now: now)
            return try await tokenIssuer.refreshed(
                grant, scopes: scopes, authorizationDetails: details, refreshToken: next, certificateThumbprint: binding, now: now)
        } catch {
            logger.error("issuing refreshed tokens failed", metadata: ["error": "\(error)"])
            throw .serverError("the tokens could not be issued")
        }
    }

    /// The entries of `details` whose type is one of `types`; `nil` when none is left.
    static func allowed(_ details: JSONValue?, types: Set<String>) -> JSONValue? {
        guard case .array(let entries)? = details else { return details }
        let kept = entries.filter { entry in entry.objectValue?["type"]?.stringValue.map(types.contains) ?? false }
        return kept.isEmpty ? nil : .array(kept)
    }

    /// CIBA's `slow_down` (CIBA Core §11): a poll of a pending, unexpired request that comes sooner than its
    /// interval after the owner's previous poll on this node grows the interval in the store and is refused.
    private func pace(_ request: PendingRequest, now: Date) async throws(OAuthError) {
        let previous = state.pacing.recordPoll(authReqIdHash: request.authReqIdHash, at: now)
        guard policy.enforcePollInterval, request.state == .pending, now < request.expiresAt,
            let previous, now.timeIntervalSince(previous) < Double(request.interval)
        else { return }
        guard let grown = try await storeCall({ try await self.store.growInterval(authReqIdHash: request.authReqIdHash, by: PollPacing.growth) })
        else { throw OAuthError.invalidAuthReqId }  // Redeemed or purged meanwhile.
        throw .slowDown("polled sooner than the interval; wait \(grown) seconds between polls")
    }

    /// The error a poll answers for a request that is not approved, releasing its limits' hold when the
    /// answer ends it.
    private func refusal(for state: PendingRequestState, hash: String, now: Date) async -> OAuthError {
        switch state {
        case .pending:
            return .authorizationPending
        case .expired:
            await limiter.concluded(member: hash, denied: false, now: now)
            return .expired
        case .denied:
            // Reported to the client: the request stops counting, and the client's cool-down for this user starts.
            await limiter.concluded(member: hash, denied: true, now: now)
            return .accessDenied("the user denied the authentication request", atTokenEndpoint: true)
        case .failed:
            await limiter.concluded(member: hash, denied: false, now: now)
            return .accessDenied("the authentication could not be completed", atTokenEndpoint: true)
        case .approved:
            return .invalidAuthReqId
        }
    }
}
