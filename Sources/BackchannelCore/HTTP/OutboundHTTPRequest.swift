import Foundation

/// A request a plugin sends through the host's ``OutboundHTTPClient``: to an SMS gateway, a messaging
/// provider's API, a push service.
public struct OutboundHTTPRequest: Sendable {
    /// The method, such as `"POST"`.
    public var method: String
    /// The absolute URL: `https`, or `http` to a loopback address only.
    public var url: URL
    /// The header fields; the host adds `Content-Length` and `Host`.
    public var headers: HTTPHeaderFields
    /// The body.
    public var body: [UInt8]
    /// How long the whole exchange may take, connecting included.
    public var timeout: Duration

    /// A request.
    public init(method: String = "GET", url: URL, headers: HTTPHeaderFields = [:], body: [UInt8] = [], timeout: Duration = .seconds(10)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// Sets a JSON body and its `Content-Type`.
    public mutating func setJSONBody(_ value: some Encodable) throws {
        body = Array(try JSONEncoder().encode(value))
        headers.append(name: "Content-Type", value: "application/json")
    }

    /// Sets an `application/x-www-form-urlencoded` body of these pairs, in order, and its `Content-Type`.
    public mutating func setFormBody(_ pairs: [(name: String, value: String)]) {
        body = Array(pairs.map { "\(FormURLEncoding.escape($0.name))=\(FormURLEncoding.escape($0.value))" }.joined(separator: "&").utf8)
        headers.append(name: "Content-Type", value: "application/x-www-form-urlencoded")
    }
}
