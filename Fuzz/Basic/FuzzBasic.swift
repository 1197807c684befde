import BackchannelFuzzTargets

/// The `basic` fuzz target: libFuzzer's loop under `Fuzz/run.sh`, a replay of the files it is given otherwise.
@main
enum FuzzBasic {
    static func main() throws {
        try FuzzTargets.main(target: "basic")
    }
}
