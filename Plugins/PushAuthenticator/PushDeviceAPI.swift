import BackchannelCore
import Foundation

/// The API enrolled devices call: machine routes under the authenticator's `api/` path (form POSTs, JSON
/// answers; no page, no cookies). Published for app teams in `docs/push-device-api.md`, with test vectors;
/// a change here is a change of that document:
///
/// - `enroll`: `code`, `public_key` (P-256, raw x ‖ y, base64url), `platform` (`fcm`, `apns` or `none`),
///   `push_token`, `hardware_key` (`true` when the key lives in secure hardware), `label` → `device_id`.
/// - `pending`: `device_id`, `timestamp`, `signature` over ``PushSignedMessage/fetch(deviceId:challengeId:timestamp:)``
///   with an empty challenge id → the ids of the user's pending challenges sent to this device.
/// - `challenge`: the same with `challenge_id` → what to show: client, scopes, binding message (or the choices
///   under number matching), the authorization details (`authorization_details`, their canonical JSON as a string,
///   and `authorization_details_summaries`), the nonce and the request hash to sign.
/// - `answer`: `device_id`, `challenge_id`, `decision` (`approve` or `deny`), `picked`, `user_verified`,
///   `authorization_details_sha256` (for a challenge with details: the SHA-256 of the text shown), `signature` over
///   ``PushSignedMessage/answer(challengeId:requestHash:bindingMessage:nonce:decision:picked:userVerified:authorizationDetailsDigest:)``.
///
/// Every refusal is a JSON `error` with a fixed text; nothing the caller sent is echoed.
struct PushDeviceAPI: FrontChannelInteraction {
    let authenticator: PushAuthenticator
    /// How far a device's clock may be from the server's for a signed fetch.
    static let clockSkew: TimeInterval = 60

    /// A form of the device's call.
    struct Form {
        let pairs: [(name: String, value: String)]
        func formValue(_ name: String) -> String? { pairs.first { $0.name == name }?.value }
    }

    /// No pages: a device is not a browser.
    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse {
        .text("Not found", status: 404)
    }

    func respond(toMachine call: MachineRequest) async -> FrontChannelResponse {
        guard call.method == "POST" else { return Self.error("method_not_allowed", status: 405) }
        guard let pairs = try? call.formBody() else { return Self.error("invalid_request", status: 400) }
        let request = Form(pairs: pairs)
        do {
            switch call.path {
            case "enroll": return try await enroll(request)
            case "pending": return try await pending(request)
            case "challenge": return try await challenge(request)
            case "answer": return try await answer(request)
            default: return Self.error("not_found", status: 404)
            }
        } catch {
            authenticator.services.logger.error("the push device API failed", metadata: ["error": "\(error)"])
            return Self.error("temporarily_unavailable", status: 503)
        }
    }

    private func enroll(_ request: Form) async throws -> FrontChannelResponse {
        guard let code = request.formValue("code"), let publicKey = request.formValue("public_key"),
            let platform = request.formValue("platform").flatMap(PushDevice.Platform.init(rawValue:))
        else { return Self.error("invalid_request", status: 400) }
        // The key must be a P-256 public key before the code is spent on it.
        guard let raw = Base64URL.decode(publicKey), raw.count == 64, PushSignedMessage.isPublicKey(raw) else {
            return Self.error("invalid_public_key", status: 400)
        }
        let pushToken = request.formValue("push_token")
        if platform != .none, (pushToken ?? "").isEmpty || (pushToken?.utf8.count ?? 0) > 4096 { return Self.error("invalid_push_token", status: 400) }
        guard let subject = try await authenticator.redeemEnrollmentCode(code) else { return Self.error("invalid_code", status: 400) }
        let device = try await authenticator.enroll(
            subject: subject, publicKey: publicKey, platform: platform, pushToken: platform == .none ? nil : pushToken,
            hardwareKey: request.formValue("hardware_key") == "true", label: request.formValue("label").map { String($0.prefix(64)) })
        authenticator.services.logger.notice("a device enrolled", metadata: ["device_id": "\(device.deviceId)", "platform": "\(platform.rawValue)"])
        return Self.json(["device_id": .string(device.deviceId), "subject": .string(subject)])
    }

    /// The device of a signed fetch, if the signature verifies with its key and the time is current.
    private func signedDevice(_ request: Form, challengeId: String) async throws -> PushDevice? {
        guard let deviceId = request.formValue("device_id"), let signature = request.formValue("signature"),
            let timestamp = request.formValue("timestamp").flatMap(Int.init),
            abs(Double(timestamp) - authenticator.services.clock.now.timeIntervalSince1970) <= Self.clockSkew,
            let device = try await authenticator.devices.load(deviceId)?.value
        else { return nil }
        let message = PushSignedMessage.fetch(deviceId: deviceId, challengeId: challengeId, timestamp: timestamp)
        return PushSignedMessage.verify(signature, over: message, publicKey: device.publicKey) ? device : nil
    }

    private func pending(_ request: Form) async throws -> FrontChannelResponse {
        guard let device = try await signedDevice(request, challengeId: "") else { return Self.error("invalid_signature", status: 401) }
        var ids: [JSONValue] = []
        for challenge in try await authenticator.pendingChallenges(of: device.subject) where challenge.devices.contains(device.deviceId) {
            ids.append(.string(challenge.challengeId))
        }
        return Self.json(["challenges": .array(ids)])
    }

    private func challenge(_ request: Form) async throws -> FrontChannelResponse {
        guard let challengeId = request.formValue("challenge_id"), let device = try await signedDevice(request, challengeId: challengeId) else {
            return Self.error("invalid_signature", status: 401)
        }
        guard let challenge = try await authenticator.challenge(id: challengeId), challenge.conclusion == nil,
            challenge.devices.contains(device.deviceId), challenge.subject == device.subject
        else { return Self.error("not_pending", status: 404) }
        var details: [String: JSONValue] = [
            "challenge_id": .string(challenge.challengeId), "client_name": .string(challenge.clientName),
            "scopes": .array(challenge.scopes.map(JSONValue.string)), "nonce": .string(challenge.nonce), "request_hash": .string(challenge.requestHash),
            "expires_at": .integer(Int(challenge.expiresAt.timeIntervalSince1970)),
        ]
        // Under number matching the message is not shown alone: the user must find it among the choices.
        if let choices = challenge.choices {
            details["choices"] = .array(choices.map(JSONValue.string))
        } else if let message = challenge.bindingMessage {
            details["binding_message"] = .string(message)
        }
        // The exact text the device shows and hashes: one canonical form, so the device signs what it displayed.
        if let authorizationDetails = challenge.authorizationDetails {
            details["authorization_details"] = .string(authorizationDetails.canonicalJSON)
            details["authorization_details_summaries"] = .array(authorizationDetails.entries.map { .string($0.summary) })
        }
        return Self.json(details)
    }

    private func answer(_ request: Form) async throws -> FrontChannelResponse {
        guard let deviceId = request.formValue("device_id"), let challengeId = request.formValue("challenge_id"),
            let decision = request.formValue("decision"), decision == "approve" || decision == "deny", let signature = request.formValue("signature")
        else { return Self.error("invalid_request", status: 400) }
        let picked = request.formValue("picked") ?? ""
        let userVerified = request.formValue("user_verified") == "true"
        guard let device = try await authenticator.devices.load(deviceId)?.value, !device.stale,
            let challenge = try await authenticator.challenge(id: challengeId), challenge.devices.contains(device.deviceId),
            challenge.subject == device.subject
        else { return Self.error("not_pending", status: 404) }
        let shown = challenge.choices == nil ? (challenge.bindingMessage ?? "") : ""
        // A device that showed other details than the request's (an old fetch, a tampered one) cannot approve it.
        let digest = challenge.authorizationDetails?.digest
        if let digest, request.formValue("authorization_details_sha256") != digest {
            authenticator.services.logger.warning(
                "a push answer covered other authorization details", metadata: ["reason": "authorization_details_mismatch", "device_id": "\(deviceId)"])
            return Self.error("authorization_details_mismatch", status: 409)
        }
        let message = PushSignedMessage.answer(
            challengeId: challengeId, requestHash: challenge.requestHash, bindingMessage: shown, nonce: challenge.nonce, decision: decision, picked: picked,
            userVerified: userVerified, authorizationDetailsDigest: digest)
        guard PushSignedMessage.verify(signature, over: message, publicKey: device.publicKey) else {
            authenticator.services.logger.warning("a push answer's signature did not verify", metadata: ["device_id": "\(deviceId)"])
            return Self.error("invalid_signature", status: 401)
        }
        switch try await authenticator.record(answer: decision, picked: picked, userVerified: userVerified, device: device, challenge: challenge) {
        case .approved: return Self.json(["result": .string("approved")])
        case .denied: return Self.json(["result": .string("denied")])
        case .alreadyConcluded: return Self.error("already_answered", status: 409)
        }
    }

    private static func json(_ value: [String: JSONValue]) -> FrontChannelResponse {
        .json(.object(value))
    }

    private static func error(_ code: String, status: Int) -> FrontChannelResponse {
        .json(.object(["error": .string(code)]), status: status)
    }
}
