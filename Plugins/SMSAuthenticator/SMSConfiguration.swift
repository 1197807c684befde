import BackchannelCore
import Foundation

/// The SMS authenticator's configuration (snake_case keys in the file).
///
/// ```yaml
/// configuration:
///   provider: twilio               # or webhook
///   url: https://api.twilio.com    # the gateway's base URL
///   account_sid: AC…               # twilio only
///   auth_token: …                  # twilio only
///   from: "+15550100"
///   code_length: 6                 # 6 to 8 digits
///   max_attempts: 3                # wrong codes before the request fails
///   max_retries: 3                 # delivery retries on 5xx and timeouts
/// ```
public struct SMSConfiguration: Decodable, Sendable, Hashable {
    /// The gateway's API.
    public enum Provider: String, ConfigurationEnum, Sendable, Hashable {
        /// A JSON POST of `{"to", "from", "text"}` to `url`.
        case webhook
        /// Twilio's Messages resource: a form POST with HTTP Basic (account SID and auth token).
        case twilio
    }

    /// `provider`.
    public var provider: Provider
    /// `url`: the webhook's URL, or the Twilio API's base URL.
    public var url: String
    /// `account_sid`: Twilio's account SID.
    public var accountSid: String?
    /// `auth_token`: Twilio's auth token, or a bearer token for the webhook.
    public var authToken: String?
    /// `from`: the sender number or name.
    public var from: String
    /// `code_length`: digits in the one-time code, 6 to 8.
    public var codeLength: Int
    /// `max_attempts`: wrong codes allowed before the authentication fails.
    public var maxAttempts: Int
    /// `max_retries`: delivery retries after a 5xx answer or a timeout, with exponential backoff.
    public var maxRetries: Int
    /// `retry_delay_ms`: the first backoff, doubled at each retry.
    public var retryDelayMs: Int
    /// `timeout_seconds`: the gateway request's timeout.
    public var timeoutSeconds: Int
    /// `max_failures_per_subject`: wrong codes one user may be sent, across all their requests, within
    /// `failure_window_seconds`; past it every request for that user fails until the window ends.
    public var maxFailuresPerSubject: Int = 10
    /// `failure_window_seconds`: the window of `max_failures_per_subject`.
    public var failureWindowSeconds: Int = 3600

    /// Creates a configuration.
    public init(
        provider: Provider, url: String, accountSid: String? = nil, authToken: String? = nil, from: String, codeLength: Int = 6,
        maxAttempts: Int = 3, maxRetries: Int = 3, retryDelayMs: Int = 200, timeoutSeconds: Int = 10
    ) {
        self.provider = provider
        self.url = url
        self.accountSid = accountSid
        self.authToken = authToken
        self.from = from
        self.codeLength = codeLength
        self.maxAttempts = maxAttempts
        self.maxRetries = maxRetries
        self.retryDelayMs = retryDelayMs
        self.timeoutSeconds = timeoutSeconds
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, url, accountSid, authToken, from, codeLength, maxAttempts, maxRetries, retryDelayMs, timeoutSeconds
        case maxFailuresPerSubject, failureWindowSeconds
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            provider: try container.decode(Provider.self, forKey: .provider),
            url: try container.decode(String.self, forKey: .url),
            accountSid: try container.decodeIfPresent(String.self, forKey: .accountSid),
            authToken: try container.decodeIfPresent(String.self, forKey: .authToken),
            from: try container.decode(String.self, forKey: .from),
            codeLength: try container.decodeIfPresent(Int.self, forKey: .codeLength) ?? 6,
            maxAttempts: try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 3,
            maxRetries: try container.decodeIfPresent(Int.self, forKey: .maxRetries) ?? 3,
            retryDelayMs: try container.decodeIfPresent(Int.self, forKey: .retryDelayMs) ?? 200,
            timeoutSeconds: try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 10)
        maxFailuresPerSubject = try container.decodeIfPresent(Int.self, forKey: .maxFailuresPerSubject) ?? maxFailuresPerSubject
        failureWindowSeconds = try container.decodeIfPresent(Int.self, forKey: .failureWindowSeconds) ?? failureWindowSeconds
        guard maxFailuresPerSubject > 0, failureWindowSeconds > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .maxFailuresPerSubject, in: container, debugDescription: "must be positive")
        }
        guard (6...8).contains(codeLength) else {
            throw DecodingError.dataCorruptedError(forKey: .codeLength, in: container, debugDescription: "must be 6, 7 or 8")
        }
        guard maxAttempts > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .maxAttempts, in: container, debugDescription: "must be positive")
        }
        guard maxRetries >= 0, retryDelayMs >= 0, timeoutSeconds > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .maxRetries, in: container, debugDescription: "retries and delays must not be negative")
        }
        // Codes and approval links travel in the body: in clear only to a relay on this machine, as for SMTP.
        guard let parsed = URL(string: url), let host = parsed.host, parsed.user == nil,
            parsed.scheme == "https" || (parsed.scheme == "http" && ServerExposure(bindHost: host) == .loopback)
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .url, in: container, debugDescription: "must be an https URL (http only to a loopback address: codes and links travel in it)")
        }
        if provider == .twilio, accountSid == nil || authToken == nil {
            throw DecodingError.keyNotFound(CodingKeys.accountSid, .init(codingPath: decoder.codingPath, debugDescription: "twilio needs account_sid and auth_token"))
        }
    }
}
