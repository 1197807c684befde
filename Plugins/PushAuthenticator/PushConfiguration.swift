import BackchannelCore

/// The push authenticator's configuration (snake_case keys in the file).
///
/// ```yaml
/// configuration:
///   fcm:                                   # Firebase Cloud Messaging, HTTP v1
///     project_id: my-bank-app
///     service_account_file: /etc/backchannel/fcm-service-account.json   # its token_uri is used as is
///     base_url: https://fcm.googleapis.com
///   apns:                                  # Apple Push Notification service, HTTP/2
///     team_id: ABCDE12345
///     key_id: KEY1234567
///     private_key_file: /etc/backchannel/AuthKey_KEY1234567.p8
///     topic: com.example.bank              # the app's bundle id
///     base_url: https://api.push.apple.com
///   number_matching: binding_message       # off (default) | binding_message
///   enrollment_code_lifetime: 600
///   enrollment_max_attempts: 5
///   delivery_attempts: 3
///   trust_device_claims: false             # true only for devices attested out of band
/// ```
public struct PushConfiguration: Decodable, Sendable, Hashable {
    /// How the user shows they see the request the consumption device shows (against push fatigue).
    public enum NumberMatching: String, ConfigurationEnum, Sendable, Hashable {
        /// The device shows the request and asks approve or deny.
        case off
        /// The device shows the client's binding message among decoys of the same shape; approving takes
        /// picking the one the consumption device shows, and a wrong pick denies. Requests must carry one.
        case bindingMessage = "binding_message"
    }

    /// `fcm`: delivery to Android (and web) devices.
    public var fcm: FCMSettings?
    /// `apns`: delivery to Apple devices.
    public var apns: APNsSettings?
    /// `number_matching`.
    public var numberMatching: NumberMatching = .off
    /// `enrollment_code_lifetime`: seconds an enrollment code stays usable.
    public var enrollmentCodeLifetime: Int = 600
    /// `enrollment_max_attempts`: wrong secrets for one enrollment code before it is destroyed.
    public var enrollmentMaxAttempts: Int = 5
    /// `delivery_attempts`: attempts per device (with backoff) before that device counts as failed.
    public var deliveryAttempts: Int = 3
    /// `retry_delay_ms`: the first backoff, doubled at each retry.
    public var retryDelayMs: Int = 200
    /// `trust_device_claims`: whether what a device says of itself (its key in secure hardware, the user
    /// verified on it) goes into `amr` as `hwk` and `user`. Nothing here attests those claims, so by default
    /// an approval proves only possession of the enrolled key (`swk`); set it only for devices whose app
    /// and key storage are attested by other means (a managed fleet).
    public var trustDeviceClaims: Bool = false

    /// A configuration.
    public init(fcm: FCMSettings? = nil, apns: APNsSettings? = nil, numberMatching: NumberMatching = .off, trustDeviceClaims: Bool = false) {
        self.fcm = fcm
        self.apns = apns
        self.numberMatching = numberMatching
        self.trustDeviceClaims = trustDeviceClaims
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case fcm, apns, numberMatching, enrollmentCodeLifetime, enrollmentMaxAttempts, deliveryAttempts, retryDelayMs, trustDeviceClaims
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fcm = try container.decodeIfPresent(FCMSettings.self, forKey: .fcm)
        apns = try container.decodeIfPresent(APNsSettings.self, forKey: .apns)
        numberMatching = try container.decodeIfPresent(NumberMatching.self, forKey: .numberMatching) ?? .off
        enrollmentCodeLifetime = try container.decodePositive(.enrollmentCodeLifetime, default: enrollmentCodeLifetime)
        enrollmentMaxAttempts = try container.decodePositive(.enrollmentMaxAttempts, default: enrollmentMaxAttempts)
        deliveryAttempts = try container.decodePositive(.deliveryAttempts, default: deliveryAttempts)
        retryDelayMs = try container.decodePositive(.retryDelayMs, default: retryDelayMs)
        trustDeviceClaims = try container.decodeIfPresent(Bool.self, forKey: .trustDeviceClaims) ?? false
    }
}

/// `fcm:` Firebase Cloud Messaging HTTP v1.
public struct FCMSettings: Decodable, Sendable, Hashable {
    /// `project_id`.
    public var projectId: String
    /// `service_account_file`: the service account's JSON key (`client_email`, `private_key`, `token_uri`).
    public var serviceAccountFile: String
    /// `base_url`: FCM's API; a stand-in's in tests.
    public var baseUrl: String = "https://fcm.googleapis.com"

    private enum CodingKeys: String, CodingKey, CaseIterable { case projectId, serviceAccountFile, baseUrl }

    /// Settings.
    public init(projectId: String, serviceAccountFile: String, baseUrl: String = "https://fcm.googleapis.com") {
        self.projectId = projectId
        self.serviceAccountFile = serviceAccountFile
        self.baseUrl = baseUrl
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        projectId = try container.decode(String.self, forKey: .projectId)
        serviceAccountFile = try container.decode(String.self, forKey: .serviceAccountFile)
        baseUrl = try container.decodeIfPresent(String.self, forKey: .baseUrl) ?? baseUrl
    }
}

/// `apns:` the Apple Push Notification service, token-based.
public struct APNsSettings: Decodable, Sendable, Hashable {
    /// `team_id`: the provider token's issuer.
    public var teamId: String
    /// `key_id`: the signing key's id.
    public var keyId: String
    /// `private_key_file`: the `.p8` (PEM) ES256 key.
    public var privateKeyFile: String
    /// `topic`: the app's bundle id (`apns-topic`).
    public var topic: String
    /// `base_url`: APNs' API (`https://api.sandbox.push.apple.com` for development); a stand-in's in tests.
    public var baseUrl: String = "https://api.push.apple.com"
    /// `ca_file`: extra certificate authorities to trust for `base_url` (a stand-in's, in tests).
    public var caFile: String?

    private enum CodingKeys: String, CodingKey, CaseIterable { case teamId, keyId, privateKeyFile, topic, baseUrl, caFile }

    /// Settings.
    public init(teamId: String, keyId: String, privateKeyFile: String, topic: String, baseUrl: String = "https://api.push.apple.com", caFile: String? = nil) {
        self.teamId = teamId
        self.keyId = keyId
        self.privateKeyFile = privateKeyFile
        self.topic = topic
        self.baseUrl = baseUrl
        self.caFile = caFile
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        teamId = try container.decode(String.self, forKey: .teamId)
        keyId = try container.decode(String.self, forKey: .keyId)
        privateKeyFile = try container.decode(String.self, forKey: .privateKeyFile)
        topic = try container.decode(String.self, forKey: .topic)
        baseUrl = try container.decodeIfPresent(String.self, forKey: .baseUrl) ?? baseUrl
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
    }
}
