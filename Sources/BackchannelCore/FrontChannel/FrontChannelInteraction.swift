/// The front-channel half of an authenticator: the pages a user sees in a browser, served by the host
/// under `/authn/<authenticator>/`, and the routes machines call, under `/authn/<authenticator>/api/`.
///
/// Pages get the host's browser headers (no caching, framing denied, a strict content security policy),
/// decoded forms and cookies; the interaction must escape everything it renders and protect every
/// state-changing POST (``DoubleSubmitToken``). Machine routes (a device app's API, a messaging provider's
/// webhook) get the raw body and every header, no cookies, and must authenticate each call themselves (a
/// signature over the body, a device's key).
public protocol FrontChannelInteraction: Sendable {
    /// Answers one browser request for a page.
    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse

    /// Answers one machine request. The default answers 404: an interaction without machine routes.
    func respond(toMachine request: MachineRequest) async -> FrontChannelResponse
}

extension FrontChannelInteraction {
    /// No machine routes: 404.
    public func respond(toMachine request: MachineRequest) async -> FrontChannelResponse {
        .json(.object(["error": .string("not_found")]), status: 404)
    }
}
