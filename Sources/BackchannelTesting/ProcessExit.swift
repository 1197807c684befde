import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Waits for a child `Process` to exit without `Process.waitUntilExit()`, which on Linux can spin forever
/// (at full CPU) when Foundation misses the child's exit, as seen here once in a whole-suite run. It watches
/// `isRunning`, and reaps the child itself (`waitpid`, without blocking) if Foundation has not.
public enum ProcessExit {
    /// The child's exit status (its signal's number if a signal ended it), or `nil` if it is still running
    /// after `timeout`. Do not read the process's `terminationStatus` afterwards: if the child was reaped
    /// here, Foundation never learns it ended.
    public static func wait(for process: Process, timeout: Duration = .seconds(120)) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        let pid = process.processIdentifier
        while ContinuousClock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                // WIFEXITED and WEXITSTATUS, spelled out (the macros are not imported).
                return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
            }
            if reaped == -1, errno == ECHILD {
                // Foundation reaped it a moment ago: its status is about to be published.
                for _ in 0..<100 where process.isRunning { usleep(10_000) }
                return process.isRunning ? nil : process.terminationStatus
            }
            usleep(10_000)
        }
        return nil
    }
}
