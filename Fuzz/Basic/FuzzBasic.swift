import BackchannelFuzzTargets
import Foundation

#if FUZZING
import CFuzzDriver
#endif

/// The `basic` fuzz target. Built by `Fuzz/run.sh` with `-sanitize=fuzzer -DFUZZING`, it runs libFuzzer's
/// loop; built normally, it replays the files named on its command line.
@main
struct FuzzBasic {
    static func main() throws {
        #if FUZZING
        FuzzTargets.prepare()
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTargets.all["basic"]!(Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        })
        #else
        for path in CommandLine.arguments.dropFirst() {
            FuzzTargets.all["basic"]!(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        }
        #endif
    }
}
