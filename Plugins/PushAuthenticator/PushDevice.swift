import Foundation

/// An enrolled device: its public key (P-256), where pushes reach it, and what it said of its key.
struct PushDevice: Codable, Sendable, Equatable {
    /// The push service that reaches it.
    enum Platform: String, Codable, Sendable {
        case fcm, apns
        /// No push service: the device asks for pending challenges itself (the `backchannel device` CLI).
        case none
    }

    var deviceId: String
    var subject: String
    /// The public key, the 64-byte raw form (x ‖ y), base64url.
    var publicKey: String
    var platform: Platform
    var pushToken: String?
    /// Whether the device says its key lives in secure hardware (RFC 8176 `hwk`; else `swk`). Said at
    /// enrollment and not attested: the `amr` reports what the device claimed.
    var hardwareKey: Bool
    var label: String?
    var enrolledAt: Date
    /// The push service said the token is no longer valid (APNs 410, FCM UNREGISTERED): not pushed to
    /// until it enrolls again.
    var stale: Bool = false
}

/// A one-time enrollment code as stored: its secret only hashed, the attempts against it counted.
struct PushEnrollmentCode: Codable, Sendable, Equatable {
    var subject: String
    var secretHash: String
    var attempts: Int
}
