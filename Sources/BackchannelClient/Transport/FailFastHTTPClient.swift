import AsyncHTTPClient

/// The client library's default HTTP client: like `HTTPClient.shared`, but a refused connection fails
/// at once instead of being retried until the request's deadline (30 s of silence before "refused").
enum FailFastHTTPClient {
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        // A process-wide singleton, never shut down, as `HTTPClient.shared` is.
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
