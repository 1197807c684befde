/// Why a binary plugin (or its directory) was refused at start-up.
public struct PluginLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory at fault.
    public let path: String
    /// What is wrong with it.
    public let reason: String

    /// An error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "plugins_dir: \(path) \(reason)" }
}
