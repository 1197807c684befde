import BackchannelClient
import Foundation
import Synchronization

/// What the user sees on standard error while polling: on a terminal a live line with a spinner, the
/// seconds left, the interval and the binding message; otherwise a plain line per poll.
final class StatusLine: Sendable {
    private struct State {
        var progress: PollProgress?
        var updatedAt = Date()
        var lastPrinted: Int = -1
        var frame = 0
        var finished = false
    }

    private static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
    private let bindingMessage: String?
    private let interactive: Bool
    private let state = Mutex(State())

    init(bindingMessage: String?) {
        self.bindingMessage = bindingMessage.map(TerminalText.safe)
        self.interactive = isatty(STDERR_FILENO) == 1
    }

    func update(_ progress: PollProgress) {
        let plain: String? = state.withLock { state in
            state.progress = progress
            state.updatedAt = Date()
            guard !interactive, state.lastPrinted != progress.polls else { return nil }
            state.lastPrinted = progress.polls
            return "waiting for the user: \(progress.secondsLeft) s left, polling every \(progress.interval) s"
                + (bindingMessage.map { ", binding message \"\($0)\"" } ?? "")
        }
        if let plain { Self.write(plain + "\n") }
    }

    /// Redraws the live line until ``finish()``; does nothing when standard error is not a terminal.
    func animate() async {
        guard interactive else { return }
        while !Task.isCancelled {
            let line: String? = state.withLock { state in
                guard !state.finished, let progress = state.progress else { return nil }
                state.frame += 1
                let left = max(0, progress.secondsLeft - Int(Date().timeIntervalSince(state.updatedAt)))
                return "\r\u{1B}[2K\(Self.frames[state.frame % Self.frames.count]) waiting for the user"
                    + (bindingMessage.map { " · read them: \"\($0)\"" } ?? "")
                    + " · \(left) s left · polling every \(progress.interval) s"
            }
            if let line { Self.write(line) }
            try? await Task.sleep(for: .milliseconds(120))
        }
    }

    func finish() {
        let wasInteractive = state.withLock { state in
            state.finished = true
            return interactive
        }
        if wasInteractive { Self.write("\r\u{1B}[2K") }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
