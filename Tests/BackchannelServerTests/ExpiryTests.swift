import BackchannelCore
import BackchannelServer
import Foundation
import Testing

@Suite("Expiry")
struct ExpiryTests {
    @Test("an expired request's handler is cancelled exactly once, then the record is purged after the retention")
    func cancelledOnceThenPurged() async throws {
        var policy = ServerPolicy()
        policy.expiredRequestRetention = 60
        let fixture = try await EngineFixture.make(policy: policy)
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol"), ("requested_expiry", "30")])
        let id = AuthReqId(rawValue: BackchannelEngine.authReqIdHash(ack.authReqId))
        #expect(await fixture.engine.sweepExpired() == 0)
        await fixture.clock.advance(by: 30)
        #expect(await fixture.engine.sweepExpired() == 1)
        #expect(await fixture.engine.sweepExpired() == 0)
        #expect(fixture.handler.cancellations(id) == 1)
        #expect(try await fixture.push.pendingNotifications(subject: "carol").isEmpty)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "expired_token")
        await fixture.clock.advance(by: 60)
        #expect(await fixture.engine.sweepExpired() == 0)
        #expect(fixture.store.count == 0)
        #expect(fixture.handler.cancellations(id) == 1)
        #expect(await fixture.poll(ack.authReqId).failure?.code == "invalid_grant")
    }

    @Test("a redeemed request is forgotten by its handler and never expired")
    func redeemedNotExpired() async throws {
        let fixture = try await EngineFixture.make()
        let ack = try await fixture.startOK([("scope", "openid"), ("login_hint", "alice"), ("requested_expiry", "30")])
        await fixture.clock.advance(by: 5)
        _ = try await fixture.poll(ack.authReqId).get()
        #expect(fixture.store.count == 0)
        await fixture.clock.advance(by: 30)
        #expect(await fixture.engine.sweepExpired() == 0)
        #expect(fixture.handler.totalCancellations == 1)
    }

    @Test("concurrent sweeps claim each expired request once")
    func concurrentSweeps() async throws {
        var policy = ServerPolicy()
        policy.limits.enabled = false  // 200 pending requests for one user: the limits would stop them
        let fixture = try await EngineFixture.make(policy: policy)
        for _ in 0..<200 { _ = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol"), ("requested_expiry", "10")]) }
        await fixture.clock.advance(by: 10)
        let claimed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { await fixture.engine.sweepExpired(limit: 7) } }
            return await group.reduce(0, +)
        }
        var rest = 0
        while case let swept = await fixture.engine.sweepExpired(), swept > 0 { rest += swept }
        #expect(claimed + rest == 200)
        #expect(fixture.handler.totalCancellations == 200)
    }

    @Test("one sweep of many expired requests tells their handler once, in one batch, and frees their places in the limits")
    func batchedSweep() async throws {
        var policy = ServerPolicy()
        policy.limits.maxPendingPerSubject = 300
        policy.limits.maxPendingPerClientSubject = 300
        policy.limits.subjectBurst = 1000
        let fixture = try await EngineFixture.make(policy: policy)
        for _ in 0..<300 { _ = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol"), ("requested_expiry", "10")]) }
        #expect(await fixture.start([("scope", "openid"), ("login_hint", "carol")]).failure?.code == "access_denied")  // the cap is full
        await fixture.clock.advance(by: 10)
        #expect(await fixture.engine.sweepExpired() == 300)
        #expect(fixture.handler.batchSizes == [300])
        #expect(fixture.handler.totalCancellations == 300)
        #expect(try await fixture.push.pendingNotifications(subject: "carol").isEmpty)
        _ = try await fixture.startOK([("scope", "openid"), ("login_hint", "carol")])  // the places were given back
    }
}
