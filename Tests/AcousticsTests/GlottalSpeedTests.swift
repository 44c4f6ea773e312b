import Foundation
import Testing
import DSP
@testable import Acoustics

@Suite("the glottal chain's, creak's and peakSlope's faster forms equal the forms they replace")
struct GlottalSpeedTests {
    /// filter.cc's recursion with the state in an array, as CreakDetector.bandPass ran it.
    static func filterArrayState(b: [Double], a: [Double], zi: [Double], _ v: inout [Double]) {
        guard !v.isEmpty else { return }
        var psi = zi.map { $0 * v[0] }
        let m = psi.count
        for i in 0..<v.count {
            let xi = v[i]
            let yi = psi[0] + b[0] * xi
            for j in 0..<(m - 1) { psi[j] = psi[j + 1] - a[j + 1] * yi + b[j + 1] * xi }
            psi[m - 1] = b[m] * xi - a[m] * yi
            v[i] = yi
        }
    }

    @Test("the order-14 recursion with its state in locals equals the array-state loop bit for bit")
    func order14Recursion() {
        let b = CreakDetector.bandB, a = CreakDetector.bandA
        let zi = (0..<14).map { Double($0 + 1) * 0.37 - 2.5 }
        let speech = GlottalResidualTests.speechLike(3000, seed: 4).map(Double.init)
        let inputs: [[Double]] = [
            speech,
            [Double](repeating: 0, count: 50) + [-0.0, 0, -0.0] + speech.prefix(200),
            [-0.0] + [Double](repeating: -0.0, count: 40),
            speech.prefix(100) + [.infinity] + speech.prefix(20),
            [.nan] + speech.prefix(30),
            [1e-310, -1e-310, 5e-324] + speech.prefix(64),
            [2.5], [],
        ]
        for (k, x) in inputs.enumerated() {
            var got = x, ref = x
            CreakDetector.filterOrder14(b: b, a: a, zi: zi, &got)
            GlottalSpeedTests.filterArrayState(b: b, a: a, zi: zi, &ref)
            #expect(got.count == ref.count && zip(got, ref).allSatisfy { $0.bitPattern == $1.bitPattern }, "input \(k)")
        }
    }

    @Test("peakSlope streamed in uneven pushes, dropping samples it no longer needs, equals plain per-sample band maxima",
          arguments: [[2000], [300, 301, 1500, 2500, 4803], [159, 800, 801, 3000, 3001]])
    func peakSlopeStreamed(ends: [Int]) {
        let total = ends.last ?? 0
        let x = GlottalKernelTests.noise(total, seed: UInt32(total)).enumerated().map { i, e in
            sin(Float(i) * 0.3) * (i % 400 < 200 ? 1 : 0.1) + 0.05 * e
        }
        var buf = SampleBuffer(), stage = PeakSlopeStage()
        var slopes: [Int: Float] = [:]
        var have = 0
        for end in ends {
            buf.append(Array(x[have..<end])); have = end
            stage.advance(buf, total: end, finished: end == total)
            for m in 0..<stage.nextFrame { slopes[m] = stage.slopes[m] }
            // What the extractor drops: samples before the oldest the stage still reads.
            buf.drop(before: max(0, stage.oldestSampleNeeded))
        }
        var whole = SampleBuffer()
        whole.append(x)
        let bank = stage.bank, frames = PeakSlopeStage.frameCount(total)
        #expect(stage.nextFrame == frames && frames > 5)
        for m in 0..<frames {
            var maxima = [Float](repeating: 0, count: 7)
            for i in (160 * m)..<(160 * m + 640) {
                for b in 0..<7 { maxima[b] = max(maxima[b], abs(bank.value(band: b, at: i, whole, total: total))) }
            }
            var sy: Float = 0, sty: Float = 0
            for t in 0..<7 { let v = log10(maxima[6 - t]); sy += v; sty += Float(t + 1) * v }
            #expect(slopes[m] == (sty - 4 * sy) / 28, "frame \(m)")
        }
    }
}
