import BackchannelServer
import Foundation
import Testing

@Suite("Client authentication")
struct ClientAuthenticationTests {
    private let request: [(String, String)] = [("scope", "openid"), ("login_hint", "alice")]

    @Test("client_secret_basic with a percent-encoded secret authenticates")
    func basic() async throws {
        let fixture = try await EngineFixture.make()
        _ = try await fixture.start(request, client: ("kiosk", "kiosk secret/+0042")).get()
    }

    @Test("client_secret_post authenticates")
    func post() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.engine.authenticationRequest(
            OAuthParameters([("client_id", "console"), ("client_secret", "console-secret-0042")] + request.map { (name: $0.0, value: $0.1) }),
            authorization: nil)
        _ = try result.get()
    }

    @Test("a wrong secret is invalid_client with status 401 and a Basic challenge")
    func wrongSecret() async throws {
        let fixture = try await EngineFixture.make()
        let error = try #require(await fixture.start(request, client: ("console", "guess")).failure)
        #expect(error.code == "invalid_client")
        #expect(error.httpStatus == 401)
        #expect(error.challenge == "Basic realm=\"backchannel\"")
    }

    @Test("an unknown client gets the same answer as a wrong secret")
    func unknownClient() async throws {
        let fixture = try await EngineFixture.make()
        let unknown = try #require(await fixture.start(request, client: ("nobody", "x")).failure)
        let wrong = try #require(await fixture.start(request, client: ("console", "x")).failure)
        #expect(unknown == wrong)
    }

    @Test("no client authentication at all is invalid_client")
    func none() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.engine.authenticationRequest(OAuthParameters(request.map { (name: $0.0, value: $0.1) }), authorization: nil)
        #expect(result.failure?.code == "invalid_client")
    }

    @Test("a method the client did not register is invalid_client")
    func unregisteredMethod() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.engine.authenticationRequest(
            OAuthParameters([("client_id", "kiosk"), ("client_secret", "kiosk secret/+0042")] + request.map { (name: $0.0, value: $0.1) }),
            authorization: nil)
        #expect(result.failure?.code == "invalid_client")
    }

    @Test("two authentication methods at once are invalid_request")
    func twoMethods() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.engine.authenticationRequest(
            OAuthParameters([("client_secret", "console-secret-0042")] + request.map { (name: $0.0, value: $0.1) }),
            authorization: EngineFixture.basic("console", "console-secret-0042"))
        #expect(result.failure?.code == "invalid_request")
    }

    @Test("a client without the CIBA grant is unauthorized_client at both endpoints")
    func withoutGrant() async throws {
        let fixture = try await EngineFixture.make()
        #expect(await fixture.start(request, client: ("batch", "batch-secret-0042")).failure?.code == "unauthorized_client")
        #expect(await fixture.poll("x", client: ("batch", "batch-secret-0042")).failure?.code == "unauthorized_client")
    }

    @Test("the Basic scheme name matches in any case and the credentials may be padded with spaces")
    func basicSchemeCase() async throws {
        let fixture = try await EngineFixture.make()
        let credentials = Data("kiosk:kiosk+secret%2F%2B0042".utf8).base64EncodedString()
        let parameters = OAuthParameters(request.map { (name: $0.0, value: $0.1) })
        for header in ["bAsIc \(credentials)", "BASIC  \(credentials) "] {
            _ = try await fixture.engine.authenticationRequest(parameters, authorization: header).get()
        }
        // Another scheme is not client authentication at all.
        #expect(await fixture.engine.authenticationRequest(parameters, authorization: "Basix \(credentials)").failure?.code == "invalid_client")
    }

    @Test("a Basic header authenticates whichever valid encoding the client chose, and only with the right secret")
    func basicEncodings() async throws {
        let fixture = try await EngineFixture.make()
        let parameters = OAuthParameters(request.map { (name: $0.0, value: $0.1) })
        func header(_ credentials: String) -> String { "Basic " + Data(credentials.utf8).base64EncodedString() }
        // The canonical form (`+` for the space, upper-case hex), and two others that decode the same.
        for credentials in ["kiosk:kiosk+secret%2F%2B0042", "kiosk:kiosk%20secret%2f%2b0042", "kiosk:%6Biosk%20secret%2F%2B0042"] {
            _ = try await fixture.engine.authenticationRequest(parameters, authorization: header(credentials)).get()
        }
        #expect(await fixture.engine.authenticationRequest(parameters, authorization: header("kiosk:kiosk+secret%2F")).failure?.code == "invalid_client")
        #expect(await fixture.engine.authenticationRequest(parameters, authorization: header("console:kiosk+secret%2F%2B0042")).failure?.code == "invalid_client")
    }

    @Test("the right Basic credentials of a client registered only for client_secret_post are invalid_client")
    func basicForPostOnlyClient() async throws {
        let clients = EngineFixture.clients + [
            ClientConfiguration(clientId: "poster", clientSecret: "poster-secret-0042", tokenEndpointAuthMethods: [.clientSecretPost])
        ]
        let fixture = try await EngineFixture.make(clients: clients)
        let parameters = OAuthParameters(request.map { (name: $0.0, value: $0.1) })
        let result = await fixture.engine.authenticationRequest(parameters, authorization: EngineFixture.basic("poster", "poster-secret-0042"))
        #expect(result.failure?.code == "invalid_client")
        _ = try await fixture.engine.authenticationRequest(
            OAuthParameters([("client_id", "poster"), ("client_secret", "poster-secret-0042")] + request.map { (name: $0.0, value: $0.1) }),
            authorization: nil
        ).get()
    }

    @Test("a posted client_id naming another client than the Basic header is invalid_request")
    func mismatchedClientId() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.engine.authenticationRequest(
            OAuthParameters([("client_id", "kiosk")] + request.map { (name: $0.0, value: $0.1) }),
            authorization: EngineFixture.basic("console", "console-secret-0042"))
        #expect(result.failure?.code == "invalid_request")
    }

    @Test("a malformed Basic header is invalid_client")
    func malformedBasic() async throws {
        let fixture = try await EngineFixture.make()
        let result = await fixture.engine.authenticationRequest(OAuthParameters(request.map { (name: $0.0, value: $0.1) }), authorization: "Basic !!!")
        #expect(result.failure?.code == "invalid_client")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
