import BackchannelCore
import Foundation
import Logging

/// The push senders by platform, made on first use: reading the keys and preparing the signers is `async`,
/// and a key that cannot be read is logged and leaves that platform without a sender. (Two first pushes at
/// once may both make them; the second set replaces the first, which holds nothing to close.)
actor PushSenders {
    private let configuration: PushConfiguration?
    private var made: [PushDevice.Platform: any PushSender]?

    /// Senders for the configured services. Their files must exist now (a start-up error otherwise).
    init(configuration: PushConfiguration) throws {
        for path in [configuration.fcm?.serviceAccountFile, configuration.apns?.privateKeyFile, configuration.apns?.caFile].compactMap({ $0 }) {
            guard FileManager.default.isReadableFile(atPath: path) else { throw PushConfigurationError.unreadable(path) }
        }
        self.configuration = configuration
    }

    /// Fixed senders (tests).
    init(fixed: [PushDevice.Platform: any PushSender]) {
        configuration = nil
        made = fixed
    }

    /// The sender for `platform`, calling out through the host's client `http`.
    func sender(for platform: PushDevice.Platform, logger: Logger, http: any OutboundHTTPClient) async -> (any PushSender)? {
        if let made { return made[platform] }
        let senders = await Self.make(configuration, logger: logger, http: http)
        made = senders
        return senders[platform]
    }

    private static func make(_ configuration: PushConfiguration?, logger: Logger, http: any OutboundHTTPClient) async -> [PushDevice.Platform: any PushSender] {
        guard let configuration else { return [:] }
        var senders: [PushDevice.Platform: any PushSender] = [:]
        if let fcm = configuration.fcm {
            do {
                senders[.fcm] = try await FCMSender(settings: fcm, http: http)
            } catch {
                logger.error("the FCM service account cannot be used", metadata: ["error": "\(error)"])
            }
        }
        if let apns = configuration.apns {
            do {
                // APNs' stand-in in tests (or a private relay) may need a CA of its own; the host owns that client too.
                senders[.apns] = try await APNsSender(settings: apns, http: try apns.caFile.map { try http.trusting(certificatesInPEMFile: $0) } ?? http)
            } catch {
                logger.error("the APNs key cannot be used", metadata: ["error": "\(error)"])
            }
        }
        return senders
    }
}

/// A push service's key file cannot be read.
enum PushConfigurationError: Error, CustomStringConvertible {
    case unreadable(String)

    var description: String {
        switch self {
        case .unreadable(let path): "cannot read \(path)"
        }
    }
}
