import BackchannelServer
import Foundation
import JWTKit
import Testing

@Suite("Signing keys")
struct SigningKeyTests {
    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-keys-\(UUID().uuidString)")
    }

    @Test("a key generated on first start is kept, owner-only, and reused on the next start")
    func generatedKeyPersists() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await SigningKeySet.load([], dataDirectory: directory)
        let second = try await SigningKeySet.load([], dataDirectory: directory)
        #expect(first.activeKid == second.activeKid)
        #expect(first.jwksDocument == second.jwksDocument)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("signing-key.pem").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("the JWKS carries public members only")
    func jwksIsPublic() async throws {
        let keys = try await SigningKeySet.load([], dataDirectory: nil)
        let jwks = try JSONSerialization.jsonObject(with: keys.jwksDocument) as! [String: [[String: String]]]
        let key = try #require(jwks["keys"]?.first)
        #expect(key["kty"] == "EC")
        #expect(key["kid"] == keys.activeKid)
        #expect(key["d"] == nil)
    }

    @Test("a configured RS256 key signs and its JWKS entry is RSA")
    func rs256() async throws {
        let pem = try JWTKit.Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048)).pemRepresentation
        let keys = try await SigningKeySet.load([SigningKeyConfiguration(kid: "rsa-1", algorithm: .rs256, privateKeyPem: pem)], dataDirectory: nil)
        #expect(keys.algorithm == .rs256)
        #expect(keys.activeKid == "rsa-1")
        let jwks = try JSONSerialization.jsonObject(with: keys.jwksDocument) as! [String: [[String: String]]]
        #expect(jwks["keys"]?.first?["kty"] == "RSA")
        #expect(jwks["keys"]?.first?["d"] == nil)
    }

    @Test("a configured PS256 key signs the ID tokens of a client that asks for PS256, verifiable from the JWKS alone")
    func ps256() async throws {
        let pem = try JWTKit.Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048)).pemRepresentation
        let keys = try await SigningKeySet.load(
            [SigningKeyConfiguration(privateKeyPem: ES256PrivateKey().pemRepresentation), SigningKeyConfiguration(kid: "pss-1", algorithm: .ps256, privateKeyPem: pem)],
            keyStore: nil)
        let jwks = try JSONSerialization.jsonObject(with: keys.jwksDocument) as! [String: [[String: String]]]
        #expect(jwks["keys"]?.first { $0["kid"] == "pss-1" }?["alg"] == "PS256")
        let fixture = try await EngineFixture.make(
            clients: [ClientConfiguration(clientId: "fapi", clientSecret: "fapi-secret-00000042", idTokenSignedResponseAlg: .ps256)], keys: keys)
        #expect(String(data: fixture.engine.discoveryDocument, encoding: .utf8)?.contains("PS256") == true)
        let ack = try await fixture.start([("scope", "openid"), ("login_hint", "alice")], client: ("fapi", "fapi-secret-00000042")).get()
        await fixture.clock.advance(by: 5)
        let tokens = try await fixture.poll(ack.authReqId, client: ("fapi", "fapi-secret-00000042")).get()
        let header = try JSONDecoder().decode([String: String].self, from: base64URLDecode(String((tokens.idToken ?? "").split(separator: ".")[0])))
        #expect(header["alg"] == "PS256")
        #expect(header["kid"] == "pss-1")
        // A relying party's view: only the published JWKS.
        let published = JWTKeyCollection()
        try await published.add(jwksJSON: String(decoding: keys.jwksDocument, as: UTF8.self))
        _ = try await published.verify((tokens.idToken ?? ""), as: ReadIDToken.self)
    }

    @Test("a key that is not valid PEM fails, naming the key's field")
    func badPEM() async throws {
        let error = await #expect(throws: SigningKeyError.self) {
            try await SigningKeySet.load([SigningKeyConfiguration(privateKeyPem: "-----BEGIN NOTHING-----")], dataDirectory: nil)
        }
        #expect(error?.field == "keys[0].private_key_pem")
    }

    @Test("an unreadable key file fails, naming the key's field")
    func missingFile() async throws {
        let error = await #expect(throws: SigningKeyError.self) {
            try await SigningKeySet.load([SigningKeyConfiguration(privateKeyFile: "/nonexistent/key.pem")], dataDirectory: nil)
        }
        #expect(error?.field == "keys[0].private_key_file")
    }
}
