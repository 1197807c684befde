import BackchannelPostgres
import BackchannelServer
import BackchannelTesting
import Foundation
import Testing

/// The abuse limits' counts behave the same in memory and in PostgreSQL, and PostgreSQL shares them
/// among nodes.
@Suite("limit store contract", .timeLimit(.minutes(2)))
struct LimitStoreContractTests {
    static var kinds: [String] { StoreKind.postgresInstalled ? ["memory", "postgres"] : ["memory"] }

    private func make(_ kind: String) async throws -> (any LimitStore, @Sendable () -> Void) {
        guard kind == "postgres" else { return (InMemoryLimitStore(), {}) }
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        let store = try await PostgresStore.connect(url: url, connections: 2, expiredRequestRetention: 60, clock: VirtualClock(), connectTimeout: TemporaryPostgresServer.connectTimeout,
            operationDeadline: TemporaryPostgresServer.connectTimeout)
        let pool = Task { await store.run() }
        return (store.limits, { pool.cancel() })
    }

    @Test("a bucket gives its capacity, then refuses with the wait, then refills at its rate", arguments: kinds)
    func bucket(kind: String) async throws {
        let (store, close) = try await make(kind)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for _ in 0..<3 { #expect(try await store.take(bucket: "b", capacity: 3, refillPerSecond: 0.5, now: now) == nil) }
        let wait = try #require(try await store.take(bucket: "b", capacity: 3, refillPerSecond: 0.5, now: now))
        #expect(abs(wait - 2) < 0.01)
        #expect(try await store.wait(bucket: "b", capacity: 3, refillPerSecond: 0.5, now: now.addingTimeInterval(1)) > 0)
        #expect(try await store.wait(bucket: "b", capacity: 3, refillPerSecond: 0.5, now: now.addingTimeInterval(2)) == 0)
        #expect(try await store.take(bucket: "b", capacity: 3, refillPerSecond: 0.5, now: now.addingTimeInterval(2)) == nil)
        #expect(try await store.take(bucket: "other", capacity: 3, refillPerSecond: 0.5, now: now) == nil)
    }

    @Test("members count against every cap until released or lapsed; a refused member counts nowhere", arguments: kinds)
    func members(kind: String) async throws {
        let (store, close) = try await make(kind)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let caps = [(key: "s", cap: 2), (key: "cs", cap: 1)]
        #expect(try await store.admit(member: "m1", caps: caps, until: now.addingTimeInterval(60), now: now))
        #expect(try await store.admit(member: "m2", caps: caps, until: now.addingTimeInterval(60), now: now) == false)
        #expect(try await store.admit(member: "m3", caps: [(key: "s", cap: 2)], until: now.addingTimeInterval(60), now: now))
        #expect(try await store.admit(member: "m4", caps: [(key: "s", cap: 2)], until: now.addingTimeInterval(60), now: now) == false)
        #expect(Set(try await store.release(member: "m1")) == ["s", "cs"])
        #expect(try await store.release(member: "m1").isEmpty)
        #expect(try await store.admit(member: "m2", caps: caps, until: now.addingTimeInterval(60), now: now))
        // Lapsed members no longer count.
        #expect(try await store.admit(member: "m5", caps: caps, until: now.addingTimeInterval(120), now: now.addingTimeInterval(61)))
    }

    @Test("a batch release frees every member's place in every cap at once", arguments: kinds)
    func batchRelease(kind: String) async throws {
        let (store, close) = try await make(kind)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let caps = [(key: "s", cap: 3), (key: "cs", cap: 2)]
        #expect(try await store.admit(member: "m1", caps: caps, until: now.addingTimeInterval(60), now: now))
        #expect(try await store.admit(member: "m2", caps: caps, until: now.addingTimeInterval(60), now: now))
        #expect(try await store.admit(member: "m3", caps: [(key: "s", cap: 3)], until: now.addingTimeInterval(60), now: now))
        #expect(try await store.admit(member: "m4", caps: caps, until: now.addingTimeInterval(60), now: now) == false)
        try await store.release(members: ["m1", "m2", "m3", "unknown"])
        #expect(try await store.release(member: "m2").isEmpty)
        for member in ["m4", "m5"] { #expect(try await store.admit(member: member, caps: caps, until: now.addingTimeInterval(60), now: now)) }
        #expect(try await store.admit(member: "m6", caps: [(key: "s", cap: 3)], until: now.addingTimeInterval(60), now: now))
        #expect(try await store.admit(member: "m7", caps: [(key: "s", cap: 3)], until: now.addingTimeInterval(60), now: now) == false)
    }

    private static func admission(member: String, now: Date, cap: Int = 1) -> LimitAdmission {
        LimitAdmission(
            cooldown: .init(key: "cd", capacity: 1, refillPerSecond: 0.01),
            buckets: [.init(key: "client", capacity: 3, refillPerSecond: 0.001), .init(key: "user", capacity: 2, refillPerSecond: 0.001)],
            member: member, caps: [.init(key: "s", limit: cap), .init(key: "cs", limit: cap)], until: now.addingTimeInterval(60))
    }

    @Test("an admission passes the cool-down, takes a token from each bucket in turn and counts the member against every cap", arguments: kinds)
    func admissionInOrder(kind: String) async throws {
        let (store, close) = try await make(kind)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.admit(Self.admission(member: "m1", now: now), now: now) == .admitted)
        #expect(try await store.admit(Self.admission(member: "m2", now: now, cap: 5), now: now) == .admitted)
        // The user's bucket (2) is empty now: refused there, no cap counted.
        #expect(try await store.admit(Self.admission(member: "m3", now: now, cap: 5), now: now) == .rateLimited(bucket: 1))
        #expect(try await store.release(member: "m3").isEmpty)
        #expect(Set(try await store.release(member: "m1")) == ["s", "cs"])
        // The client's bucket gave its third token back: one more request takes it, then it is empty and
        // refuses first, before the user's.
        #expect(try await store.take(bucket: "client", capacity: 3, refillPerSecond: 0.001, now: now) == nil)
        #expect(try await store.admit(Self.admission(member: "m4", now: now, cap: 5), now: now) == .rateLimited(bucket: 0))
    }

    @Test("a refused admission spends nothing: a cap's or a later bucket's refusal gives back the tokens taken before it", arguments: kinds)
    func refusedAdmissionSpendsNothing(kind: String) async throws {
        let (store, close) = try await make(kind)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.admit(Self.admission(member: "m1", now: now), now: now) == .admitted)
        // Ten refusals at the cap: the client's bucket (3) and the user's (2) still hold what m1 left them.
        for n in 0..<10 { #expect(try await store.admit(Self.admission(member: "x\(n)", now: now), now: now) == .capReached) }
        #expect(try await store.take(bucket: "user", capacity: 2, refillPerSecond: 0.001, now: now) == nil)
        #expect(try await store.take(bucket: "user", capacity: 2, refillPerSecond: 0.001, now: now) != nil)
        // The user's bucket is empty: refusals there give the client's token back.
        for n in 0..<10 { #expect(try await store.admit(Self.admission(member: "y\(n)", now: now, cap: 5), now: now) == .rateLimited(bucket: 1)) }
        #expect(try await store.take(bucket: "client", capacity: 3, refillPerSecond: 0.001, now: now) == nil)
        #expect(try await store.take(bucket: "client", capacity: 3, refillPerSecond: 0.001, now: now) == nil)
        #expect(try await store.take(bucket: "client", capacity: 3, refillPerSecond: 0.001, now: now) != nil)
    }

    @Test("an admission during the cool-down takes nothing and counts nothing", arguments: kinds)
    func admissionCoolingDown(kind: String) async throws {
        let (store, close) = try await make(kind)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.take(bucket: "cd", capacity: 1, refillPerSecond: 0.01, now: now) == nil)
        #expect(try await store.admit(Self.admission(member: "m1", now: now), now: now) == .coolingDown)
        #expect(try await store.wait(bucket: "client", capacity: 3, refillPerSecond: 0.001, now: now) == 0)
        #expect(try await store.release(member: "m1").isEmpty)
        // After the cool-down (100 s at 0.01 a second) the same admission passes, and the cap had room.
        let later = now.addingTimeInterval(100)
        #expect(try await store.admit(Self.admission(member: "m1", now: later), now: later) == .admitted)
        #expect(try await store.admit(Self.admission(member: "m2", now: later), now: later) == .capReached)
    }

    @Test("an admission at a full cap drops members past their time and admits in their place", arguments: kinds)
    func admissionDropsLapsedMembers(kind: String) async throws {
        let (store, close) = try await make(kind)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.admit(Self.admission(member: "m1", now: now), now: now) == .admitted)
        let later = now.addingTimeInterval(61)
        #expect(try await store.admit(Self.admission(member: "m2", now: later), now: later) == .admitted)
        #expect(Set(try await store.release(member: "m2")) == ["s", "cs"])
    }

    /// Two stores on one new database, as two nodes would have; the closure stops their pools.
    private func twoNodes(connections: Int = 2) async throws -> (PostgresLimits, PostgresLimits, @Sendable () -> Void) {
        let url = try await TemporaryPostgresServer.shared().makeDatabase()
        let first = try await PostgresStore.connect(url: url, connections: connections, expiredRequestRetention: 60, clock: VirtualClock(), connectTimeout: TemporaryPostgresServer.connectTimeout,
            operationDeadline: TemporaryPostgresServer.connectTimeout)
        let second = try await PostgresStore.connect(url: url, connections: connections, expiredRequestRetention: 60, clock: VirtualClock(), connectTimeout: TemporaryPostgresServer.connectTimeout,
            operationDeadline: TemporaryPostgresServer.connectTimeout)
        let pools = [Task { await first.run() }, Task { await second.run() }]
        return (first.limits, second.limits, { pools.forEach { $0.cancel() } })
    }

    @Test("two nodes on one PostgreSQL share buckets and caps", .enabled(if: StoreKind.postgresInstalled))
    func sharedAmongNodes() async throws {
        let (first, second, close) = try await twoNodes()
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                let node = index % 2 == 0 ? first : second
                group.addTask { try await node.take(bucket: "shared", capacity: 5, refillPerSecond: 0.001, now: now) == nil }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(taken == 5)
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                let node = index % 2 == 0 ? first : second
                group.addTask { try await node.admit(member: "m\(index)", caps: [(key: "p", cap: 3)], until: now.addingTimeInterval(60), now: now) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 3)
    }

    @Test("admissions and batch releases of the same keys on two nodes at once all succeed and leave every count exact", .enabled(if: StoreKind.postgresInstalled))
    func concurrentAdmissionsAndReleases() async throws {
        let (first, second, close) = try await twoNodes(connections: 8)
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let subjects = (0..<8).map { "s\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for round in 0..<100 {
                let node = round.isMultiple(of: 2) ? first : second
                group.addTask {
                    // Each round counts members against some of the keys in its own order, then releases them in one batch.
                    let members = subjects.shuffled().prefix(5).map { subject in (member: "m\(round)-\(subject)", subject: subject) }
                    for (member, subject) in members {
                        let caps = [(key: "p:" + subject, cap: 10_000), (key: "pc:x" + subject, cap: 10_000)]
                        #expect(try await node.admit(member: member, caps: caps, until: now.addingTimeInterval(60), now: now))
                    }
                    try await node.release(members: members.map(\.member))
                }
            }
            try await group.waitForAll()
        }
        // Every count is back to zero: nothing was counted twice or lost.
        #expect(try await first.admit(member: "last", caps: subjects.map { (key: "p:" + $0, cap: 1) }, until: now.addingTimeInterval(60), now: now))
    }

    @Test("a large bucket is taken in batches by each node, and two nodes together never exceed it", .enabled(if: StoreKind.postgresInstalled))
    func largeBucketInBatches() async throws {
        let (first, second, close) = try await twoNodes()
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // Capacity 400 is taken 8 tokens at a time; no refill to speak of.
        var taken = 0
        for index in 0..<600 {
            let node = index % 3 == 0 ? first : second
            if try await node.take(bucket: "client", capacity: 400, refillPerSecond: 0.0001, now: now) == nil { taken += 1 }
        }
        // Never more than the capacity; less by at most what each node still holds (a batch less one).
        #expect(taken <= 400)
        #expect(taken >= 400 - 2 * 7)
        // What a node holds lapses after a second: the shared bucket, not the lease, answers then.
        #expect(try await first.take(bucket: "client", capacity: 400, refillPerSecond: 0.0001, now: now.addingTimeInterval(2)) != nil)
    }

    /// An admission whose one bucket, "client", holds 100 tokens (taken 2 at a time) and hardly refills.
    private static func largeBucketAdmission(member: String, cap: Int, now: Date) -> LimitAdmission {
        LimitAdmission(
            cooldown: .init(key: "cd", capacity: 1, refillPerSecond: 0.001),
            buckets: [.init(key: "client", capacity: 100, refillPerSecond: 0.000001)],
            member: member, caps: [.init(key: "s", limit: cap)], until: now.addingTimeInterval(60))
    }

    @Test("admissions spending a large bucket batch by batch, cold then hot, and another node's takes together get exactly its capacity", .enabled(if: StoreKind.postgresInstalled))
    func admissionsNeverExceedALargeBucket() async throws {
        let (first, second, close) = try await twoNodes()
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let admission = { (member: String) in Self.largeBucketAdmission(member: member, cap: 1000, now: now) }
        var admitted = 0
        for n in 0..<61 where try await first.admit(admission("m\(n)"), now: now) == .admitted { admitted += 1 }
        #expect(admitted == 61)
        var taken = 0
        while taken < 200, try await second.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil { taken += 1 }
        // The first node may still hold one token of its last batch, never more.
        #expect((38...39).contains(taken))
        let held = 100 - admitted - taken
        var spentHere = 0
        while spentHere < 5, try await first.admit(admission("x\(spentHere)"), now: now) == .admitted { spentHere += 1 }
        #expect(spentHere == held)
    }

    @Test("tokens of batches that concurrent requests take at the same moment are all spent, none lost", .enabled(if: StoreKind.postgresInstalled))
    func concurrentBatchesLoseNoToken() async throws {
        let (first, second, close) = try await twoNodes()
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in 0..<60 {
                group.addTask {
                    try await first.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil && n >= 0
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 60)
        var taken = 0
        while taken < 200, try await second.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil { taken += 1 }
        var left = 0
        while left < 50, try await first.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil { left += 1 }
        #expect(admitted + taken + left == 100)
    }

    @Test("a large bucket's batch goes back to the database, and its held token to the node, when a cap refuses", .enabled(if: StoreKind.postgresInstalled))
    func largeBucketRefundedAtCap() async throws {
        let (first, second, close) = try await twoNodes()
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let admission = { (member: String) in Self.largeBucketAdmission(member: member, cap: 1, now: now) }
        #expect(try await first.admit(admission("m1"), now: now) == .admitted)
        for n in 0..<20 { #expect(try await first.admit(admission("x\(n)"), now: now) == .capReached) }
        // 100 less m1's batch of 2: the other node takes 98; the node still holds m1's spare token.
        var taken = 0
        while taken < 200, try await second.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil { taken += 1 }
        #expect(taken == 98)
        #expect(try await first.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil)
    }

    @Test("a large bucket's token held by the node goes back when the admission is refused before its turn", .enabled(if: StoreKind.postgresInstalled))
    func leasedTokenRefunded() async throws {
        let (first, second, close) = try await twoNodes()
        defer { close() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // A client bucket of 100 is taken 2 at a time: the first admission leaves one token on the node.
        let admission = { (member: String) in Self.largeBucketAdmission(member: member, cap: 10, now: now) }
        #expect(try await first.admit(admission("m1"), now: now) == .admitted)
        #expect(try await first.take(bucket: "cd", capacity: 1, refillPerSecond: 0.001, now: now) == nil)
        // Cooling down: the held token is spent, then handed back; the next take spends it without the database.
        #expect(try await first.admit(admission("m2"), now: now) == .coolingDown)
        #expect(try await first.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil)
        // What the database holds is what the other node can take: 98 (100 less the first batch of 2).
        var taken = 0
        while taken < 200, try await second.take(bucket: "client", capacity: 100, refillPerSecond: 0.000001, now: now) == nil { taken += 1 }
        #expect(taken == 98)
    }
}
