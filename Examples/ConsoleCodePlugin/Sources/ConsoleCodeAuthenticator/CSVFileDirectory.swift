import BackchannelCore
import Foundation

/// An example directory plugin: users from a CSV file (`subject,email,phone_number`, one per line, `#` for
/// comments), read once at start-up. What an integrator writes to bring users the built-in directories do
/// not reach: a type conforming to `UserDirectory`, and a descriptor that makes it from its configuration.
/// `Examples/CustomHost` registers it; the binary plugin of this package ships it beside console-code.
///
/// ```yaml
/// directory: { plugin: csv, configuration: { file: /etc/backchannel/users.csv } }
/// ```
public struct CSVFileDirectory: UserDirectory {
    /// `{ file: /path/to/users.csv }`.
    public struct Configuration: Decodable, Sendable {
        /// The CSV file.
        public var file: String
    }

    /// Registered as `csv`.
    public static let descriptor = DirectoryPluginDescriptor(registryName: "csv", configuration: Configuration.self) { configuration, _ in
        try CSVFileDirectory(file: configuration.file)
    }

    private let bySubject: [String: DirectoryUser]
    private let byKey: [String: DirectoryUser]

    /// Reads the file; a line that is not a user stops the start, naming the line.
    public init(file: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: file), data.count <= 16 << 20 else {
            throw ConfigurationError(path: "file", reason: "cannot be read (or is larger than 16 MiB)")
        }
        var bySubject: [String: DirectoryUser] = [:]
        var byKey: [String: DirectoryUser] = [:]
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !text.hasPrefix("#") else { continue }
            let fields = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard (1...3).contains(fields.count), !fields[0].isEmpty else {
                throw ConfigurationError(path: "file", reason: "line \(number + 1): expected subject,email,phone_number")
            }
            let email = fields.count > 1 && !fields[1].isEmpty ? fields[1] : nil
            let phone = fields.count > 2 && !fields[2].isEmpty ? fields[2] : nil
            if let phone, DirectoryIndexKey.phoneNumber(phone) == nil {
                throw ConfigurationError(path: "file", reason: "line \(number + 1): the phone number is not in E.164 form")
            }
            let user = DirectoryUser(subject: fields[0], phoneNumber: phone.flatMap(DirectoryIndexKey.phoneNumber), email: email)
            bySubject[user.subject] = user
            // The server's own normalisation, so a hint finds the same user here as in any directory.
            for key in DirectoryIndexKey.keys(of: user) { byKey[key] = user }
        }
        self.bySubject = bySubject
        self.byKey = byKey
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        bySubject[subject]
    }

    public func user(loginHint: String) async throws -> DirectoryUser? {
        byKey[loginHint] ?? byKey[DirectoryIndexKey.normalized(loginHint)]
    }
}
