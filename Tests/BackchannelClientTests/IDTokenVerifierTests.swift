import BackchannelCore
import BackchannelServer
import Foundation
import JWTKit
import Testing

@testable import BackchannelClient

@Suite("ID token verification")
struct IDTokenVerifierTests {
    /// A real token response from the demo server, and a verifier holding its keys.
    private func issued() async throws -> (idToken: String, accessToken: String, verifier: IDTokenVerifier, now: Date) {
        let fixture = try await TokenSource.make()
        return fixture
    }

    @Test("a genuine ID token verifies")
    func genuine() async throws {
        let (idToken, accessToken, verifier, now) = try await issued()
        let claims = try await verifier.verify(idToken: idToken, accessToken: accessToken, now: now)
        #expect(claims["sub"] == .string("alice"))
    }

    @Test("a tampered ID token is rejected")
    func tampered() async throws {
        let (idToken, accessToken, verifier, now) = try await issued()
        var parts = idToken.split(separator: ".").map(String.init)
        let payload = String(decoding: try #require(Data(base64Encoded: TokenSource.padded(parts[1]))), as: UTF8.self)
            .replacingOccurrences(of: "\"alice\"", with: "\"bob\"")
        parts[1] = Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        await #expect(throws: BackchannelClientError.self) {
            try await verifier.verify(idToken: parts.joined(separator: "."), accessToken: accessToken, now: now)
        }
    }

    @Test("an ID token for another client is rejected")
    func otherAudience() async throws {
        let (idToken, accessToken, verifier, now) = try await issued()
        let other = IDTokenVerifier(issuer: verifier.issuer, clientId: "someone-else", keys: verifier.keys)
        await #expect(throws: BackchannelClientError.invalidResponse("the ID token is not for this client")) {
            try await other.verify(idToken: idToken, accessToken: accessToken, now: now)
        }
    }

    @Test("an expired ID token is rejected")
    func expired() async throws {
        let (idToken, accessToken, verifier, now) = try await issued()
        await #expect(throws: BackchannelClientError.invalidResponse("the ID token has expired")) {
            try await verifier.verify(idToken: idToken, accessToken: accessToken, now: now.addingTimeInterval(3600))
        }
    }

    @Test("an access token that does not match at_hash is rejected")
    func atHashMismatch() async throws {
        let (idToken, _, verifier, now) = try await issued()
        await #expect(throws: BackchannelClientError.invalidResponse("the ID token's at_hash does not match the access token")) {
            try await verifier.verify(idToken: idToken, accessToken: "another-token", now: now)
        }
    }
}
