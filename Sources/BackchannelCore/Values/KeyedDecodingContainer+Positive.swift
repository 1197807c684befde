extension KeyedDecodingContainer {
    /// A positive integer setting, `fallback` when absent; zero or less is an error naming the key.
    /// - Parameters:
    ///   - key: The setting's key.
    ///   - fallback: The value when the setting is absent.
    ///   - requirement: What the error says, such as "must be a positive number of seconds".
    public func decodePositive(_ key: Key, default fallback: Int, requirement: String = "must be positive") throws -> Int {
        let value = try decodeIfPresent(Int.self, forKey: key) ?? fallback
        guard value > 0 else { throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: requirement) }
        return value
    }
}
