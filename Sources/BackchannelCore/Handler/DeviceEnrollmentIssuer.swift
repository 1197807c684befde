import Foundation

/// An authenticator that enrolls users' devices (a push authenticator's phones): it issues the one-time
/// codes a device enrolls with, lists a user's devices and revokes one. The host's admin API reaches it by
/// authenticator name (`/admin/authenticators/{name}/enrollment-codes`, `…/devices`): a capability the
/// handler declares by conforming.
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

/// Why a device enrollment call failed.
///
/// A struct with an extensible ``Code`` (as jwt-kit's `JWTError`): new kinds can be added without breaking
/// hosts and plugins that look at the ones they know.
public struct DeviceEnrollmentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's name.
        public let name: String

        /// A code named `name`.
        public init(name: String) {
            self.name = name
        }

        /// The user directory has nobody with this subject.
        public static let unknownSubject = Code(name: "unknown_subject")

        public var description: String { name }
    }

    /// The kind.
    public let code: Code

    /// An error of kind `code`.
    public init(code: Code) {
        self.code = code
    }

    /// The user directory has nobody with this subject.
    public static let unknownSubject = DeviceEnrollmentError(code: .unknownSubject)

    public var description: String { code.name }
}
