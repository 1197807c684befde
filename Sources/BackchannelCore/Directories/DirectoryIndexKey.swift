/// The forms under which a directory indexes a user and looks a `login_hint` up, so that a hint finds its
/// user however the client spelled it: an e-mail address in any letter case, a phone number with spaces,
/// dashes, dots or parentheses, or `00` for `+`.
///
/// A user is indexed under their subject and the normalised form of each login hint, e-mail address and
/// phone number; a hint is looked up by its normalised form. Within one directory each key names one user.
/// A directory plugin normalises hints the same way, so a hint finds the same user in every directory.
/// Added in 1.2.
public enum DirectoryIndexKey {
    /// The keys `user` is found by.
    public static func keys(of user: DirectoryUser) -> [String] {
        var keys = [user.subject]
        for hint in user.loginHints + [user.email, user.phoneNumber].compactMap({ $0 }) {
            let key = normalized(hint)
            if !key.isEmpty, !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// A hint's normalised form: an e-mail address (anything with `@`) in lower case; a phone number (an
    /// optional `+` or `00`, then 6 to 15 digits among spaces, dashes, dots and parentheses) as `+` and its
    /// digits (E.164); anything else as it is, trimmed of surrounding white space.
    public static func normalized(_ hint: String) -> String {
        let trimmed = hint.trimmingWhitespace
        if trimmed.contains("@") { return trimmed.lowercased() }
        return phoneNumber(trimmed) ?? trimmed
    }

    /// `text` as an E.164 number, when it is written as one (with `+` or `00` in front).
    public static func phoneNumber(_ text: String) -> String? {
        var rest = Substring(text)
        if rest.hasPrefix("+") {
            rest = rest.dropFirst()
        } else if rest.hasPrefix("00") {
            rest = rest.dropFirst(2)
        } else {
            return nil
        }
        var digits = "+"
        for character in rest.unicodeScalars {
            switch character {
            case "0"..."9": digits.unicodeScalars.append(character)
            case " ", "-", ".", "(", ")": continue
            default: return nil
            }
        }
        return (7...16).contains(digits.utf8.count) && !digits.hasPrefix("+0") ? digits : nil
    }
}

extension String {
    /// The string without white space at either end.
    fileprivate var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
