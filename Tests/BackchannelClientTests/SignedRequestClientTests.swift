import BackchannelClient
import BackchannelCore
import BackchannelServer
import Crypto
import Foundation
import JWTKit
import Testing

@testable import BackchannelHost

/// The client library signs its authentication requests (CIBA Core §7.1.1) with a key given as PEM or as a
/// JWK, ES256 or PS256, for a server that accepts only signed requests from the client.
@Suite("Client library: signed authentication requests", .timeLimit(.minutes(1)))
struct SignedRequestClientTests {
    /// Runs `body` against the demo server with a client `signer` whose requests must be signed with `jwk` (public).
    private func withSigner(_ publicJWK: JWK, algorithm: String, _ body: @Sendable @escaping (LiveProvider) async throws -> Void) async throws {
        try await LiveProvider.run(configure: { configuration in
            configuration.clients.append(
                ClientConfiguration(
                    clientId: "signer", clientSecret: "signer-secret-000042", jwks: ClientKeySet(JWKS(keys: [publicJWK])),
                    backchannelAuthenticationRequestSigningAlg: algorithm))
        }, body)
    }

    private func authenticate(_ provider: LiveProvider, key: ClientAssertionKey?) async -> Result<BackchannelTokens, BackchannelClientError> {
        await provider.outcome { () async throws(BackchannelClientError) -> BackchannelTokens in
            let client = try await BackchannelClient.discover(
                issuer: provider.issuer, clientId: "signer", credentials: .clientSecretBasic(secret: "signer-secret-000042"),
                polling: PollingPolicy(clock: provider.clock), requestSigningKey: key)
            let request = AuthenticationRequest(
                hint: .loginHint("alice"), bindingMessage: "SIGNED", requestedExpiry: 120, claims: .object(["id_token": .object(["email": .null])]))
            return try await client.authenticate(request)
        }
    }

    @Test("an ES256 key given as a private JWK signs the request; the server accepts it and honours its claims parameter; unsigned is refused")
    func es256FromJWK() async throws {
        let key = P256.Signing.PrivateKey()
        let point = key.publicKey.x963Representation.dropFirst()  // 04 ‖ x ‖ y
        let (x, y) = (Base64URL.encode(point.prefix(32)), Base64URL.encode(point.suffix(32)))
        let privateJWK = #"{"kty":"EC","crv":"P-256","kid":"req-ec","x":"\#(x)","y":"\#(y)","d":"\#(Base64URL.encode(key.rawRepresentation))"}"#
        try await withSigner(JWK.ecdsa(.es256, identifier: "req-ec", x: x, y: y, curve: .p256), algorithm: "ES256") { provider in
            let tokens = try await authenticate(provider, key: try ClientAssertionKey(jwk: privateJWK)).get()
            #expect(tokens.subject == "alice")
            #expect(tokens.idTokenClaims["email"] == .string("alice@example.com"))
            let unsigned = await authenticate(provider, key: nil)
            guard case .failure(.oauth(let code, _, _)) = unsigned else {
                Issue.record("an unsigned request was accepted")
                return
            }
            #expect(code.rawValue == "invalid_request")
        }
    }

    @Test("a PS256 RSA key given as PEM signs the request, and the server accepts it")
    func ps256FromPEM() async throws {
        let key = try Insecure.RSA.PrivateKey(pem: EngineTestKeys.rsaPEM)
        let primitives = try key.publicKey.getKeyPrimitives()
        let jwk = JWK.rsa(.ps256, identifier: "req-rsa", modulus: Base64URL.encode(primitives.modulus), exponent: Base64URL.encode(primitives.publicExponent))
        try await withSigner(jwk, algorithm: "PS256") { provider in
            let tokens = try await authenticate(provider, key: try ClientAssertionKey(pem: EngineTestKeys.rsaPEM, kid: "req-rsa", algorithm: .ps256)).get()
            #expect(tokens.subject == "alice")
        }
    }
}

/// An RSA key for the tests of this target (generating one costs a tenth of a second in a debug build).
enum EngineTestKeys {
    static let rsaPEM = try! Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048)).pemRepresentation
}
