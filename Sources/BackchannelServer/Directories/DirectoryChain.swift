import BackchannelCore

/// Several directories asked in order, the first that knows a login hint answering it.
///
/// A subject must name one user across the chain, or a token issued for one directory's user would
/// read another's claims. So in a chain of two or more, each directory has a subject prefix of its own
/// (`subject_prefix`), none a prefix of another: a user's subject is its directory's prefix followed by
/// the subject the directory gives, and a subject lookup goes to the one directory its prefix names. A
/// chain of one may leave the prefix empty (subjects as the directory gives them).
///
/// A directory that fails fails the lookup: the chain never moves on to the next, which could answer
/// "no such user" (`unknown_user_id`) for a user the failed one knows.
public struct DirectoryChain: UserDirectory, ReadinessReporting, ClosingAtShutdown {
    /// One directory of the chain.
    public struct Link: Sendable {
        /// The name it is known by in logs and metrics (its registry name, or its configured name).
        public var name: String
        /// What its subjects start with in the chain.
        public var subjectPrefix: String
        /// The directory.
        public var directory: any UserDirectory

        /// A link.
        public init(name: String, subjectPrefix: String = "", directory: any UserDirectory) {
            self.name = name
            self.subjectPrefix = subjectPrefix
            self.directory = directory
        }
    }

    /// Why a chain cannot be made.
    public struct Ambiguity: Error, Sendable, CustomStringConvertible {
        /// The index of the link at fault.
        public let index: Int
        public let description: String
    }

    /// The links, in the order they are asked.
    public let links: [Link]

    /// A chain of `links`.
    /// - Throws: ``Ambiguity`` when there are none, when a link of a chain of two or more has no prefix, or
    ///   when one prefix starts another.
    public init(_ links: [Link]) throws(Ambiguity) {
        guard !links.isEmpty else { throw Ambiguity(index: 0, description: "at least one directory is required") }
        if links.count > 1 {
            for (index, link) in links.enumerated() {
                guard !link.subjectPrefix.isEmpty else {
                    throw Ambiguity(index: index, description: "each directory of a chain needs a subject_prefix of its own, so that a subject names one user")
                }
                for (other, earlier) in links[..<index].enumerated()
                where link.subjectPrefix.hasPrefix(earlier.subjectPrefix) || earlier.subjectPrefix.hasPrefix(link.subjectPrefix) {
                    throw Ambiguity(index: index, description: "subject_prefix '\(link.subjectPrefix)' overlaps that of directory \(other) ('\(earlier.subjectPrefix)')")
                }
            }
        }
        self.links = links
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        guard let link = links.first(where: { subject.hasPrefix($0.subjectPrefix) }) else { return nil }
        return try await link.directory.user(subject: String(subject.dropFirst(link.subjectPrefix.count))).map { link.prefixed($0) }
    }

    public func user(loginHint: String) async throws -> DirectoryUser? {
        for link in links {
            if let user = try await link.directory.user(loginHint: loginHint) { return link.prefixed(user) }
        }
        // A hint may be a subject as the chain gives it (prefix and all).
        return links.count > 1 ? try await user(subject: loginHint) : nil
    }
}

extension DirectoryChain {
    /// Ready when every directory is; otherwise the first that is not, by name.
    public func readiness() async -> PluginReadiness {
        for link in links {
            if case .notReady(let reason) = await (link.directory as? any ReadinessReporting)?.readiness() ?? .ready {
                return .notReady("\(link.name): \(reason)")
            }
        }
        return .ready
    }

    /// Closes every directory that holds something open.
    public func close() async {
        for link in links { await (link.directory as? any ClosingAtShutdown)?.close() }
    }
}

extension DirectoryChain.Link {
    fileprivate func prefixed(_ user: DirectoryUser) -> DirectoryUser {
        guard !subjectPrefix.isEmpty else { return user }
        var user = user
        user.subject = subjectPrefix + user.subject
        return user
    }
}
