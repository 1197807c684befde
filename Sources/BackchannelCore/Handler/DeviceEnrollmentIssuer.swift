import Foundation

/// An authenticator that enrolls users' devices (a push authenticator's phones): it issues the one-time
/// codes a device enrolls with, lists a user's devices and revokes one. The host's admin API reaches it by
/// authenticator name (`/admin/authenticators/{name}/enrollment-codes`, `…/devices`). Since API 1.4.
public protocol DeviceEnrollmentIssuer: Sendable {
    /// Issues a one-time enrollment code for the user `subject`.
    /// - Throws: ``DeviceEnrollmentError``.
    func issueEnrollmentCode(subject: String) async throws -> DeviceEnrollmentCode
    /// The devices enrolled for `subject`.
    func enrolledDevices(subject: String) async throws -> [EnrolledDevice]
    /// Revokes a device: it is forgotten and its key verifies nothing more. - Returns: whether it existed.
    func revokeDevice(id: String) async throws -> Bool
}

/// An enrolled device as the admin API lists it: no key, no push token.
public struct EnrolledDevice: Sendable, Codable, Hashable {
    /// Its id.
    public var deviceId: String
    /// Its platform (`fcm`, `apns`, `none`).
    public var platform: String
    /// The name it enrolled with.
    public var label: String?
    /// When it enrolled.
    public var enrolledAt: Date
    /// Whether its push service said its token is gone.
    public var stale: Bool

    /// A device summary.
    public init(deviceId: String, platform: String, label: String?, enrolledAt: Date, stale: Bool) {
        self.deviceId = deviceId
        self.platform = platform
        self.label = label
        self.enrolledAt = enrolledAt
        self.stale = stale
    }

    private enum CodingKeys: String, CodingKey {
        case deviceId = "device_id"
        case platform, label
        case enrolledAt = "enrolled_at"
        case stale
    }
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
