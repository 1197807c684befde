import Foundation
import Synchronization

/// A process's output read as it comes, through a pipe, copied into its log file and kept, so that a test
/// waits for the line it needs (``waitFor(_:)``) instead of reading the file again and again on a timer.
final class OutputWatch: Sendable {
    private struct State {
        var text = ""
        var closed = false
        var waiters: [(found: @Sendable (String) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    /// Where the process writes.
    let pipe = Pipe()
    private let state = Mutex(State())

    /// Starts copying into `log` on a thread of its own, until the pipe's end of file.
    init(copyingTo log: FileHandle) {
        let reading = pipe.fileHandleForReading
        Thread { [self] in
            while true {
                let data = reading.availableData
                if data.isEmpty { break }
                log.write(data)
                self.received(String(decoding: data, as: UTF8.self))
            }
            self.received(nil)
        }.start()
    }

    private func received(_ chunk: String?) {
        let ready = state.withLock { state -> [(CheckedContinuation<Bool, Never>, Bool)] in
            if let chunk { state.text += chunk } else { state.closed = true }
            let (text, closed) = (state.text, state.closed)
            let done = state.waiters.filter { $0.found(text) || closed }
            state.waiters.removeAll { $0.found(text) || closed }
            return done.map { ($0.continuation, $0.found(text)) }
        }
        for (continuation, found) in ready { continuation.resume(returning: found) }
    }

    /// Suspends until the output contains `needle` `count` times. - Returns: whether it did before the output ended.
    func waitFor(_ needle: String, count: Int = 1) async -> Bool {
        await waitUntil { Self.occurrences(of: needle, in: $0) >= count }
    }

    /// Suspends until one line of the output contains every one of `needles`. - Returns: whether one did
    /// before the output ended.
    func waitForLine(containing needles: [String]) async -> Bool {
        await waitUntil { text in
            text.split(separator: "\n").contains { line in needles.allSatisfy { line.contains($0) } }
        }
    }

    private func waitUntil(_ found: @escaping @Sendable (String) -> Bool) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer: Bool? = state.withLock { state in
                if found(state.text) { return true }
                if state.closed { return false }
                state.waiters.append((found, continuation))
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    private static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
