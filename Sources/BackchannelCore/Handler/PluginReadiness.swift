/// Whether an authenticator can take requests now, for the host's readiness probe (`/readyz`).
public enum PluginReadiness: Sendable, Hashable {
    /// It can.
    case ready
    /// It cannot, and says why in words for an operator (an SMTP relay refusing connections, say).
    case notReady(String)
}
