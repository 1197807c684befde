import BackchannelCore
@testable import BackchannelServer
import BackchannelTesting
import Foundation
import JWTKit
import Synchronization
import Testing

/// A `jwks_uri` served from memory: the set it publishes can change, it can be made to fail, and it counts
/// what was asked of it. (The HTTP fetch itself is exercised against a real server in backchanneldTests.)
private final class PublishedKeySet: ClientKeyFetcher {
    struct Unreachable: Error {}
    private let state = Mutex<(keys: [JWK], failing: Bool, fetches: Int)>(([], false, 0))

    var fetches: Int { state.withLock { $0.fetches } }
    func publish(_ keys: [JWK]) { state.withLock { $0.keys = keys } }
    func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func fetchKeySet(from url: URL) async throws -> Data {
        let (keys, failing) = state.withLock { state in
            state.fetches += 1
            return (state.keys, state.failing)
        }
        if failing { throw Unreachable() }
        return try JSONEncoder().encode(JWKS(keys: keys))
    }
}

private func publicJWK(_ key: ES256PrivateKey, kid: String) -> JWK {
    let parameters = key.publicKey.parameters!
    return JWK.ecdsa(.es256, identifier: JWKIdentifier(string: kid), x: parameters.x, y: parameters.y, curve: .p256)
}

@Suite("client assertion keys across their cache lifetime")
struct ClientAssertionKeysTests {
    let url = URL(string: "https://bank.example.com/jwks.json")!

    @Test("inline keys never go stale: an assertion verifies long after the fetched-set cache lifetime")
    func inlineKeysNeverStale() async throws {
        let key = ES256PrivateKey()
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: key, kid: "bank-key-1")
        let client = ClientConfiguration(
            clientId: "bank", clientSecret: nil, tokenEndpointAuthMethods: [.privateKeyJWT],
            jwks: ClientKeySet(JWKS(keys: [publicJWK(key, kid: "bank-key-1")])))
        let fixture = try await EngineFixture.make(clients: EngineFixture.clients + [client])
        for step in [0, ClientAssertionKeys.cacheLifetime + 1, 86_400] {
            await fixture.clock.advance(by: step)
            let now = Int(fixture.clock.now.timeIntervalSince1970)
            let assertion = try await signer.sign(
                JSONClaims([
                    "iss": .string("bank"), "sub": .string("bank"), "aud": .string(EngineFixture.issuer), "iat": .integer(now),
                    "exp": .integer(now + 60), "jti": .string(UUID().uuidString),
                ]), kid: "bank-key-1")
            let parameters = OAuthParameters(
                [("scope", "openid"), ("login_hint", "alice"), ("client_assertion_type", ClientAssertionVerifier.assertionType), ("client_assertion", assertion)]
                    .map { (name: $0.0, value: $0.1) })
            let answer = await fixture.engine.authenticationRequest(parameters, authorization: nil)
            #expect((try? answer.get()) != nil, "after \(step) s more: \(String(describing: answer.failure))")
        }
    }

    @Test("a jwks_uri set is served from the cache within its lifetime and fetched again once the lifetime has passed")
    func fetchedSetRefreshedAfterLifetime() async throws {
        let clock = VirtualClock()
        let publisher = PublishedKeySet()
        publisher.publish([publicJWK(ES256PrivateKey(), kid: "k1")])
        let keys = ClientAssertionKeys(.remote(url, publisher), clock: clock)
        #expect(try await keys.lookup("k1") != nil)
        await clock.advance(by: ClientAssertionKeys.cacheLifetime - 1)
        #expect(try await keys.lookup("k1") != nil)
        #expect(publisher.fetches == 1)
        // The client dropped k1: once the lifetime has passed, the server sees that.
        publisher.publish([publicJWK(ES256PrivateKey(), kid: "k2")])
        await clock.advance(by: 2)
        #expect(try await keys.lookup("k1") == nil)
        #expect(publisher.fetches == 2)
        #expect(try await keys.lookup("k2") != nil)
        #expect(publisher.fetches == 2)
    }

    @Test("an unknown kid makes one early fetch, then none until the refetch interval has passed")
    func unknownKidsRateLimited() async throws {
        let clock = VirtualClock()
        let publisher = PublishedKeySet()
        publisher.publish([publicJWK(ES256PrivateKey(), kid: "k1")])
        let keys = ClientAssertionKeys(.remote(url, publisher), clock: clock)
        #expect(try await keys.lookup("k1") != nil)
        // A rotated key is found by the early fetch.
        publisher.publish([publicJWK(ES256PrivateKey(), kid: "k1"), publicJWK(ES256PrivateKey(), kid: "k2")])
        #expect(try await keys.lookup("k2") != nil)
        #expect(publisher.fetches == 2)
        for n in 0..<10 { #expect(try await keys.lookup("stranger-\(n)") == nil) }
        #expect(publisher.fetches == 2)
        await clock.advance(by: ClientAssertionKeys.refetchInterval)
        #expect(try await keys.lookup("stranger") == nil)
        #expect(publisher.fetches == 3)
    }

    @Test("a failed fetch is not tried again within the refetch interval; after it, the fetch is tried and can succeed")
    func failedFetchNegativelyCached() async throws {
        let clock = VirtualClock()
        let publisher = PublishedKeySet()
        publisher.publish([publicJWK(ES256PrivateKey(), kid: "k1")])
        publisher.fail(true)
        let keys = ClientAssertionKeys(.remote(url, publisher), clock: clock)
        for _ in 0..<5 { await #expect(throws: (any Error).self) { try await keys.lookup("k1") } }
        #expect(publisher.fetches == 1)
        publisher.fail(false)
        await clock.advance(by: ClientAssertionKeys.refetchInterval)
        #expect(try await keys.lookup("k1") != nil)
        #expect(publisher.fetches == 2)
    }
}
