import AsyncHTTPClient
import BackchannelCore
import Foundation
import JWTKit
import NIOCore

/// A CIBA client: starts backchannel authentications at an OpenID Provider and collects the tokens.
///
/// ```swift
/// let client = try await BackchannelClient.discover(
///     issuer: "http://127.0.0.1:8080", clientId: "demo-client", credentials: .clientSecretBasic(secret: "demo-secret"))
/// let tokens = try await client.authenticate(AuthenticationRequest(hint: .loginHint("alice"), bindingMessage: "W4SP"))
/// print(tokens.subject)
/// ```
public struct BackchannelClient: Sendable {
    /// The provider's metadata, read at discovery.
    public let metadata: ProviderMetadata
    /// The client's `client_id`.
    public let clientId: String
    private let credentials: ClientCredentials
    private let polling: PollingPolicy
    let transport: FormTransport
    /// Signs authentication requests, when set.
    private let requestSigningKey: ClientAssertionKey?

    /// Reads the provider's metadata from `issuer`'s `/.well-known/openid-configuration` and checks it
    /// names the same issuer (RFC 8414 §3.3).
    /// - Parameters:
    ///   - issuer: The provider's issuer identifier.
    ///   - clientId: This client's `client_id`.
    ///   - credentials: How this client authenticates.
    ///   - polling: How polls are paced.
    ///   - httpClient: The HTTP client; by default one that fails at once on a refused connection.
    ///   - tlsIdentity: The certificate to present over mutual TLS: required with ``ClientCredentials/mutualTLS``,
    ///     and what a provider binds this client's tokens to. Ignored when `httpClient` is given (configure
    ///     that client's TLS instead).
    ///   - trustRootsPEM: Certificate authorities (PEM) to trust for the provider's certificate beyond the
    ///     system's, with or without a client certificate: a provider with a private CA.
    ///   - requestSigningKey: The key to sign authentication requests with (CIBA Core §7.1.1, FAPI-CIBA): every
    ///     request then goes as a `request` object, its parameters inside; `nil` sends them as a form.
    ///   - timeout: The timeout of each HTTP request.
    public static func discover(
        issuer: String,
        clientId: String,
        credentials: ClientCredentials,
        polling: PollingPolicy = PollingPolicy(),
        httpClient: HTTPClient? = nil,
        tlsIdentity: ClientTLSIdentity? = nil,
        trustRootsPEM: String? = nil,
        requestSigningKey: ClientAssertionKey? = nil,
        timeout: Duration = .seconds(30)
    ) async throws(BackchannelClientError) -> BackchannelClient {
        if credentials == .mutualTLS, tlsIdentity == nil, httpClient == nil {
            throw .transport("mutual TLS needs the client's certificate (tlsIdentity)")
        }
        let client: HTTPClient
        do {
            if let httpClient {
                client = httpClient
            } else if let tlsIdentity {
                client = try tlsIdentity.adding(trustRootsPEM: trustRootsPEM).httpClient()
            } else if let trustRootsPEM {
                client = try TrustRootsHTTPClient.client(trusting: trustRootsPEM)
            } else {
                client = FailFastHTTPClient.shared
            }
        } catch {
            throw .transport("the client certificate or the trust roots cannot be used: \(error)")
        }
        let transport = FormTransport(httpClient: client, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        let trimmed = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let answer = try await transport.get(trimmed + "/.well-known/openid-configuration")
        guard answer.status == 200, let metadata = try? JSONDecoder().decode(ProviderMetadata.self, from: answer.body) else {
            throw .invalidResponse("the provider's metadata could not be read (HTTP \(answer.status))")
        }
        guard metadata.issuer == trimmed else {
            throw .invalidResponse("the provider at \(trimmed) names its issuer \(metadata.issuer); use that exact issuer (RFC 8414 §3.3)")
        }
        return BackchannelClient(
            metadata: metadata, clientId: clientId, credentials: credentials, polling: polling, transport: transport, requestSigningKey: requestSigningKey)
    }

    /// Starts a backchannel authentication (CIBA Core §7).
    public func initiate(_ request: AuthenticationRequest) async throws(BackchannelClientError) -> PendingAuthentication {
        let sentAt = polling.clock.now
        var parameters = request.parameters
        if let requestSigningKey {
            do {
                parameters = [("request", try await requestSigningKey.requestObject(request, clientId: clientId, audience: metadata.issuer, now: sentAt))]
            } catch {
                throw .invalidResponse("the authentication request could not be signed: \(error)")
            }
        }
        let answer = try await post(metadata.backchannelAuthenticationEndpoint, parameters)
        try Self.checkError(answer)
        guard answer.status == 200, let authReqId = answer.json["auth_req_id"]?.stringValue, !authReqId.isEmpty,
            case .integer(let expiresIn) = answer.json["expires_in"], expiresIn > 0
        else {
            throw .invalidResponse("the acknowledgement lacks auth_req_id or expires_in")
        }
        var interval = 5
        if case .integer(let given) = answer.json["interval"], given > 0 { interval = given }
        return PendingAuthentication(authReqId: authReqId, expiresAt: sentAt.addingTimeInterval(TimeInterval(expiresIn)), interval: interval)
    }

    /// Polls the token endpoint until the user concludes (CIBA Core §10.1): no sooner than the interval,
    /// 5 s more after each `slow_down`, never past the expiry, and not at all once the task is cancelled.
    /// - Parameters:
    ///   - pending: What ``initiate(_:)`` returned.
    ///   - progress: Told where polling stands before each wait.
    /// - Returns: The tokens, with the ID token verified.
    public func poll(
        _ pending: PendingAuthentication,
        progress: @Sendable (PollProgress) -> Void = { _ in }
    ) async throws(BackchannelClientError) -> BackchannelTokens {
        let clock = polling.clock
        var interval = max(pending.interval, polling.minimumInterval)
        var nextPoll = clock.now.addingTimeInterval(TimeInterval(interval))
        var polls = 0
        while true {
            if Task.isCancelled { throw .cancelled }
            guard clock.now < pending.expiresAt else { throw .expired }
            progress(PollProgress(secondsLeft: Int(pending.expiresAt.timeIntervalSince(clock.now).rounded(.up)), interval: interval, polls: polls))
            do {
                try await clock.sleep(until: min(nextPoll, pending.expiresAt))
            } catch {
                throw .cancelled
            }
            guard clock.now < pending.expiresAt else { throw .expired }
            let answer = try await post(
                metadata.tokenEndpoint, [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", pending.authReqId)])
            polls += 1
            if answer.status == 200 { return try await tokens(from: answer.json, authReqId: nil) }
            guard let code = answer.json["error"]?.stringValue.map(OAuthErrorCode.init(rawValue:)) else {
                throw .invalidResponse("the token endpoint answered HTTP \(answer.status) without an OAuth error")
            }
            switch code {
            case .authorizationPending:
                break
            case .slowDown:
                interval += 5
            case .expiredToken:
                throw .expired
            default:
                throw .oauth(code, description: answer.json["error_description"]?.stringValue, status: answer.status)
            }
            nextPoll = clock.now.addingTimeInterval(TimeInterval(interval))
        }
    }

    /// Starts an authentication and polls until it concludes: ``initiate(_:)`` then ``poll(_:progress:)``.
    public func authenticate(
        _ request: AuthenticationRequest,
        progress: @Sendable (PollProgress) -> Void = { _ in }
    ) async throws(BackchannelClientError) -> BackchannelTokens {
        try await poll(try await initiate(request), progress: progress)
    }

    /// Starts an authentication and waits for its outcome the way this client is registered to
    /// receive it: polling, or a ping (then one redemption at the token endpoint), or the pushed tokens
    /// (CIBA Core §10). For ping and push, the request carries a random `client_notification_token`
    /// unless it names one, and the notification must arrive in `inbox` before the request expires.
    /// - Parameters:
    ///   - request: The request.
    ///   - delivery: How the provider delivers this client's results.
    ///   - progress: Told where polling stands (poll mode only).
    /// - Returns: The tokens, the ID token verified; a pushed one must also name this request.
    public func authenticate(
        _ request: AuthenticationRequest,
        delivery: TokenDelivery,
        progress: @Sendable (PollProgress) -> Void = { _ in }
    ) async throws(BackchannelClientError) -> BackchannelTokens {
        let inbox: NotificationInbox
        switch delivery {
        case .poll: return try await authenticate(request, progress: progress)
        case .ping(let given), .push(let given): inbox = given
        }
        var request = request
        let token = request.clientNotificationToken ?? Self.randomToken()
        request.clientNotificationToken = token
        inbox.expect(token: token)
        defer { inbox.forget(token: token) }
        let pending = try await initiate(request)
        inbox.bind(token: token, authReqId: pending.authReqId)
        let notification = try await inbox.notification(token: token, authReqId: pending.authReqId, deadline: pending.expiresAt, clock: polling.clock)
        if case .ping = delivery {
            // One redemption: the provider has the outcome, so anything but tokens is final.
            let answer = try await post(
                metadata.tokenEndpoint, [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", pending.authReqId)])
            if answer.status == 200 { return try await tokens(from: answer.json, authReqId: nil) }
            if answer.json["error"]?.stringValue == "expired_token" { throw .expired }
            try Self.checkError(answer)
            throw .invalidResponse("the token endpoint answered HTTP \(answer.status)")
        }
        if let error = notification["error"]?.stringValue {
            // A pushed error (CIBA Core §12) came with no HTTP status of its own: 0 stands for "pushed".
            if error == "expired_token" { throw .expired }
            throw .oauth(OAuthErrorCode(rawValue: error), description: notification["error_description"]?.stringValue, status: 0)
        }
        return try await tokens(from: notification, authReqId: pending.authReqId)
    }

    /// 256 random bits, base64url: a `client_notification_token` nobody can guess.
    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }

    // MARK: Internals

    func post(_ url: String, _ parameters: [(String, String)]) async throws(BackchannelClientError) -> FormTransport.Answer {
        switch credentials {
        case .clientSecretBasic(let secret):
            let basic = Data("\(FormTransport.escape(clientId)):\(FormTransport.escape(secret))".utf8).base64EncodedString()
            return try await transport.post(url, form: parameters, authorization: "Basic \(basic)")
        case .clientSecretPost(let secret):
            return try await transport.post(url, form: [("client_id", clientId), ("client_secret", secret)] + parameters, authorization: nil)
        case .privateKeyJWT(let key):
            let assertion: String
            do {
                assertion = try await key.assertion(clientId: clientId, audience: metadata.issuer)
            } catch {
                throw .invalidResponse("the client assertion could not be signed: \(error)")
            }
            return try await transport.post(
                url,
                form: [
                    ("client_id", clientId), ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion),
                ] + parameters, authorization: nil)
        case .mutualTLS:
            return try await transport.post(url, form: [("client_id", clientId)] + parameters, authorization: nil)
        }
    }

    static func checkError(_ answer: FormTransport.Answer) throws(BackchannelClientError) {
        guard answer.status != 200 else { return }
        guard let code = answer.json["error"]?.stringValue else {
            throw .invalidResponse("the provider answered HTTP \(answer.status) without an OAuth error")
        }
        throw .oauth(OAuthErrorCode(rawValue: code), description: answer.json["error_description"]?.stringValue, status: answer.status)
    }

    /// Verified tokens from a token response; `authReqId`, for pushed ones, is the request the ID token
    /// must name (CIBA Core §10.3.1).
    private func tokens(from response: [String: JSONValue], authReqId: String?) async throws(BackchannelClientError) -> BackchannelTokens {
        guard let idToken = response["id_token"]?.stringValue, let accessToken = response["access_token"]?.stringValue else {
            throw .invalidResponse("the token response lacks id_token or access_token")
        }
        let jwksAnswer = try await transport.get(metadata.jwksUri)
        let keys: JWTKeyCollection
        do {
            keys = try await JWTKeyCollection().add(jwks: JSONDecoder().decode(JWKS.self, from: jwksAnswer.body))
        } catch {
            throw .invalidResponse("the provider's JWKS could not be read")
        }
        let verifier = IDTokenVerifier(issuer: metadata.issuer, clientId: clientId, keys: keys)
        let claims = try await verifier.verify(idToken: idToken, accessToken: accessToken, now: polling.clock.now)
        if let authReqId {
            guard claims["urn:openid:params:jwt:claim:auth_req_id"]?.stringValue == authReqId else {
                throw .invalidResponse("the pushed ID token does not name this request's auth_req_id")
            }
            guard claims["at_hash"] != nil else { throw .invalidResponse("the pushed ID token has no at_hash") }
        }
        return BackchannelTokens(response: response, idTokenClaims: claims)
    }
}
