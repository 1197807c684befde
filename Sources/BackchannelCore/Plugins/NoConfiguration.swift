/// The configuration of a plugin that takes none: any object, including `{}`, decodes into it.
public struct NoConfiguration: Decodable, Sendable, Hashable {
    /// Creates the empty configuration.
    public init() {}
}
