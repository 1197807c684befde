import AsyncHTTPClient
import Foundation
import Logging
import NIOSSL
import Synchronization

/// The push senders by platform, made once on first use: reading the keys and preparing the signers is
/// `async`, and a key that cannot be read is logged and leaves that platform without a sender.
final class PushSenders: Sendable {
    private let configuration: PushConfiguration?
    private let made = Mutex<Task<[PushDevice.Platform: any PushSender], Never>?>(nil)

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
        made.withLock { $0 = Task { fixed } }
    }

    func sender(for platform: PushDevice.Platform, logger: Logger) async -> (any PushSender)? {
        let task = made.withLock { made in
            if let task = made { return task }
            let configuration = self.configuration
            let task = Task { await Self.make(configuration, logger: logger) }
            made = task
            return task
        }
        return await task.value[platform]
    }

    private static func make(_ configuration: PushConfiguration?, logger: Logger) async -> [PushDevice.Platform: any PushSender] {
        guard let configuration else { return [:] }
        var senders: [PushDevice.Platform: any PushSender] = [:]
        if let fcm = configuration.fcm {
            do {
                senders[.fcm] = try await FCMSender(settings: fcm, httpClient: HTTPClient.shared)
            } catch {
                logger.error("the FCM service account cannot be used", metadata: ["error": "\(error)"])
            }
        }
        if let apns = configuration.apns {
            do {
                senders[.apns] = try await APNsSender(settings: apns, httpClient: try client(trusting: apns.caFile))
            } catch {
                logger.error("the APNs key cannot be used", metadata: ["error": "\(error)"])
            }
        }
        return senders
    }

    /// An HTTP client for APNs: HTTP/2 over TLS (negotiated by ALPN), trusting `caFile` besides the system's.
    /// Made once per process and never shut down, like `HTTPClient.shared`.
    private static func client(trusting caFile: String?) throws -> HTTPClient {
        guard let caFile else { return HTTPClient.shared }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .automatic
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
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
