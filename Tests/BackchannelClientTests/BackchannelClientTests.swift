import BackchannelClient
import BackchannelCore
import BackchannelTesting
import Foundation
import Synchronization
import Testing

@testable import BackchannelHost

@Suite("Client library against the real server", .timeLimit(.minutes(1)))
struct BackchannelClientTests {
    private func client(_ provider: LiveProvider, credentials: ClientCredentials = .clientSecretBasic(secret: EmbeddedDefaults.clientSecret)) async throws
        -> BackchannelClient
    {
        try await BackchannelClient.discover(
            issuer: provider.issuer, clientId: EmbeddedDefaults.clientId, credentials: credentials, polling: PollingPolicy(clock: provider.clock))
    }

    /// Runs `authenticate` while driving the shared clock, and returns its outcome.
    private func authenticate(
        _ provider: LiveProvider, _ client: BackchannelClient, _ request: AuthenticationRequest
    ) async -> Result<BackchannelTokens, BackchannelClientError> {
        await provider.outcome { () async throws(BackchannelClientError) -> BackchannelTokens in try await client.authenticate(request) }
    }

    @Test("nothing listening: a plain sentence naming the URL")
    func connectionRefused() async throws {
        let port = try LoopbackPort.free()
        let error = await #expect(throws: BackchannelClientError.self) {
            _ = try await BackchannelClient.discover(
                issuer: "http://127.0.0.1:\(port)", clientId: "c", credentials: .clientSecretBasic(secret: "s"))
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("http://127.0.0.1:\(port)/.well-known/openid-configuration"))
        #expect(text.contains("connection refused"))
        #expect(!text.contains("NIO") && !text.contains("HTTPClientError"))
    }

    @Test("alice approves: verified tokens")
    func approve() async throws {
        try await LiveProvider.run { provider in
            let client = try await client(provider)
            #expect(client.metadata.backchannelTokenDeliveryModesSupported == ["poll", "ping"])  // the demo agent pings
            let tokens = try await authenticate(provider, client, AuthenticationRequest(hint: .loginHint("alice"), bindingMessage: "W4SP")).get()
            #expect(tokens.subject == "alice")
            #expect(tokens.idTokenClaims["aud"] == .string(EmbeddedDefaults.clientId))
            #expect(!tokens.accessToken.isEmpty)
        }
    }

    /// RFC 9396's payment, typed as an agent would write it.
    struct Payment: Codable, Hashable {
        struct Amount: Codable, Hashable { var currency: String; var amount: String }
        struct Account: Codable, Hashable { var iban: String }
        var type = "payment_initiation"
        var instructedAmount: Amount
        var creditorName: String
        var creditorAccount: Account
    }

    @Test("typed authorization details go out with the request and come back, typed, from the token response")
    func authorizationDetails() async throws {
        try await LiveProvider.run { provider in
            let client = try await client(provider)
            let payment = Payment(
                instructedAmount: .init(currency: "EUR", amount: "250.00"), creditorName: "ACME Ltd", creditorAccount: .init(iban: "DE02100100109307118603"))
            let request = AuthenticationRequest(
                hint: .loginHint("alice"), bindingMessage: "PAY-1", authorizationDetails: try AuthenticationRequest.authorizationDetails([payment]))
            let tokens = try await authenticate(provider, client, request).get()
            #expect(try tokens.authorizationDetails(as: Payment.self) == [payment])
            let refused = await authenticate(
                provider, client, AuthenticationRequest(hint: .loginHint("alice"), authorizationDetails: .array([.object(["type": .string("wire")])])))
            guard case .failure(let error) = refused else {
                Issue.record("an unknown type was accepted")
                return
            }
            #expect("\(error)".contains("invalid_authorization_details"))
        }
    }

    @Test("client_secret_post works as well as Basic")
    func post() async throws {
        try await LiveProvider.run { provider in
            let client = try await client(provider, credentials: .clientSecretPost(secret: EmbeddedDefaults.clientSecret))
            _ = try await authenticate(provider, client, AuthenticationRequest(hint: .loginHint("alice"))).get()
        }
    }

    @Test("bob denies: a typed access_denied with its status")
    func deny() async throws {
        try await LiveProvider.run { provider in
            let result = await authenticate(provider, try await client(provider), AuthenticationRequest(hint: .loginHint("bob")))
            guard case .failure(.oauth(.accessDenied, let description, 400)) = result else {
                Issue.record("expected access_denied, got \(result)")
                return
            }
            #expect(description == "the user denied the authentication request")
        }
    }

    @Test("carol never answers: expired")
    func expiry() async throws {
        try await LiveProvider.run { provider in
            let result = await authenticate(provider, try await client(provider), AuthenticationRequest(hint: .loginHint("carol"), requestedExpiry: 12))
            #expect(result.failureValue == .expired)
        }
    }

    @Test("an unknown user is a typed unknown_user_id from initiate")
    func unknownUser() async throws {
        try await LiveProvider.run { provider in
            let error = await #expect(throws: BackchannelClientError.self) {
                try await client(provider).initiate(AuthenticationRequest(hint: .loginHint("mallory")))
            }
            #expect(error == .oauth(.unknownUserId, description: "no user matches the hint", status: 400))
        }
    }

    @Test("after slow_down the next poll comes at least 5 s later than the interval asked")
    func slowDown() async throws {
        try await LiveProvider.run { provider in
            let client = try await client(provider)
            let pending = try await client.initiate(AuthenticationRequest(hint: .loginHint("carol")))
            let start = provider.clock.now
            let polls = Mutex<[(Int, TimeInterval, Int)]>([])
            let progressed = EventCounter<String>()
            let task = Task {
                try await client.poll(pending) { progress in
                    polls.withLock { $0.append((progress.polls, provider.clock.now.timeIntervalSince(start), progress.interval)) }
                    progressed.record("poll")
                }
            }
            // Someone else polls this request at t+4, so the client's own poll at t+5 is too soon.
            await provider.clock.waitForSleepers(1)
            await provider.clock.advance(by: 4)
            let sneak = await provider.engine.tokenRequest(
                .init([("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", pending.authReqId)]),
                authorization: "Basic " + Data("\(EmbeddedDefaults.clientId):\(EmbeddedDefaults.clientSecret)".utf8).base64EncodedString())
            #expect(sneak.failureValue?.code == "authorization_pending")
            await provider.drive(until: { progressed["poll"] >= 3 }, { await progressed.wait(for: "poll", count: 3) }, limit: 40)
            task.cancel()
            let recorded = polls.withLock { $0 }
            #expect(recorded.count >= 3)
            guard recorded.count >= 3 else { return }
            #expect(recorded[1].0 == 1 && recorded[1].1 == 5)  // first poll at t+5 answered slow_down
            #expect(recorded[1].2 == 10)  // the interval grew from 5 to 10
            #expect(recorded[2].0 == 2 && recorded[2].1 >= 15)  // and the next poll waited for it
        }
    }

    @Test("cancelling the task stops polling within one interval")
    func cancellation() async throws {
        try await LiveProvider.run { provider in
            let client = try await client(provider)
            let pending = try await client.initiate(AuthenticationRequest(hint: .loginHint("carol")))
            let polls = Mutex(0)
            let progressed = EventCounter<String>()
            let outcome = Box<BackchannelClientError>()
            let task = Task {
                do throws(BackchannelClientError) {
                    _ = try await client.poll(pending) { progress in
                        polls.withLock { $0 = progress.polls }
                        progressed.record("poll")
                    }
                } catch {
                    outcome.set(error)
                }
            }
            // Told before the first wait (no poll yet) and before the second (one poll made).
            await provider.drive(until: { progressed["poll"] >= 2 }, { await progressed.wait(for: "poll", count: 2) }, limit: 20)
            task.cancel()
            await task.value
            #expect(outcome.get == .cancelled)
            await provider.clock.advance(by: 60)
            #expect(polls.withLock { $0 } == 1)
        }
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
