import BackchannelFuzzTargets

/// The `form` fuzz target: libFuzzer's loop under `Fuzz/run.sh`, a replay of the files it is given otherwise.
@main
enum FuzzForm {
    static func main() throws {
        try FuzzTargets.main(target: "form")
    }
}
