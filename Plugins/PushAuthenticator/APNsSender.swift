import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import Synchronization

/// The Apple Push Notification service, token-based: an ES256 provider token (`iss` the team, `kid` the key,
/// renewed every 50 minutes, as APNs allows one per 20 to 60), and an HTTP/2 POST to `/3/device/<token>`.
final class APNsSender: PushSender {
    private struct ProviderClaims: JWTPayload {
        var iss: String
        var iat: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private let settings: APNsSettings
    private let signer: JWTKeyCollection
    private let httpClient: HTTPClient
    private let cached = Mutex<(token: String, until: Date)?>(nil)

    init(settings: APNsSettings, httpClient: HTTPClient) async throws {
        self.settings = settings
        let pem = try String(contentsOfFile: settings.privateKeyFile, encoding: .utf8)
        signer = JWTKeyCollection()
        await signer.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: settings.keyId))
        self.httpClient = httpClient
    }

    func send(challengeId: String, to device: PushDevice) async -> PushDeliveryOutcome {
        guard let token = device.pushToken, token.allSatisfy({ $0.isHexDigit }) else { return .rejected("the device has no valid push token") }
        let providerToken: String
        do {
            providerToken = try await self.providerToken()
        } catch {
            return .rejected("the provider token could not be signed: \(error)")
        }
        var request = HTTPClientRequest(url: "\(settings.baseUrl)/3/device/\(token)")
        request.method = .POST
        request.headers.add(name: "authorization", value: "bearer \(providerToken)")
        request.headers.add(name: "apns-topic", value: settings.topic)
        request.headers.add(name: "apns-push-type", value: "alert")
        request.headers.add(name: "apns-priority", value: "10")
        request.headers.add(name: "apns-expiration", value: "0")
        request.headers.add(name: "content-type", value: "application/json")
        // Nothing about the request in the notification: the app fetches the details itself.
        let payload: [String: Any] = [
            "aps": ["alert": ["title": "Sign-in request", "body": "Open the app to review it"], "mutable-content": 1],
            "challenge_id": challengeId,
        ]
        guard let body = try? JSONSerialization.data(withJSONObject: payload) else { return .rejected("unencodable payload") }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(10))
            let answer = String(buffer: try await response.body.collect(upTo: 16 * 1024))
            switch response.status.code {
            case 200: return .delivered
            case 410: return .unregistered
            case 400 where answer.contains("BadDeviceToken"): return .unregistered
            case 403 where answer.contains("ExpiredProviderToken"): cached.withLock { $0 = nil }; return .retryable("APNs: ExpiredProviderToken")
            case 429, 500...599: return .retryable("APNs answered \(response.status.code)")
            default: return .rejected("APNs answered \(response.status.code): \(answer.prefix(100))")
            }
        } catch {
            return .retryable("\(error)")
        }
    }

    private func providerToken() async throws -> String {
        let now = Date()
        if let cached = cached.withLock({ $0 }), cached.until > now { return cached.token }
        let token = try await signer.sign(ProviderClaims(iss: settings.teamId, iat: Int(now.timeIntervalSince1970)), kid: JWKIdentifier(string: settings.keyId))
        cached.withLock { $0 = (token, now.addingTimeInterval(50 * 60)) }
        return token
    }
}
