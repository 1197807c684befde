/// Where a deployment keeps the signing key it generated for itself, so every restart and every
/// server process signs with the same key.
public protocol SigningKeyStore: Sendable {
    /// The stored PEM, or the PEM `create` makes, stored first. Concurrent first starts agree on one key.
    func generatedSigningKey(create: @Sendable () -> String) async throws -> String
}
