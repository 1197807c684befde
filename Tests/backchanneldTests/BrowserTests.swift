import Foundation
import Testing

/// The approval pages in headless Chromium at phone width, driven by selenium
/// (`Tests/Browser/pages_check.py`): a click on the mock-push device, a wrong then a right SMS code, the
/// e-mail's link, each ending in tokens; and every page audited for accessibility on the way.
@Suite("the pages in a real browser", .timeLimit(.minutes(3)))
struct BrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/pages_check.py")

    /// Whether Chromium, its driver, selenium and aiosmtpd are on this machine (`.ci/run` installs them).
    static let browserInstalled: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "command -v chromium && command -v chromedriver && python3 -c 'import selenium, aiosmtpd'"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    @Test("approve by click, by SMS code after a wrong one, and by e-mail link, each to tokens; every page passes the phone-width audit",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: browserInstalled, "skipped: chromium, chromium-driver, selenium or aiosmtpd is missing; .ci/run installs them"))
    func pagesInChromium() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-W", "ignore", Self.script.path, BackchanneldProcess.executable.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output: String = await withCheckedContinuation { continuation in
            Thread {
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: text)
            }.start()
        }
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains(" passed, 0 failed"), "\(output)")
        #expect(!output.contains("FAIL"), "\(output)")
    }
}
