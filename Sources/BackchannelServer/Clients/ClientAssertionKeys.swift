import BackchannelCore
import Foundation
import JWTKit
import Synchronization

/// A client's assertion keys: registered inline (they never go stale), or fetched from its `jwks_uri`,
/// cached for `ClientAssertionKeys.cacheLifetime` and fetched again early when an assertion names a kid
/// the cached set lacks (a rotated key) — at most once per `refetchInterval`, so unknown kids cannot make
/// the server hammer the client's endpoint. A fetch that failed is not tried again for `refetchInterval`
/// either (each unauthenticated request would otherwise start one); lookups that need a fetch at the same
/// time share one. Time is the engine's clock, so that tests can step across the lifetimes.
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

    /// Why a fetched key set is not there to use.
    struct FetchFailed: Error, CustomStringConvertible {
        let description: String
    }

    private struct Cache {
        var keys: KeySet?
        /// When `keys` were fetched; `nil` for an inline set, which never goes stale.
        var fetchedAt: Date?
        /// When an unknown kid last made it fetch early.
        var refetchedForUnknownKid: Date?
        /// When the last fetch failed, and why: none is tried again until `refetchInterval` has passed.
        var failedAt: Date?
        var failure: String?
        /// The fetch under way, which every lookup that needs one joins (single flight).
        var loading: Task<KeySet, any Error>?
    }

    private enum Step {
        case found(KeySet, String?)
        case absent
        case failed(String)
        case wait(Task<KeySet, any Error>)
    }

    static let cacheLifetime: TimeInterval = 300
    static let refetchInterval: TimeInterval = 10

    let source: Source
    let clock: any BackchannelClock
    private let cache = Mutex(Cache())

    init(_ source: Source, clock: any BackchannelClock) {
        self.source = source
        self.clock = clock
    }

    /// The key set that holds `kid` and the key's `alg`, or `nil` when no key of the client has that kid.
    /// - Throws: when the client's `jwks_uri` could not be fetched (now, or within `refetchInterval`).
    func lookup(_ kid: String) async throws -> (KeySet, String?)? {
        // What to do is decided under the lock, so that concurrent lookups start one fetch between them.
        let step: Step = cache.withLock { cache in
            let now = clock.now
            if let loading = cache.loading { return .wait(loading) }
            if let keys = cache.keys {
                guard let fetchedAt = cache.fetchedAt else {
                    // Inline: the registered set is the whole truth for as long as the configuration holds.
                    return keys.algorithms[kid].map { .found(keys, $0) } ?? .absent
                }
                let fresh = now.timeIntervalSince(fetchedAt) < Self.cacheLifetime
                if fresh {
                    if let algorithm = keys.algorithms[kid] { return .found(keys, algorithm) }
                    // An unknown kid may be a rotated key: fetch early, but at most once per interval.
                    if let last = cache.refetchedForUnknownKid, now.timeIntervalSince(last) < Self.refetchInterval { return .absent }
                }
            }
            if let failedAt = cache.failedAt, now.timeIntervalSince(failedAt) < Self.refetchInterval {
                return .failed(cache.failure ?? "the last fetch failed")
            }
            if cache.keys != nil, cache.fetchedAt.map({ now.timeIntervalSince($0) < Self.cacheLifetime }) == true {
                cache.refetchedForUnknownKid = now
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
        case .failed(let reason):
            throw FetchFailed(description: "not fetched again so soon after a failure: \(reason)")
        case .wait(let loading):
            do {
                let keys = try await loading.value
                cache.withLock { cache in
                    guard cache.loading == loading else { return }
                    cache.keys = keys
                    if case .remote = source { cache.fetchedAt = clock.now }
                    cache.failedAt = nil
                    cache.failure = nil
                    cache.loading = nil
                }
                return keys.algorithms[kid].map { (keys, $0) }
            } catch {
                cache.withLock { cache in
                    guard cache.loading == loading else { return }
                    cache.loading = nil
                    cache.failedAt = clock.now
                    cache.failure = "\(error)"
                }
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
