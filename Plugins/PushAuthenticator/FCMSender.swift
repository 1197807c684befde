import BackchannelCore
import Foundation
import JWTKit
import Synchronization

/// Firebase Cloud Messaging HTTP v1: a service-account JWT exchanged for an OAuth access token (cached until
/// shortly before it expires), then a POST of the message per device.
final class FCMSender: PushSender {
    /// The service account's JSON key, as Google issues it.
    struct ServiceAccount: Decodable, Sendable {
        var clientEmail: String
        var privateKey: String
        var tokenUri: String

        private enum CodingKeys: String, CodingKey {
            case clientEmail = "client_email"
            case privateKey = "private_key"
            case tokenUri = "token_uri"
        }
    }

    private struct AssertionClaims: JWTPayload {
        var iss: String
        var scope: String
        var aud: String
        var iat: Int
        var exp: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private let settings: FCMSettings
    private let account: ServiceAccount
    private let signer: JWTKeyCollection
    private let http: any OutboundHTTPClient
    private let cached = Mutex<(token: String, until: Date)?>(nil)

    init(settings: FCMSettings, http: any OutboundHTTPClient) async throws {
        self.settings = settings
        let data = try Data(contentsOf: URL(fileURLWithPath: settings.serviceAccountFile))
        account = try JSONDecoder().decode(ServiceAccount.self, from: data)
        signer = JWTKeyCollection()
        await signer.add(rsa: try Insecure.RSA.PrivateKey(pem: account.privateKey), digestAlgorithm: .sha256)
        self.http = http
    }

    func send(challengeId: String, to device: PushDevice) async -> PushDeliveryOutcome {
        guard let token = device.pushToken else { return .rejected("the device has no push token") }
        let accessToken: String
        do {
            accessToken = try await self.accessToken()
        } catch {
            return .retryable("no FCM access token: \(error)")
        }
        guard let url = URL(string: "\(settings.baseUrl)/v1/projects/\(settings.projectId)/messages:send") else {
            return .rejected("the FCM URL is not valid")
        }
        let message: [String: Any] = [
            "message": ["token": token, "data": ["challenge_id": challengeId], "android": ["priority": "high"]]
        ]
        guard let body = try? JSONSerialization.data(withJSONObject: message) else { return .rejected("unencodable message") }
        let headers: HTTPHeaderFields = ["Authorization": "Bearer \(accessToken)", "Content-Type": "application/json"]
        do {
            let response = try await http.send(OutboundHTTPRequest(method: "POST", url: url, headers: headers, body: Array(body)), maxResponseBytes: 64 * 1024)
            switch response.status {
            case 200: return .delivered
            case 404 where String(decoding: response.body, as: UTF8.self).contains("UNREGISTERED"): return .unregistered
            case 401: cached.withLock { $0 = nil }; return .retryable("FCM refused the access token")
            case 429, 500...599: return .retryable("FCM answered \(response.status)")
            default: return .rejected("FCM answered \(response.status)")
            }
        } catch {
            return .retryable(error.code.name)
        }
    }

    /// The OAuth access token for FCM: cached, or obtained with a fresh service-account assertion (RFC 7523).
    private func accessToken() async throws -> String {
        let now = Date()
        if let cached = cached.withLock({ $0 }), cached.until > now { return cached.token }
        let iat = Int(now.timeIntervalSince1970)
        let assertion = try await signer.sign(
            AssertionClaims(
                iss: account.clientEmail, scope: "https://www.googleapis.com/auth/firebase.messaging", aud: account.tokenUri, iat: iat, exp: iat + 3600))
        guard let url = URL(string: account.tokenUri) else { throw FCMError.tokenExchange(0) }
        var request = OutboundHTTPRequest(method: "POST", url: url)
        request.setFormBody([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
        let response = try await http.send(request, maxResponseBytes: 64 * 1024)
        guard response.status == 200, let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let token = json["access_token"] as? String
        else { throw FCMError.tokenExchange(response.status) }
        let lifetime = (json["expires_in"] as? Int) ?? 3600
        cached.withLock { $0 = (token, now.addingTimeInterval(TimeInterval(max(lifetime - 60, 30)))) }
        return token
    }

    enum FCMError: Error { case tokenExchange(Int) }
}
