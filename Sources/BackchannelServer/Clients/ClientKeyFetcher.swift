import Foundation

/// Where a client's assertion keys come from: its registration (`jwks`) or its `jwks_uri`.
public protocol ClientKeyFetcher: Sendable {
    /// The JWK Set document at `url` (a client's `jwks_uri`).
    func fetchKeySet(from url: URL) async throws -> Data
}
