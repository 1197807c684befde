/// What a configuration reload did (the admin API answers it as JSON; SIGHUP logs it).
public struct ReloadOutcome: Codable, Sendable, Equatable {
    /// Whether the new clients, users and policy now serve new requests.
    public var applied: Bool
    /// Why it was refused (the field path and the reason), when it was.
    public var error: String?
    /// The sections that changed in the file but take effect only at a restart (server, store, keys,
    /// authenticators, audit, and the policy fields running services read once).
    public var restartNeeded: [String]

    /// Describes what a reload did.
    public init(applied: Bool, error: String?, restartNeeded: [String]) {
        self.applied = applied
        self.error = error
        self.restartNeeded = restartNeeded
    }

    private enum CodingKeys: String, CodingKey { case applied, error, restartNeeded = "restart_needed" }
}
