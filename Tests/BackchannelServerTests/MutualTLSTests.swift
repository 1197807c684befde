import BackchannelCore
import BackchannelServer
import CertificateFixtures
import Crypto
import BackchannelTesting
import Foundation
import JWTKit
import Logging
import Testing

@Suite("mutual TLS client authentication and certificate-bound tokens (RFC 8705)")
struct MutualTLSTests {
    /// "branch" authenticates with a certificate from the bank's CA naming it; "kiosk-device" with a
    /// self-signed certificate carrying its registered key; both get certificate-bound tokens.
    private struct Setup {
        let ca: TestCertificateAuthority
        let deviceKey = P256.Signing.PrivateKey()
        let fixture: EngineFixture

        init(extraClients: [ClientConfiguration] = [], logger: Logger = Logger(label: "test")) async throws {
            ca = try TestCertificateAuthority()
            let device = P256.Signing.PublicKey.jwk(deviceKey.publicKey)
            let clients = [
                ClientConfiguration(
                    clientId: "branch", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth],
                    tlsClientAuthSubjectDn: "CN=branch-42, O=Bank", tlsClientCertificateBoundAccessTokens: true),
                ClientConfiguration(
                    clientId: "teller-dns", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth], tlsClientAuthSanDns: "teller.bank.example"),
                ClientConfiguration(
                    clientId: "kiosk-device", clientSecret: nil, tokenEndpointAuthMethods: [.selfSignedTLSClientAuth],
                    jwks: ClientKeySet(JWKS(keys: [JWK.ecdsa(.es256, identifier: "device-1", x: device.x, y: device.y, curve: .p256)])),
                    tlsClientCertificateBoundAccessTokens: true),
            ] + extraClients
            fixture = try await EngineFixture.make(clients: clients, clientCertificateAuthorities: [try ca.der], logger: logger)
        }

        /// A certificate valid around the fixture's clock.
        func issue(
            _ commonName: String, organization: String = "Bank", dnsNames: [String] = [], ipAddresses: [[UInt8]] = [],
            by authority: TestCertificateAuthority? = nil
        ) throws -> ClientCertificate {
            let now = fixture.clock.now
            let certificate = try (authority ?? ca).issue(
                commonName: commonName, organization: organization, dnsNames: dnsNames, ipAddresses: ipAddresses, notValidAfter: now + 3600,
                notValidBefore: now - 60)
            return try ClientCertificate(der: try certificate.der)
        }

        func selfSigned(_ key: P256.Signing.PrivateKey) throws -> ClientCertificate {
            try ClientCertificate(der: try TestCertificate.selfSigned(commonName: "kiosk", key: key, now: fixture.clock.now).der)
        }

        func start(_ clientId: String, certificate: ClientCertificate?) async -> Result<AuthenticationAcknowledgement, OAuthError> {
            await fixture.engine.authenticationRequest(
                OAuthParameters([("client_id", clientId), ("scope", "openid"), ("login_hint", "alice")]), authorization: nil,
                clientCertificate: certificate)
        }

        func poll(_ clientId: String, _ authReqId: String, certificate: ClientCertificate?) async -> Result<TokenResponse, OAuthError> {
            await fixture.engine.tokenRequest(
                OAuthParameters([("client_id", clientId), ("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authReqId)]),
                authorization: nil, clientCertificate: certificate)
        }

        /// A whole flow: started, approved, redeemed.
        func tokens(_ clientId: String, certificate: ClientCertificate) async throws -> TokenResponse {
            let ack = try await start(clientId, certificate: certificate).get()
            await fixture.clock.advance(by: 5)
            return try await poll(clientId, ack.authReqId, certificate: certificate).get()
        }
    }

    @Test("tls_client_auth: a certificate from a trusted authority with the registered subject DN authenticates the client")
    func subjectDN() async throws {
        let setup = try await Setup()
        let tokens = try await setup.tokens("branch", certificate: try setup.issue("branch-42"))
        #expect(!tokens.accessToken.isEmpty)
    }

    @Test("tls_client_auth: another DN, another authority, or no certificate is invalid_client")
    func subjectDNRefusals() async throws {
        let setup = try await Setup()
        let otherCA = try TestCertificateAuthority(commonName: "Someone Else's CA")
        for certificate in [try setup.issue("branch-43"), try setup.issue("branch-42", organization: "Other Bank"), try setup.issue("branch-42", by: otherCA), nil] {
            #expect(await setup.start("branch", certificate: certificate).failure?.code == "invalid_client")
        }
    }

    @Test("the operator's log says why a certificate was refused: the expected and the presented DN, or an untrusted chain")
    func refusalReasonsLogged() async throws {
        let log = CapturedLog()
        let setup = try await Setup(logger: Logger(label: "test") { _ in log })
        _ = await setup.start("branch", certificate: try setup.issue("branch-43"))
        let mismatch = try #require(log.entries.first { $0.metadata.contains("certificate_name_mismatch") })
        #expect(mismatch.level == .info && mismatch.metadata.contains("branch-42") && mismatch.metadata.contains("branch-43"))
        _ = await setup.start("branch", certificate: try setup.issue("branch-42", by: try TestCertificateAuthority()))
        #expect(log.entries.contains { $0.metadata.contains("untrusted_certificate") && $0.metadata.contains("branch-42") })
        _ = await setup.start("branch", certificate: nil)
        #expect(log.entries.contains { $0.metadata.contains("no_certificate") })
    }

    @Test("tls_client_auth: an expired certificate is invalid_client")
    func expired() async throws {
        let setup = try await Setup()
        let now = setup.fixture.clock.now
        let old = try ClientCertificate(
            der: try setup.ca.issue(commonName: "branch-42", notValidAfter: now - 10, notValidBefore: now - 3600).der)
        #expect(await setup.start("branch", certificate: old).failure?.code == "invalid_client")
    }

    @Test("tls_client_auth: a registered DNS SAN authenticates; a certificate without it does not")
    func dnsSAN() async throws {
        let setup = try await Setup()
        #expect((try? await setup.start("teller-dns", certificate: try setup.issue("anything", dnsNames: ["TELLER.bank.example"])).get()) != nil)
        #expect(await setup.start("teller-dns", certificate: try setup.issue("teller.bank.example")).failure?.code == "invalid_client")
    }

    @Test("tls_client_auth: a registered IP address SAN, IPv4 or IPv6 in its RFC 5952 form, authenticates; another address does not")
    func ipSAN() async throws {
        let setup = try await Setup(extraClients: [
            ClientConfiguration(clientId: "v4", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth], tlsClientAuthSanIp: "192.0.2.7"),
            ClientConfiguration(clientId: "v6", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth], tlsClientAuthSanIp: "2001:db8::7"),
        ])
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [7]
        #expect((try? await setup.start("v4", certificate: try setup.issue("any", ipAddresses: [[192, 0, 2, 7]])).get()) != nil)
        #expect((try? await setup.start("v6", certificate: try setup.issue("any", ipAddresses: [v6])).get()) != nil)
        #expect(await setup.start("v4", certificate: try setup.issue("any", ipAddresses: [[192, 0, 2, 8]])).failure?.code == "invalid_client")
    }

    @Test("self_signed_tls_client_auth: a certificate carrying a registered key authenticates; another key does not")
    func selfSigned() async throws {
        let setup = try await Setup()
        #expect((try? await setup.start("kiosk-device", certificate: try setup.selfSigned(setup.deviceKey)).get()) != nil)
        #expect(await setup.start("kiosk-device", certificate: try setup.selfSigned(P256.Signing.PrivateKey())).failure?.code == "invalid_client")
    }

    @Test("a bound access token's cnf x5t#S256 is the SHA-256 thumbprint of the certificate used at the token endpoint")
    func boundTokenThumbprint() async throws {
        let setup = try await Setup()
        let certificate = try setup.issue("branch-42")
        let tokens = try await setup.tokens("branch", certificate: certificate)
        let claims = try await setup.fixture.verifier().verify(tokens.accessToken, as: BoundClaims.self)
        let expected = Base64URL.encode(SHA256.hash(data: certificate.der))
        #expect(claims.cnf["x5t#S256"] == expected)
        let introspection = try await setup.fixture.engine.introspectionRequest(
            OAuthParameters([("client_id", "branch"), ("token", tokens.accessToken)]), authorization: nil, clientCertificate: certificate
        ).get()
        #expect(introspection["cnf"] == .object(["x5t#S256": .string(expected)]))
    }

    @Test("userinfo accepts a bound token only over a connection with its certificate")
    func boundTokenAtUserinfo() async throws {
        let setup = try await Setup()
        let certificate = try setup.issue("branch-42")
        let tokens = try await setup.tokens("branch", certificate: certificate)
        let engine = setup.fixture.engine
        #expect((try? await engine.userinfoRequest(authorization: "Bearer \(tokens.accessToken)", formToken: nil, clientCertificate: certificate).get()) != nil)
        for other in [try setup.issue("branch-42"), nil] {
            let refused = await engine.userinfoRequest(authorization: "Bearer \(tokens.accessToken)", formToken: nil, clientCertificate: other)
            #expect(refused.failure == .invalidToken("the access token is bound to a certificate this connection did not present"))
        }
    }

    @Test("a client with bound tokens that polls without a certificate gets invalid_request, and its approval is still there to redeem")
    func boundTokensNeedACertificate() async throws {
        let secretClient = ClientConfiguration(
            clientId: "bound-secret", clientSecret: "bound-secret-00042", tlsClientCertificateBoundAccessTokens: true)
        let setup = try await Setup(extraClients: [secretClient])
        let ack = try await setup.fixture.start([("scope", "openid"), ("login_hint", "alice")], client: ("bound-secret", "bound-secret-00042")).get()
        await setup.fixture.clock.advance(by: 5)
        let refused = await setup.fixture.poll(ack.authReqId, client: ("bound-secret", "bound-secret-00042"))
        #expect(refused.failure?.code == "invalid_request")
        let tokens = await setup.fixture.engine.tokenRequest(
            OAuthParameters([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", ack.authReqId)]),
            authorization: EngineFixture.basic("bound-secret", "bound-secret-00042"), clientCertificate: try setup.issue("any"))
        #expect((try? tokens.get()) != nil)
    }

    @Test("a client's mutual-TLS registration is checked at start-up", arguments: [
        (ClientConfiguration(clientId: "a", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth]), "clients[0].tls_client_auth_subject_dn"),
        (ClientConfiguration(
            clientId: "a", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth], tlsClientAuthSubjectDn: "CN=a", tlsClientAuthSanDns: "a.example"),
         "clients[0].tls_client_auth_subject_dn"),
        (ClientConfiguration(clientId: "a", clientSecret: "a-secret-000000042", tlsClientAuthSubjectDn: "CN=a"), "clients[0].tls_client_auth_subject_dn"),
        (ClientConfiguration(clientId: "a", clientSecret: nil, tokenEndpointAuthMethods: [.selfSignedTLSClientAuth]), "clients[0].jwks"),
    ])
    func startupChecks(client: ClientConfiguration, field: String) async throws {
        let ca = try TestCertificateAuthority()
        let error = await #expect(throws: EngineConfigurationError.self) {
            try await EngineFixture.make(clients: [client], clientCertificateAuthorities: [try ca.der])
        }
        #expect(error?.field == field)
    }

    @Test("tls_client_auth without any trusted authority is refused at start-up")
    func noAuthorities() async throws {
        let client = ClientConfiguration(clientId: "a", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth], tlsClientAuthSubjectDn: "CN=a")
        let error = await #expect(throws: EngineConfigurationError.self) { try await EngineFixture.make(clients: [client]) }
        #expect(error?.field == "clients[0].token_endpoint_auth_methods")
    }

    @Test("discovery announces the mutual-TLS methods and bound tokens once a client uses them, and not before")
    func discovery() async throws {
        let setup = try await Setup()
        let document = try JSONDecoder().decode([String: JSONValue].self, from: setup.fixture.engine.discoveryDocument)
        #expect(document["tls_client_certificate_bound_access_tokens"] == .bool(true))
        guard case .array(let methods) = document["token_endpoint_auth_methods_supported"] else { Issue.record("no methods"); return }
        #expect(methods.contains(.string("tls_client_auth")) && methods.contains(.string("self_signed_tls_client_auth")))
        let plain = try JSONDecoder().decode([String: JSONValue].self, from: try await EngineFixture.make().engine.discoveryDocument)
        #expect(plain["tls_client_certificate_bound_access_tokens"] == nil)
    }

    @Test("subject DNs compare in RFC 4514 form whatever the spacing and attribute-type case")
    func dnNormalisation() async throws {
        let setup = try await Setup(extraClients: [
            ClientConfiguration(clientId: "spaced", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth], tlsClientAuthSubjectDn: "cn = spaced ,  o=Bank")
        ])
        #expect((try? await setup.start("spaced", certificate: try setup.issue("spaced")).get()) != nil)
    }
}

private struct BoundClaims: JWTPayload {
    var cnf: [String: String]
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension P256.Signing.PublicKey {
    /// The `x` and `y` of an EC JWK.
    static func jwk(_ key: P256.Signing.PublicKey) -> (x: String, y: String) {
        let raw = key.rawRepresentation
        return (Base64URL.encode(raw.prefix(32)), Base64URL.encode(raw.suffix(32)))
    }
}
