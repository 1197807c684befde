import BackchannelFuzzTargets
import Foundation

/// libFuzzer's entry point for the `pages` target (built with `-sanitize=fuzzer` by `Fuzz/run.sh`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTargets.all["pages"]!(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if !FUZZING
/// Without libFuzzer: replays the files named on the command line through the target.
@main
struct ReplayPages {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            FuzzTargets.all["pages"]!(bytes)
        }
    }
}
#endif
