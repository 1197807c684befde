import Foundation

/// An authenticator that enrolls users' devices (a push authenticator's phones) and issues the one-time
/// codes a device enrolls with. The host's admin API issues them by authenticator name
/// (`POST /admin/authenticators/{name}/enrollment-codes`). Since API 1.4.
public protocol DeviceEnrollmentIssuer: Sendable {
    /// Issues a one-time enrollment code for the user `subject`.
    /// - Throws: ``DeviceEnrollmentError``.
    func issueEnrollmentCode(subject: String) async throws -> DeviceEnrollmentCode
}

/// A one-time enrollment code: shown to the operator once, stored only hashed.
public struct DeviceEnrollmentCode: Sendable, Codable, Hashable {
    /// The code the device presents.
    public var code: String
    /// The user it enrolls a device for.
    public var subject: String
    /// When it stops working.
    public var expiresAt: Date

    /// A code.
    public init(code: String, subject: String, expiresAt: Date) {
        self.code = code
        self.subject = subject
        self.expiresAt = expiresAt
    }

    private enum CodingKeys: String, CodingKey {
        case code, subject
        case expiresAt = "expires_at"
    }
}

/// Why an enrollment code was not issued.
public enum DeviceEnrollmentError: Error, Sendable, Equatable {
    /// The user directory has nobody with this subject.
    case unknownSubject
}
