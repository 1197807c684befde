import Testing

@testable import backchannel

/// What the CLI prints of a server's text cannot drive the terminal.
@Suite("the CLI's printing of server text")
struct TerminalTextTests {
    @Test("escape sequences, carriage returns and bidirectional overrides are shown as code points, not obeyed")
    func controlCharactersEscaped() {
        #expect(TerminalText.safe("\u{1B}[2Jpay\r\u{202E}kcab") == "\\u{1b}[2Jpay\\u{d}\\u{202e}kcab")
        #expect(TerminalText.safe("\u{1B}]0;owned\u{07}") == "\\u{1b}]0;owned\\u{7}")
    }

    @Test("ordinary text in any script passes unchanged")
    func ordinaryText() {
        #expect(TerminalText.safe("Überweisung 42 € — ✓ 支付") == "Überweisung 42 € — ✓ 支付")
    }
}
