import Foundation
import Testing
@testable import DSP

/// DSP routines rewritten to allocate less or keep state in registers, against the plain
/// forms they replace (bit for bit).
@Suite("DSP's leaner kernels equal the plain forms")
struct DSPOverheadTests {
    /// The direct form II transposed loop, written out: the reference for `FilterD.apply`
    /// (whose 6- and 10-coefficient paths keep the state in scalar registers).
    static func plainIIR(b: [Double], a: [Double], _ x: [Double], zi: [Double]?) -> [Double] {
        let a0 = a[0], n = max(a.count, b.count)
        var bb = b.map { $0 / a0 }, aa = a.map { $0 / a0 }
        bb += [Double](repeating: 0, count: n - bb.count)
        aa += [Double](repeating: 0, count: n - aa.count)
        var z = zi ?? [Double](repeating: 0, count: n - 1)
        z += [Double](repeating: 0, count: max(0, n - 1 - z.count))
        var y = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let xi = x[i]
            let yi = bb[0] * xi + (n > 1 ? z[0] : 0)
            if n > 1 {
                for j in 1..<(n - 1) { z[j - 1] = bb[j] * xi + z[j] - aa[j] * yi }
                z[n - 2] = bb[n - 1] * xi - aa[n - 1] * yi
            }
            y[i] = yi
        }
        return y
    }

    @Test("IIR filtering equals the plain direct form II transposed loop, with and without initial state")
    func fixedStateIIR() {
        let x = (0..<3000).map { sin(Double($0) * 0.37) + 0.2 * cos(Double($0) * 2.1) }
        for n in [2, 6, 9, 10] {
            // A stable-ish, non-trivial filter: b from sines, a with a decaying tail.
            let b = (0..<n).map { 0.1 * sin(Double($0) * 1.7 + 0.3) }
            let a = [2.0] + (1..<n).map { 0.3 * pow(-0.5, Double($0)) }
            for zi in [nil, (0..<(n - 1)).map { 0.01 * Double($0 + 1) }] {
                let got = FilterD.apply(b: b, a: a, x, zi: zi)
                let want = DSPOverheadTests.plainIIR(b: b, a: a, x, zi: zi)
                #expect(got == want, "n \(n), zi \(zi != nil)")
            }
        }
        // The filtfilt that the glottal chain runs, with the project's own coefficients' sizes.
        let b = [0.2, -0.5, 0.7, -0.5, 0.2, 0.05], a = [1, -0.9, 0.5, -0.2, 0.1, -0.02]
        let y = FilterD.filtfilt(b: b, a: a, x)
        #expect(y.count == x.count && y.allSatisfy(\.isFinite))
    }

    /// Levinson–Durbin with the copy of `a` per order that the in-place pair update replaced.
    static func plainLevinson(_ r: [Double], order: Int) -> (a: [Double], error: Double) {
        var a = [Double](repeating: 0, count: order + 1)
        a[0] = 1
        guard order >= 1, r.count > order, r[0] > 0, r[0].isFinite else { return (a, 0) }
        var err = r[0]
        var tmp = a
        for i in 1...order {
            var acc = r[i]
            for j in 1..<i { acc += a[j] * r[i - j] }
            let k = -acc / err
            if !k.isFinite { break }
            for j in 0...i { tmp[j] = a[j] }
            for j in 1..<i { a[j] = tmp[j] + k * tmp[i - j] }
            a[i] = k
            err *= (1 - k * k)
            if err <= 0 { err = 0; break }
        }
        return (a, err)
    }

    @Test("Levinson–Durbin updating a in place equals the copying recursion bit for bit (orders 1…30)")
    func levinsonInPlace() {
        for (n, seed) in [(400, 0.61), (320, 1.9), (64, 0.05), (31, 2.7)] {
            let x: [Float] = (0..<n).map { i -> Float in
                let t = Double(i)
                let v: Double = sin(t * seed) + 0.3 * cos(t * 2.3) + 0.01 * Double(i % 5)
                return Float(v)
            }
            for order in [1, 2, 3, 12, 13, 18, 24, 30] {
                let r = x.withUnsafeBufferPointer { LPC.autocorrelation($0, order: order) }
                let got = LPC.levinson(r, order: order), want = DSPOverheadTests.plainLevinson(r, order: order)
                #expect(got.a == want.a && got.error == want.error, "n \(n) order \(order)")
            }
        }
        #expect(LPC.levinson([0, 0, 0], order: 2).a == [1, 0, 0])
    }

    @Test("FIR in 64-output passes (AVX-512 builds) equals the plain tap-order sum bit for bit, up to past the input's end")
    func firSixteenLanes() {
        for (nb, n) in [(13, 401), (19, 1000), (301, 700), (2, 130)] {
            let b: [Float] = (0..<nb).map { Float(sin(Double($0) * 0.9 + 0.4)) }
            let x: [Float] = (0..<n).map { Float(cos(Double($0) * 0.23) + 0.2 * sin(Double($0) * 3.1)) }
            for outputs in [0..<n, 3..<(n + nb + 70), (n - 64)..<(n + 64), 64..<128] {
                let y = x.withUnsafeBufferPointer { Filter.fir(b, $0, outputs: outputs) }
                #expect(y == outputs.map { tapOrderFIR(b, x, $0) }, "nb \(nb) n \(n) outputs \(outputs)")
            }
        }
    }

    @Test("FFT stages on sixteen lanes (AVX-512 builds) equal the eight-lane stages bit for bit",
          arguments: [8000, 2048, 1024, 512, 4000, 960, 12])
    func sixteenLaneStages(n: Int) {
        let plan = FFT(count: n)
        var re = (0..<n).map { Float(sin(Double($0) * 0.37) * 2) }, im = (0..<n).map { Float(cos(Double($0) * 1.1)) }
        var r2 = re, i2 = im
        plan.forward(re: &re, im: &im)
        plan.forwardEightLanes(re: &r2, im: &i2)
        #expect(re.map(\.bitPattern) == r2.map(\.bitPattern) && im.map(\.bitPattern) == i2.map(\.bitPattern), "n \(n)")
    }

    /// `VectorMath.exp` as it was with the stdlib's `clamped` for the exponent.
    /// (The reduction and polynomial are shared; the exponent's limiting is what is compared.)
    static func clampedExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let (k, p) = VectorMath.expReduced(x)
        let ki = VectorMath.intFromIntegralFloat(k.clamped(lowerBound: SIMD8(repeating: -126), upperBound: SIMD8(repeating: 127)))
        let scale = unsafeBitCast((ki &+ 127) &<< 23, to: SIMD8<Float>.self)
        var y = p * scale
        let outside = (x .> 87) .| (x .< -87) .| (x .!= x)
        for l in 0..<8 where outside[l] { y[l] = Foundation.exp(x[l]) }
        return y
    }

    @Test("exp with the exponent limited by masks equals the clamped form bit for bit, special values included")
    func expMaskedClamp() {
        var xs: [Float] = [0, -0.0, 1, -1, 87, -87, 87.5, -87.5, 88.7, -103, 200, -200, .infinity, -.infinity, .nan, 1e-30, -1e-30]
        var v: Float = -100
        while v < 100 { xs.append(v); v += 0.0137 }
        while xs.count % 8 != 0 { xs.append(0.5) }
        for i in stride(from: 0, to: xs.count, by: 8) {
            let x = SIMD8<Float>((0..<8).map { xs[i + $0] })
            let got = VectorMath.exp(x), want = DSPOverheadTests.clampedExp(x)
            #expect((0..<8).allSatisfy { got[$0].bitPattern == want[$0].bitPattern }, "\(x)")
        }
    }

    @Test("the zero-padded transform ignores the padding's contents: equal to the transform of the zeroed input bit for bit",
          arguments: [8000, 4000, 1024, 16, 4, 6, 10, 134])
    func paddingNotRead(n: Int) {
        // 6 and 10 start with a radix-2 stage, 134 = 2·67 goes through Bluestein.
        let plan = FFT(count: n)
        for nonzero in [0, 1, n / 8, n / 4, n / 4 + 1, n / 2, n / 2 + 1, n] where nonzero <= n {
            var re = (0..<n).map { $0 < nonzero ? Float(sin(Double($0) * 0.71)) : 0 }
            var im = (0..<n).map { $0 < nonzero ? Float(cos(Double($0) * 0.29)) : 0 }
            var r2 = re.indices.map { $0 < nonzero ? re[$0] : Float.nan }, i2 = im.indices.map { $0 < nonzero ? im[$0] : -Float.infinity }
            plan.forward(re: &re, im: &im)
            plan.forward(re: &r2, im: &i2, nonzero: nonzero)
            #expect(re.map(\.bitPattern) == r2.map(\.bitPattern) && im.map(\.bitPattern) == i2.map(\.bitPattern), "n \(n), nonzero \(nonzero)")
        }
    }

    @Test("the real FFT's first bins, formed in place when few are asked, equal those of the whole spectrum bit for bit",
          arguments: [16000, 4096, 2048, 1598, 12, 8])
    func realFFTBinsInPlace(n: Int) {
        let plan = RealFFT(count: n), h = n / 2
        for length in [n, n / 10 + 1, n + 7, 3, 0] {
            let x = (0..<length).map { Float(sin(Double($0) * 0.123) + 0.25 * cos(Double($0) * 1.7)) }
            let (fr, fi) = plan.forward(x)
            #expect(fr.count == h + 1 && fi.count == h + 1)
            for bins in [0, 1, 2, 9, 17, h / 2, h / 2 + 1, (h + 1) / 2, (h + 1) / 2 + 1, h, h + 1, h + 5] {
                let (r, i) = plan.forward(x, bins: bins)
                let nb = max(0, min(bins, h + 1))
                #expect(r.map(\.bitPattern) == fr.prefix(nb).map(\.bitPattern) && i.map(\.bitPattern) == fi.prefix(nb).map(\.bitPattern),
                        "n \(n) length \(length) bins \(bins)")
            }
        }
    }
}
