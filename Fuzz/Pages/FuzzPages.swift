import BackchannelFuzzTargets

/// The `pages` fuzz target: libFuzzer's loop under `Fuzz/run.sh`, a replay of the files it is given otherwise.
@main
enum FuzzPages {
    static func main() throws {
        try FuzzTargets.main(target: "pages")
    }
}
