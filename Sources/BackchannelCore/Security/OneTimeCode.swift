/// Numeric one-time codes, as a user types them from an SMS, a mail or a console.
public enum OneTimeCode {
    /// `count` decimal digits, each drawn without bias from `random`.
    public static func digits(_ count: Int, random: any RandomSource) -> String {
        String((0..<count).map { _ in Character(String(random.integer(below: 10))) })
    }
}
