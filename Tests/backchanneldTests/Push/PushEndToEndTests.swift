import BackchannelClient
import BackchannelCore
import BackchannelTesting
import CertificateFixtures
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdHTTP2
import JWTKit
import NIOSSL
import Synchronization
import Testing

/// The push authenticator in the stock `backchanneld` over real HTTP, with local stand-ins for FCM (HTTP/1.1:
/// its OAuth token endpoint and messages:send) and APNs (HTTP/2 over TLS) that check what the real services
/// check and answer what they answer, and devices driven by the client library as a phone app would.
@Suite("push authenticator end to end, with FCM and APNs stand-ins", .serialized, .timeLimit(.minutes(3)),
    .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
struct PushEndToEndTests {
    static let adminToken = "push-admin-token-0123456789abcdef0123"
    /// A push token both stand-ins answer as no longer registered.
    static let goneToken = "deadbeef00000000000000000000000000000000000000000000000000000000"
    /// A push token FCM answers 503 at its first message.
    static let flakyToken = "fcm-token-of-a-phone-behind-a-busy-fcm"

    /// What the stand-ins saw.
    final class Seen: Sendable {
        let fcm = Mutex<[(token: String, challengeId: String)]>([])
        let apns = Mutex<[(token: String, challengeId: String, http2: Bool)]>([])
        let refusals = Mutex<[String]>([])
        /// Access tokens the FCM stand-in issued: one while it is cached.
        let exchanges = Mutex(0)
        /// The pushes each stand-in took, for tests to wait on.
        let pushes = EventCounter<String>()

        func refuse(_ why: String) -> Response {
            refusals.withLock { $0.append(why) }
            return Response(status: .unauthorized)
        }
    }

    /// The keys and files of one run: the FCM service account, the APNs key, the stand-in's TLS.
    struct Fixture {
        let directory: URL
        let ca: TestCertificateAuthority
        let fcmKey = try! Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048))
        let apnsKey = ES256PrivateKey()
        let fcmPort: Int
        let apnsPort: Int

        init() throws {
            directory = try ChildProcess.temporaryDirectory("push")
            ca = try TestCertificateAuthority()
            fcmPort = try LoopbackPort.free()
            apnsPort = try LoopbackPort.free()
            let account: [String: String] = [
                "type": "service_account", "client_email": "backchannel@bank.iam.gserviceaccount.com", "private_key": fcmKey.pemRepresentation,
                "token_uri": "http://127.0.0.1:\(fcmPort)/token",
            ]
            try JSONSerialization.data(withJSONObject: account).write(to: directory.appendingPathComponent("fcm.json"))
            try apnsKey.pemRepresentation.write(to: directory.appendingPathComponent("apns.p8"), atomically: true, encoding: .utf8)
            try ca.pem.write(to: directory.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    }

    /// FCM HTTP v1: the token endpoint verifies the service account's assertion (RFC 7523) and issues an access
    /// token; messages:send wants it, and a message that carries a device token and nothing but the challenge id.
    static func fcm(_ fixture: Fixture, _ seen: Seen) async throws -> Router<BasicRequestContext> {
        let keys = JWTKeyCollection()
        await keys.add(rsa: fixture.fcmKey.publicKey, digestAlgorithm: .sha256)
        let issued = Mutex<Set<String>>([])
        let router = Router()
        router.post("/token") { request, _ -> Response in
            let form = String(buffer: try await request.body.collect(upTo: 64 * 1024))
            let pairs = Dictionary(form.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" } }
                .filter { $0.count == 2 }.map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
            guard pairs["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let assertion = pairs["assertion"],
                let claims = try? await keys.verify(assertion, as: ServiceAccountClaims.self),
                claims.iss == "backchannel@bank.iam.gserviceaccount.com", claims.aud == "http://127.0.0.1:\(fixture.fcmPort)/token",
                claims.scope.split(separator: " ").contains("https://www.googleapis.com/auth/firebase.messaging"),
                Double(claims.exp) > Date().timeIntervalSince1970
            else { return seen.refuse("fcm token exchange") }
            let token = "ya29.\(UUID().uuidString)"
            issued.withLock { _ = $0.insert(token) }
            seen.exchanges.withLock { $0 += 1 }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"access_token":"\#(token)","expires_in":3599,"token_type":"Bearer"}"#)))
        }
        router.post("/v1/projects/my-bank-app/messages:send") { request, _ -> Response in
            guard let bearer = request.headers[.authorization], bearer.hasPrefix("Bearer "),
                issued.withLock({ $0.contains(String(bearer.dropFirst(7))) })
            else { return seen.refuse("fcm bearer") }
            let body = Data((try await request.body.collect(upTo: 64 * 1024)).readableBytesView)
            guard let json = try JSONSerialization.jsonObject(with: body) as? [String: Any], let message = json["message"] as? [String: Any],
                let token = message["token"] as? String, let data = message["data"] as? [String: String], Array(data.keys) == ["challenge_id"],
                let challengeId = data["challenge_id"]
            else { return Response(status: .badRequest) }
            let attempt = seen.fcm.withLock { seen in
                seen.append((token, challengeId))
                return seen.filter { $0.token == token }.count
            }
            seen.pushes.record("fcm")
            if token == flakyToken, attempt == 1 {
                return Response(status: .serviceUnavailable)  // FCM's "try again later"
            }
            if token == goneToken {
                return Response(
                    status: .notFound, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":{"code":404,"status":"NOT_FOUND","details":[{"errorCode":"UNREGISTERED"}]}}"#)))
            }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"name":"projects/my-bank-app/messages/1"}"#)))
        }
        return router
    }

    /// APNs: a provider token signed by the team's key under its key id, the bundle's topic, the push type,
    /// a hex device token; `410 Unregistered` for a token that is gone.
    static func apns(_ fixture: Fixture, _ seen: Seen) async -> Router<BasicRequestContext> {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: fixture.apnsKey.publicKey, kid: "KEY1234567")
        let router = Router()
        router.post("/3/device/{token}") { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            guard let authorization = request.headers[.authorization], authorization.hasPrefix("bearer "),
                let claims = try? await keys.verify(String(authorization.dropFirst(7)), as: ProviderClaims.self), claims.iss == "ABCDE12345"
            else { return seen.refuse("apns provider token") }
            guard request.headers[HTTPField.Name("apns-topic")!] == "com.example.bank", request.headers[HTTPField.Name("apns-push-type")!] == "alert",
                token.allSatisfy(\.isHexDigit)
            else { return Response(status: .badRequest) }
            let body = Data((try await request.body.collect(upTo: 4096)).readableBytesView)
            guard let json = try JSONSerialization.jsonObject(with: body) as? [String: Any], json["aps"] != nil, let challengeId = json["challenge_id"] as? String,
                Set(json.keys) == ["aps", "challenge_id"]
            else { return Response(status: .badRequest) }
            // An HTTP/2 request carries its :scheme pseudo-header (https here); Hummingbird marks HTTP/1.1 ones http.
            seen.apns.withLock { $0.append((token, challengeId, request.head.scheme == "https")) }
            seen.pushes.record("apns")
            if token == goneToken {
                return Response(
                    status: .gone, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"reason":"Unregistered","timestamp":1700000000000}"#)))
            }
            return Response(status: .ok, headers: [HTTPField.Name("apns-id")!: UUID().uuidString])
        }
        return router
    }

    func withServer(numberMatching: Bool = false, _ body: (BackchanneldProcess, Fixture, Seen) async throws -> Void) async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let seen = Seen()
        let server = try fixture.ca.issue(commonName: "127.0.0.1", ipAddresses: [[127, 0, 0, 1]], serverAuth: true)
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(try server.pem.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server.keyPem.utf8), format: .pem)))
        let file = fixture.directory.appendingPathComponent("backchannel.yaml")
        try """
            server:
              operations: { admin_token: "\(Self.adminToken)" }
            clients:
              - { client_id: console, client_secret: console-secret-0042 }
            authenticators:
              - plugin: push
                configuration:
                  fcm: { project_id: my-bank-app, service_account_file: "\(fixture.path("fcm.json"))", base_url: "http://127.0.0.1:\(fixture.fcmPort)" }
                  apns:
                    team_id: ABCDE12345
                    key_id: KEY1234567
                    private_key_file: "\(fixture.path("apns.p8"))"
                    topic: com.example.bank
                    base_url: "https://127.0.0.1:\(fixture.apnsPort)"
                    ca_file: "\(fixture.path("ca.pem"))"
                  retry_delay_ms: 20
                  number_matching: \(numberMatching ? "binding_message" : "off")
            users:
              - { subject: alice }
              - { subject: bob }
            """.write(to: file, atomically: true, encoding: .utf8)
        let fcm = try await Self.fcm(fixture, seen)
        let apns = await Self.apns(fixture, seen)
        try await LoopbackHTTPServer.serve(fcm, port: fixture.fcmPort, label: "fcm-stand-in") {
            try await LoopbackHTTPServer.serve(apns, port: fixture.apnsPort, label: "apns-stand-in", server: try .http2Upgrade(tlsConfiguration: tls)) {
                let node = try await BackchanneldProcess(
                    arguments: ["--config", file.path, "--data-dir", fixture.directory.appendingPathComponent("data").path],
                    log: fixture.directory.appendingPathComponent("log"), logLevel: "debug")
                defer { node.stop() }
                try await body(node, fixture, seen)
            }
        }
        #expect(seen.refusals.withLock { $0 }.isEmpty)
    }

    /// A device enrolled for `subject` through the admin API's one-time code.
    func enroll(_ node: BackchanneldProcess, subject: String, platform: String, pushToken: String) async throws -> PushDeviceClient.Enrollment {
        let issued = try await HTTPPeer.post(
            "\(node.operationsURL)/admin/authenticators/push/enrollment-codes?subject=\(subject)", form: [],
            headers: [("Authorization", "Bearer \(Self.adminToken)")])
        #expect(issued.status == 201, "\(issued.text)")
        let code = try #require(issued.json["code"]?.stringValue)
        return try await PushDeviceClient().enroll(apiURL: "\(node.baseURL)/authn/push/api/", code: code, platform: platform, pushToken: pushToken)
    }

    func start(_ node: BackchanneldProcess, _ user: String) async throws -> String {
        let ack = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", user), ("binding_message", "K7 PAY")],
            basic: ("console", "console-secret-0042"))
        return try #require(ack.json["auth_req_id"]?.stringValue, "\(ack.text)")
    }

    func poll(_ node: BackchanneldProcess, _ id: String) async throws -> HTTPPeer.Answer {
        try await HTTPPeer.post(
            "\(node.baseURL)/token", form: [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)], basic: ("console", "console-secret-0042"))
    }

    /// Waits until the FCM and APNs stand-ins have taken so many pushes.
    func waitFor(_ seen: Seen, fcm: Int = 0, apns: Int = 0) async {
        await seen.pushes.wait(for: "fcm", count: fcm)
        await seen.pushes.wait(for: "apns", count: apns)
    }

    @Test("enroll two phones; APNs says one is unregistered (marked stale, not pushed again); the FCM one fetches, approves with its signature, and the client gets tokens")
    func flowWithStaleDevice() async throws {
        try await withServer { node, _, seen in
            _ = try await enroll(node, subject: "alice", platform: "apns", pushToken: Self.goneToken)
            let phone = try await enroll(node, subject: "alice", platform: "fcm", pushToken: "fcm-token-of-alices-phone")
            let id = try await start(node, "alice")
            await waitFor(seen, fcm: 1, apns: 1)
            let pushed = try #require(seen.fcm.withLock { $0.first })
            #expect(pushed.token == "fcm-token-of-alices-phone")
            #expect(seen.apns.withLock { $0.first?.http2 } == true)

            let client = PushDeviceClient()
            let challenge = try await client.challenge(pushed.challengeId, phone)
            #expect(challenge.bindingMessage == "K7 PAY" && challenge.clientName == "console")
            // Refused over HTTP, recording nothing: a signature by another key, a signature over an altered message.
            var impostor = phone
            impostor.privateKeyPEM = P256KeyPEM.fresh()
            let forged = await #expect(throws: PushDeviceClient.Failure.self) { try await client.answer(challenge, approve: true, impostor) }
            #expect(forged?.status == 401 && forged?.error == "invalid_signature")
            var altered = challenge
            altered.bindingMessage = "K8 PAY"
            let tampered = await #expect(throws: PushDeviceClient.Failure.self) { try await client.answer(altered, approve: true, phone) }
            #expect(tampered?.status == 401 && tampered?.error == "invalid_signature")
            #expect(try await poll(node, id).json["error"] == .string("authorization_pending"))

            #expect(try await client.answer(challenge, approve: true, phone) == "approved")
            // The same answer again is a replay.
            let replay = await #expect(throws: PushDeviceClient.Failure.self) { try await client.answer(challenge, approve: true, phone) }
            #expect(replay?.status == 409)
            let tokens = try await poll(node, id)
            #expect(tokens.status == 200, "\(tokens.text)")

            // The access token was cached: one exchange for both pushes so far is checked below.
            // The stale phone is skipped from now on: the next request reaches FCM only.
            _ = try await start(node, "alice")
            await waitFor(seen, fcm: 2)
            // The second request's delivery has ended (it says so): whatever it pushed is in.
            #expect(await node.output.waitFor("push delivery ended", count: 2))
            #expect(seen.apns.withLock { $0.count } == 1)
            #expect(seen.exchanges.withLock { $0 } == 1)

            // The admin API lists alice's devices (the stale one marked) and revokes one: its key then proves nothing.
            let admin = [("Authorization", "Bearer \(Self.adminToken)")]
            let listed = try await HTTPPeer.get("\(node.operationsURL)/admin/authenticators/push/devices?subject=alice", headers: admin)
            guard case .array(let devices) = listed.json["devices"] else { Issue.record("no devices: \(listed.text)"); return }
            #expect(devices.count == 2)
            #expect(devices.contains { $0.objectValue?["stale"] == .bool(true) && $0.objectValue?["platform"] == .string("apns") })
            let revoked = try await HTTPPeer.post(
                "\(node.operationsURL)/admin/authenticators/push/devices/\(phone.deviceId)/revoke", form: [], headers: admin)
            #expect(revoked.status == 200)
            let refused = await #expect(throws: PushDeviceClient.Failure.self) { try await client.pending(phone) }
            #expect(refused?.status == 401)
        }
    }
}

/// A fresh P-256 private key, PEM: another device's.
private enum P256KeyPEM {
    static func fresh() -> String { ES256PrivateKey().pemRepresentation }
}

private struct ServiceAccountClaims: JWTPayload {
    var iss: String
    var scope: String
    var aud: String
    var iat: Int
    var exp: Int
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

private struct ProviderClaims: JWTPayload {
    var iss: String
    var iat: Int
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
