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

    /// Σ_i x[i]·x[i+k] in i order, in Double: what each lag of LPC.autocorrelation sums.
    static func plainAutocorrelation(_ x: [Float], order: Int) -> [Double] {
        (0...order).map { k in
            var s = 0.0
            for i in 0..<x.count where i + k < x.count { s += Double(x[i]) * Double(x[i + k]) }
            return s
        }
    }

    @Test("the autocorrelation's lags are the plain in-order sums, and order 18's first 13 lags are order 12's",
          arguments: [0, 1, 5, 13, 19, 30, 401])
    func sharedAutocorrelation(count: Int) {
        let x = GlottalResidualTests.speechLike(count, seed: UInt32(count + 1))
        let r18 = x.withUnsafeBufferPointer { LPC.autocorrelation($0, order: 18) }
        let r12 = x.withUnsafeBufferPointer { LPC.autocorrelation($0, order: 12) }
        #expect(r18 == Self.plainAutocorrelation(x, order: 18))
        #expect(Array(r18[0...12]) == r12)
        #expect(LPC.levinson(r18, order: 12).a == LPC.levinson(r12, order: 12).a)
    }

    @Test("the glottal residual from SRH's shared lags equals the one forming its own, and the lags are dropped")
    func sharedLags() {
        let x = GlottalResidualTests.speechLike(12_000, seed: 9)
        var samples = SampleBuffer()
        var srh = ResidualOLA(order: 12, sharedOrder: 18), plainSRH = ResidualOLA(order: 12)
        var glottal = Glottal.StreamResidual(), plain = Glottal.StreamResidual()
        var have = 0
        for end in [500, 3000, 3001, 7000, 12_000] {
            samples.append(Array(x[have..<end])); have = end
            srh.advance(samples, total: end); plainSRH.advance(samples, total: end)
            #expect(srh.buffer.slice(0, end) == plainSRH.buffer.slice(0, end), "end \(end)")
            // Frame m's lags are those of its windowed samples.
            let m = srh.nextSegment - 1
            let w = (0..<401).map { x[80 * m + $0] * Glottal.residualWindow[$0] }
            #expect(srh.sharedLags(m) == w.withUnsafeBufferPointer { LPC.autocorrelation($0, order: 18) })
            // The glottal chain lags behind (as its blocks wait for their window's end).
            let g = max(0, end - 2000)
            glottal.advance(samples, to: g) { [srh] in srh.sharedLags($0) }
            srh.dropShared(before: glottal.nextFrame)
            plain.advance(samples, to: g)
            #expect(glottal.slice(0, g) == plain.slice(0, g), "end \(end)")
            #expect(srh.sharedBase == max(0, glottal.nextFrame) && srh.sharedLags(glottal.nextFrame - 1) == nil)
            #expect(srh.shared.count == 19 * (srh.nextSegment - srh.sharedBase))
        }
        #expect(plainSRH.shared.isEmpty && plainSRH.sharedLags(0) == nil)
    }

    @Test("four Levinson recursions side by side equal four scalar ones bit for bit, where they stop early too",
          arguments: [1, 2, 12, 18, 30])
    func levinsonLanes(order: Int) {
        let frames = (0..<6).map { GlottalResidualTests.speechLike(401, seed: UInt32(order * 10 + $0)) }
        var lags = frames.map { f in f.withUnsafeBufferPointer { LPC.autocorrelation($0, order: order) } }
        lags.append([Double](repeating: 0, count: order + 1))                       // r[0] = 0
        lags.append([Double](repeating: 1, count: order + 1))                       // error reaches 0 at order 1
        lags.append([.nan] + [Double](repeating: 0, count: order))                  // r[0] not finite
        lags.append([1] + [Double](repeating: .infinity, count: order))             // k not finite
        lags.append([1e-300] + [Double](repeating: 1e300, count: order))            // k overflows
        lags.append([Double](repeating: 1, count: order))                           // too few lags
        for first in stride(from: 0, to: lags.count - 3, by: 1) {
            let group = Array(lags[first..<(first + 4)])
            let lanes = LPC.levinson4(group, order: order)
            for l in 0..<4 {
                let scalar = LPC.levinson(group[l], order: order).a
                #expect(lanes[l].map(\.bitPattern) == scalar.map(\.bitPattern), "order \(order), lags \(first + l)")
            }
        }
    }
}
