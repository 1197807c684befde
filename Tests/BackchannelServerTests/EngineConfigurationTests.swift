import BackchannelServer
import Foundation
import Testing

@Suite("Engine configuration and discovery")
struct EngineConfigurationTests {
    @Test("discovery advertises the CIBA metadata")
    func discovery() async throws {
        let fixture = try await EngineFixture.make()
        let document = try JSONSerialization.jsonObject(with: fixture.engine.discoveryDocument) as! [String: Any]
        #expect(document["issuer"] as? String == EngineFixture.issuer)
        #expect(document["token_endpoint"] as? String == "\(EngineFixture.issuer)/token")
        #expect(document["backchannel_authentication_endpoint"] as? String == "\(EngineFixture.issuer)/backchannel/authentication")
        #expect(document["jwks_uri"] as? String == "\(EngineFixture.issuer)/jwks")
        #expect(document["grant_types_supported"] as? [String] == ["urn:openid:params:grant-type:ciba"])
        #expect(document["backchannel_token_delivery_modes_supported"] as? [String] == ["poll"])
        #expect(document["backchannel_user_code_parameter_supported"] as? Bool == true)
        #expect(document["token_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post", "private_key_jwt"])
        #expect((document["scopes_supported"] as? [String])?.contains("openid") == true)
        #expect(document["id_token_signing_alg_values_supported"] as? [String] == ["RS256", "ES256"])
        #expect(document["subject_types_supported"] as? [String] == ["public"])
        #expect(document["response_types_supported"] as? [String] == ["none"])
        #expect(document["authorization_endpoint"] as? String == "\(EngineFixture.issuer)/authorize")
        #expect(document["userinfo_endpoint"] as? String == "\(EngineFixture.issuer)/userinfo")
        #expect(document["claims_parameter_supported"] as? Bool == true)
        #expect((document["claims_supported"] as? [String]).map { Set($0).isSuperset(of: ["sub", "email", "phone_number", "name"]) } == true)
    }

    @Test("a client naming an unconfigured authenticator fails, naming the field")
    func unknownAuthenticator() async throws {
        let error = await #expect(throws: EngineConfigurationError.self) {
            try await EngineFixture.make(clients: [ClientConfiguration(clientId: "c", clientSecret: "s-long-enough-secret", authenticators: ["sms"])])
        }
        #expect(error?.field == "clients[0].authenticators")
    }

    @Test("a ping or push client needs an https notification endpoint; http only to loopback when the policy allows", arguments: [
        (TokenDeliveryMode.ping, nil as String?, false, false),
        (.push, "http://127.0.0.1:9/cb", false, false),
        (.ping, "http://client.example.com/cb", true, false),
        (.ping, "ftp://client.example.com/cb", false, false),
        (.ping, "https://user:pw@client.example.com/cb", false, false),
        (.push, "https://client.example.com/cb", false, true),
        (.ping, "http://127.0.0.1:9/cb", true, true),
    ])
    func notificationEndpoint(mode: TokenDeliveryMode, endpoint: String?, allowLoopback: Bool, accepted: Bool) async throws {
        var policy = ServerPolicy()
        policy.allowInsecureLoopbackNotifications = allowLoopback
        let client = ClientConfiguration(
            clientId: "c", clientSecret: "s-long-enough-secret", backchannelTokenDeliveryMode: mode, backchannelClientNotificationEndpoint: endpoint)
        if accepted {
            let fixture = try await EngineFixture.make(policy: policy, clients: [client])
            let document = try JSONSerialization.jsonObject(with: fixture.engine.discoveryDocument) as! [String: Any]
            #expect(document["backchannel_token_delivery_modes_supported"] as? [String] == ["poll", mode.rawValue])
        } else {
            let error = await #expect(throws: EngineConfigurationError.self) { try await EngineFixture.make(policy: policy, clients: [client]) }
            #expect(error?.field == "clients[0].backchannel_client_notification_endpoint")
        }
    }

    @Test("a client id registered twice fails")
    func duplicateClient() async throws {
        let error = await #expect(throws: EngineConfigurationError.self) {
            try await EngineFixture.make(clients: [ClientConfiguration(clientId: "c", clientSecret: "s-long-enough-secret"), ClientConfiguration(clientId: "c", clientSecret: "t-long-enough-secret")])
        }
        #expect(error?.field == "clients[1].client_id")
    }

    @Test("an issuer with a trailing slash is refused")
    func badIssuer() async throws {
        let error = await #expect(throws: EngineConfigurationError.self) { try await EngineFixture.make(issuer: "https://op.example.com/") }
        #expect(error?.field == "server.issuer")
    }

    @Test("a client without a client_secret is refused at start-up, naming the field")
    func clientWithoutSecret() async throws {
        let error = await #expect(throws: EngineConfigurationError.self) {
            try await EngineFixture.make(clients: [ClientConfiguration(clientId: "c", clientSecret: nil)])
        }
        #expect(error?.field == "clients[0].client_secret")
    }
}
