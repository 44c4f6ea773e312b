import Foundation
import Testing
import DSP
@testable import Acoustics

@Suite("the stream residuals' shared loops equal the forms they replace bit for bit")
struct StreamResidualSpeedTests {
    @Test("four frames' energies of two buffers in one eight-lane chain equal eight in-order sums",
          arguments: [1, 7, 401])
    func energies(n: Int) {
        let v = GlottalKernelTests.noise(4 * 500, seed: 7), w = GlottalKernelTests.noise(4 * 450, seed: 9).map { $0 * 1e-3 }
        let (e, q) = v.withUnsafeBufferPointer { vp in
            w.withUnsafeBufferPointer { wp in Glottal.energies(vp, 13, 500, and: wp, 0, 450, n) }
        }
        for l in 0..<4 {
            var a: Float = 0, b: Float = 0
            for i in 0..<n { a += v[13 + 500 * l + i] * v[13 + 500 * l + i]; b += w[450 * l + i] * w[450 * l + i] }
            #expect(e[l].bitPattern == a.bitPattern && q[l].bitPattern == b.bitPattern, "frame \(l)")
        }
    }

    @Test("two moment sets summed in one loop equal each summed alone, non-finite samples as 0")
    func momentPairs() {
        var x = GlottalKernelTests.noise(3001, seed: 3), y = GlottalKernelTests.noise(3001, seed: 4).map { $0 * $0 * 5 }
        x[17] = .nan; y[2000] = .infinity
        var a = Moments(), b = Moments(), a1 = Moments(), b1 = Moments()
        Glottal.Moments.add(x[1...], to: &a, y[1...], to: &b)
        a1.add(x[1...]); b1.add(y[1...])
        for (p, q) in [(a, a1), (b, b1)] {
            #expect([p.n, p.s1, p.s2, p.s3].map(\.bitPattern) == [q.n, q.s1, q.s2, q.s3].map(\.bitPattern))
        }
        #expect(a.skewness.isFinite && a.s1 != 0)
    }
    typealias Moments = Glottal.Moments

    @Test("frames added at another place in the residual equal those added at x's own indices")
    func residualElsewhere() {
        let x = GlottalResidualTests.speechLike(4000, seed: 11)
        let frames = (x.count - 402) / 80 + 1 - 3
        var own = [[Float](repeating: 0.25, count: x.count)]
        Glottal.accumulateResiduals(x, order: 12, lpcFrom: [nil], from: 240, frames: frames, into: &own)
        var moved = [[Float](repeating: 0.25, count: x.count + 50)]
        Glottal.accumulateResiduals(x, order: 12, lpcFrom: [nil], from: 240, frames: frames, into: &moved, at: 290)
        #expect(moved[0][50...].map(\.bitPattern) == own[0].map(\.bitPattern))
        #expect(moved[0][0..<50].allSatisfy { $0 == 0.25 })
    }

    @Test("the autocorrelation in as many chains as its lags need equals the in-order sums, every chain count",
          arguments: [5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 18, 19, 20, 23, 24, 25])
    func autocorrelationChains(order: Int) {
        for n in [401, 14, 1] {
            let x = GlottalResidualTests.speechLike(n, seed: UInt32(order * 31 + n))
            let got = x.withUnsafeBufferPointer { LPC.autocorrelation($0, order: order) }
            #expect(got.map(\.bitPattern) == LPCSpeedTests.plainAutocorrelation(x, order: order).map(\.bitPattern), "n \(n)")
        }
    }

    @Test("four Levinson recursions into a held Float buffer equal the array form rounded to Float")
    func levinsonIntoBuffer() {
        let x = GlottalResidualTests.speechLike(2000, seed: 5)
        var r = (0..<4).map { l in x[(300 * l)..<(300 * l + 401)].withContiguousStorageIfAvailable { LPC.autocorrelation($0, order: 18) }! }
        r[2] = [Double](repeating: 0, count: 19)               // a silent frame stops at once
        for order in [12, 18] {
            let want = LPC.levinson4(r, order: order)
            var got = [Float](repeating: .nan, count: 4 * (order + 3))
            got.withUnsafeMutableBufferPointer { LPC.levinson4(r, order: order, into: $0, stride: order + 3) }
            for l in 0..<4 {
                #expect(Array(got[(l * (order + 3))...(l * (order + 3) + order)]) == want[l].map { Float($0) }, "order \(order), lane \(l)")
            }
        }
    }

    @Test("a slice partly past the held samples, or before them, is the held values and zeros elsewhere")
    func partialSlices() {
        var b = SampleBuffer()
        b.append((0..<300).map { Float($0) + 0.5 })
        b.drop(before: 100)
        for (from, count) in [(90, 30), (250, 100), (-5, 400), (400, 10), (150, 0)] {
            #expect(b.slice(from, count) == (0..<count).map { b[from + $0] }, "slice \(from), \(count)")
        }
    }
}
