import BackchannelBuiltIns
import BackchannelHost
import BaselineServer
import Dispatch
import NIOCore
import NIOPosix

// `callgrind-host [backchanneld's arguments]` serves as backchanneld, `callgrind-host baseline --port N` as
// benchmark-baseline, both with the same executor so that their instruction counts compare. valgrind 3.19
// dies when an async `main` parks the main thread in libdispatch, so this main is synchronous and every
// task runs on NIO's event loops. The task is detached: top-level code is on the main actor, whose queue
// never drains while main waits.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
let finished = DispatchSemaphore(value: 0)
let arguments = CommandLine.arguments
Task.detached {
    if arguments.dropFirst().first == "baseline" {
        do {
            try await BaselineServer.run(port: BaselineServer.port(in: arguments))
        } catch {
            print("baseline: \(error)")
        }
    } else {
        await BackchannelHostMain.run(components: try .builtIn())
    }
    finished.signal()
}
finished.wait()
