import Foundation
import Testing
@testable import Acoustics

/// The eighth speed pass's forms of the sinusoid analysis and the Rd criterion's context,
/// bit for bit against the forms they replace.
@Suite("Rd's one-pass spectrum scan and imaginary-only context equal the forms they replace")
struct RdMSPSpeedTests {
    @Test("the one-pass scan equals centredSpectrum, logPeaks and unwrapCorrections bit for bit (odd and even windows)")
    func scanSpectrumOnePass() {
        var seed: UInt32 = 5
        func next() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) }
        for (trial, winlen) in [97, 321, 481, 961, 2401, 1, 100, 480].enumerated() {
            // A harmonic-like spectrum with noise, plus exact zeros, repeated bins (plateaus) and
            // subnormal values (zero powers next to maxima give NaN positions in both forms).
            var re = (0...2048).map { k -> Float in
                let x = Float(k) / Float(10 + 7 * trial)
                return (cos(2 * .pi * x) + 1.05) * exp(-Float(k) / 900) * (0.8 + 0.4 * next()) * (next() < 0.5 ? 1 : -1)
            }
            var im = (0...2048).map { _ in 0.3 * (2 * next() - 1) }
            for k in stride(from: 13, to: 2030, by: 101) {
                re[k + 1] = 0; im[k + 1] = 0
                re[k + 4] = re[k + 3]; im[k + 4] = im[k + 3]
                re[k + 7] = 1e-42; im[k + 7] = -1e-41
            }
            let got = RdMSP.scanSpectrum(re: re, im: im, winlen: winlen)
            let S = RdMSP.centredSpectrum(re: re, im: im, winlen: winlen)
            let (pk, pv) = RdMSP.logPeaks(S, below: 2048)
            let corrections = RdMSP.unwrapCorrections(S)
            let bits = { (a: [Double]) in a.map(\.bitPattern) }
            #expect(bits(got.S.map(\.re)) == bits(S.map(\.re)) && bits(got.S.map(\.im)) == bits(S.map(\.im)), "winlen \(winlen): S")
            #expect(bits(got.pk) == bits(pk) && bits(got.pv) == bits(pv), "winlen \(winlen): \(got.pk.count) vs \(pk.count) peaks")
            #expect(bits(got.corrections) == bits(corrections), "winlen \(winlen): unwrap corrections")
            #expect(pk.count > 100, "winlen \(winlen): the spectrum has peaks")
        }
    }

    @Test("the criterion's imaginary map formed alone equals the map formed with its real part bit for bit",
          arguments: [2, 3, 9, 17, 41, 160])
    func imaginaryMapAlone(L: Int) {
        // The previous context: both parts in one loop.
        let len = max(1, 2 * (L - 1)), o = min(len - 1, 8)
        let cosLen = (0..<len).map { cos(2 * Double.pi * Double($0) / Double(len)) }
        let sinLen = (0..<len).map { sin(2 * Double.pi * Double($0) / Double(len)) }
        var fc = [Double](repeating: 0, count: (o + 1) * L), fs = fc
        for m in 0..<L {
            let wm = (m == 0 || m == L - 1 ? 1.0 : 2.0) / Double(len)
            for j in 0..<L {
                let fw = j == 0 || j == L - 1 ? 1.0 : 2.0
                let c = wm * fw * cosLen[(j * m) % len]
                var t = 0
                for k in 0...o {
                    fc[k * L + m] += c * cosLen[t]
                    fs[k * L + m] -= c * sinLen[t]
                    t += j
                    if t >= len { t -= len }
                }
            }
        }
        let ctx = RdMSP.CostContext(L: L)
        #expect(ctx.ks.flatMap { $0 }.map(\.bitPattern) == fs.map(\.bitPattern))
        #expect(ctx.kc.flatMap { $0 }.map(\.bitPattern) == fc.map(\.bitPattern))
        for k in 0...o { for m in 0..<L { #expect(ctx.ksByHarmonic[9 * m + k].bitPattern == fs[k * L + m].bitPattern) } }
    }

    @Test("the harmonic model's a·e^{iφ} on SIMD lanes is within 1e-15 of Foundation's cos and sin, NaN phases and every lane remainder included")
    func harmonicModelLanes() {
        for H in [2, 3, 4, 5, 8, 9, 62, 160] {
            let f = (0...H).map { 8000.0 * Double($0) / Double(H) * 1.01 }     // the last above 8 kHz
            let amp = (0...H).map { 0.5 + Double($0 % 7) }
            var ph = (0...H).map { -Double.pi + 2 * Double.pi * Double(($0 * 37) % 101) / 100 }
            if H > 4 { ph[3] = .nan; ph[H - 1] = Double.pi }
            let got = RdMSP.harmonicModel(sins: (f, amp, ph))
            let want = OverheadTests.plainHarmonicModel((f, amp, ph))
            #expect(got.count == want.count, "H \(H)")
            for (k, (m, w)) in zip(got, want).enumerated() {
                if w.re.isNaN || w.im.isNaN { #expect(m.re.isNaN || m.im.isNaN, "H \(H) bin \(k)"); continue }
                #expect(abs(m.re - w.re) <= 1e-15 * w.abs && abs(m.im - w.im) <= 1e-15 * w.abs, "H \(H) bin \(k): \(m) vs \(w)")
            }
        }
    }

    @Test("the eight-lane atan2 is within 4.5e-16 rad of Foundation's in every quadrant and argument range, zeros and infinities through Foundation")
    func vectorAtan2() {
        var seed: UInt64 = 11
        func next() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) }
        var worst = 0.0
        for trial in 0..<20_000 {
            var y = SIMD8<Double>(), x = SIMD8<Double>()
            for l in 0..<8 {
                // Ratios |y/x| from 1e-12 to 1e12 (every reduction range), both signs.
                let r = pow(10, 24 * next() - 12), m = pow(10, 8 * next() - 4)
                y[l] = (next() < 0.5 ? -1 : 1) * m * r; x[l] = (next() < 0.5 ? -1 : 1) * m
            }
            if trial % 97 == 0 { y[2] = 0; x[3] = 0; y[4] = -0.0; x[5] = .infinity; y[6] = -.infinity; x[7] = .nan }
            let got = RdMSP.vectorAtan2(y, x)
            for l in 0..<8 {
                let want = atan2(y[l], x[l])
                if want.isNaN { #expect(got[l].isNaN); continue }
                worst = max(worst, abs(got[l] - want))
                #expect(abs(got[l] - want) <= 4.5e-16, "atan2(\(y[l]), \(x[l])): \(got[l]) vs \(want)")
            }
        }
        #expect(worst > 0, "the lanes are not Foundation's calls")
        // The reduction boundaries (7/16, 11/16, 19/16, 39/16) and their neighbours.
        for t in [0.4375, 0.6875, 1.1875, 2.4375] {
            for v in [t.nextDown, t, t.nextUp] {
                let got = RdMSP.vectorAtan2(SIMD8(repeating: v), SIMD8(repeating: 1))
                #expect(abs(got[0] - atan(v)) <= 4.5e-16, "t = \(v)")
            }
        }
    }

    @Test("the fast Rd criterion with the eight-lane angles stays within 1e-10 of the exact criterion with Foundation's angles")
    func criterionAngles() throws {
        // The criterion's angles by lanes (form .fast) against the exact form, whose angles are
        // Foundation's: the fast form's own bound against the exact one (1e-10) must still hold.
        for (f0, L) in [(100.0, 80), (220.0, 36), (480.0, 16)] {
            let M = (0..<L).map { (k: Int) -> ComplexD in
                let x = Double(k)
                return ComplexD(cos(0.3 * x) * exp(-x / 40), sin(0.7 * x + 0.2))
            }
            let ctx = RdMSP.CostContext(L: L)
            for rd in stride(from: 0.3, through: 2.5, by: 0.1) {
                let fast: Double = RdMSP.cost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx, form: .fast)
                let exact: Double = RdMSP.cost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx, form: .exact)
                #expect(Swift.abs(fast - exact) <= 1e-10, "f0 \(f0) rd \(rd): \(fast) vs \(exact)")
            }
        }
    }
}
