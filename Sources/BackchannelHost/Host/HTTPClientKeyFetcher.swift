import AsyncHTTPClient
import BackchannelOutbound
import BackchannelServer
import Foundation
import NIOCore

/// Fetches clients' `jwks_uri` documents with async-http-client: no redirects, 5 s to connect, 10 s in
/// all, 200 only, at most 64 KiB.
public struct HTTPClientKeyFetcher: ClientKeyFetcher {
    /// Why a key set could not be fetched.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, naming the URL.
        public var description: String
    }

    /// Where the fetches' spans go.
    private let tracing: OutboundTracing

    /// Creates the fetcher (it shares the host's HTTP client).
    /// - Parameter tracing: Where the fetches' spans go; none by default.
    public init(tracing: OutboundTracing = .off) {
        self.tracing = tracing
    }

    public func fetchKeySet(from url: URL) async throws -> Data {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: "application/jwk-set+json, application/json")
        let response = try await tracing.execute(request, with: HTTPNotificationTransport.client, timeout: .seconds(10), peer: "jwks_uri")
        guard response.status == .ok else {
            throw Failure(description: "\(url.absoluteString) answered \(response.status.code)")
        }
        return Data(buffer: try await response.body.collect(upTo: 64 * 1024))
    }
}
