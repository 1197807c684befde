import BackchannelCore
import Crypto
import Foundation

/// The phone's side of Backchannel's push authenticator (the `push` plugin): enrollment with a one-time code,
/// then signed fetches of pending challenges and signed answers, with a P-256 key that never leaves the
/// device. What an authenticator app does (the `backchannel device` commands use it).
public struct PushDeviceClient: Sendable {
    /// An enrolled device: what it must keep (its id and private key) to answer later.
    public struct Enrollment: Codable, Sendable, Hashable {
        /// The device API's base URL (`<issuer>/authn/<authenticator>/api/`).
        public var apiURL: String
        /// The id the server gave the device.
        public var deviceId: String
        /// The user it was enrolled for.
        public var subject: String
        /// The private key, PEM.
        public var privateKeyPEM: String

        private enum CodingKeys: String, CodingKey {
            case apiURL = "api_url"
            case deviceId = "device_id"
            case subject
            case privateKeyPEM = "private_key_pem"
        }
    }

    /// A challenge's details, as the device shows them.
    public struct Challenge: Sendable, Hashable {
        /// The id the push carried.
        public var challengeId: String
        /// Who asks.
        public var clientName: String
        /// What they ask for.
        public var scopes: [String]
        /// The message the consumption device shows, when there is no number matching.
        public var bindingMessage: String?
        /// Under number matching, the messages to pick the consumption device's one from.
        public var choices: [String]?
        /// What the user is asked to approve beyond the scopes (RFC 9396), as the server sent it: a JSON array.
        public var authorizationDetails: JSONValue?
        /// Each entry of ``authorizationDetails`` in a line of text, in order.
        public var authorizationDetailsSummaries: [String]
        let nonce: String
        let requestHash: String
        /// The exact text of the details shown, whose SHA-256 the answer signs.
        let authorizationDetailsText: String?
    }

    /// Why a device call failed: the server's `error`, or the transport's.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The HTTP status, 0 when nothing was answered.
        public var status: Int
        /// The server's `error`, or what went wrong.
        public var error: String
        public var description: String { status == 0 ? error : "\(error) (HTTP \(status))" }
    }

    private let transport: FormTransport

    /// A client trusting the system's certificate authorities.
    public init() {
        transport = FormTransport(httpClient: FailFastHTTPClient.shared, timeout: .seconds(30))
    }

    /// A client that also trusts `trustRootsPEM` (PEM certificates) for the server's certificate: a private CA.
    /// - Throws: ``ClientTLSIdentity/Invalid`` when it holds no certificate.
    public init(trustRootsPEM: String) throws(ClientTLSIdentity.Invalid) {
        transport = FormTransport(httpClient: try TrustRootsHTTPClient.client(trusting: trustRootsPEM), timeout: .seconds(30))
    }

    /// Enrolls this device: makes a key pair and registers its public half with the one-time `code`.
    /// - Parameters:
    ///   - apiURL: The device API (`<issuer>/authn/<authenticator name>/api/`).
    ///   - platform: `fcm`, `apns`, or `none` for a device that asks for its challenges itself.
    ///   - hardwareKey: Whether the key lives in secure hardware (what a phone's keystore gives; `false` here).
    public func enroll(
        apiURL: String, code: String, platform: String = "none", pushToken: String? = nil, hardwareKey: Bool = false, label: String? = nil
    ) async throws(Failure) -> Enrollment {
        let key = P256.Signing.PrivateKey()
        var form = [("code", code), ("public_key", Base64URL.encode(key.publicKey.rawRepresentation)), ("platform", platform)]
        if let pushToken { form.append(("push_token", pushToken)) }
        if hardwareKey { form.append(("hardware_key", "true")) }
        if let label { form.append(("label", label)) }
        let answer = try await post(apiURL, "enroll", form)
        guard let deviceId = answer["device_id"]?.stringValue, let subject = answer["subject"]?.stringValue else {
            throw Failure(status: 200, error: "the enrollment answer lacks device_id")
        }
        return Enrollment(apiURL: apiURL, deviceId: deviceId, subject: subject, privateKeyPEM: key.pemRepresentation)
    }

    /// The challenges waiting for this device's answer.
    public func pending(_ enrollment: Enrollment) async throws(Failure) -> [Challenge] {
        let answer = try await post(enrollment.apiURL, "pending", try signedFetch(enrollment, challengeId: ""))
        guard case .array(let ids) = answer["challenges"] else { throw Failure(status: 200, error: "the answer lacks challenges") }
        var challenges: [Challenge] = []
        for case .string(let id) in ids { challenges.append(try await challenge(id, enrollment)) }
        return challenges
    }

    /// One challenge's details.
    public func challenge(_ challengeId: String, _ enrollment: Enrollment) async throws(Failure) -> Challenge {
        let answer = try await post(enrollment.apiURL, "challenge", try signedFetch(enrollment, challengeId: challengeId) + [("challenge_id", challengeId)])
        return try Self.challenge(challengeId, from: answer)
    }

    /// A challenge from the server's answer to `challenge` (docs/push-device-api.md).
    static func challenge(_ challengeId: String, from answer: [String: JSONValue]) throws(Failure) -> Challenge {
        guard let clientName = answer["client_name"]?.stringValue, let nonce = answer["nonce"]?.stringValue,
            let requestHash = answer["request_hash"]?.stringValue
        else { throw Failure(status: 200, error: "the challenge lacks its details") }
        func strings(_ value: JSONValue?) -> [String]? {
            guard case .array(let items) = value else { return nil }
            return items.compactMap(\.stringValue)
        }
        let detailsText = answer["authorization_details"]?.stringValue
        return Challenge(
            challengeId: challengeId, clientName: clientName, scopes: strings(answer["scopes"]) ?? [], bindingMessage: answer["binding_message"]?.stringValue,
            choices: strings(answer["choices"]),
            authorizationDetails: detailsText.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) },
            authorizationDetailsSummaries: strings(answer["authorization_details_summaries"]) ?? [], nonce: nonce, requestHash: requestHash,
            authorizationDetailsText: detailsText)
    }

    /// Answers a challenge, signed with the device's key. - Returns: `approved` or `denied`, as recorded.
    /// - Parameters:
    ///   - picked: Under number matching, the choice the user picked.
    ///   - userVerified: Whether the device verified the user locally (biometrics, a PIN).
    public func answer(
        _ challenge: Challenge, approve: Bool, picked: String? = nil, userVerified: Bool = false, _ enrollment: Enrollment
    ) async throws(Failure) -> String {
        let decision = approve ? "approve" : "deny"
        let (message, digest) = Self.answerMessage(challenge, decision: decision, picked: picked, userVerified: userVerified)
        var form = [
            ("device_id", enrollment.deviceId), ("challenge_id", challenge.challengeId), ("decision", decision),
            ("signature", try sign(message, enrollment)),
        ]
        if let picked { form.append(("picked", picked)) }
        if userVerified { form.append(("user_verified", "true")) }
        if let digest { form.append(("authorization_details_sha256", digest)) }
        let answer = try await post(enrollment.apiURL, "answer", form)
        return answer["result"]?.stringValue ?? ""
    }

    /// The signed message of an answer (docs/push-device-api.md), and the digest of the authorization details shown
    /// (the text received: its hash says exactly what the user saw), if the challenge has any.
    static func answerMessage(_ challenge: Challenge, decision: String, picked: String?, userVerified: Bool) -> (message: Data, digest: String?) {
        var lines = [
            "backchannel-push/v1 answer", challenge.challengeId, challenge.requestHash, challenge.choices == nil ? (challenge.bindingMessage ?? "") : "",
            challenge.nonce, decision, picked ?? "", userVerified ? "uv" : "-",
        ]
        let digest = challenge.authorizationDetailsText.map { Base64URL.encode(SHA256.hash(data: Data($0.utf8))) }
        if let digest { lines.append(digest) }
        return (Data(lines.joined(separator: "\n").utf8), digest)
    }

    /// The signed message of a fetch: `challengeId` empty for the list of pending ones.
    static func fetchMessage(deviceId: String, challengeId: String, timestamp: Int) -> Data {
        Data(["backchannel-push/v1 fetch", deviceId, challengeId, String(timestamp)].joined(separator: "\n").utf8)
    }

    private func signedFetch(_ enrollment: Enrollment, challengeId: String) throws(Failure) -> [(String, String)] {
        let timestamp = Int(Date().timeIntervalSince1970)
        let message = Self.fetchMessage(deviceId: enrollment.deviceId, challengeId: challengeId, timestamp: timestamp)
        return [("device_id", enrollment.deviceId), ("timestamp", String(timestamp)), ("signature", try sign(message, enrollment))]
    }

    private func sign(_ message: Data, _ enrollment: Enrollment) throws(Failure) -> String {
        do {
            let key = try P256.Signing.PrivateKey(pemRepresentation: enrollment.privateKeyPEM)
            return Base64URL.encode(try key.signature(for: message).rawRepresentation)
        } catch {
            throw Failure(status: 0, error: "the device key cannot sign: \(error)")
        }
    }

    private func post(_ apiURL: String, _ path: String, _ form: [(String, String)]) async throws(Failure) -> [String: JSONValue] {
        let base = apiURL.hasSuffix("/") ? apiURL : apiURL + "/"
        let answer: FormTransport.Answer
        do {
            answer = try await transport.post(base + path, form: form, authorization: nil)
        } catch {
            throw Failure(status: 0, error: "\(error)")
        }
        guard answer.status == 200 else { throw Failure(status: answer.status, error: answer.json["error"]?.stringValue ?? "unexpected answer") }
        return answer.json
    }
}
