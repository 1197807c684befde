import BackchannelCore
import BackchannelServer
import Crypto
import Foundation
import Hummingbird
import Logging

/// The operator console: server-rendered pages under `/console/` on the operations listener, for the bearer
/// of the admin API's token (and so under the admin API's rule: loopback only, or behind a TLS proxy).
///
/// The token signs the operator in through a form; the session is an HttpOnly, `SameSite=Strict` cookie
/// with an absolute expiry (``ConsoleSessions``), and every form carries the session's CSRF token, checked
/// before anything is done. A refused sign-in or form is logged with a fixed reason, never what was sent.
public struct OperatorConsole: Sendable {
    /// The session cookie's name.
    static let cookieName = "backchannel_console"
    static let maxForm = 8 * 1024
    static let listLimit = 100

    let engines: EngineHandle
    let token: AdminToken
    let sessions: ConsoleSessions
    let reload: (@Sendable () -> ReloadOutcome)?
    let users: (any UserStore)?
    let configuration: @Sendable () -> JSONValue?
    let deliveries: @Sendable () -> [String: [DeliveryReport: Int]]
    let audit: AuditTail?
    let logger: Logger
    let pages: ConsolePages

    /// The console of the engines `engines` serves.
    /// - Parameters:
    ///   - engines: The engines (a reload reaches the console too).
    ///   - token: The admin API's token, which signs an operator in.
    ///   - sessions: The sessions (their lifetime and clock).
    ///   - reload: Re-reads the configuration file; `nil` when the server runs without one.
    ///   - users: The `store` directory's users, listed on the users page; `nil` when it is not configured.
    ///   - configuration: The configuration in force, shown with its secrets redacted.
    ///   - deliveries: Each authenticator's deliveries by outcome.
    ///   - audit: The latest audit events.
    ///   - logger: Where refused sign-ins and forms are reported.
    /// - Throws: A page template that does not parse.
    public init(
        engines: EngineHandle, token: String, sessions: ConsoleSessions, reload: (@Sendable () -> ReloadOutcome)?, users: (any UserStore)?,
        configuration: @escaping @Sendable () -> JSONValue?, deliveries: @escaping @Sendable () -> [String: [DeliveryReport: Int]],
        audit: AuditTail?, logger: Logger
    ) throws {
        self.engines = engines
        self.token = AdminToken(token)
        self.sessions = sessions
        self.reload = reload
        self.users = users
        self.configuration = configuration
        self.deliveries = deliveries
        self.audit = audit
        self.logger = logger
        self.pages = try ConsolePages()
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console") { _, _ in ConsolePages.redirect("/console/pending") }
        router.get("/console/login") { request, _ in
            if signedIn(request) != nil { return ConsolePages.redirect("/console/pending") }
            return pages.render("login", title: "Sign in", session: nil)
        }
        router.post("/console/login") { request, _ in try await signIn(request) }
        router.post("/console/logout") { request, _ in
            try await form(request) { _, _, id in
                sessions.end(id)
                return ConsolePages.redirect("/console/login", cookie: "\(Self.cookieName)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0")
            }
        }
        ConsoleRoutes(console: self).register(on: router)
    }

    // MARK: sessions and forms

    /// The session of the request's cookie, if it is live.
    func signedIn(_ request: Request) -> (id: String, session: ConsoleSessions.Session)? {
        guard let cookies = CookieHeader.cookies(request.headers[values: .cookie]), let id = cookies[Self.cookieName],
            let session = sessions.session(id)
        else { return nil }
        return (id, session)
    }

    /// A page for a signed-in operator; the sign-in page otherwise.
    func page(_ request: Request, _ body: (ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        guard let (_, session) = signedIn(request) else { return ConsolePages.redirect("/console/login") }
        return try await body(session)
    }

    /// A form's action, done only for a signed-in operator whose form carries the session's CSRF token.
    func form(
        _ request: Request, _ action: ([(name: String, value: String)], ConsoleSessions.Session, String) async throws -> Response
    ) async throws -> Response {
        guard let (id, session) = signedIn(request) else {
            refused("no_session")
            return pages.render("login", title: "Sign in", session: nil, problem: "Your session has ended. Sign in again; nothing was done.", status: .forbidden)
        }
        let pairs: [(name: String, value: String)]
        do {
            pairs = try await FormBody.pairs(of: request, limit: Self.maxForm)
        } catch {
            refused("malformed_form")
            return pages.render("blank", title: "Not done", session: session, problem: "The form could not be read. Nothing was done.", status: .badRequest)
        }
        guard ConsoleSessions.csrfMatches(Self.value("csrf", in: pairs), session) else {
            refused("csrf")
            return pages.render(
                "blank", title: "Not done", session: session,
                problem: "The form has expired or did not come from this console. Nothing was done.", status: .forbidden)
        }
        return try await action(pairs, session, id)
    }

    private func signIn(_ request: Request) async throws -> Response {
        let pairs = (try? await FormBody.pairs(of: request, limit: Self.maxForm)) ?? []
        guard let presented = Self.value("token", in: pairs), token.matches(presented) else {
            refused("bad_token")
            return pages.render("login", title: "Sign in", session: nil, problem: "That is not the admin token.", status: .unauthorized)
        }
        let (id, _) = sessions.start()
        logger.notice("operator console: signed in")
        return ConsolePages.redirect(
            "/console/pending", cookie: "\(Self.cookieName)=\(id); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(Int(sessions.lifetime))")
    }

    private func refused(_ reason: String) {
        logger.warning("operator console: refused", metadata: ["reason": "\(reason)"])
    }

    /// The first value of `name` in a form.
    static func value(_ name: String, in pairs: [(name: String, value: String)]) -> String? {
        pairs.first { $0.name == name }?.value
    }
}
