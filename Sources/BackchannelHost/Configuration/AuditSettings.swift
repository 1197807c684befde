import BackchannelCore
import BackchannelServer

/// `audit:` the audit trail of request state changes, written to the log under the label `backchannel.audit`.
public struct AuditSettings: Decodable, Sendable {
    /// `subjects`: `hashed` (the default: a keyed hash, `subject_hmac`) or `plain` (`subject` as it is).
    public var subjects: AuditLog.SubjectForm = .hashed

    /// The defaults: subjects hashed.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable { case subjects }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try container.decodeIfPresent(String.self, forKey: .subjects) {
            guard let form = AuditLog.SubjectForm(rawValue: text) else {
                throw DecodingError.dataCorruptedError(forKey: .subjects, in: container, debugDescription: "must be hashed or plain")
            }
            subjects = form
        }
    }
}
