import BackchannelCore
import Crypto
import Foundation
import Testing

@testable import BackchannelClient
@testable import PushAuthenticator

/// The published device protocol's test vectors (`docs/push-device-vectors.json`) against both of this
/// repository's ends: the phone's (`PushDeviceClient`) builds every message byte for byte, and the server's
/// (`PushSignedMessage`, the answer route's rules) gives every verdict the document states.
@Suite("push device protocol: the published test vectors")
struct PushDeviceVectorsTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/push-device-vectors.json")

    static func vectors() throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: file))
    }

    private static func string(_ value: JSONValue?, _ path: String...) -> String {
        var current = value
        for key in path { current = current?.objectValue?[key] }
        return current?.stringValue ?? ""
    }

    @Test("the key pair: the PEM private key gives the public key the enrollment sends")
    func keyPair() throws {
        let v = try Self.vectors()
        let key = try P256.Signing.PrivateKey(pemRepresentation: Self.string(v["key"], "private_key_pem"))
        #expect(Base64URL.encode(key.publicKey.rawRepresentation) == Self.string(v["key"], "public_key"))
        #expect(Self.string(v["enrollment"], "form", "public_key") == Self.string(v["key"], "public_key"))
    }

    @Test("the fetches: the client builds each message exactly, and the server verifies each signature")
    func fetches() throws {
        let v = try Self.vectors()
        let key = Self.string(v["key"], "public_key")
        for name in ["fetch_pending", "fetch_challenge"] {
            let form = v[name]?.objectValue?["form"]
            let message = PushDeviceClient.fetchMessage(
                deviceId: Self.string(form, "device_id"), challengeId: Self.string(form, "challenge_id"), timestamp: Int(Self.string(form, "timestamp")) ?? 0)
            #expect(String(decoding: message, as: UTF8.self) == Self.string(v[name], "message"), "\(name)")
            #expect(message == PushSignedMessage.fetch(
                deviceId: Self.string(form, "device_id"), challengeId: Self.string(form, "challenge_id"), timestamp: Int(Self.string(form, "timestamp")) ?? 0))
            #expect(PushSignedMessage.verify(Self.string(form, "signature"), over: message, publicKey: key), "\(name)")
        }
    }

    @Test("the answer: the client reads the challenge, builds the message and the details digest exactly; the server builds the same and verifies")
    func answer() throws {
        let v = try Self.vectors()
        let key = Self.string(v["key"], "public_key")
        let fetched = try #require(v["fetch_challenge"]?.objectValue?["answer"]?.objectValue)
        let challenge = try PushDeviceClient.challenge(Self.string(v["fetch_challenge"], "form", "challenge_id"), from: fetched)
        #expect(challenge.authorizationDetailsSummaries == ["Transfer 250.00 EUR to ACME Ltd"])
        let (message, digest) = PushDeviceClient.answerMessage(challenge, decision: "approve", picked: nil, userVerified: true)
        #expect(String(decoding: message, as: UTF8.self) == Self.string(v["answer"], "message"))
        #expect(digest == Self.string(v["answer"], "authorization_details_sha256"))
        let server = PushSignedMessage.answer(
            challengeId: challenge.challengeId, requestHash: Self.string(.object(fetched), "request_hash"), bindingMessage: "PAY-7",
            nonce: Self.string(.object(fetched), "nonce"), decision: "approve", picked: "", userVerified: true, authorizationDetailsDigest: digest)
        #expect(server == message)
        #expect(PushSignedMessage.verify(Self.string(v["answer"], "form", "signature"), over: message, publicKey: key))
        // What the server computes of the details text is the digest the document gives.
        let details = Self.string(.object(fetched), "authorization_details")
        #expect(Base64URL.encode(SHA256.hash(data: Data(details.utf8))) == digest)
    }

    @Test("number matching: the picked choice is signed and the binding message line stays empty")
    func numberMatching() throws {
        let v = try Self.vectors()
        let matching = try #require(v["number_matching"]?.objectValue)
        let challenge = try PushDeviceClient.challenge(
            Self.string(matching["challenge"], "challenge_id"), from: try #require(matching["challenge"]?.objectValue))
        let (message, digest) = PushDeviceClient.answerMessage(challenge, decision: "approve", picked: "K7", userVerified: false)
        #expect(digest == nil)
        #expect(String(decoding: message, as: UTF8.self) == Self.string(.object(matching), "message"))
        #expect(PushSignedMessage.verify(Self.string(.object(matching), "signature"), over: message, publicKey: Self.string(v["key"], "public_key")))
    }

    @Test("the verdicts: the server's rules (the details digest first, then the signature over the message it builds from the challenge) give each stated verdict")
    func verdicts() throws {
        let v = try Self.vectors()
        let key = Self.string(v["key"], "public_key")
        let expectedMessage = Self.string(v["answer"], "message")
        let details = Self.string(v["fetch_challenge"], "answer", "authorization_details")
        let challengeDigest = Base64URL.encode(SHA256.hash(data: Data(details.utf8)))
        guard case .array(let cases)? = v["verdicts"] else {
            Issue.record("no verdicts")
            return
        }
        #expect(cases.count == 4)
        for item in cases {
            let verdict: String
            if Self.string(item, "authorization_details_sha256") != challengeDigest {
                verdict = "authorization_details_mismatch"
            } else if !PushSignedMessage.verify(Self.string(item, "signature"), over: Data(expectedMessage.utf8), publicKey: key) {
                verdict = "invalid_signature"
            } else {
                verdict = "accepted"
            }
            #expect(verdict == Self.string(item, "verdict"), "\(Self.string(item, "case"))")
        }
    }
}
