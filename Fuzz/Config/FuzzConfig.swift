import BackchannelFuzzTargets

/// The `config` fuzz target: libFuzzer's loop under `Fuzz/run.sh`, a replay of the files it is given otherwise.
@main
enum FuzzConfig {
    static func main() throws {
        try FuzzTargets.main(target: "config")
    }
}
