import BackchannelCore
import Crypto
import Foundation

/// Authenticates a user on their enrolled phone: a push through FCM or APNs carries only an opaque
/// challenge id; the app fetches the details over a call signed with the device's enrolled P-256 key, shows
/// them, and answers with a signature over the request's hash, a server nonce and the decision, which is
/// verified against that key before anything is recorded.
///
/// Devices enroll with a one-time code the operator issues through the admin API
/// (``DeviceEnrollmentIssuer``); a user may have several, each pushed to. A device whose push service
/// says its token is gone is marked stale and skipped from then on; a request no device could be reached
/// for concludes as failed.
public final class PushAuthenticator: BackchannelAuthenticationHandler, DeviceEnrollmentIssuer {
    /// The back-channel descriptor, registered as `"push"` and linked to ``deviceAPIDescriptor``.
    public static let descriptor = BackChannelPluginDescriptor(
        registryName: "push", configuration: PushConfiguration.self, frontChannelName: "push"
    ) { configuration, services in
        try PushAuthenticator(configuration: configuration, services: services)
    }

    /// The front-channel descriptor: the device API (enroll, pending, challenge, answer) under the
    /// authenticator's front-channel path.
    public static let deviceAPIDescriptor = FrontChannelPluginDescriptor(
        registryName: "push", configuration: NoConfiguration.self, handler: PushAuthenticator.self
    ) { _, handler, _ in
        PushDeviceAPI(authenticator: handler)
    }

    static let namespace = "push"
    static let challengeNamespace = "push-challenge"
    static let deviceNamespace = "push-device"
    static let enrollmentNamespace = "push-enrollment"
    private static let retention: TimeInterval = 60

    let configuration: PushConfiguration
    let services: BackchannelHostServices
    /// The senders by platform, made at the first push (reading the keys and signing need `async`).
    private let senders: PushSenders
    let challenges: PluginStateSlot<PushChallenge>
    let devices: PluginStateSlot<PushDevice>
    private let enrollments: PluginStateSlot<PushEnrollmentCode>

    /// Creates the authenticator; its key files must be readable now, so a missing one fails at start-up.
    public convenience init(configuration: PushConfiguration, services: BackchannelHostServices) throws {
        self.init(configuration: configuration, services: services, senders: try PushSenders(configuration: configuration))
    }

    convenience init(configuration: PushConfiguration, services: BackchannelHostServices, senders: [PushDevice.Platform: any PushSender]) {
        self.init(configuration: configuration, services: services, senders: PushSenders(fixed: senders))
    }

    private init(configuration: PushConfiguration, services: BackchannelHostServices, senders: PushSenders) {
        self.configuration = configuration
        self.services = services
        self.challenges = PluginStateSlot(store: services.stateStore, namespace: Self.namespace)
        self.devices = PluginStateSlot(store: services.stateStore, namespace: Self.deviceNamespace)
        self.enrollments = PluginStateSlot(store: services.stateStore, namespace: Self.enrollmentNamespace)
        self.senders = senders
    }

    public func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult {
        guard let user = try await services.userDirectory.user(for: request.hint) else { return .failed(.unknownUserId) }
        let reachable = try await enrolledDevices(of: user.subject).filter { !$0.stale }
        guard !reachable.isEmpty else { return .failed(.unknownUserId, description: "the user has no enrolled device") }
        var choices: [String]?
        if configuration.numberMatching == .bindingMessage {
            guard let message = request.bindingMessage else {
                return .failed(.invalidBindingMessage, description: "number matching needs a binding_message for the user to pick")
            }
            guard let made = PushChoices.make(message, random: services.random) else {
                return .failed(.invalidBindingMessage, description: "number matching needs a binding_message with an ASCII letter or digit to vary")
            }
            choices = made
        }
        let now = services.clock.now
        let challenge = PushChallenge(
            authReqId: request.authReqId.rawValue, challengeId: Self.newChallengeId(services.random), subject: user.subject,
            clientName: request.clientName ?? request.clientId, scopes: request.scopes, bindingMessage: request.bindingMessage,
            nonce: Base64URL.encode(services.random.bytes(count: 16)), choices: choices, devices: reachable.map(\.deviceId),
            expiresAt: request.expiresAt, authorizationDetails: request.authorizationDetails.isEmpty ? nil : request.authorizationDetails)
        guard try await challenges.insert(
            challenge, key: challenge.authReqId, createdAt: now, expiresAt: request.expiresAt.addingTimeInterval(Self.retention))
        else { throw BackchannelHandlerError.duplicateAuthReqId(request.authReqId) }
        // The device finds the request by the challenge id the push carries, or by listing its user's.
        _ = try await services.stateStore.insert(
            PluginStateRecord(
                namespace: Self.challengeNamespace, key: challenge.challengeId, group: user.subject, value: Data(challenge.authReqId.utf8),
                createdAt: now, expiresAt: request.expiresAt))
        await services.background.run("push delivery") { [self] in
            try await deliver(challenge, to: reachable)
        } ifFailed: { [challenges, services] error in
            // Run by the host after no device could be reached, or the delivery was cancelled at shutdown.
            let failure = RecordedConclusion(.failed, at: services.clock.now, reason: "no enrolled device could be reached")
            _ = try? await challenges.conclude(AuthReqId(rawValue: challenge.authReqId), with: failure, reportingTo: services.completionSink)
        }
        return .started
    }

    public func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? {
        try await challenges.load(authReqId.rawValue)?.value.result
    }

    public func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {
        if let challenge = try await challenges.load(authReqId.rawValue)?.value {
            try await services.stateStore.delete(namespace: Self.challengeNamespace, key: challenge.challengeId)
        }
        try await services.stateStore.delete(namespace: Self.namespace, key: authReqId.rawValue)
    }

    // MARK: Delivery

    /// Pushes the challenge id to every device, each with retries and backoff; a device whose token is gone
    /// is marked stale. - Throws: ``PushUnreachable`` when no device could be reached (and none fetches by
    ///   itself): the request fails.
    private func deliver(_ challenge: PushChallenge, to targets: [PushDevice]) async throws {
        var reached = false
        for device in targets {
            guard device.platform != .none else {
                reached = true  // it asks for its pending challenges itself
                continue
            }
            guard let sender = await senders.sender(for: device.platform, logger: services.logger, http: services.http) else {
                services.logger.warning("no push service is configured for a device's platform", metadata: ["platform": "\(device.platform.rawValue)"])
                continue
            }
            var delay = Duration.milliseconds(configuration.retryDelayMs)
            attempts: for attempt in 1...configuration.deliveryAttempts {
                let outcome = await sender.send(challengeId: challenge.challengeId, to: device)
                switch outcome {
                case .delivered:
                    services.deliveries.record(.sent)
                    reached = true
                    break attempts
                case .unregistered:
                    services.deliveries.record(.failed)
                    services.logger.notice("a device's push token is no longer valid; marked stale", metadata: ["device_id": "\(device.deviceId)"])
                    _ = try? await devices.update(device.deviceId) { stored in
                        var stale = stored
                        stale.stale = true
                        return stale
                    }
                    break attempts
                case .rejected(let reason):
                    services.deliveries.record(.failed)
                    services.logger.warning("a push was rejected", metadata: ["device_id": "\(device.deviceId)", "reason": "\(reason)"])
                    break attempts
                case .retryable(let reason):
                    guard attempt < configuration.deliveryAttempts, !Task.isCancelled else {
                        services.deliveries.record(.failed)
                        services.logger.warning("a push failed", metadata: ["device_id": "\(device.deviceId)", "reason": "\(reason)"])
                        break attempts
                    }
                    services.deliveries.record(.retried)
                    try? await Task.sleep(for: delay)
                    delay *= 2
                }
            }
        }
        services.logger.debug(
            "push delivery ended", metadata: ["auth_req_id_sha256": "\(AuthReqId(rawValue: challenge.authReqId))", "devices": "\(targets.count)", "reached": "\(reached)"])
        guard reached else { throw PushUnreachable() }
    }

    // MARK: Enrollment

    public func issueEnrollmentCode(subject: String) async throws -> DeviceEnrollmentCode {
        guard try await services.userDirectory.user(subject: subject) != nil else { throw DeviceEnrollmentError.unknownSubject }
        let id = Hex.encode(services.random.bytes(count: 8))
        let secret = Hex.encode(services.random.bytes(count: 16))
        let now = services.clock.now
        let expiresAt = now.addingTimeInterval(TimeInterval(configuration.enrollmentCodeLifetime))
        _ = try await enrollments.insert(
            PushEnrollmentCode(subject: subject, secretHash: Self.sha256(secret), attempts: 0), key: id, createdAt: now, expiresAt: expiresAt)
        return DeviceEnrollmentCode(code: "\(id)-\(secret)", subject: subject, expiresAt: expiresAt)
    }

    /// Spends an enrollment code: its subject once; `nil` for an unknown, expired, used or wrong one (a wrong
    /// secret counts against the code, which is destroyed after `enrollment_max_attempts`).
    func redeemEnrollmentCode(_ code: String) async throws -> String? {
        let parts = code.split(separator: "-", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].count == 16, let stored = try await enrollments.load(parts[0])?.value, stored.attempts >= 0 else { return nil }
        guard ConstantTime.equals(Self.sha256(parts[1]), stored.secretHash) else {
            if stored.attempts + 1 >= configuration.enrollmentMaxAttempts {
                try await services.stateStore.delete(namespace: Self.enrollmentNamespace, key: parts[0])
            } else {
                _ = try await enrollments.update(parts[0]) { current in
                    var counted = current
                    counted.attempts += 1
                    return counted
                }
            }
            return nil
        }
        // Single use on every node: of two enrollments racing with one code, one wins the compare-and-set.
        let spent = try await enrollments.update(parts[0]) { current in
            guard current.attempts >= 0 else { return nil }
            var used = current
            used.attempts = -1
            return used
        }
        return spent?.subject
    }

    /// Enrolls a device for `subject`.
    func enroll(subject: String, publicKey: String, platform: PushDevice.Platform, pushToken: String?, hardwareKey: Bool, label: String?) async throws
        -> PushDevice
    {
        let device = PushDevice(
            deviceId: Base64URL.encode(services.random.bytes(count: 16)), subject: subject, publicKey: publicKey, platform: platform,
            pushToken: pushToken, hardwareKey: hardwareKey, label: label, enrolledAt: services.clock.now)
        // Devices stay until revoked (a distant expiry).
        _ = try await devices.insert(
            device, key: device.deviceId, group: subject, createdAt: device.enrolledAt, expiresAt: device.enrolledAt.addingTimeInterval(10 * 365 * 86400))
        return device
    }

    /// The user's enrolled devices, stale ones included.
    func enrolledDevices(of subject: String) async throws -> [PushDevice] {
        try await devices.load(group: subject) { record, error in
            // Said, not skipped in silence: an unreadable device is one the user cannot be reached on.
            services.logger.error("a device record cannot be read", metadata: ["device_id": "\(record.key)", "error": "\(error)"])
        }.map(\.value)
    }

    public func enrolledDevices(subject: String) async throws -> [EnrolledDevice] {
        try await enrolledDevices(of: subject).map {
            EnrolledDevice(deviceId: $0.deviceId, platform: $0.platform.rawValue, label: $0.label, enrolledAt: $0.enrolledAt, stale: $0.stale)
        }
    }

    public func revokeDevice(id: String) async throws -> Bool {
        guard try await devices.load(id) != nil else { return false }
        try await services.stateStore.delete(namespace: Self.deviceNamespace, key: id)
        services.logger.notice("a device was revoked", metadata: ["device_id": "\(id)"])
        return true
    }

    // MARK: Answers

    /// What an answer did.
    enum AnswerOutcome: Equatable {
        case approved, denied
        /// The challenge was answered (or concluded otherwise) before: a replay, or a second device.
        case alreadyConcluded
    }

    /// The challenge a push's id names, if it still exists.
    func challenge(id challengeId: String) async throws -> PushChallenge? {
        guard let link = try await services.stateStore.record(namespace: Self.challengeNamespace, key: challengeId) else { return nil }
        return try await challenges.load(String(decoding: link.value, as: UTF8.self))?.value
    }

    /// The user's challenges still waiting for an answer.
    func pendingChallenges(of subject: String) async throws -> [PushChallenge] {
        var pending: [PushChallenge] = []
        for link in try await services.stateStore.records(namespace: Self.challengeNamespace, group: subject) {
            if let challenge = try await challenges.load(String(decoding: link.value, as: UTF8.self))?.value, challenge.conclusion == nil {
                pending.append(challenge)
            }
        }
        return pending
    }

    /// Records a verified answer, once: an approval under number matching needs the right pick (a wrong one
    /// denies). The `amr` says what was proven: possession of the device's key (`swk`). What the device only
    /// says of itself (its key in secure hardware: `hwk`; the user verified: `user`) counts only with
    /// `trust_device_claims`, since nothing here attests it.
    func record(answer decision: String, picked: String, userVerified: Bool, device: PushDevice, challenge: PushChallenge) async throws -> AnswerOutcome {
        var approve = decision == "approve"
        if approve, challenge.choices != nil, picked != challenge.bindingMessage {
            services.logger.notice("a wrong number-matching pick denies the request", metadata: ["device_id": "\(device.deviceId)"])
            approve = false
        }
        let trusted = configuration.trustDeviceClaims
        let amr = [trusted && device.hardwareKey ? "hwk" : "swk"] + (trusted && userVerified ? ["user"] : [])
        let conclusion = approve
            ? RecordedConclusion(.approved, at: services.clock.now) : RecordedConclusion(.denied, at: services.clock.now)
        let concluded = try await challenges.conclude(AuthReqId(rawValue: challenge.authReqId), with: conclusion, reportingTo: services.completionSink) {
            $0.amr = approve ? amr : []
        }
        guard concluded != nil else { return .alreadyConcluded }
        return approve ? .approved : .denied
    }

    /// 128 random bits, base64url, never starting with `-`: an id a user may type as a command's argument without
    /// it reading as an option.
    static func newChallengeId(_ random: any RandomSource) -> String {
        while true {
            let id = Base64URL.encode(random.bytes(count: 16))
            if !id.hasPrefix("-") { return id }
        }
    }

    static func sha256(_ text: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(text.utf8))))
    }
}

/// No device of the user could be reached.
struct PushUnreachable: Error {}
