import Foundation
import JWTKit
import Synchronization

/// A client's assertion keys: registered inline, or fetched from its `jwks_uri`, cached for
/// `ClientAssertionKeys.cacheLifetime` and fetched again early when an assertion names a kid the cached set
/// lacks (a rotated key) — at most once per `refetchInterval`, so unknown kids cannot make the server
/// hammer the client's endpoint; lookups that need a fetch at the same time share one.
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
        /// The fetch under way, which every lookup that needs one joins (single flight).
        var loading: Task<KeySet, any Error>?
    }

    private enum Step {
        case found(KeySet, String?)
        case absent
        case wait(Task<KeySet, any Error>)
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
        // What to do is decided under the lock, so that concurrent lookups start one fetch between them.
        let step: Step = cache.withLock { cache in
            let now = ContinuousClock.now
            if let keys = cache.keys {
                let fresh = cache.fetchedAt.map { now - $0 < Self.cacheLifetime } ?? true
                if fresh, let algorithm = keys.algorithms[kid] { return .found(keys, algorithm) }
                if case .inline = source { return .absent }
                if let loading = cache.loading { return .wait(loading) }
                if fresh {
                    // An unknown kid may be a rotated key: fetch early, but at most once per interval.
                    if let last = cache.refetchedForUnknownKid, now - last < Self.refetchInterval { return .absent }
                    cache.refetchedForUnknownKid = now
                }
            } else if let loading = cache.loading {
                return .wait(loading)
            }
            let loading = Task { try await self.load() }
            cache.loading = loading
            return .wait(loading)
        }
        switch step {
        case .found(let keys, let algorithm):
            return (keys, algorithm)
        case .absent:
            return nil
        case .wait(let loading):
            do {
                let keys = try await loading.value
                cache.withLock { cache in
                    guard cache.loading == loading else { return }
                    cache.keys = keys
                    cache.fetchedAt = ContinuousClock.now
                    cache.loading = nil
                }
                return keys.algorithms[kid].map { (keys, $0) }
            } catch {
                cache.withLock { cache in if cache.loading == loading { cache.loading = nil } }
                throw error
            }
        }
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
