import AsyncHTTPClient

/// The SMS gateway's default HTTP client: a refused connection fails at once into the retry backoff,
/// instead of being retried silently until each attempt's timeout (four attempts took 41 s to fail).
enum SMSGatewayClient {
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        // A process-wide singleton, never shut down, as `HTTPClient.shared` is.
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
