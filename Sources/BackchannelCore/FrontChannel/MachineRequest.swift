import Foundation

/// A request from a machine to an authenticator's machine route, under `/authn/<authenticator>/api/`: a
/// device app's API call, a messaging provider's webhook.
///
/// Unlike a page's ``FrontChannelRequest`` it carries no cookies (a machine holds no browser session, so
/// nothing ambient can be forged), and its body comes as the bytes that were sent (at most the server's
/// body limit): a webhook's signature is checked over exactly those bytes, then the body decoded with
/// ``jsonBody(as:)`` or ``formBody()``. The host answers with `no-store` and `nosniff` and none of a page's
/// browser headers.
public struct MachineRequest: Sendable {
    /// The method, in upper case: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    public let method: String
    /// The path below `api/`, without a leading slash: `""` for the API's root.
    public let path: String
    /// The query parameters, in order; repeated names are kept.
    public let query: [(name: String, value: String)]
    /// The header fields, `Authorization` and a provider's signature headers included.
    public let headers: HTTPHeaderFields
    /// The body as received.
    public let body: [UInt8]

    /// A request (the host makes these; tests may too).
    public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: HTTPHeaderFields = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first query parameter with this name.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The body decoded as JSON.
    /// - Throws: `DecodingError` when it is not `Value` in JSON.
    public func jsonBody<Value: Decodable>(as type: Value.Type) throws -> Value {
        try JSONDecoder().decode(type, from: Data(body))
    }

    /// The body decoded as `application/x-www-form-urlencoded` pairs, in order.
    /// - Throws: ``MalformedBody`` for a broken escape or text that is not UTF-8.
    public func formBody() throws(MalformedBody) -> [(name: String, value: String)] {
        do {
            return try FormURLEncoding.decode(body)
        } catch {
            throw MalformedBody()
        }
    }

    /// A body that is not well-formed `application/x-www-form-urlencoded`.
    public struct MalformedBody: Error, Sendable, Hashable {}
}
