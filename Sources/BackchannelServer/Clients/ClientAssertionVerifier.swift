import BackchannelCore
import Crypto
import Foundation
import JWTKit
import Logging
import Synchronization

/// Verifies `private_key_jwt` client assertions (RFC 7523 §3, OpenID Connect Core §9, CIBA Core §7.1):
/// signed with one of the client's registered keys in an algorithm it may use, `iss` and `sub` its
/// `client_id`, an `aud` that names this server, unexpired and not valid for longer than the policy
/// allows, and a `jti` never seen before — on any node, since it is remembered in the shared store
/// until the assertion could no longer be accepted anyway.
struct ClientAssertionVerifier: Sendable {
    /// `client_assertion_type` for a JWT (RFC 7523 §2.2).
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// The algorithms assertions may use: asymmetric only, as FAPI allows and `private_key_jwt` means.
    static let algorithms = ["ES256", "PS256", "RS256"]
    /// Where spent `jti` values are remembered.
    static let replayNamespace = "backchannel.client_assertion_jti"
    /// Longer assertions are refused before any parsing.
    static let maxLength = 16 * 1024

    /// What `aud` may name: the issuer, the token endpoint or the backchannel authentication endpoint
    /// (CIBA Core §7.1 requires all three to be accepted).
    let audiences: Set<String>
    let maxLifetime: TimeInterval
    let clockSkew: TimeInterval
    let replay: any PluginStateStore
    let clock: any BackchannelClock
    let logger: Logger

    private struct Claims: JWTPayload {
        var claims: [String: JSONValue]
        init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// - Throws: `invalid_client` for any assertion this client may not use; `server_error` when the
    ///   store that remembers spent assertions fails.
    func verify(_ assertion: String, for client: RegisteredClient) async throws(OAuthError) {
        let failed = OAuthError.clientAuthenticationFailed
        guard let keys = client.assertionKeys, assertion.utf8.count <= Self.maxLength else { throw failed }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
            let algorithm = header["alg"]?.stringValue, client.assertionAlgorithms.contains(algorithm),
            let kid = header["kid"]?.stringValue
        else { throw failed }
        // jwt-kit falls back to a default key for an unknown kid: the kid is looked up here, and the key's
        // own `alg`, when it has one, must be the header's.
        let found: (ClientAssertionKeys.KeySet, String?)?
        do {
            found = try await keys.lookup(kid)
        } catch {
            logger.error("a client's keys could not be loaded", metadata: ["client_id": "\(client.clientId)", "error": "\(error)"])
            throw failed
        }
        guard let (keySet, keyAlgorithm) = found, keyAlgorithm.map({ $0 == algorithm }) ?? true else { throw failed }
        let claims: [String: JSONValue]
        do {
            claims = try await keySet.collection.verify(assertion, as: Claims.self).claims
        } catch {
            throw failed
        }

        let now = clock.now.timeIntervalSince1970
        func time(_ name: String) -> Double? {
            switch claims[name] {
            case .integer(let value): Double(value)
            case .number(let value): value
            default: nil
            }
        }
        let audiences: [String] =
            switch claims["aud"] {
            case .string(let audience): [audience]
            case .array(let values): values.compactMap(\.stringValue)
            default: []
            }
        guard claims["iss"]?.stringValue == client.clientId, claims["sub"]?.stringValue == client.clientId,
            audiences.contains(where: self.audiences.contains),
            let expiry = time("exp"), now < expiry + clockSkew,
            expiry - (time("iat") ?? now) <= maxLifetime,
            time("iat").map({ $0 <= now + clockSkew }) ?? true,
            time("nbf").map({ $0 <= now + clockSkew }) ?? true,
            let jti = claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256
        else { throw failed }

        // Single use: the first insert of (client, jti) wins, on every node sharing the store.
        let key = Hex.encode(Array(SHA256.hash(data: Data((client.clientId + "\n" + jti).utf8))))
        let spent = PluginStateRecord(
            namespace: Self.replayNamespace, key: key, value: Data(), createdAt: Date(timeIntervalSince1970: now),
            expiresAt: Date(timeIntervalSince1970: expiry + clockSkew))
        let first: Bool
        do {
            first = try await replay.insert(spent)
        } catch {
            throw .serverError("the server could not complete the request")
        }
        guard first else { throw failed }
    }
}

/// Where a client's assertion keys come from: its registration (`jwks`) or its `jwks_uri`.
public protocol ClientKeyFetcher: Sendable {
    /// The JWK Set document at `url` (a client's `jwks_uri`).
    func fetchKeySet(from url: URL) async throws -> Data
}

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
