import BackchannelCore

/// The e-mail authenticator's configuration (snake_case keys in the file).
///
/// ```yaml
/// configuration:
///   smtp: { host: smtp.example.com, port: 587, security: starttls, username: mailer, password: … }
///   from: login@example.com
///   from_name: Example Login
///   subject: Confirm your sign-in
///   retry_window_seconds: 60       # a relay that refuses or times out is retried for this long (never past the request's expiry)
///   retry_delay_ms: 1000           # the first wait between attempts, doubled each time
/// ```
public struct EmailConfiguration: Decodable, Sendable, Hashable {
    /// `smtp`: the server.
    public var smtp: SMTPConfiguration
    /// `from`: the sender address.
    public var from: String
    /// `from_name`: the sender's display name.
    public var fromName: String?
    /// `subject`.
    public var subject: String
    /// `require_code`: the mail also carries a 6-digit code that the page asks for before approving.
    public var requireCode: Bool
    /// `max_attempts`: wrong codes allowed before the authentication fails.
    public var maxAttempts: Int
    /// `retry_window_seconds`: how long a mail the relay could not take (refused connection, timeout, a 4xx
    /// answer) is retried; a 5xx answer is final at once. Never past the request's expiry; 0 retries nothing.
    public var retryWindowSeconds: Int
    /// `retry_delay_ms`: the first wait between attempts, doubled after each.
    public var retryDelayMs: Int

    /// Creates a configuration.
    public init(
        smtp: SMTPConfiguration, from: String, fromName: String? = nil, subject: String = "Confirm your sign-in", requireCode: Bool = false,
        maxAttempts: Int = 3, retryWindowSeconds: Int = 60, retryDelayMs: Int = 1000
    ) {
        self.smtp = smtp
        self.from = from
        self.fromName = fromName
        self.subject = subject
        self.requireCode = requireCode
        self.maxAttempts = maxAttempts
        self.retryWindowSeconds = retryWindowSeconds
        self.retryDelayMs = retryDelayMs
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case smtp, from, fromName, subject, requireCode, maxAttempts, retryWindowSeconds, retryDelayMs }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            smtp: try container.decode(SMTPConfiguration.self, forKey: .smtp),
            from: try container.decode(String.self, forKey: .from),
            fromName: try container.decodeIfPresent(String.self, forKey: .fromName),
            subject: try container.decodeIfPresent(String.self, forKey: .subject) ?? "Confirm your sign-in",
            requireCode: try container.decodeIfPresent(Bool.self, forKey: .requireCode) ?? false,
            maxAttempts: try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 3,
            retryWindowSeconds: try container.decodeIfPresent(Int.self, forKey: .retryWindowSeconds) ?? 60,
            retryDelayMs: try container.decodeIfPresent(Int.self, forKey: .retryDelayMs) ?? 1000)
        guard retryWindowSeconds >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .retryWindowSeconds, in: container, debugDescription: "must not be negative")
        }
        guard retryDelayMs > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .retryDelayMs, in: container, debugDescription: "must be positive")
        }
        guard maxAttempts > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .maxAttempts, in: container, debugDescription: "must be positive")
        }
        guard from.contains("@"), !from.contains(where: { $0.isNewline || $0 == "<" || $0 == ">" }) else {
            throw DecodingError.dataCorruptedError(forKey: .from, in: container, debugDescription: "must be an e-mail address")
        }
    }
}
