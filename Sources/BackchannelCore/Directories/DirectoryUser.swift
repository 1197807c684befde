/// What the host's user directory knows about one user: how authenticators can reach them.
public struct DirectoryUser: Sendable, Hashable, Codable {
    /// The user's subject identifier (`sub`).
    public var subject: String
    /// Other names that identify the user in a `login_hint`, such as a username or an e-mail address.
    public var loginHints: [String]
    /// A phone number in E.164 form, for SMS.
    public var phoneNumber: String?
    /// An e-mail address.
    public var email: String?
    /// Identifiers of the user's registered authentication devices, for push.
    public var deviceIds: [String]
    /// Any further attributes, for authenticators that need them.
    public var attributes: [String: JSONValue]
    /// `user_code_hash`: the user's `user_code` (CIBA Core §7.1) as a slow salted hash
    /// (`backchanneld --hash-user-code` makes one); the code itself is never configured or stored.
    public var userCodeHash: String?

    /// Creates a user record.
    public init(
        subject: String,
        loginHints: [String] = [],
        phoneNumber: String? = nil,
        email: String? = nil,
        deviceIds: [String] = [],
        attributes: [String: JSONValue] = [:],
        userCodeHash: String? = nil
    ) {
        self.subject = subject
        self.loginHints = loginHints
        self.phoneNumber = phoneNumber
        self.email = email
        self.deviceIds = deviceIds
        self.attributes = attributes
        self.userCodeHash = userCodeHash
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case subject, loginHints, phoneNumber, email, deviceIds, attributes, userCodeHash
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            subject: try container.decode(String.self, forKey: .subject),
            loginHints: try container.decodeIfPresent([String].self, forKey: .loginHints) ?? [],
            phoneNumber: try container.decodeIfPresent(String.self, forKey: .phoneNumber),
            email: try container.decodeIfPresent(String.self, forKey: .email),
            deviceIds: try container.decodeIfPresent([String].self, forKey: .deviceIds) ?? [],
            attributes: try container.decodeIfPresent([String: JSONValue].self, forKey: .attributes) ?? [:],
            userCodeHash: try container.decodeIfPresent(String.self, forKey: .userCodeHash)
        )
        if subject.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .subject, in: container, debugDescription: "must not be empty")
        }
    }
}
