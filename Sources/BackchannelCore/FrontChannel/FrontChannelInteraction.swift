/// The front-channel half of an authenticator: the pages a user sees in a browser, served by the host
/// under `/authn/<authenticator>/`.
///
/// The host applies its own headers (no caching, framing denied, a strict content security policy);
/// the interaction must escape everything it renders and protect every state-changing POST.
public protocol FrontChannelInteraction: Sendable {
    /// Answers one browser request.
    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse
}
