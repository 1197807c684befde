/// A request from the user's browser to an authenticator's front-channel interaction, independent of
/// any HTTP framework: the host translates its own request type into this one.
public struct FrontChannelRequest: Sendable {
    /// The HTTP methods a front-channel interaction is offered.
    public enum Method: String, Sendable {
        /// Reading a page.
        case get = "GET"
        /// Submitting a form.
        case post = "POST"
    }

    /// The method.
    public var method: Method
    /// The path below the interaction's base, without a leading slash: `""` for its root.
    public var path: String
    /// The query parameters, in order; repeated names are kept.
    public var query: [(name: String, value: String)]
    /// The decoded `application/x-www-form-urlencoded` body of a POST, in order.
    public var form: [(name: String, value: String)]
    /// The request's cookies.
    public var cookies: [String: String]
    /// The header fields, except `Cookie` (in ``cookies``).
    public var headers: HTTPHeaderFields
    /// The body as received (a form's bytes), at most the server's body limit.
    public var body: [UInt8]

    /// Creates a request.
    public init(
        method: Method,
        path: String,
        query: [(name: String, value: String)] = [],
        form: [(name: String, value: String)] = [],
        cookies: [String: String] = [:],
        headers: HTTPHeaderFields = [:],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.form = form
        self.cookies = cookies
        self.headers = headers
        self.body = body
    }

    /// The first query parameter with this name.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The first form field with this name.
    public func formValue(_ name: String) -> String? {
        form.first { $0.name == name }?.value
    }
}
