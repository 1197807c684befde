import AsyncHTTPClient
import BackchannelOutbound
import BackchannelServer
import Foundation
import NIOCore
import NIOHTTP1

/// Sends notifications with AsyncHTTPClient: no redirect is followed (a notification goes to the
/// registered endpoint and nowhere else), and a refused connection fails at once into the backoff.
struct HTTPNotificationTransport: NotificationTransport {
    /// Where the deliveries' spans go.
    var tracing: OutboundTracing = .off

    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        // A process-wide singleton, never shut down, as `HTTPClient.shared` is.
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    func post(_ body: Data, to endpoint: URL, bearerToken: String, timeout: Duration) async throws -> Int {
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await tracing.execute(
            request, with: Self.client, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000), peer: "client_notification")
        // The body is not needed; reading a little of it lets the connection be reused.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
