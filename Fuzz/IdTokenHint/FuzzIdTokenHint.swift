import BackchannelFuzzTargets

/// The `id-token-hint` fuzz target: libFuzzer's loop under `Fuzz/run.sh`, a replay of the files it is given otherwise.
@main
enum FuzzIdTokenHint {
    static func main() throws {
        try FuzzTargets.main(target: "id-token-hint")
    }
}
