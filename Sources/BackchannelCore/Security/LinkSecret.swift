internal import Crypto
import Foundation

/// The secret in a link sent to the user (a text message's, an e-mail's) that opens a plugin's page.
///
/// The link carries the ``token`` (128 random bits); the plugin stores only its ``hash`` (SHA-256), so a
/// copy of the store opens no page, and looks a visitor's token up by ``hash(of:)``. Never key a page by the
/// request's ``AuthReqId``: the client can compute it, and would open the user's page.
///
/// ```swift
/// let link = LinkSecret(random: services.random)
/// _ = try await records.insert(record, key: authReqId.rawValue, group: link.hash, createdAt: now, expiresAt: expiry)
/// send(services.frontChannelBaseURL.absoluteString + "?link=" + link.token)
/// // on the page:
/// let found = try await records.load(group: LinkSecret.hash(of: request.queryValue("link") ?? ""))
/// ```
///
/// Since plugin API 1.1.
public struct LinkSecret: Sendable, Hashable {
    /// The token to put in the link: 32 lower-case hexadecimal digits.
    public let token: String

    /// A new token from `random`.
    public init(random: any RandomSource) {
        token = Hex.encode(random.bytes(count: 16))
    }

    /// What to store in place of the token.
    public var hash: String { Self.hash(of: token) }

    /// The hash of a token a visitor presented, to look it up: SHA-256, as 64 lower-case hexadecimal digits.
    /// Any text is accepted (a tampered link finds nothing).
    public static func hash(of token: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(token.utf8))))
    }
}
