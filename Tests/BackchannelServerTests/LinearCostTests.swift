import BackchannelCore
import Foundation
import Testing

@testable import BackchannelServer

/// Every request path costs time linear in the size of its input: an input twice as large must cost
/// about twice as much, never four times. Judged by the ratio of two costs measured in the same run
/// (the least of several tries each), not by a time, so a slow or busy machine does not change it.
@Suite("request cost grows linearly with hostile input", .serialized, .timeLimit(.minutes(2)))
struct LinearCostTests {
    /// Quadratic work doubles the ratio to 4; linear work stays near 2 (up to 3 on a busy machine, with
    /// caches outgrown). 3.4 separates them.
    static let ceiling = 3.4

    private static func seconds(_ body: () async -> Void) async -> Double {
        let started = ContinuousClock.now
        await body()
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The ratio of the cost at `2n` to the cost at `n`: the least of `tries` runs of each, the two sizes
    /// alternating so that whatever else the machine does weighs on both alike.
    private static func growth(_ n: Int, tries: Int = 15, _ body: (Int) async -> Void) async -> Double {
        await body(n / 4)  // warm-up: caches, lazy initialisation
        var small = Double.infinity
        var large = Double.infinity
        for _ in 0..<tries {
            small = min(small, await seconds { await body(n) })
            large = min(large, await seconds { await body(2 * n) })
        }
        return large / small
    }

    @Test("looking up every parameter of an n-pair request")
    func parameterLookups() async {
        let ratio = await Self.growth(20_000) { n in
            let parameters = OAuthParameters((0..<n).map { (name: "p\($0)", value: "v") })
            for pair in parameters.pairs { _ = try? parameters.value(pair.name) }
        }
        #expect(ratio < Self.ceiling, "cost ratio 2n/n = \(ratio)")
    }

    @Test("an authentication request with n extra parameters")
    func extraParameters() async throws {
        let fixture = try await EngineFixture.make()
        let ratio = await Self.growth(20_000) { n in
            _ = await fixture.start([("scope", "openid"), ("login_hint", "alice")] + (0..<n).map { ("p\($0)", "v") })
        }
        #expect(ratio < Self.ceiling, "cost ratio 2n/n = \(ratio)")
    }

    @Test("an authentication request with n scope values, distinct or repeated")
    func scopeValues() async throws {
        let fixture = try await EngineFixture.make()
        for distinct in [true, false] {
            let ratio = await Self.growth(40_000) { n in
                let scope = "openid " + (0..<n).map { distinct ? "s\($0)" : "openid" }.joined(separator: " ")
                _ = await fixture.start([("scope", scope), ("login_hint", "alice")])
            }
            #expect(ratio < Self.ceiling, "cost ratio 2n/n = \(ratio) (distinct: \(distinct))")
        }
    }

    @Test("an authentication request with an n-scalar binding message")
    func bindingMessage() async throws {
        let fixture = try await EngineFixture.make()
        let ratio = await Self.growth(200_000) { n in
            _ = await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("binding_message", "A" + String(repeating: "\u{0301}", count: n))])
        }
        #expect(ratio < Self.ceiling, "cost ratio 2n/n = \(ratio)")
    }

    @Test("decoding an n-pair form body")
    func formDecoding() async {
        let ratio = await Self.growth(50_000) { n in
            _ = try? FormURLEncoding.decode(Array((0..<n).map { "p%41\($0)=v+%42" }.joined(separator: "&").utf8))
        }
        #expect(ratio < Self.ceiling, "cost ratio 2n/n = \(ratio)")
    }
}
