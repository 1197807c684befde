/// The server's policy for backchannel authentication requests and the tokens it issues.
/// Every field has a safe default; in the configuration file the keys are snake_case.
public struct ServerPolicy: Decodable, Sendable, Hashable {
    /// `interval`: the minimum seconds between polls that the server asks for (CIBA §7.3).
    public var interval: Int = 5
    /// `default_expiry`: the lifetime of a request without `requested_expiry`, in seconds.
    public var defaultExpiry: Int = 300
    /// `max_expiry`: the cap on `requested_expiry`, in seconds.
    public var maxExpiry: Int = 1800
    /// `binding_message_max_length`: in characters (CIBA §7.1 asks for a short message).
    public var bindingMessageMaxLength: Int = 64
    /// `access_token_lifetime`: in seconds.
    public var accessTokenLifetime: Int = 600
    /// `id_token_lifetime`: in seconds.
    public var idTokenLifetime: Int = 600
    /// `client_assertion_max_lifetime`: the longest a `private_key_jwt` client assertion may be valid, in
    /// seconds (from its `iat`, else from now, to its `exp`).
    public var clientAssertionMaxLifetime: Int = 300
    /// `clock_skew`: how far a client's clock may be off ours, in seconds, when judging the times of the
    /// JWTs it signs (`exp`, `nbf`, `iat`).
    public var clockSkew: Int = 30
    /// `request_object_max_lifetime`: the longest a signed authentication request may be valid (`nbf` to
    /// `exp`) and the oldest it may be (`iat`), in seconds; 60 minutes, as FAPI-CIBA allows.
    public var requestObjectMaxLifetime: Int = 3600
    /// `refresh_token_lifetime`: how long one refresh token stays usable, in seconds (each use returns a new
    /// one); 14 days.
    public var refreshTokenLifetime: Int = 1_209_600
    /// `refresh_token_max_lifetime`: how long the refresh tokens of one authentication may go on being
    /// rotated, in seconds from that authentication; then the user must authenticate again. 90 days.
    public var refreshTokenMaxLifetime: Int = 7_776_000
    /// `access_token_audience`: the `aud` of access tokens (RFC 9068); defaults to the issuer.
    public var accessTokenAudience: String?
    /// `accept_id_token_hints_from_retired_keys`: accept an `id_token_hint` signed by a retired key (a
    /// `keys:` entry with only its public half), after verifying its signature with that key. Off by
    /// default; a hint whose `kid` no configured key has is always `invalid_request`.
    public var acceptIdTokenHintsFromRetiredKeys: Bool = false
    /// `enforce_poll_interval`: answer `slow_down` to polls sooner than the interval (CIBA §11 leaves
    /// the when to the provider). On by default; benchmarks turn it off so every poll runs the full path.
    public var enforcePollInterval: Bool = true
    /// `expired_request_retention`: how long an expired request is remembered, in seconds, so polls
    /// keep answering `expired_token` rather than `invalid_grant`; then it is purged.
    public var expiredRequestRetention: Int = 600
    /// `min_client_secret_length`: a client whose `client_secret` is shorter is refused at start-up
    /// (RFC 6749 §10.10: guessable credentials are a vulnerability). At least 8; 16 by default.
    public var minClientSecretLength: Int = 16
    /// `limits`: the abuse limits.
    public var limits = RequestLimits()
    /// `allow_insecure_loopback_notifications`: accept an `http` notification endpoint on a loopback
    /// address (development and tests); otherwise every endpoint must be `https`.
    public var allowInsecureLoopbackNotifications: Bool = false
    /// `allow_insecure_loopback_jwks_uri`: accept a client `jwks_uri` over plain HTTP when its host is a
    /// loopback address (tests and local development). Off: HTTPS only.
    public var allowInsecureLoopbackJwksUri: Bool = false
    /// `notification_max_attempts`: delivery attempts of one ping or push notification before it fails.
    public var notificationMaxAttempts: Int = 8
    /// `notification_attempt_timeout`: seconds one delivery attempt may take.
    public var notificationAttemptTimeout: Int = 10
    /// `notification_max_in_flight_per_endpoint`: deliveries to one client endpoint at once, per process.
    public var notificationMaxInFlightPerEndpoint: Int = 8

    /// `authorization_details_types`: the types of RFC 9396 authorization details the server accepts, by name,
    /// each with its schema and summary; a client requests those its `authorization_details_types` lists.
    public var authorizationDetailsTypes: [String: AuthorizationDetailType] = [:]

    /// The longest expiry any client may be allowed (`max_expiry` of a client): 24 hours.
    public static let longestExpiry = 86_400

    /// The defaults.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case interval, defaultExpiry, maxExpiry, bindingMessageMaxLength, accessTokenLifetime, idTokenLifetime
        case accessTokenAudience, acceptIdTokenHintsFromRetiredKeys, enforcePollInterval, expiredRequestRetention
        case minClientSecretLength, limits, allowInsecureLoopbackNotifications, notificationMaxAttempts, notificationAttemptTimeout
        case notificationMaxInFlightPerEndpoint, clientAssertionMaxLifetime, clockSkew, allowInsecureLoopbackJwksUri, requestObjectMaxLifetime
        case refreshTokenLifetime, refreshTokenMaxLifetime, authorizationDetailsTypes
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func positive(_ key: CodingKeys, _ fallback: Int) throws -> Int {
            try container.decodePositive(key, default: fallback, requirement: "must be a positive number of seconds")
        }
        interval = try positive(.interval, interval)
        defaultExpiry = try positive(.defaultExpiry, defaultExpiry)
        maxExpiry = try positive(.maxExpiry, maxExpiry)
        bindingMessageMaxLength = try positive(.bindingMessageMaxLength, bindingMessageMaxLength)
        accessTokenLifetime = try positive(.accessTokenLifetime, accessTokenLifetime)
        idTokenLifetime = try positive(.idTokenLifetime, idTokenLifetime)
        clientAssertionMaxLifetime = try positive(.clientAssertionMaxLifetime, clientAssertionMaxLifetime)
        clockSkew = try positive(.clockSkew, clockSkew)
        requestObjectMaxLifetime = try positive(.requestObjectMaxLifetime, requestObjectMaxLifetime)
        refreshTokenLifetime = try positive(.refreshTokenLifetime, refreshTokenLifetime)
        refreshTokenMaxLifetime = try positive(.refreshTokenMaxLifetime, refreshTokenMaxLifetime)
        accessTokenAudience = try container.decodeIfPresent(String.self, forKey: .accessTokenAudience)
        acceptIdTokenHintsFromRetiredKeys =
            try container.decodeIfPresent(Bool.self, forKey: .acceptIdTokenHintsFromRetiredKeys) ?? false
        enforcePollInterval = try container.decodeIfPresent(Bool.self, forKey: .enforcePollInterval) ?? true
        expiredRequestRetention = try positive(.expiredRequestRetention, expiredRequestRetention)
        limits = try container.decodeIfPresent(RequestLimits.self, forKey: .limits) ?? RequestLimits()
        minClientSecretLength = try positive(.minClientSecretLength, minClientSecretLength)
        allowInsecureLoopbackNotifications = try container.decodeIfPresent(Bool.self, forKey: .allowInsecureLoopbackNotifications) ?? false
        allowInsecureLoopbackJwksUri = try container.decodeIfPresent(Bool.self, forKey: .allowInsecureLoopbackJwksUri) ?? false
        notificationMaxAttempts = try container.decodePositive(.notificationMaxAttempts, default: notificationMaxAttempts)
        notificationAttemptTimeout = try positive(.notificationAttemptTimeout, notificationAttemptTimeout)
        notificationMaxInFlightPerEndpoint = try container.decodePositive(.notificationMaxInFlightPerEndpoint, default: notificationMaxInFlightPerEndpoint)
        authorizationDetailsTypes =
            try container.decodeIfPresent([String: AuthorizationDetailType].self, forKey: .authorizationDetailsTypes) ?? [:]
        for name in authorizationDetailsTypes.keys where name.isEmpty || name.utf8.count > 64 || !name.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) {
            throw DecodingError.dataCorruptedError(
                forKey: .authorizationDetailsTypes, in: container, debugDescription: "type names must be 1 to 64 visible ASCII characters")
        }
        if maxExpiry > Self.longestExpiry {
            throw DecodingError.dataCorruptedError(forKey: .maxExpiry, in: container, debugDescription: "must not exceed \(Self.longestExpiry) (24 hours)")
        }
        if minClientSecretLength < 8 {
            throw DecodingError.dataCorruptedError(forKey: .minClientSecretLength, in: container, debugDescription: "must be at least 8")
        }
        if defaultExpiry > maxExpiry {
            throw DecodingError.dataCorruptedError(forKey: .defaultExpiry, in: container, debugDescription: "must not exceed max_expiry")
        }
    }
}
