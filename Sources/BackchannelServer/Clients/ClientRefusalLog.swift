import Foundation
import Logging

/// Why a client's authentication (or its signed request, or its authorization details) was refused, for the operator: one line at `info`
/// with a fixed reason code and, where it helps, what was expected and what was presented, never a secret.
/// The client's answer stays the same whatever the reason. At most 20 lines each ten seconds per client.
struct ClientRefusalLog: Sendable {
    /// The fixed reason codes.
    enum Reason: String, Error, Sendable {
        case noCredentials = "no_credentials"
        case unknownClient = "unknown_client"
        case methodNotRegistered = "method_not_registered"
        case secretMismatch = "secret_mismatch"
        case malformedBasic = "malformed_basic_credentials"
        case assertionType = "wrong_assertion_type"
        case malformedJWT = "malformed_jwt"
        case algorithmNotAllowed = "algorithm_not_allowed"
        case unknownKid = "unknown_kid"
        case keysUnavailable = "keys_unavailable"
        case badSignature = "bad_signature"
        case wrongIssuer = "wrong_issuer"
        case wrongSubject = "wrong_subject"
        case wrongAudience = "wrong_audience"
        case expired = "expired"
        case lifetimeTooLong = "lifetime_too_long"
        case notYetValid = "not_yet_valid"
        case missingJTI = "missing_jti"
        case replayed = "replayed"
        case noCertificate = "no_certificate"
        case certificateNameMismatch = "certificate_name_mismatch"
        case untrustedCertificate = "untrusted_certificate"
        case certificateKeyMismatch = "certificate_key_mismatch"
    }

    let logger: Logger
    private let budget = FailureBudget(perWindow: 20, window: .seconds(10))

    init(logger: Logger) {
        self.logger = logger
    }

    /// Logs why `clientId` (a registered client's id, or `nil`) was refused and returns `invalid_client`.
    func refused(_ reason: Reason, clientId: String?, _ details: Logger.Metadata = [:]) -> OAuthError {
        note(reason, clientId: clientId, message: "client authentication refused", details)
        return .clientAuthenticationFailed
    }

    /// Logs why something of `clientId`'s was refused.
    func note(_ reason: Reason, clientId: String?, message: String, _ details: Logger.Metadata = [:]) {
        note(code: reason.rawValue, clientId: clientId, message: message, details)
    }

    /// Logs why something of `clientId`'s was refused, with a fixed reason code of another part of the engine.
    func note(code: String, clientId: String?, message: String, _ details: Logger.Metadata = [:]) {
        guard case .log(let suppressed) = budget.spend(clientId ?? "unknown", now: .now) else { return }
        var metadata = details
        metadata["reason"] = .string(code)
        metadata["client_id"] = .string(clientId ?? "unknown")
        if suppressed > 0 { metadata["not_logged_before"] = .stringConvertible(suppressed) }
        logger.info("\(message)", metadata: metadata)
    }
}
