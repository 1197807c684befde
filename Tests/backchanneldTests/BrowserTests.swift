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
    static let browserInstalled = ChildProcess.succeeds(
        "command -v chromium && command -v chromedriver && python3 -c 'import selenium, aiosmtpd'")

    @Test("approve by click, by SMS code after a wrong one, and by e-mail link, each to tokens; every page passes the phone-width audit",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: browserInstalled, "skipped: chromium, chromium-driver, selenium or aiosmtpd is missing; .ci/run installs them"))
    func pagesInChromium() async throws {
        let (status, output) = try await ChildProcess.python([Self.script.path, BackchanneldProcess.executable.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains(" passed, 0 failed"), "\(output)")
        #expect(!output.contains("FAIL"), "\(output)")
    }

    static let consoleScript = script.deletingLastPathComponent().appendingPathComponent("console_check.py")

    /// The console check also enrolls a phone, signing with `cryptography` (which `.ci/run` installs with authlib).
    static let consoleToolsInstalled = ChildProcess.succeeds(
        "command -v chromium && command -v chromedriver && python3 -c 'import selenium, cryptography'")

    @Test("the operator console: sign-in, a filter and a cancel, a forged CSRF token refused, a reload, a phone enrolled and revoked, every page at phone width, a session's end",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"),
        .enabled(if: consoleToolsInstalled, "skipped: chromium, chromium-driver, selenium or cryptography is missing; .ci/run installs them"))
    func consoleInChromium() async throws {
        let (status, output) = try await ChildProcess.python([Self.consoleScript.path, BackchanneldProcess.executable.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains(" passed, 0 failed"), "\(output)")
        #expect(!output.contains("FAIL"), "\(output)")
    }
}
