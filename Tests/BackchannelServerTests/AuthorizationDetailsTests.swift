import BackchannelCore
import BackchannelTesting
import Foundation
import Logging
import Testing

@testable import BackchannelServer

@Suite("authorization details (RFC 9396): validated against the configured types, shown to the user, carried by the tokens")
struct AuthorizationDetailsTests {
    /// RFC 9396 §2's payment.
    static let payment: JSONValue = .array([
        .object([
            "type": .string("payment_initiation"),
            "instructedAmount": .object(["currency": .string("EUR"), "amount": .string("123.50")]),
            "creditorName": .string("Merchant A"),
            "creditorAccount": .object(["iban": .string("DE02100100109307118603")]),
            "remittanceInformationUnstructured": .string("Ref Number Merchant"),
        ])
    ])

    /// A deployment an agent asks a user to approve: every kind of field.
    static let deployment = try! AuthorizationDetailType(
        fields: [
            "action": AuthorizationDetailField(.string, required: true, allowedValues: ["deploy", "rollback"]),
            "service": AuthorizationDetailField(.string, required: true, minLength: 2, maxLength: 32),
            "replicas": AuthorizationDetailField(.integer, minimum: 1, maximum: 10),
            "urgent": AuthorizationDetailField(.boolean),
            "regions": AuthorizationDetailField(.array(AuthorizationDetailField(.string, maxLength: 16)), minItems: 1, maxItems: 3),
            "budget": AuthorizationDetailField(.decimal, maxLength: 12),
        ],
        summary: "{{action}} {{service}} to {{#regions}}{{.}} {{/regions}}<now>")

    static var policy: ServerPolicy {
        var policy = ServerPolicy()
        policy.authorizationDetailsTypes = ["payment_initiation": .paymentInitiation, "deployment": deployment]
        return policy
    }

    static let agent = ("agent", "agent-secret-00042")
    static let clients = EngineFixture.clients.map { client in
        var client = client
        if client.clientId == "console" { client.authorizationDetailsTypes = ["payment_initiation", "deployment"] }
        return client
    } + [
        ClientConfiguration(
            clientId: "agent", clientSecret: "agent-secret-00042", grantTypes: [ClientConfiguration.cibaGrantType, "refresh_token"],
            scopes: ["openid", "offline_access"], authorizationDetailsTypes: ["payment_initiation"], maxExpiry: 86_400, maxLongPendingPerUser: 2),
        ClientConfiguration(clientId: "resource", clientSecret: "resource-secret-0042", grantTypes: [], resourceServer: true),
    ]

    static func fixture() async throws -> EngineFixture {
        try await EngineFixture.make(policy: policy, clients: clients)
    }

    static func text(_ value: JSONValue) -> String { AuthorizationDetails.canonicalJSON(of: value) }

    static func start(_ fixture: EngineFixture, _ details: String, client: (String, String) = ("console", "console-secret-0042"), extra: [(String, String)] = [])
        async -> Result<AuthenticationAcknowledgement, OAuthError>
    {
        await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("authorization_details", details)] + extra, client: client)
    }

    /// A deployment entry with `change` applied.
    static func deploymentEntry(_ change: (inout [String: JSONValue]) -> Void = { _ in }) -> String {
        var entry: [String: JSONValue] = [
            "type": .string("deployment"), "action": .string("deploy"), "service": .string("billing"), "replicas": .integer(3),
            "urgent": .bool(false), "regions": .array([.string("eu-west"), .string("us-east")]), "budget": .string("1500.00"),
        ]
        change(&entry)
        return text(.array([.object(entry)]))
    }

    @Test("a valid request reaches the authenticator with its details and each entry's summary, rendered as plain text")
    func handedToTheAuthenticator() async throws {
        let fixture = try await Self.fixture()
        _ = try await Self.start(fixture, Self.text(Self.payment)).get()
        _ = try await Self.start(fixture, Self.deploymentEntry(), extra: [("binding_message", "D-42")]).get()
        let started = fixture.handler.startedRequests
        #expect(started[0].authorizationDetails.entries.map(\.summary) == ["Transfer 123.50 EUR to Merchant A (DE02100100109307118603)"])
        #expect(started[0].authorizationDetails.canonicalJSON == Self.text(Self.payment))
        // Values are not HTML-escaped in the summary: each surface escapes for itself.
        #expect(started[1].authorizationDetails.entries.map(\.summary) == ["deploy billing to eu-west us-east <now>"])
        #expect(started[1].bindingMessage == "D-42")
    }

    /// Each schema rule broken once: what is wrong, and the parameter.
    static let violations: [(String, String)] = {
        var list: [(String, String)] = []
        list.append(("malformed JSON", "[{\"type\":"))
        list.append(("not an array", #"{"type":"deployment"}"#))
        list.append(("an empty array", "[]"))
        list.append(("an entry that is not an object", #"["deployment"]"#))
        list.append(("an entry without a type", #"[{"action":"deploy"}]"#))
        list.append(("an unknown type", #"[{"type":"wire_transfer"}]"#))
        list.append(("an undeclared field", deploymentEntry { $0["shell"] = .string("rm -rf /") }))
        list.append(("a missing required field", deploymentEntry { $0["service"] = nil }))
        list.append(("a string where an integer belongs", deploymentEntry { $0["replicas"] = .string("3") }))
        list.append(("an integer out of range", deploymentEntry { $0["replicas"] = .integer(11) }))
        list.append(("a number where a decimal string belongs", deploymentEntry { $0["budget"] = .number(1500.5) }))
        list.append(("a decimal string that is not a number", deploymentEntry { $0["budget"] = .string("1,500") }))
        list.append(("a value not in the enumeration", deploymentEntry { $0["action"] = .string("destroy") }))
        list.append(("a string too short", deploymentEntry { $0["service"] = .string("b") }))
        list.append(("a string too long", deploymentEntry { $0["service"] = .string(String(repeating: "b", count: 33)) }))
        list.append(("a control character", deploymentEntry { $0["service"] = .string("bill\ning") }))
        list.append(("a bidirectional override", deploymentEntry { $0["service"] = .string("bill\u{202E}ing") }))
        list.append(("too many array items", deploymentEntry { $0["regions"] = .array(Array(repeating: .string("eu"), count: 4)) }))
        list.append(("too few array items", deploymentEntry { $0["regions"] = .array([]) }))
        list.append(("a boolean as a string", deploymentEntry { $0["urgent"] = .string("true") }))
        list.append(("an object where a string belongs", deploymentEntry { $0["service"] = .object(["name": .string("billing")]) }))
        list.append(("too many entries", "[" + Array(repeating: #"{"type":"deployment","action":"deploy","service":"billing"}"#, count: 9).joined(separator: ",") + "]"))
        list.append(("nesting too deep", "[" + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "]"))
        list.append(("too many bytes", deploymentEntry { $0["service"] = .string(String(repeating: "b", count: 9000)) }))
        return list
    }()

    @Test(
        "each schema rule refuses with invalid_authorization_details, a fixed description, nothing stored and nobody reached",
        arguments: violations)
    func schemaViolations(_ violation: String, _ details: String) async throws {
        let fixture = try await Self.fixture()
        let refused = await Self.start(fixture, details)
        guard case .failure(let error) = refused else {
            Issue.record("\(violation) was accepted")
            return
        }
        #expect(error.code == "invalid_authorization_details", "\(violation)")
        #expect(error.httpStatus == 400)
        // Nothing the client sent is reflected.
        #expect(!error.errorDescription.contains("rm -rf") && !error.errorDescription.contains("destroy") && !error.errorDescription.contains("wire_transfer"))
        #expect(fixture.handler.startedRequests.isEmpty)
        #expect(try await fixture.engine.pendingRequests(subject: nil, clientId: nil, limit: 10).isEmpty)
    }

    @Test("a client may request only the types it lists; another client's type is invalid_authorization_details")
    func perClientTypes() async throws {
        let fixture = try await Self.fixture()
        let agent = await Self.start(fixture, Self.deploymentEntry(), client: Self.agent)
        #expect(agent.failure?.code == "invalid_authorization_details")
        let kiosk = await Self.start(fixture, Self.text(Self.payment), client: ("kiosk", "kiosk secret/+0042"))
        #expect(kiosk.failure?.code == "invalid_authorization_details")
        #expect(try await Self.start(fixture, Self.text(Self.payment), client: Self.agent).get().authReqId.isEmpty == false)
    }

    @Test("the token response, the access token's claim and introspection carry exactly the approved details")
    func carriedByTheTokens() async throws {
        let fixture = try await Self.fixture()
        let ack = try await Self.start(fixture, Self.text(Self.payment)).get()
        await fixture.clock.advance(by: 5)
        let tokens = try await fixture.poll(ack.authReqId).get()
        #expect(tokens.authorizationDetails == Self.payment)
        let claims = try JSONDecoder().decode([String: JSONValue].self, from: Base64URL.decode(String(tokens.accessToken.split(separator: ".")[1]))!)
        #expect(claims["authorization_details"] == Self.payment)
        let introspected = try await fixture.engine.introspectionRequest(
            OAuthParameters([("token", tokens.accessToken)]), authorization: EngineFixture.basic("resource", "resource-secret-0042")
        ).get()
        #expect(introspected["authorization_details"] == Self.payment)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(tokens)) as? [String: Any]
        #expect((encoded?["authorization_details"] as? [Any])?.count == 1)
    }

    @Test("audit events name the approved types, never the values")
    func audited() async throws {
        let log = CapturedLog()
        let fixture = try await EngineFixture.make(policy: Self.policy, clients: Self.clients, logger: Logger(label: "test") { _ in log })
        let ack = try await Self.start(fixture, Self.text(Self.payment)).get()
        await fixture.clock.advance(by: 5)
        _ = try await fixture.poll(ack.authReqId).get()
        let events = log.entries.filter { $0.metadata.contains(#""event": request."#) }
        #expect(events.contains { $0.metadata.contains("request.started") } && events.contains { $0.metadata.contains("request.redeemed") })
        for event in events {
            #expect(event.metadata.contains(#""authorization_details_types": payment_initiation"#), "\(event.metadata)")
            #expect(!event.metadata.contains("DE02100100109307118603") && !event.metadata.contains("123.50") && !event.metadata.contains("Merchant"))
        }
    }

    @Test("a refusal says why in the operator's log, with a fixed reason code and nothing the client sent")
    func refusalLogged() async throws {
        let log = CapturedLog()
        let fixture = try await EngineFixture.make(policy: Self.policy, clients: Self.clients, logger: Logger(label: "test") { _ in log })
        _ = await Self.start(fixture, #"[{"type":"wire_transfer","to":"DE02100100109307118603"}]"#)
        _ = await Self.start(fixture, Self.deploymentEntry { $0["action"] = .string("destroy") })
        let refusals = log.entries.filter { $0.message == "authorization_details refused" }
        #expect(refusals.map { $0.metadata.contains(#""reason": unknown_type"#) } == [true, false])
        #expect(refusals.last?.metadata.contains(#""reason": value_not_allowed"#) == true)
        #expect(refusals.allSatisfy { $0.metadata.contains(#""client_id": console"#) && !$0.metadata.contains("DE02") && !$0.metadata.contains("destroy") })
    }

    @Test("a refresh grants only the types the client may still request: a narrowed registration narrows the details")
    func refreshNarrowedRegistration() async throws {
        let fixture = try await Self.fixture()
        let withBoth = try await fixture.start(
            [("scope", "openid offline_access"), ("login_hint", "alice"), ("authorization_details", Self.text(Self.payment))], client: Self.agent
        ).get()
        await fixture.clock.advance(by: 5)
        let token = try #require(try await fixture.poll(withBoth.authReqId, client: Self.agent).get().refreshToken)
        var policy = Self.policy
        policy.authorizationDetailsTypes["payment_initiation"] = nil
        let narrowed = Self.clients.map { client in
            var client = client
            client.authorizationDetailsTypes = client.authorizationDetailsTypes.filter { $0 != "payment_initiation" }
            return client
        }
        let engine = try fixture.engine.reconfigured(policy: policy, clients: narrowed, userDirectory: StaticUserDirectory([DirectoryUser(subject: "alice")]))
        let refreshed = try await engine.tokenRequest(
            OAuthParameters([(name: "grant_type", value: "refresh_token"), (name: "refresh_token", value: token)]),
            authorization: EngineFixture.basic(Self.agent.0, Self.agent.1)
        ).get()
        #expect(refreshed.authorizationDetails == nil)
        let claims = try JSONDecoder().decode([String: JSONValue].self, from: Base64URL.decode(String(refreshed.accessToken.split(separator: ".")[1]))!)
        #expect(claims["authorization_details"] == nil)
    }

    @Test("a request without details gets tokens without the member")
    func absentWithoutDetails() async throws {
        let fixture = try await Self.fixture()
        let ack = try await fixture.startOK()
        await fixture.clock.advance(by: 5)
        let tokens = try await fixture.poll(ack.authReqId).get()
        #expect(tokens.authorizationDetails == nil)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(tokens)) as? [String: Any]
        #expect(encoded?["authorization_details"] == nil)
    }

    static let twoPayments: JSONValue = {
        guard case .array(let entries) = payment, case .object(var second) = entries[0] else { return payment }
        second["creditorName"] = .string("Merchant B")
        return .array(entries + [.object(second)])
    }()

    @Test("a refresh keeps the details, narrows them to entries the client names, and never widens them")
    func refreshNarrowsNeverWidens() async throws {
        let fixture = try await Self.fixture()
        let second = try await fixture.start(
            [("scope", "openid offline_access"), ("login_hint", "alice"), ("authorization_details", Self.text(Self.twoPayments))], client: Self.agent
        ).get()
        await fixture.clock.advance(by: 5)
        let tokens = try await fixture.poll(second.authReqId, client: Self.agent).get()
        let refreshToken = try #require(tokens.refreshToken)

        func refresh(_ token: String, details: JSONValue?) async -> Result<TokenResponse, OAuthError> {
            var pairs = [(name: "grant_type", value: "refresh_token"), (name: "refresh_token", value: token)]
            if let details { pairs.append((name: "authorization_details", value: Self.text(details))) }
            return await fixture.engine.tokenRequest(OAuthParameters(pairs), authorization: EngineFixture.basic(Self.agent.0, Self.agent.1))
        }
        let whole = try await refresh(refreshToken, details: nil).get()
        #expect(whole.authorizationDetails == Self.twoPayments)
        let narrowed = try await refresh(try #require(whole.refreshToken), details: Self.payment).get()
        #expect(narrowed.authorizationDetails == Self.payment)
        // The refresh token keeps the whole grant.
        let next = try #require(narrowed.refreshToken)
        var widened = Self.payment
        if case .array(var entries) = widened, case .object(var entry) = entries[0] {
            entry["instructedAmount"] = .object(["currency": .string("EUR"), "amount": .string("9999.00")])
            entries[0] = .object(entry)
            widened = .array(entries)
        }
        #expect(await refresh(next, details: widened).failure?.code == "invalid_authorization_details")
        // Nothing was spent by the refusal.
        #expect(try await refresh(next, details: nil).get().authorizationDetails == Self.twoPayments)
    }

    @Test("a client allowed a day waits a day, within its cap on long-pending requests per user; others are capped by policy")
    func longExpiry() async throws {
        let fixture = try await Self.fixture()
        let payment = Self.text(Self.payment)
        let long = try await Self.start(fixture, payment, client: Self.agent, extra: [("requested_expiry", "86400")]).get()
        #expect(long.expiresIn == 86_400)
        let capped = try await Self.start(fixture, payment, extra: [("requested_expiry", "86400")]).get()
        #expect(capped.expiresIn == ServerPolicy().maxExpiry)
        _ = try await Self.start(fixture, payment, client: Self.agent, extra: [("requested_expiry", "40000")]).get()
        let third = await Self.start(fixture, payment, client: Self.agent, extra: [("requested_expiry", "86400")])
        #expect(third.failure?.code == "access_denied")
        // A request within the policy's expiry does not count against the cap.
        #expect(try await Self.start(fixture, payment, client: Self.agent, extra: [("requested_expiry", "600")]).get().expiresIn == 600)
    }

    @Test("discovery lists the configured types")
    func discovery() async throws {
        let fixture = try await Self.fixture()
        let document = try JSONSerialization.jsonObject(with: fixture.engine.discoveryDocument) as? [String: Any]
        #expect(document?["authorization_details_types_supported"] as? [String] == ["deployment", "payment_initiation"])
        let plain = try await EngineFixture.make()
        let none = try JSONSerialization.jsonObject(with: plain.engine.discoveryDocument) as? [String: Any]
        #expect(none?["authorization_details_types_supported"] == nil)
    }

    @Test("a client listing a type the policy does not define is refused at start-up, naming the field")
    func unknownTypeAtStartup() async throws {
        var client = ClientConfiguration(clientId: "x", clientSecret: "x-secret-000000042")
        client.authorizationDetailsTypes = ["wire_transfer"]
        await #expect(throws: EngineConfigurationError.self) { _ = try await EngineFixture.make(policy: Self.policy, clients: [client]) }
    }

    @Test("the canonical JSON sorts members, drops white space, and its digest is the SHA-256 a device signs")
    func canonicalForm() throws {
        let value: JSONValue = .array([.object(["b": .string("é/\""), "a": .integer(1), "type": .string("t")])])
        #expect(AuthorizationDetails.canonicalJSON(of: value) == #"[{"a":1,"b":"é/\"","type":"t"}]"#)
        // Control characters (never in validated details) as \u escapes; numbers, booleans and null as JSON writes them.
        #expect(AuthorizationDetails.canonicalJSON(of: .array([.string("a\u{1}\n\\"), .bool(true), .null, .integer(-7)])) == #"["a\u0001\u000a\\",true,null,-7]"#)
        // Whatever the decoder guesses first, each kind reads back as itself.
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(#"[{"s":"x","o":{},"a":[],"b":false,"i":3,"d":1.5,"n":null}]"#.utf8))
        #expect(decoded == .array([.object(["s": .string("x"), "o": .object([:]), "a": .array([]), "b": .bool(false), "i": .integer(3), "d": .number(1.5), "n": .null])]))
        let details = AuthorizationDetails([AuthorizationDetail(type: "t", fields: ["type": .string("t")], summary: "t")])
        #expect(details.canonicalJSON == #"[{"type":"t"}]"#)
        // echo -n '[{"type":"t"}]' | openssl dgst -sha256 -binary | basenc --base64url
        #expect(details.digest == "m4KDoUZJB3WbhQ92Kega_iS1ona59zCjoCXKOfxBDsI")
    }
}
