import BackchannelCore
import Foundation
import Testing

@Suite("Value types")
struct ValueTypesTests {
    @Test("a hint's subject is the login hint or the ID token's sub, and nil for a login_hint_token")
    func hintSubject() {
        #expect(BackchannelHint.loginHint("alice").subject == "alice")
        #expect(BackchannelHint.idTokenHint(subject: "sub-1", claims: [:]).subject == "sub-1")
        #expect(BackchannelHint.loginHintToken("opaque").subject == nil)
    }

    @Test("the system random source gives exactly the bytes asked for, different each time")
    func systemRandom() {
        let source = SystemRandomSource()
        for count in [0, 1, 7, 8, 9, 32, 300] { #expect(source.bytes(count: count).count == count) }
        #expect(source.bytes(count: 32) != source.bytes(count: 32))
        // Over 300 bytes every byte value is about equally likely; all-equal runs would mean a broken fill.
        #expect(Set(source.bytes(count: 300)).count > 100)
    }

    @Test("an AuthReqId never prints in full")
    func authReqIdIsRedacted() {
        let id = AuthReqId(rawValue: "abcdefghijklmnopqrstuvwxyz")
        #expect("\(id)" == "abcdef…")
        #expect(!"\(id)".contains("ghij"))
    }

    @Test("each start error maps to its CIBA error code")
    func startErrorCodes() {
        #expect(BackchannelStartAuthenticationError.all.map(\.errorCode) == [
            "unknown_user_id", "expired_login_hint_token", "missing_user_code", "invalid_user_code", "invalid_binding_message",
            "access_denied", "invalid_authorization_details",
        ])
    }

    @Test("configuration decodes snake_case keys and names a nested bad field in snake_case")
    func configurationPaths() throws {
        struct Inner: Decodable { var maxAttempts: Int }
        struct Outer: Decodable { var smsGateway: Inner; var senders: [Inner] }
        let good: JSONValue = .object([
            "sms_gateway": .object(["max_attempts": .integer(3)]), "senders": .array([.object(["max_attempts": .integer(1)])]),
        ])
        #expect(try good.decode(as: Outer.self).smsGateway.maxAttempts == 3)
        let bad: JSONValue = .object([
            "sms_gateway": .object(["max_attempts": .integer(3)]), "senders": .array([.object(["max_attempts": .bool(true)])]),
        ])
        let error = #expect(throws: ConfigurationError.self) { try bad.decode(as: Outer.self) }
        #expect(error?.path == "senders[0].max_attempts")
    }

    @Test("the static user directory resolves subjects and login hints")
    func staticDirectory() async throws {
        let directory = StaticUserDirectory([DirectoryUser(subject: "alice", loginHints: ["alice@example.com"])])
        #expect(try await directory.user(loginHint: "alice@example.com")?.subject == "alice")
        #expect(try await directory.user(loginHint: "alice")?.subject == "alice")
        #expect(try await directory.user(subject: "alice@example.com") == nil)
        #expect(try await directory.user(for: .loginHintToken("x")) == nil)
    }
}

@Suite("LinkSecret")
struct LinkSecretTests {
    @Test("a link's token is 128 random bits in hex; what is stored is its SHA-256, which a visitor's token is looked up by")
    func tokenAndHash() {
        let first = LinkSecret(random: SystemRandomSource())
        let second = LinkSecret(random: SystemRandomSource())
        #expect(first.token.count == 32 && first.token.allSatisfy(\.isHexDigit))
        #expect(first.token != second.token)
        #expect(first.hash == LinkSecret.hash(of: first.token) && first.hash != first.token)
        // SHA-256("abc"), FIPS 180-2's first example.
        #expect(LinkSecret.hash(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
