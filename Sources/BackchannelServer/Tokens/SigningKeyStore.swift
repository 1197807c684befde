/// Where a deployment keeps the signing keys it generated for itself, one per algorithm, so every
/// restart and every server process signs with the same keys.
public protocol SigningKeyStore: Sendable {
    /// The stored PEM of the `algorithm` key, or the PEM `create` makes, stored first. Concurrent first
    /// starts agree on one key.
    func generatedSigningKey(algorithm: SigningAlgorithm, create: @Sendable () -> String) async throws -> String
}
