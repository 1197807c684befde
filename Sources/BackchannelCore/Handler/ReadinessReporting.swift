/// A handler that depends on something outside the process (an SMS gateway, a mail relay, a push
/// service) and can say whether it can take requests now.
///
/// The host's readiness probe (`/readyz`) asks every handler that conforms; a handler that does not is
/// ready whenever the process is.
public protocol ReadinessReporting: Sendable {
    /// Whether the handler can take requests now. The probe asks every few seconds: answer quickly
    /// (within a second), from what the handler knows or can check cheaply.
    func readiness() async -> PluginReadiness
}
