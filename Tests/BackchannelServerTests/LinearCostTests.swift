import BackchannelCore
import Foundation
import Testing

@testable import BackchannelServer

/// Every request path costs time linear in the size of its input: an input four times as large must cost
/// about four times as much, never sixteen. Judged by the ratio of two costs measured in the same run
/// (the least of several tries each), not by a time, so a slow or busy machine does not change it.
@Suite("request cost grows linearly with hostile input", .serialized, .timeLimit(.minutes(2)))
struct LinearCostTests {
    /// Linear work costs 4 times as much for a 4-times input (up to 5-6 on a busy machine, caches
    /// outgrown); quadratic work 16 times. 8 separates them with room on both sides.
    static let ceiling = 8.0

    private static func seconds(_ body: () async -> Void) async -> Double {
        let started = ContinuousClock.now
        await body()
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The ratio of the cost at `4n` to the cost at `n`: the least of `tries` runs of each, the two sizes
    /// alternating so that whatever else the machine does weighs on both alike. Inputs are built once,
    /// outside the timed runs: only the code under test is measured.
    private static func growth<Input: Sendable>(
        _ n: Int, tries: Int = 15, make: (Int) -> Input, _ body: (Input) async -> Void
    ) async -> Double {
        let (warm, small, large) = (make(n / 4), make(n), make(4 * n))
        await body(warm)  // caches, lazy initialisation
        // A ratio over the ceiling is measured again, twice at most: a busy moment passes, quadratic work
        // stays quadratic every time.
        var best = Double.infinity
        for _ in 0..<3 where best >= ceiling {
            var smallest = Double.infinity
            var largest = Double.infinity
            for _ in 0..<tries {
                smallest = min(smallest, await seconds { await body(small) })
                largest = min(largest, await seconds { await body(large) })
            }
            best = min(best, largest / smallest)
        }
        return best
    }

    @Test("looking up every parameter of an n-pair request")
    func parameterLookups() async {
        // Sizes whose index stays in the caches: at 40,000 pairs a CI run with every core busy measured 8.4
        // (4.1–4.9 here), cache misses rather than work; at 10,000 it reads 4.0–4.1.
        let ratio = await Self.growth(2_500, make: { n in (0..<n).map { (name: "p\($0)", value: "v") } }) { pairs in
            let parameters = OAuthParameters(pairs)
            for pair in parameters.pairs { _ = try? parameters.value(pair.name) }
        }
        #expect(ratio < Self.ceiling, "cost ratio 4n/n = \(ratio)")
    }

    @Test("an authentication request with n extra parameters")
    func extraParameters() async throws {
        let fixture = try await EngineFixture.make()
        let ratio = await Self.growth(10_000, make: { n in [("scope", "openid"), ("login_hint", "alice")] + (0..<n).map { ("p\($0)", "v") } }) {
            _ = await fixture.start($0)
        }
        #expect(ratio < Self.ceiling, "cost ratio 4n/n = \(ratio)")
    }

    @Test("an authentication request with n scope values, distinct or repeated")
    func scopeValues() async throws {
        let fixture = try await EngineFixture.make()
        for distinct in [true, false] {
            let ratio = await Self.growth(20_000, make: { n in "openid " + (0..<n).map { distinct ? "s\($0)" : "openid" }.joined(separator: " ") }) {
                _ = await fixture.start([("scope", $0), ("login_hint", "alice")])
            }
            #expect(ratio < Self.ceiling, "cost ratio 4n/n = \(ratio) (distinct: \(distinct))")
        }
    }

    @Test("an authentication request with an n-scalar binding message")
    func bindingMessage() async throws {
        let fixture = try await EngineFixture.make()
        let ratio = await Self.growth(100_000, make: { n in "A" + String(repeating: "\u{0301}", count: n) }) {
            _ = await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("binding_message", $0)])
        }
        #expect(ratio < Self.ceiling, "cost ratio 4n/n = \(ratio)")
    }

    @Test("decoding an n-pair form body")
    func formDecoding() async {
        let ratio = await Self.growth(25_000, make: { n in Array((0..<n).map { "p%41\($0)=v+%42" }.joined(separator: "&").utf8) }) {
            _ = try? FormURLEncoding.decode($0)
        }
        #expect(ratio < Self.ceiling, "cost ratio 4n/n = \(ratio)")
    }

    @Test("an authentication request with n-byte authorization_details, valid or nested as deep as it is long")
    func authorizationDetails() async throws {
        var policy = ServerPolicy()
        policy.limits.enabled = false  // every try is admitted alike
        policy.authorizationDetailsTypes = [
            "batch": try AuthorizationDetailType(
                fields: ["items": AuthorizationDetailField(.array(AuthorizationDetailField(.string, maxLength: 16)), maxItems: 256)], summary: "{{#items}}{{.}} {{/items}}")
        ]
        let client = ClientConfiguration(clientId: "console", clientSecret: "console-secret-0042", authorizationDetailsTypes: ["batch"])
        let fixture = try await EngineFixture.make(policy: policy, clients: [client])
        // Valid details within the byte cap: n items of 20 bytes each.
        let valid = await Self.growth(64, make: { n in
            #"[{"type":"batch","items":["# + (0..<n).map { _ in #""item-0123456789""# }.joined(separator: ",") + "]}]"
        }) {
            _ = await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("authorization_details", $0)])
        }
        #expect(valid < Self.ceiling, "cost ratio 4n/n = \(valid) (valid)")
        // Hostile input far over the cap: refused after one pass at most.
        let deep = await Self.growth(50_000, make: { n in String(repeating: "[", count: n) }) {
            _ = await fixture.start([("scope", "openid"), ("login_hint", "alice"), ("authorization_details", $0)])
        }
        #expect(deep < Self.ceiling, "cost ratio 4n/n = \(deep) (deep)")
    }
}
