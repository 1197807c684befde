import BackchannelCore
@testable import BackchannelServer
import CertificateFixtures
import Crypto
import Foundation
import JWTKit
import Testing

@Suite("profile fapi-ciba: the FAPI-CIBA rules, at start-up and per request")
struct FAPICIBAProfileTests {
    /// "bank-app": mutual TLS with the bank CA's certificate, requests signed in ES256, bound tokens.
    private struct Setup {
        let ca: TestCertificateAuthority
        let requestKey = ES256PrivateKey()
        let signer = JWTKeyCollection()
        let fixture: EngineFixture
        let certificate: ClientCertificate

        static func configuration(_ requestKey: ES256PrivateKey, change: (inout ClientConfiguration) -> Void = { _ in }) -> ClientConfiguration {
            let p = requestKey.publicKey.parameters!
            var configuration = ClientConfiguration(
                clientId: "bank-app", clientSecret: nil, tokenEndpointAuthMethods: [.tlsClientAuth], idTokenSignedResponseAlg: .es256,
                jwks: ClientKeySet(JWKS(keys: [JWK.ecdsa(.es256, identifier: "request-1", x: p.x, y: p.y, curve: .p256)])),
                backchannelAuthenticationRequestSigningAlg: "ES256", tlsClientAuthSubjectDn: "CN=bank-app,O=Bank",
                tlsClientCertificateBoundAccessTokens: true, profile: .fapiCIBA)
            change(&configuration)
            return configuration
        }

        init(policy: ServerPolicy = ServerPolicy(), change: (inout ClientConfiguration) -> Void = { _ in }) async throws {
            ca = try TestCertificateAuthority()
            await signer.add(ecdsa: requestKey, kid: "request-1")
            fixture = try await EngineFixture.make(
                policy: policy, clients: [Self.configuration(requestKey, change: change)], clientCertificateAuthorities: [try ca.der])
            let now = fixture.clock.now
            certificate = try ClientCertificate(der: try ca.issue(commonName: "bank-app", notValidAfter: now + 3600, notValidBefore: now - 60).der)
        }

        func signedRequest(bindingMessage: String? = "K7 TRANSFER", extra: [String: JSONValue] = [:]) async throws -> String {
            let t = Int(fixture.clock.now.timeIntervalSince1970)
            var claims: [String: JSONValue] = [
                "iss": .string("bank-app"), "aud": .string(EngineFixture.issuer), "iat": .integer(t), "nbf": .integer(t), "exp": .integer(t + 300),
                "jti": .string(UUID().uuidString), "scope": .string("openid"), "login_hint": .string("alice"),
            ]
            if let bindingMessage { claims["binding_message"] = .string(bindingMessage) }
            claims.merge(extra) { _, new in new }
            return try await signer.sign(JSONClaims(claims), kid: JWKIdentifier(string: "request-1"))
        }

        func start(_ pairs: [(String, String)], authorization: String? = nil) async -> Result<AuthenticationAcknowledgement, OAuthError> {
            await fixture.engine.authenticationRequest(
                OAuthParameters([("client_id", "bank-app")] + pairs), authorization: authorization, clientCertificate: certificate)
        }
    }

    @Test("a FAPI-CIBA client's flow: a signed request with a binding message over mutual TLS, tokens bound to its certificate, an ES256 ID token")
    func flow() async throws {
        let setup = try await Setup()
        let ack = try await setup.start([("request", try await setup.signedRequest())]).get()
        await setup.fixture.clock.advance(by: 5)
        let tokens = try await setup.fixture.engine.tokenRequest(
            OAuthParameters([("client_id", "bank-app"), ("grant_type", CIBAGrant.grantType), ("auth_req_id", ack.authReqId)]), authorization: nil,
            clientCertificate: setup.certificate
        ).get()
        let header = try JSONDecoder().decode([String: String].self, from: Base64URL.decode(String((tokens.idToken ?? "").split(separator: ".")[0]))!)
        #expect(header["alg"] == "ES256")
        let access = try JSONDecoder().decode([String: JSONValue].self, from: Base64URL.decode(String(tokens.accessToken.split(separator: ".")[1]))!)
        #expect(access["cnf"] == .object(["x5t#S256": .string(setup.certificate.thumbprint)]))
    }

    @Test("a FAPI-CIBA client's authorization_details are accepted inside the signed request, and refused beside it")
    func authorizationDetailsOnlySigned() async throws {
        var policy = ServerPolicy()
        policy.authorizationDetailsTypes = ["payment_initiation": .paymentInitiation]
        let setup = try await Setup(policy: policy) { $0.authorizationDetailsTypes = ["payment_initiation"] }
        let details = AuthorizationDetailsTests.payment
        let signed = try await setup.signedRequest(extra: ["authorization_details": details])
        let ack = try await setup.start([("request", signed)]).get()
        #expect(setup.fixture.handler.startedRequests.last?.authorizationDetails.entries.map(\.type) == ["payment_initiation"])
        let beside = await setup.start([("request", try await setup.signedRequest()), ("authorization_details", AuthorizationDetails.canonicalJSON(of: details))])
        #expect(beside.failure?.code == "invalid_request")
        let unsigned = await setup.start([
            ("scope", "openid"), ("login_hint", "alice"), ("binding_message", "K7"), ("authorization_details", AuthorizationDetails.canonicalJSON(of: details)),
        ])
        #expect(unsigned.failure?.code == "invalid_request")
        await setup.fixture.clock.advance(by: 5)
        let tokens = try await setup.fixture.engine.tokenRequest(
            OAuthParameters([("client_id", "bank-app"), ("grant_type", CIBAGrant.grantType), ("auth_req_id", ack.authReqId)]), authorization: nil,
            clientCertificate: setup.certificate
        ).get()
        #expect(tokens.authorizationDetails == details)
    }

    @Test("a FAPI-CIBA client trying a client secret is invalid_client")
    func clientSecret() async throws {
        let setup = try await Setup()
        let attempt = await setup.fixture.engine.authenticationRequest(
            OAuthParameters([("request", try await setup.signedRequest())]), authorization: EngineFixture.basic("bank-app", "a-guessed-secret-0042"))
        #expect(attempt.failure?.code == "invalid_client")
    }

    @Test("a FAPI-CIBA client's unsigned request is invalid_request")
    func unsigned() async throws {
        let setup = try await Setup()
        let attempt = await setup.start([("scope", "openid"), ("login_hint", "alice"), ("binding_message", "K7")])
        #expect(attempt.failure == .invalidRequest("this client's authentication requests must be signed (request)"))
    }

    @Test("a FAPI-CIBA client's request without a binding message is invalid_request")
    func bindingMessage() async throws {
        let setup = try await Setup()
        let attempt = await setup.start([("request", try await setup.signedRequest(bindingMessage: nil))])
        #expect(attempt.failure == .invalidRequest("binding_message is required for this client (FAPI-CIBA)"))
    }

    @Test("a FAPI-CIBA client whose configuration breaks the profile is refused at start-up, naming the field", arguments: [
        ("push mode", "backchannel_token_delivery_mode"),
        ("a client secret method", "token_endpoint_auth_methods"),
        ("unsigned requests", "backchannel_authentication_request_signing_alg"),
        ("RS256 requests", "backchannel_authentication_request_signing_alg"),
        ("RS256 ID tokens", "id_token_signed_response_alg"),
        ("unbound tokens", "tls_client_certificate_bound_access_tokens"),
        ("RS256 assertions", "token_endpoint_auth_signing_alg"),
    ])
    func startup(breach: String, field: String) async throws {
        let key = ES256PrivateKey()
        let configuration = Setup.configuration(key) { client in
            switch breach {
            case "push mode":
                client.backchannelTokenDeliveryMode = .push
                client.backchannelClientNotificationEndpoint = "https://bank.example/cb"
                client.tlsClientCertificateBoundAccessTokens = false  // push cannot bind either; the profile speaks first
            case "a client secret method":
                client.tokenEndpointAuthMethods = [.tlsClientAuth, .clientSecretBasic]
                client.clientSecret = "bank-app-secret-0042"
            case "unsigned requests": client.backchannelAuthenticationRequestSigningAlg = nil
            case "RS256 requests": client.backchannelAuthenticationRequestSigningAlg = "RS256"
            case "RS256 ID tokens": client.idTokenSignedResponseAlg = .rs256
            case "unbound tokens": client.tlsClientCertificateBoundAccessTokens = false
            default:
                client.tokenEndpointAuthMethods = [.privateKeyJWT]
                client.tokenEndpointAuthSigningAlg = "RS256"
                client.tlsClientAuthSubjectDn = nil
            }
        }
        let ca = try TestCertificateAuthority()
        let error = await #expect(throws: EngineConfigurationError.self) {
            try await EngineFixture.make(clients: [configuration], clientCertificateAuthorities: [try ca.der])
        }
        #expect(error?.field == "clients[0].\(field)")
        #expect(error?.reason.contains("fapi-ciba") == true)
    }

    @Test("a signed request may live longer than 60 minutes nowhere a FAPI-CIBA client is registered")
    func requestLifetime() async throws {
        var policy = ServerPolicy()
        policy.requestObjectMaxLifetime = 7200
        let ca = try TestCertificateAuthority()
        let error = await #expect(throws: EngineConfigurationError.self) {
            try await EngineFixture.make(policy: policy, clients: [Setup.configuration(ES256PrivateKey())], clientCertificateAuthorities: [try ca.der])
        }
        #expect(error?.field == "policy.request_object_max_lifetime")
    }
}
