/// `policy.limits`: what stops push bombing and message floods (CIBA Core §13 answers them with
/// `access_denied`, 403, before the user is reached). On by default, with values that stop a flood of
/// hundreds of requests for one user but let a test run of a few dozen through.
public struct RequestLimits: Decodable, Sendable, Hashable {
    /// `enabled`.
    public var enabled = true
    /// `max_pending_per_subject`: requests pending at once for one user, from all clients.
    public var maxPendingPerSubject = 50
    /// `max_pending_per_client_subject`: requests pending at once for one user from one client.
    public var maxPendingPerClientSubject = 40
    /// `subject_burst` and `subject_per_minute`: the token bucket of requests for one user.
    public var subjectBurst = 60
    public var subjectPerMinute = 30
    /// `client_burst` and `client_per_minute`: the token bucket of requests from one client.
    public var clientBurst = 1000
    public var clientPerMinute = 6000
    /// `denial_cooldown_seconds`: after a user denies a client's request, that client's new requests for
    /// that user are refused for this long (counted from when the denial is reported to the client).
    public var denialCooldownSeconds = 30
    /// `user_code_max_failures` within `user_code_lockout_seconds`: wrong `user_code`s for one user
    /// before every request for that user is refused until the window has refilled.
    public var userCodeMaxFailures = 5
    public var userCodeLockoutSeconds = 900

    /// The defaults.
    public init() {}

    /// Limits on, with bounds no load test reaches: their work is done and measured, nothing is refused.
    /// For benchmarks that send thousands of requests a second for one user.
    public static var neverReached: RequestLimits {
        var limits = RequestLimits()
        limits.maxPendingPerSubject = .max
        limits.maxPendingPerClientSubject = .max
        limits.subjectBurst = 1_000_000_000
        limits.subjectPerMinute = 1_000_000_000
        limits.clientBurst = 1_000_000_000
        limits.clientPerMinute = 1_000_000_000
        return limits
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, maxPendingPerSubject, maxPendingPerClientSubject, subjectBurst, subjectPerMinute, clientBurst, clientPerMinute
        case denialCooldownSeconds, userCodeMaxFailures, userCodeLockoutSeconds
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func positive(_ key: CodingKeys, _ fallback: Int) throws -> Int { try container.decodePositive(key, default: fallback) }
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        maxPendingPerSubject = try positive(.maxPendingPerSubject, maxPendingPerSubject)
        maxPendingPerClientSubject = try positive(.maxPendingPerClientSubject, maxPendingPerClientSubject)
        subjectBurst = try positive(.subjectBurst, subjectBurst)
        subjectPerMinute = try positive(.subjectPerMinute, subjectPerMinute)
        clientBurst = try positive(.clientBurst, clientBurst)
        clientPerMinute = try positive(.clientPerMinute, clientPerMinute)
        denialCooldownSeconds = try positive(.denialCooldownSeconds, denialCooldownSeconds)
        userCodeMaxFailures = try positive(.userCodeMaxFailures, userCodeMaxFailures)
        userCodeLockoutSeconds = try positive(.userCodeLockoutSeconds, userCodeLockoutSeconds)
    }
}
