import BackchannelCore

/// Number matching: the binding message among decoys of the same shape (each digit replaced by a digit,
/// each letter by a letter of the same case, the rest kept), in a random order. A message that cannot give
/// `count` distinct choices this way (no ASCII letter or digit: `ЖЖ`, an emoji, `!!`) gives none: offered a
/// single choice, a blind tap would approve.
enum PushChoices {
    static let count = 3

    /// `count` distinct choices, one of them `message`, or `nil` when the message has too little to vary.
    static func make(_ message: String, random: any RandomSource) -> [String]? {
        guard message.contains(where: { $0.isASCII && ($0.isNumber || $0.isLetter) }) else { return nil }
        var choices = [message]
        var tries = 0
        while choices.count < count, tries < 50 {
            tries += 1
            let decoy = String(message.map { character -> Character in
                if character.isASCII, character.isNumber { return Character(String(random.integer(below: 10))) }
                if character.isASCII, character.isUppercase { return Character(UnicodeScalar(65 + UInt8(random.integer(below: 26)))) }
                if character.isASCII, character.isLowercase { return Character(UnicodeScalar(97 + UInt8(random.integer(below: 26)))) }
                return character
            })
            if !choices.contains(decoy) { choices.append(decoy) }
        }
        guard choices.count == count else { return nil }
        // Fisher–Yates with the host's random source.
        for index in stride(from: choices.count - 1, to: 0, by: -1) {
            choices.swapAt(index, Int(random.integer(below: UInt32(index + 1))))
        }
        return choices
    }
}
