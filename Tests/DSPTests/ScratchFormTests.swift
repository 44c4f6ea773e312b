import Foundation
import Testing
@testable import DSP

/// The in-place and caller-scratch forms against the copying forms they replace (bit for bit).
@Suite("DSP's in-place and scratch forms equal the copying forms")
struct DSPScratchFormTests {
    /// Octave's filtfilt as it was written: forward pass, reversed copy, forward pass,
    /// reversed copy (on `plainIIR`, the reference direct form II transposed loop).
    static func plainFiltfilt(b: [Double], a: [Double], _ x: [Double]) -> [Double] {
        // The set-up (padding, initial conditions) is shared; the passes are what is compared.
        let (bb, aa, si) = FilterD.filtfiltSetup(b: b, a: a)
        let lrefl = 3 * (bb.count - 1)
        let lx = x.count
        guard lx > lrefl else {
            let y = DSPOverheadTests.plainIIR(b: bb, a: aa, x, zi: nil)
            return DSPOverheadTests.plainIIR(b: bb, a: aa, y.reversed(), zi: nil).reversed()
        }
        var v = (1...lrefl).reversed().map { 2 * x[0] - x[$0] } + x + (1...lrefl).map { 2 * x[lx - 1] - x[lx - 1 - $0] }
        v = DSPOverheadTests.plainIIR(b: bb, a: aa, v, zi: si.map { $0 * v[0] })
        v.reverse()
        v = DSPOverheadTests.plainIIR(b: bb, a: aa, v, zi: si.map { $0 * v[0] })
        v.reverse()
        return Array(v[lrefl..<(lrefl + lx)])
    }

    @Test("filtfilt with the backward pass in place equals the reversed-copy form bit for bit",
          arguments: [10, 6, 4])
    func backwardFiltfilt(n: Int) {
        var x = (0..<1500).map { sin(Double($0) * 0.19) + 0.3 * cos(Double($0) * 1.3) }
        x[3] = -0.0; x[900] = 1e-310
        let b = (0..<n).map { 0.15 * cos(Double($0) * 1.1 + 0.2) }
        let a = [1.2] + (1..<n).map { 0.2 * pow(-0.55, Double($0)) }
        // Long (reflected ends), at and below the reflection length (no padding), one sample, none.
        for count in [1500, 3 * (n - 1) + 1, 3 * (n - 1), 5, 1, 0] {
            let xs = Array(x[0..<count])
            let got = FilterD.filtfilt(b: b, a: a, xs), want = Self.plainFiltfilt(b: b, a: a, xs)
            #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "n \(n), count \(count)")
        }
        // A NaN from the middle on: the same samples are NaN.
        var bad = x; bad[700] = .nan
        let got = FilterD.filtfilt(b: b, a: a, bad), want = Self.plainFiltfilt(b: b, a: a, bad)
        #expect(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
    }

    @Test("LPC coefficients on one scratch buffer equal Levinson of the autocorrelation arrays bit for bit")
    func scratchCoefficients() {
        let x: [Float] = (0..<401).map { i in
            let t = Double(i)
            let v: Double = sin(t * 0.23) * (1 + 0.4 * cos(t * 0.031))
            return Float(v)
        }
        for order in [0, 1, 8, 18, 20, 24, 31, 48] {
            for count in [401, 100, 25, 3, 0] {
                let xs = Array(x[0..<count])
                let want = xs.withUnsafeBufferPointer {
                    LPC.levinson(LPC.autocorrelation($0, order: order), order: order).a.map { Float($0) }
                }
                let plain = DSPOverheadTests.plainLevinson(xs.withUnsafeBufferPointer { LPC.autocorrelation($0, order: order) },
                                                           order: order).a.map { Float($0) }
                let got = LPC.coefficients(xs, order: order)
                #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "order \(order), count \(count)")
                #expect(got.map(\.bitPattern) == plain.map(\.bitPattern), "order \(order), count \(count)")
            }
        }
        // Silence (r[0] = 0) gives [1, 0, …]; a non-finite sample stops the recursion as before.
        #expect(LPC.coefficients([Float](repeating: 0, count: 50), order: 4) == [1, 0, 0, 0, 0])
        var bad = x; bad[10] = .infinity
        let got = LPC.coefficients(bad, order: 12)
        let want = bad.withUnsafeBufferPointer { LPC.levinson(LPC.autocorrelation($0, order: 12), order: 12).a.map { Float($0) } }
        #expect(got.map(\.bitPattern) == want.map(\.bitPattern))
    }
}
