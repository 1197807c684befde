import Foundation

/// A front-channel interaction's answer, which the host writes out as an HTTP response.
public struct FrontChannelResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// The media type of ``body``.
    public var contentType: String
    /// Further headers, such as `Set-Cookie` or `Location`.
    public var headers: [String: String]
    /// The body.
    public var body: String

    /// Creates a response.
    public init(status: Int = 200, contentType: String = "text/html; charset=utf-8", headers: [String: String] = [:], body: String) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A page.
    public static func html(_ body: String, status: Int = 200) -> FrontChannelResponse {
        FrontChannelResponse(status: status, body: body)
    }

    /// A short plain-text answer, for errors.
    public static func text(_ body: String, status: Int) -> FrontChannelResponse {
        FrontChannelResponse(status: status, contentType: "text/plain; charset=utf-8", body: body)
    }

    /// A JSON answer, for machine routes.
    public static func json(_ value: JSONValue, status: Int = 200) -> FrontChannelResponse {
        let body = (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        return FrontChannelResponse(status: status, contentType: "application/json", body: body)
    }

    /// A redirect after a form submission (303 See Other), so reloading does not resubmit.
    public static func seeOther(_ location: String) -> FrontChannelResponse {
        FrontChannelResponse(status: 303, contentType: "text/plain; charset=utf-8", headers: ["Location": location], body: "")
    }
}
