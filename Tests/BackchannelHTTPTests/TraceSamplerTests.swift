import Testing

@testable import BackchannelHTTP

@Suite("which requests are traced")
struct TraceSamplerTests {
    @Test("a ratio records that share of requests, spread evenly", arguments: [(0.0, 0), (0.01, 1), (0.25, 25), (0.5, 50), (1.0, 100)])
    func ratio(ratio: Double, recorded: Int) {
        let sampler = TraceSampler(ratio: ratio)
        #expect((0..<100).filter { _ in sampler.sample() }.count == recorded)
    }

    @Test("a traceparent's sampled flag decides; a malformed one is no traceparent")
    func traceparent() {
        #expect(TraceSampler.sampled(traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") == true)
        #expect(TraceSampler.sampled(traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00") == false)
        for malformed in [
            "", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319z-b7ad6b7169203331-01",
        ] {
            #expect(TraceSampler.sampled(traceparent: malformed) == nil, "\(malformed)")
        }
    }
}
