import AsyncHTTPClient
import BackchannelCore
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

    /// The sender for `platform`; a client made for it is closed by `background` at shutdown.
    func sender(for platform: PushDevice.Platform, logger: Logger, background: BackgroundWork) async -> (any PushSender)? {
        let task = made.withLock { made in
            if let task = made { return task }
            let configuration = self.configuration
            let task = Task { await Self.make(configuration, logger: logger, background: background) }
            made = task
            return task
        }
        return await task.value[platform]
    }

    private static func make(_ configuration: PushConfiguration?, logger: Logger, background: BackgroundWork) async -> [PushDevice.Platform: any PushSender] {
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
                senders[.apns] = try await APNsSender(settings: apns, httpClient: try client(trusting: apns.caFile, closedBy: background))
            } catch {
                logger.error("the APNs key cannot be used", metadata: ["error": "\(error)"])
            }
        }
        return senders
    }

    /// An HTTP client for APNs: HTTP/2 over TLS (negotiated by ALPN), trusting `caFile` besides the system's.
    /// A client of its own is shut down by the host's lifecycle (`background`), after the last delivery:
    /// left to `deinit`, AsyncHTTPClient stops the process.
    private static func client(trusting caFile: String?, closedBy background: BackgroundWork) throws -> HTTPClient {
        guard let caFile else { return HTTPClient.shared }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .automatic
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        background.closeAtShutdown("the APNs client") { try await client.shutdown() }
        return client
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
