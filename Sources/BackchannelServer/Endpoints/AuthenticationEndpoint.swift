import BackchannelCore
import Foundation
import Tracing

/// The backchannel authentication endpoint (CIBA Core §7): validates a request, admits it against the
/// limits, stores it and starts its authenticator.
struct AuthenticationEndpoint: EngineEndpoint {
    let state: EngineState

    /// The parameters CIBA Core §7.1 defines, which are not passed on as free-form request context.
    private static let authenticationParameters: Set<String> = [
        "scope", "client_id", "client_secret", "login_hint", "id_token_hint", "login_hint_token", "binding_message",
        "user_code", "requested_expiry", "acr_values", "client_notification_token", "request", "client_assertion",
        "client_assertion_type", "claims", "authorization_details",
    ]

    /// Handles a request to the backchannel authentication endpoint (CIBA Core §7).
    /// - Parameters:
    ///   - parameters: The form parameters.
    ///   - authorization: The `Authorization` header, if any.
    ///   - clientCertificate: The certificate the client presented for mutual TLS, if any.
    /// - Returns: The acknowledgement, or the OAuth error to answer with.
    func authenticationRequest(
        _ parameters: OAuthParameters,
        authorization: String?,
        clientCertificate: ClientCertificate? = nil
    ) async -> Result<AuthenticationAcknowledgement, OAuthError> {
        // Off, or outside a request's trace, the request is answered without a span's closure around it.
        guard state.tracer.isOn, ServiceContext.current != nil else {
            return await answer(parameters, authorization: authorization, clientCertificate: clientCertificate).result
        }
        return await state.tracer.span("ciba backchannel_authentication") { span in
            let (result, clientId) = await answer(parameters, authorization: authorization, clientCertificate: clientCertificate)
            if let span {
                span.describe(outcome: result.outcome, client: clientId)
                if case .success(let acknowledgement) = result {
                    let hash = AuthReqIdSecret.hash(acknowledgement.authReqId)
                    span.attributes["backchannel.auth_req_id_sha256"] = AuditLog.label(hash).description
                    // The notification of a ping or push request, delivered later, joins this trace.
                    if let clientId, let client = clients.client(id: clientId), client.deliveryMode != .poll {
                        state.environment.requestTraces.remember(span.context, for: hash)
                    }
                }
            }
            return result
        }
    }

    /// The answer to an authentication request, and the client it authenticated, counted and audited.
    @inline(__always)
    private func answer(
        _ parameters: OAuthParameters, authorization: String?, clientCertificate: ClientCertificate?
    ) async -> (result: Result<AuthenticationAcknowledgement, OAuthError>, clientId: String?) {
        let started = ContinuousClock.now
        var clientId: String?
        let result: Result<AuthenticationAcknowledgement, OAuthError>
        do throws(OAuthError) {
            result = .success(try await acceptAuthenticationRequest(
                parameters, authorization: authorization, clientCertificate: clientCertificate, clientId: &clientId))
        } catch {
            result = .failure(error)
        }
        metrics.request(.backchannelAuthentication, outcome: result.outcome, client: clientId, duration: ContinuousClock.now - started)
        if case .failure(.invalidClient) = result {
            audit.clientAuthenticationFailed(
                endpoint: .backchannelAuthentication, clientId: clients.presentedClientId(parameters, authorization: authorization))
        }
        return (result, clientId)
    }

    private func acceptAuthenticationRequest(
        _ sent: OAuthParameters,
        authorization: String?,
        clientCertificate: ClientCertificate?,
        clientId authenticated: inout String?
    ) async throws(OAuthError) -> AuthenticationAcknowledgement {
        // Bounded before anything else looks at the pairs: the cost of a request stays linear in its size.
        guard sent.pairs.count <= InputLimits.maxParameters else {
            throw .invalidRequest("the request has too many parameters")
        }
        let client = try await clients.authenticate(sent, authorization: authorization, certificate: clientCertificate)
        authenticated = client.clientId
        guard client.isConfidential, client.mayUseCIBA else {
            throw .unauthorizedClient("this client may not use backchannel authentication")
        }
        // A signed request (CIBA Core §7.1.1) carries every authentication parameter inside it.
        let parameters: OAuthParameters
        if sent.contains("request") {
            parameters = try await signedRequests.parameters(of: sent, client: client)
        } else if client.mustSignRequests {
            throw .invalidRequest("this client's authentication requests must be signed (request)")
        } else {
            parameters = sent
        }
        let scopes = try Self.scopes(try parameters.value("scope"), allowed: client.allowedScopes)
        // Checked before anyone is reached: what the user will be asked to approve must be well formed.
        var details = AuthorizationDetails.none
        if let text = try parameters.value("authorization_details") {
            do throws(AuthorizationDetailsValidator.Refusal) {
                details = try authorizationDetails.validate(text, allowedTypes: client.authorizationDetailsTypes)
            } catch {
                throw refused(error, clientId: client.clientId)
            }
        }
        let hint = try await hint(parameters, client: client)
        let bindingMessage = try bindingMessage(try parameters.value("binding_message"))
        if client.profile == .fapiCIBA, FAPICIBAProfile.requiresBindingMessage, bindingMessage == nil {
            throw .invalidRequest("binding_message is required for this client (FAPI-CIBA)")
        }
        let userCode = try parameters.value("user_code")
        if client.requiresUserCode, userCode == nil {
            throw .missingUserCode("this client's requests must carry a user_code")
        }
        // Only a client registered for user codes may send one: from any other, a wrong code would count
        // toward a lockout that client has no business triggering.
        if !client.requiresUserCode, userCode != nil {
            throw .invalidRequest("this client is not registered to send a user_code (backchannel_user_code_parameter)")
        }
        let expiresIn = try expiry(try parameters.value("requested_expiry"), client: client)
        let acrValues = (try parameters.value("acr_values"))?.split(separator: " ").map(String.init) ?? []
        let route = try authenticator(for: acrValues, client: client)
        let context = try Self.requestedContext(parameters)
        let claims = (try (try parameters.value("claims")).map(RequestedClaims.parse) ?? .none).limited(to: client.allowedScopes)
        let notificationToken = try Self.clientNotificationToken(try parameters.value("client_notification_token"), client: client)

        let now = clock.now
        let secret = AuthReqIdSecret(random: random)
        let authReqId = AuthReqId(rawValue: secret.hash)
        let expiresAt = now.addingTimeInterval(TimeInterval(expiresIn))

        let (subject, user) = try await limiter.subjectKey(for: hint)
        let record = PendingRequest(
            authReqIdHash: secret.hash, clientId: client.clientId, authenticator: route.instance.name, scopes: scopes,
            acr: route.acr, createdAt: now, expiresAt: expiresAt, interval: policy.interval, claims: claims,
            notification: notificationToken.map {
                ClientNotification(
                    mode: client.deliveryMode, authReqId: outboxSeal.seal(secret.value, for: secret.hash), token: outboxSeal.seal($0, for: secret.hash))
            },
            subject: user?.subject ?? Self.verifiedSubject(hint), authorizationDetails: details.canonicalJSON
        )
        let request = BackchannelAuthenticationRequest(
            authReqId: authReqId, clientId: client.clientId, clientName: client.clientName, hint: hint, scopes: scopes,
            acrValues: acrValues, bindingMessage: bindingMessage, userCode: userCode, expiresAt: expiresAt,
            requestedContext: context, authorizationDetails: details
        )
        // A user code is checked first, against the client's own rate and its own lockout for the user, so a
        // wrong one spends nothing another client relies on. Then the limits and the insert, in one call (one
        // round trip where the store keeps the limits), before anyone is reached; a refusal takes nothing.
        if let userCode {
            try await limiter.verifyUserCode(userCode, user: user, clientId: client.clientId, subject: subject, now: now)
        }
        // A request waiting longer than the policy allows others also counts against the client's cap on such
        // requests for the user, so an agent's long waits cannot crowd the user out.
        let admission = limiter.admission(
            member: secret.hash, clientId: client.clientId, subject: subject, until: expiresAt, clientPaid: userCode != nil,
            longPendingCap: expiresIn > policy.maxExpiry ? client.maxLongPendingPerUser : nil)
        // Stored before the handler starts, so a conclusion reported at once is never lost.
        let verdict: LimitVerdict
        do {
            if let admission {
                verdict = try await store.insert(record, admitting: admission, in: limiter.store, now: now)
            } else {
                try await store.insert(record)
                verdict = .admitted
            }
        } catch let failure as LimitStoreFailure {
            throw limiter.storeFailed(failure.underlying)
        } catch {
            await limiter.concluded(member: secret.hash, denied: false, now: now)
            logger.error("storing a backchannel authentication request failed", metadata: ["error": "\(error)"])
            throw .serverError("the request could not be stored")
        }
        try AbuseLimiter.check(verdict, of: admission)
        let started: BackchannelStartAuthenticationResult
        do {
            started = try await metrics.timing(route.instance.name, "start") { try await route.instance.handler.startAuthentication(request) }
        } catch {
            await limiter.concluded(member: secret.hash, denied: false, now: now)
            logger.error("an authenticator failed to start", metadata: ["authenticator": "\(route.instance.name)", "error": "\(error)"])
            try? await store.remove(authReqIdHash: secret.hash)
            throw .serverError("the authenticator could not be reached")
        }
        if case .failed(let error, let description) = started {
            await limiter.concluded(member: secret.hash, denied: false, now: now)
            try? await store.remove(authReqIdHash: secret.hash)
            throw Self.oauthError(error, description: description)
        }
        audit.started(record)
        // A push client never polls: no interval to give it (CIBA Core §7.3).
        return AuthenticationAcknowledgement(
            authReqId: secret.value, expiresIn: expiresIn, interval: client.deliveryMode == .push ? nil : policy.interval)
    }

    /// The subject an `id_token_hint` (which this server signed) names; a login hint names no subject by itself.
    private static func verifiedSubject(_ hint: BackchannelHint) -> String? {
        if case .idTokenHint(let subject, _) = hint { subject } else { nil }
    }

    /// The `client_notification_token` (CIBA Core §7.1): required of ping and push clients, a bearer
    /// token of at most 1024 characters in RFC 6750's b64token alphabet; ignored from a poll client.
    static func clientNotificationToken(_ value: String?, client: RegisteredClient) throws(OAuthError) -> String? {
        guard client.deliveryMode != .poll else { return nil }
        guard let value else {
            throw .invalidRequest("client_notification_token is required in \(client.deliveryMode.rawValue) mode")
        }
        // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
        let body = value.utf8.reversed().drop { $0 == UInt8(ascii: "=") }
        let valid = value.utf8.count <= 1024 && !body.isEmpty && body.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"): true
            default: false
            }
        }
        guard valid else {
            throw .invalidRequest("client_notification_token must be a bearer token of at most 1024 characters (RFC 6750 b64token)")
        }
        return value
    }

    /// The free-form parameters passed on to the authenticator (`authorization_details` and the like),
    /// bounded in count and size; a repeated name anywhere is `invalid_request` (RFC 6749 §3.1).
    static func requestedContext(_ parameters: OAuthParameters) throws(OAuthError) -> [String: JSONValue] {
        if parameters.hasRepeatedName { throw .invalidRequest("a parameter is repeated") }
        var context: [String: JSONValue] = [:]
        var size = 0
        for pair in parameters.pairs where !authenticationParameters.contains(pair.name) && !pair.value.isEmpty {
            size += pair.name.utf8.count + pair.value.utf8.count
            guard context.count < InputLimits.maxContextParameters, size <= InputLimits.maxContextBytes else {
                throw .invalidRequest("the request carries too many or too large extra parameters")
            }
            context[pair.name] = .string(pair.value)
        }
        return context
    }

    /// The requested scopes, deduplicated in order (RFC 6749 §3.3).
    static func scopes(_ value: String?, allowed: Set<String>) throws(OAuthError) -> [String] {
        guard let value else { throw .invalidRequest("the scope parameter is required") }
        var scopes: [String] = []
        var seen: Set<Substring> = []
        for token in value.split(separator: " ", omittingEmptySubsequences: true) {
            // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            guard token.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) })
            else { throw .invalidScope("the scope is malformed") }
            if seen.insert(token).inserted {
                guard scopes.count < InputLimits.maxScopes else { throw .invalidScope("the scope names too many values") }
                scopes.append(String(token))
            }
        }
        guard scopes.contains("openid") else { throw .invalidScope("the scope must contain openid") }
        guard scopes.allSatisfy(allowed.contains) else { throw .invalidScope("the scope exceeds what this client may request") }
        return scopes
    }

    /// Exactly one of the three hints (CIBA Core §7.1).
    private func hint(_ parameters: OAuthParameters, client: RegisteredClient) async throws(OAuthError) -> BackchannelHint {
        let loginHint = try parameters.value("login_hint")
        let idTokenHint = try parameters.value("id_token_hint")
        let loginHintToken = try parameters.value("login_hint_token")
        switch (loginHint, idTokenHint, loginHintToken) {
        case (let hint?, nil, nil): return .loginHint(hint)
        case (nil, let token?, nil): return try await idTokenHints.validate(token, clientId: client.clientId)
        case (nil, nil, let token?): return .loginHintToken(token)
        case (nil, nil, nil): throw .invalidRequest("one of login_hint, id_token_hint and login_hint_token is required")
        default: throw .invalidRequest("only one of login_hint, id_token_hint and login_hint_token may be sent")
        }
    }

    /// A binding message must be short plain text that a user can compare at a glance: letters, marks,
    /// digits, punctuation, symbols and spaces, within the policy's length.
    private func bindingMessage(_ value: String?) throws(OAuthError) -> String? {
        guard let value else { return nil }
        // Characters are what a user sees; scalars and bytes bound what a character can hide (one
        // "character" may carry thousands of combining marks).
        let limit = policy.bindingMessageMaxLength
        guard value.utf8.count <= 4 * limit, value.unicodeScalars.count <= 2 * limit, value.count <= limit else {
            throw .invalidBindingMessage("the binding_message is longer than \(limit) characters")
        }
        let acceptable = value.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
            default: true
            }
        }
        guard acceptable else { throw .invalidBindingMessage("the binding_message must be plain text on one line") }
        // A blank message binds nothing the user could compare.
        guard value.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw .invalidBindingMessage("the binding_message must not be blank")
        }
        return value
    }

    /// The lifetime: `requested_expiry` capped by the client's `max_expiry` or else the policy's, or the default.
    private func expiry(_ value: String?, client: RegisteredClient) throws(OAuthError) -> Int {
        guard let value else { return policy.defaultExpiry }
        guard value.count <= 9, value.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int(value), seconds > 0 else {
            throw .invalidRequest("requested_expiry must be a positive integer")
        }
        return min(seconds, client.maxExpiry ?? policy.maxExpiry)
    }

    /// The first authenticator `acr_values` name that the client may use, else the client's default
    /// (`acr_values` are voluntary unless the `acr` claim is requested as essential).
    private func authenticator(for acrValues: [String], client: RegisteredClient) throws(OAuthError) -> AuthenticatorRoute {
        for acr in acrValues {
            if let route = authenticatorsByAcr[acr] ?? authenticators[acr], client.authenticators.contains(route.instance.name) {
                return route
            }
        }
        guard let route = authenticators[client.defaultAuthenticator] else {
            throw .unauthorizedClient("no authenticator is configured for this client")
        }
        return route
    }

    static func oauthError(_ error: BackchannelStartAuthenticationError, description: String?) -> OAuthError {
        switch error {
        case .unknownUserId: .unknownUserId(description ?? "no user matches the hint")
        case .expiredLoginHintToken: .expiredLoginHintToken(description ?? "the login_hint_token has expired")
        case .missingUserCode: .missingUserCode(description ?? "a user_code is required")
        case .invalidUserCode: .invalidUserCode(description ?? "the user_code is invalid")
        case .invalidBindingMessage: .invalidBindingMessage(description ?? "the binding_message cannot be shown to the user")
        case .invalidAuthorizationDetails:
            .invalidAuthorizationDetails(description ?? "the authorization_details cannot be shown to the user")
        // Every value of this API version is above; a plugin cannot be newer than the server.
        default: .accessDenied(description ?? "the request was refused", atTokenEndpoint: false)
        }
    }
}
