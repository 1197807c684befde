import AsyncHTTPClient
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

    /// Creates the fetcher (it shares the host's HTTP client).
    public init() {}

    public func fetchKeySet(from url: URL) async throws -> Data {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: "application/jwk-set+json, application/json")
        let response = try await HTTPNotificationTransport.client.execute(request, timeout: .seconds(10))
        guard response.status == .ok else {
            throw Failure(description: "\(url.absoluteString) answered \(response.status.code)")
        }
        return Data(buffer: try await response.body.collect(upTo: 64 * 1024))
    }
}
