import BackchannelCore
import BackchannelTesting
import Synchronization
import Testing

@Suite("background work in the host's task group")
struct BackgroundWorkTests {
    /// What a piece of work went through, in order.
    private final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        let events = EventCounter<String>()
        func note(_ entry: String) {
            entries.withLock { $0.append(entry) }
            events.record(entry)
        }
        var all: [String] { entries.withLock { $0 } }
    }

    @Test("work runs once served, and a drain with nothing running returns at once, cancelling nothing")
    func runsAndDrains() async throws {
        let work = BackgroundWork()
        let journal = Journal()
        await work.run("note") { journal.note("ran") }
        async let served: Void = work.serve()
        await journal.events.wait(for: "ran", count: 1)
        #expect(await work.drain(deadline: .seconds(60)) == 0)
        await served
        #expect(journal.all == ["ran"])
    }

    @Test("work still running at the deadline is cancelled, and its failure step runs after it without being cancelled")
    func failureStepOutlivesTheCancellation() async throws {
        let work = BackgroundWork()
        let journal = Journal()
        let latch = Latch()
        await work.run("blocked") {
            journal.note("started")
            await latch.wait()  // ends only when cancelled
            try Task.checkCancellation()
        } ifFailed: { error in
            journal.note(error is CancellationError ? "failed: cancelled" : "failed: \(error)")
            journal.note(Task.isCancelled ? "step cancelled" : "step not cancelled")
        }
        async let served: Void = work.serve()
        await journal.events.wait(for: "started", count: 1)
        #expect(await work.drain(deadline: .zero) == 1)
        await served
        #expect(journal.all == ["started", "failed: cancelled", "step not cancelled"])
    }

    @Test("a failing operation's error reaches its failure step; a succeeding one's step never runs")
    func failureStepSeesTheError() async throws {
        struct Refused: Error {}
        let work = BackgroundWork()
        let journal = Journal()
        await work.run("fails") { throw Refused() } ifFailed: { error in journal.note(error is Refused ? "refused" : "other") }
        await work.run("succeeds") { journal.note("done") } ifFailed: { _ in journal.note("wrongly failed") }
        async let served: Void = work.serve()
        await journal.events.wait(for: "refused", count: 1)
        await journal.events.wait(for: "done", count: 1)
        #expect(await work.drain(deadline: .seconds(60)) == 0)
        await served
        #expect(Set(journal.all) == ["refused", "done"])
    }

    @Test("work handed over after the drain began does not run: its failure step runs at once with a cancellation")
    func lateWorkFailsAtOnce() async throws {
        let work = BackgroundWork()
        let journal = Journal()
        async let served: Void = work.serve()
        #expect(await work.drain(deadline: .seconds(60)) == 0)
        await served
        await work.run("late") { journal.note("ran") } ifFailed: { error in journal.note(error is CancellationError ? "refused" : "other") }
        #expect(journal.all == ["refused"])
    }
}
