import BackchannelCore
import Foundation

/// What a user kept in the server's store must be, checked wherever one comes in (the admin API, an import),
/// so that a bad record is refused with its field named and never reaches the store.
public enum DirectoryUserCheck {
    /// At most so many login hints per user.
    public static let maxLoginHints = 32
    /// At most so many characters in a subject, login hint or e-mail address.
    public static let maxIdentifierLength = 320
    /// At most so many bytes in a user's record as stored.
    public static let maxRecordBytes = 64 * 1024

    /// What is wrong with `user`, as `field: reason`; `nil` when nothing is.
    public static func problem(with user: DirectoryUser) -> String? {
        if let problem = identifierProblem(user.subject) { return "subject: \(problem)" }
        guard user.loginHints.count <= maxLoginHints else { return "login_hints: at most \(maxLoginHints)" }
        for (index, hint) in user.loginHints.enumerated() {
            if let problem = identifierProblem(hint) { return "login_hints[\(index)]: \(problem)" }
        }
        if let email = user.email {
            if let problem = identifierProblem(email) { return "email: \(problem)" }
            guard email.contains("@") else { return "email: not an e-mail address" }
        }
        if let phone = user.phoneNumber, DirectoryIndexKey.phoneNumber(phone) != phone {
            return "phone_number: must be in E.164 form (+ and 7 to 15 digits, no spaces)"
        }
        if let hash = user.userCodeHash, UserCodeHash(hash) == nil {
            return "user_code_hash: not a hash made by backchanneld --hash-user-code"
        }
        guard let encoded = try? JSONEncoder().encode(user), encoded.count <= maxRecordBytes else {
            return "the record is larger than \(maxRecordBytes / 1024) KiB"
        }
        return nil
    }

    private static func identifierProblem(_ text: String) -> String? {
        if text.isEmpty { return "must not be empty" }
        if text.count > maxIdentifierLength { return "longer than \(maxIdentifierLength) characters" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "must not contain control characters" }
        return nil
    }
}
