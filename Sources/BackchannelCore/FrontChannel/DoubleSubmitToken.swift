/// Cross-site request forgery protection for front-channel forms, without server state: a random token
/// in a `SameSite=Strict`, `HttpOnly` cookie that every form must repeat in a hidden field. A page on
/// another site can neither read the cookie nor make the browser send it.
public struct DoubleSubmitToken: Sendable {
    /// The cookie's name.
    public let cookieName: String
    /// The path the cookie is sent for: the interaction's base path.
    public let path: String

    /// Creates the protection for one interaction.
    public init(cookieName: String, path: String) {
        self.cookieName = cookieName
        self.path = path
    }

    /// The token for a page: the browser's existing one, or a new one with the `Set-Cookie` value that
    /// plants it.
    public func token(for request: FrontChannelRequest, random: any RandomSource) -> (token: String, setCookie: String?) {
        if let existing = request.cookies[cookieName], existing.count == 32, existing.allSatisfy(\.isHexDigit) {
            return (existing, nil)
        }
        let token = random.bytes(count: 16).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        return (token, "\(cookieName)=\(token); Path=\(path); HttpOnly; SameSite=Strict")
    }

    /// Whether a submitted form repeats its cookie's token (compared in constant time).
    public func verify(_ request: FrontChannelRequest, field: String = "csrf") -> Bool {
        guard let cookie = request.cookies[cookieName], let submitted = request.formValue(field) else { return false }
        return ConstantTime.equals(cookie, submitted)
    }
}
