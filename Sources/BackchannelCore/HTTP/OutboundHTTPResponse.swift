/// What an ``OutboundHTTPClient`` received.
public struct OutboundHTTPResponse: Sendable, Hashable {
    /// The status code.
    public var status: Int
    /// The header fields.
    public var headers: HTTPHeaderFields
    /// The body, at most the size the call allowed.
    public var body: [UInt8]

    /// A response.
    public init(status: Int, headers: HTTPHeaderFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
