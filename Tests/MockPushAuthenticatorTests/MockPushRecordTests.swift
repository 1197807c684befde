import BackchannelCore
import Foundation
import Testing

@testable import MockPushAuthenticator

@Suite("Mock push record")
struct MockPushRecordTests {
    @Test("a record round-trips with its scopes, without repeating its key, and the device sees the key as the auth_req_id")
    func roundTrip() throws {
        let record = MockPushRecord(
            subject: "carol", clientName: "Console", scopes: ["openid", "profile"], bindingMessage: "W4SCT",
            receivedAt: Date(timeIntervalSince1970: 1_800_000_000), expiresAt: Date(timeIntervalSince1970: 1_800_000_300),
            action: .silent, afterSeconds: 0, conclusion: nil)
        let data = try PluginStateCoding.encode(record)
        #expect(!String(decoding: data, as: UTF8.self).contains("authReqId"))
        let decoded = try PluginStateCoding.decode(MockPushRecord.self, from: data)
        #expect(decoded == record)
        let notification = decoded.notification(key: "the-key")
        #expect(notification.authReqId == AuthReqId(rawValue: "the-key"))
        #expect(notification.scopes == ["openid", "profile"])
    }

    @Test("a record stored by the earlier layout (auth_req_id inside, scopes as an array) still reads")
    func earlierLayout() throws {
        let stored = #"{"action":"approve","afterSeconds":2,"authReqId":"k","bindingMessage":"B","clientName":"Console","expiresAt":1800000300,"receivedAt":1800000000,"scopes":["openid","email"],"subject":"alice"}"#
        let decoded = try PluginStateCoding.decode(MockPushRecord.self, from: Data(stored.utf8))
        #expect(decoded.scope == "openid email")
        #expect(decoded.action == .approve)
        #expect(decoded.scriptedAnswerAt == Date(timeIntervalSince1970: 1_800_000_002))
    }
}
