import Foundation
import Synchronization

/// A process's output read as it comes, through a pipe, copied into its log file and kept, so that a test
/// waits for the line it needs (``waitFor(_:)``) instead of reading the file again and again on a timer.
final class OutputWatch: Sendable {
    private struct State {
        var text = ""
        var closed = false
        var waiters: [(needle: String, count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
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
            let found = { (waiter: (needle: String, count: Int, continuation: CheckedContinuation<Bool, Never>)) in
                Self.occurrences(of: waiter.needle, in: text) >= waiter.count
            }
            let done = state.waiters.filter { found($0) || closed }
            state.waiters.removeAll { found($0) || closed }
            return done.map { ($0.continuation, found($0)) }
        }
        for (continuation, found) in ready { continuation.resume(returning: found) }
    }

    /// Suspends until the output contains `needle` `count` times. - Returns: whether it did before the output ended.
    func waitFor(_ needle: String, count: Int = 1) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer: Bool? = state.withLock { state in
                if Self.occurrences(of: needle, in: state.text) >= count { return true }
                if state.closed { return false }
                state.waiters.append((needle, count, continuation))
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    private static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
