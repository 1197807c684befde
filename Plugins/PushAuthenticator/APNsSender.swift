import BackchannelCore
import Foundation
import JWTKit
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
    private let http: any OutboundHTTPClient
    private let cached = Mutex<(token: String, until: Date)?>(nil)

    init(settings: APNsSettings, http: any OutboundHTTPClient) async throws {
        self.settings = settings
        let pem = try String(contentsOfFile: settings.privateKeyFile, encoding: .utf8)
        signer = JWTKeyCollection()
        await signer.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: settings.keyId))
        self.http = http
    }

    func send(challengeId: String, to device: PushDevice) async -> PushDeliveryOutcome {
        guard let token = device.pushToken, token.allSatisfy({ $0.isHexDigit }) else { return .rejected("the device has no valid push token") }
        let providerToken: String
        do {
            providerToken = try await self.providerToken()
        } catch {
            return .rejected("the provider token could not be signed: \(error)")
        }
        guard let url = URL(string: "\(settings.baseUrl)/3/device/\(token)") else { return .rejected("the APNs URL is not valid") }
        let headers: HTTPHeaderFields = [
            "authorization": "bearer \(providerToken)", "apns-topic": settings.topic, "apns-push-type": "alert", "apns-priority": "10",
            "apns-expiration": "0", "content-type": "application/json",
        ]
        // Nothing about the request in the notification: the app fetches the details itself.
        let payload: [String: Any] = [
            "aps": ["alert": ["title": "Sign-in request", "body": "Open the app to review it"], "mutable-content": 1],
            "challenge_id": challengeId,
        ]
        guard let body = try? JSONSerialization.data(withJSONObject: payload) else { return .rejected("unencodable payload") }
        do {
            let response = try await http.send(
                OutboundHTTPRequest(method: "POST", url: url, headers: headers, body: Array(body)), maxResponseBytes: 16 * 1024)
            let answer = String(decoding: response.body, as: UTF8.self)
            switch response.status {
            case 200: return .delivered
            case 410: return .unregistered
            case 400 where answer.contains("BadDeviceToken"): return .unregistered
            case 403 where answer.contains("ExpiredProviderToken"): cached.withLock { $0 = nil }; return .retryable("APNs: ExpiredProviderToken")
            case 429, 500...599: return .retryable("APNs answered \(response.status)")
            default: return .rejected("APNs answered \(response.status): \(answer.prefix(100))")
            }
        } catch {
            return .retryable(error.code.name)
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
