import Foundation
import JWTKit
import Synchronization

/// A client's assertion keys: registered inline, or fetched from its `jwks_uri`, cached for
/// `ClientAssertionKeys.cacheLifetime` and fetched again early when an assertion names a kid the cached set
/// lacks (a rotated key) — at most once per `refetchInterval`, so unknown kids cannot make the server
/// hammer the client's endpoint.
final class ClientAssertionKeys: Sendable {
    enum Source: Sendable {
        case inline(JWKS)
        case remote(URL, any ClientKeyFetcher)
    }

    /// A verifying key set: jwt-kit's collection and, per kid, the key's own `alg` (`nil`: it names none).
    struct KeySet: Sendable {
        let collection: JWTKeyCollection
        let algorithms: [String: String?]
    }

    private struct Cache {
        var keys: KeySet?
        var fetchedAt: ContinuousClock.Instant?
        /// When an unknown kid last made it fetch early.
        var refetchedForUnknownKid: ContinuousClock.Instant?
    }

    static let cacheLifetime: Duration = .seconds(300)
    static let refetchInterval: Duration = .seconds(10)

    let source: Source
    private let cache = Mutex(Cache())

    init(_ source: Source) {
        self.source = source
    }

    /// The key set that holds `kid` and the key's `alg`, or `nil` when no key of the client has that kid.
    func lookup(_ kid: String) async throws -> (KeySet, String?)? {
        let now = ContinuousClock.now
        let cached = cache.withLock { $0 }
        var refetchedForUnknownKid = cached.refetchedForUnknownKid
        if let keys = cached.keys {
            let fresh = cached.fetchedAt.map { now - $0 < Self.cacheLifetime } ?? true
            if fresh, let algorithm = keys.algorithms[kid] { return (keys, algorithm) }
            if case .inline = source { return nil }
            if fresh {
                // An unknown kid may be a rotated key: fetch early, but at most once per interval.
                if let last = refetchedForUnknownKid, now - last < Self.refetchInterval { return nil }
                refetchedForUnknownKid = now
            }
        }
        let keys = try await load()
        cache.withLock { $0 = Cache(keys: keys, fetchedAt: ContinuousClock.now, refetchedForUnknownKid: refetchedForUnknownKid) }
        return keys.algorithms[kid].map { (keys, $0) }
    }

    private func load() async throws -> KeySet {
        let jwks: JWKS
        switch source {
        case .inline(let registered):
            jwks = registered
        case .remote(let url, let fetcher):
            jwks = try JSONDecoder().decode(JWKS.self, from: try await fetcher.fetchKeySet(from: url))
        }
        // Only public RSA and EC keys with a kid verify assertions; anything else in a fetched set is ignored.
        let usable = jwks.keys.filter { key in
            key.keyIdentifier != nil && (key.keyType == .rsa || key.keyType == .ecdsa) && key.privateExponent == nil
                && (key.algorithm.map { ClientAssertionVerifier.algorithms.contains($0.rawValue) } ?? true)
        }
        let collection = JWTKeyCollection()
        for key in usable { try await collection.add(jwk: key) }
        return KeySet(
            collection: collection,
            algorithms: Dictionary(
                usable.compactMap { key in key.keyIdentifier.map { ($0.string, key.algorithm?.rawValue) } }, uniquingKeysWith: { first, _ in first }))
    }
}
