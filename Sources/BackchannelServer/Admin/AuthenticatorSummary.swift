/// A configured authenticator as the admin API shows it, with its state now.
public struct AuthenticatorSummary: Codable, Sendable, Hashable {
    /// Its configured name (what clients' `authenticators` and metrics labels use).
    public var name: String
    /// The plugin it is an instance of (its registry name).
    public var plugin: String
    /// The `acr` value that selects it.
    public var acr: String
    /// `ready`, or `not ready: ` and why.
    public var state: String
    /// How many requests it has pending.
    public var pending: Int

    private enum CodingKeys: String, CodingKey { case name, plugin, acr, state, pending }
}
