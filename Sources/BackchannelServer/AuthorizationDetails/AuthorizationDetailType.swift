import BackchannelCore
import Mustache

/// One `type` of authorization details the server accepts (`policy.authorization_details_types.<type>`):
/// the schema an entry must satisfy and the summary the user is shown for it.
public struct AuthorizationDetailType: Sendable, Hashable, Decodable {
    /// `fields`: the entry's members besides `type`; no others are accepted.
    public var fields: [String: AuthorizationDetailField]
    /// `summary`: a Mustache template rendered with the entry's fields into the one line the user reads,
    /// such as `Transfer {{instructedAmount.amount}} {{instructedAmount.currency}} to {{creditorName}}`.
    public var summary: String
    /// The compiled summary, as plain text (the surfaces escape it for HTML themselves).
    let summaryTemplate: MustacheTemplate

    /// Creates a type.
    /// - Throws: `MustacheTemplate.Error` for a summary that is not a valid template.
    public init(fields: [String: AuthorizationDetailField], summary: String) throws {
        self.fields = fields
        self.summary = summary
        self.summaryTemplate = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + summary)
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case fields, summary }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let fields = try container.decode([String: AuthorizationDetailField].self, forKey: .fields)
        for name in fields.keys where !AuthorizationDetailField.isFieldName(name) || name == "type" {
            throw DecodingError.dataCorruptedError(
                forKey: .fields, in: container, debugDescription: "field names must be ASCII letters, digits and _, and not type (\(name))")
        }
        let summary = try container.decode(String.self, forKey: .summary)
        guard !summary.isEmpty, summary.utf8.count <= 1024 else {
            throw DecodingError.dataCorruptedError(forKey: .summary, in: container, debugDescription: "must be a template of 1 to 1024 bytes")
        }
        do {
            try self.init(fields: fields, summary: summary)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .summary, in: container, debugDescription: "is not a valid Mustache template")
        }
    }

    public static func == (left: Self, right: Self) -> Bool { left.fields == right.fields && left.summary == right.summary }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
        hasher.combine(summary)
    }

    /// The type the demo server knows: RFC 9396's payment initiation example (§2).
    public static let paymentInitiation = try! AuthorizationDetailType(
        fields: [
            "instructedAmount": AuthorizationDetailField(
                .object([
                    "currency": AuthorizationDetailField(.string, required: true, minLength: 3, maxLength: 3),
                    "amount": AuthorizationDetailField(.decimal, required: true, maxLength: 18),
                ]),
                required: true),
            "creditorName": AuthorizationDetailField(.string, required: true, minLength: 1, maxLength: 140),
            "creditorAccount": AuthorizationDetailField(
                .object(["iban": AuthorizationDetailField(.string, required: true, minLength: 15, maxLength: 34)]), required: true),
            "remittanceInformationUnstructured": AuthorizationDetailField(.string, maxLength: 140),
        ],
        summary: "Transfer {{instructedAmount.amount}} {{instructedAmount.currency}} to {{creditorName}} ({{creditorAccount.iban}})")
}
