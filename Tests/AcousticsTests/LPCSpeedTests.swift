import Foundation
import Testing
import DSP
@testable import Acoustics

@Suite("the LP residual kernels equal the one-frame loops they replace")
struct LPCSpeedTests {
    /// SRH's order-12 residual advanced as samples arrive (uneven steps, frames added four
    /// at a time onto the earlier frames' sums) is lpcresidual.m over the samples so far.
    @Test("SRH's residual advanced in uneven steps equals the one-frame lpcresidual.m loop bit for bit",
          arguments: [[401, 402, 3000], [0, 481, 482, 1203, 5000, 9999], [9999], [700, 700, 4083, 8000, 8001]])
    func srhResidual(ends: [Int]) {
        let x = GlottalResidualTests.speechLike(10_000, seed: 11)
        var samples = SampleBuffer()
        var r = ResidualOLA(order: 12)
        var have = 0
        for end in ends {
            samples.append(Array(x[have..<max(have, end)]))
            have = max(have, end)
            r.advance(samples, total: end)
            let whole = GlottalKernelTests.lpcResidualOneFrame(Array(x[0..<end]), order: 12)
            let final = r.finalLimit
            #expect(final == (end >= 402 ? ((end - 402) / 80 + 1) * 80 : 0), "end \(end)")
            // Every sample of the frames added so far, including the overlap still open.
            let formed = r.buffer.end
            #expect(r.buffer.slice(0, formed) == Array(whole[0..<formed]), "end \(end)")
            #expect(formed == (final > 0 ? final - 80 + 401 : 0), "end \(end)")
        }
    }

    @Test("a silent stretch gives NaN frames as lpcresidual.m (0/0 gain) in both forms")
    func silentResidual() {
        let x = [Float](repeating: 0, count: 1000) + GlottalResidualTests.speechLike(2000, seed: 5)
        var samples = SampleBuffer()
        samples.append(x)
        var r = ResidualOLA(order: 12)
        r.advance(samples, total: x.count)
        let whole = GlottalKernelTests.lpcResidualOneFrame(x, order: 12)
        let got = r.buffer.slice(0, r.buffer.end)
        #expect(got.count == r.buffer.end && got[0].isNaN)
        #expect(zip(got, whole).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
    }
}
