import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders the console's pages: a page's body from its template, wrapped in the layout with the navigation,
/// a notice or a problem, and the headers every console page has (not cached, not framed, no script).
struct ConsolePages: Sendable {
    /// The pages of the navigation, in order: path and label.
    static let sections = [
        ("pending", "Pending"), ("clients", "Clients"), ("authenticators", "Authenticators"), ("devices", "Devices"), ("users", "Users"),
        ("configuration", "Configuration"), ("audit", "Audit"),
    ]

    private let layout: MustacheTemplate
    private let bodies: [String: MustacheTemplate]

    /// - Throws: A template that does not parse (a programming error, which the console's tests would show).
    init() throws {
        layout = try MustacheTemplate(string: ConsoleTemplates.layout)
        bodies = [
            "blank": try MustacheTemplate(string: ""),
            "login": try MustacheTemplate(string: ConsoleTemplates.login),
            "pending": try MustacheTemplate(string: ConsoleTemplates.pending),
            "clients": try MustacheTemplate(string: ConsoleTemplates.clients),
            "authenticators": try MustacheTemplate(string: ConsoleTemplates.authenticators),
            "devices": try MustacheTemplate(string: ConsoleTemplates.devices),
            "users": try MustacheTemplate(string: ConsoleTemplates.users),
            "configuration": try MustacheTemplate(string: ConsoleTemplates.configuration),
            "audit": try MustacheTemplate(string: ConsoleTemplates.audit),
        ]
    }

    /// The front-channel pages' headers (not cached, not framed, no script, no referrer), as HTML.
    static let headers: HTTPFields = {
        var headers = PageHeadersMiddleware<BasicRequestContext>.headers
        headers[.contentType] = "text/html; charset=utf-8"
        return headers
    }()

    /// A page.
    /// - Parameters:
    ///   - page: The body template's name (a section's path, or `login`).
    ///   - title: The page's heading.
    ///   - context: The body template's values.
    ///   - session: The signed-in operator's session; `nil` on the sign-in page.
    ///   - notice: A fixed message saying what was done.
    ///   - problem: A fixed message saying what went wrong.
    ///   - status: The HTTP status.
    func render(
        _ page: String, title: String, context: [String: Any] = [:], session: ConsoleSessions.Session?, notice: String? = nil, problem: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = context
        if let session { values["csrf"] = session.csrfToken }
        let body = bodies[page]?.render(values) ?? ""
        var frame: [String: Any] = ["title": title, "body": body]
        if let session {
            frame["signedIn"] = true
            frame["csrf"] = session.csrfToken
            frame["nav"] = Self.sections.map { ["href": "/console/\($0.0)", "label": $0.1, "here": $0.0 == page] as [String: Any] }
        }
        if let notice { frame["notice"] = notice }
        if let problem { frame["problem"] = problem }
        return Response(status: status, headers: Self.headers, body: ResponseBody(byteBuffer: ByteBuffer(string: layout.render(frame))))
    }

    /// `303 See Other` to `location` (a console path), with `cookie` set when given.
    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// A time as the console shows it: UTC, to the second.
    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon)
            .dateTimeSeparator(.space))
    }
}
