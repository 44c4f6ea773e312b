import Foundation
import Testing
import DSP
@testable import Acoustics

/// The seventh pass's forms for peakSlope and creak against the forms they replace.
@Suite("peakSlope's shortened fused wavelets, creak's vector band-pass recursion and in-place Res-P scans")
struct GlueSpeedTests {
    /// A loud 1 kHz tone over a 125 Hz component 60 dB weaker and faint noise, as on
    /// telephone-band audio: the case where a truncated wavelet's leakage shows first.
    static func toneOverQuietBand(_ n: Int) -> [Float] {
        let e = GlottalKernelTests.noise(n, seed: 11)
        return (0..<n).map { i in
            let t = Float(i) / 16000
            return 0.5 * sin(2 * .pi * 1000 * t) + 5e-4 * sin(2 * .pi * 125 * t + 0.3) + 1e-5 * e[i]
        }
    }

    @Test("peakSlope's 5.5σ wavelets with fused taps stay within 3e−6 of the 6.5σ unfused sums",
          arguments: [0, 1])
    func peakSlopeApproximation(signal: Int) {
        let n = 8000
        let x = signal == 0 ? GlueSpeedTests.toneOverQuietBand(n)
            : GlottalKernelTests.noise(n, seed: 5).enumerated().map { i, e in sin(Float(i) * 0.05) * (i % 1600 < 800 ? 1 : 0.01) + 0.02 * e }
        var buf = SampleBuffer()
        buf.append(x)
        var stage = PeakSlopeStage()
        stage.advance(buf, total: n, finished: true)
        // COVAREP's form at Float precision: taps to 6.5σ (below 1e−9 of the peak), unfused.
        let exact = WaveletBank(scales: [1, 2, 4, 8, 16, 32, 64])
        #expect(stage.bank.reach < exact.reach)
        var worst: Float = 0
        for m in 0..<PeakSlopeStage.frameCount(n) {
            let want = GlottalKernelTests.plainPeakSlope(exact, frame: m, buf, total: n, fused: false)
            worst = max(worst, abs(stage.slopes[m] - want))
        }
        // The dropped tails (|n| > 5.5·s, each tap < exp(−5.5²/2) ≈ 5.4e−7 of the peak) leak
        // the loud tone into the 60 dB weaker 125 Hz band at ≈ 1e−3 × (1e3 tone/band ratio)
        // × the tail's own attenuation at 1 kHz; the slope weighs each log10 maximum by
        // |t − 4|/28 ≤ 3/28. Measured: 1.7e−6 on the tone, 1.2e−7 (rounding) on the modulated
        // sine; 4.5σ gives 8e−5 and 1e−5, so the bound separates the two by 25×.
        print("peakSlope 5.5σ fused against 6.5σ unfused: largest slope difference \(worst)")
        #expect(worst < 3e-6, "largest slope difference \(worst)")
    }

    @Test("creak's band-pass recursion in a sixteen-lane vector equals the scalar recursion",
          arguments: [1, 2, 15, 4000])
    func bandPassRecursion(count: Int) {
        let e = GlottalKernelTests.noise(count, seed: UInt32(count))
        // Loud and near-silent stretches (the quiet ones are where rounding shows).
        let v0 = (0..<count).map { i in Double(e[i]) * (i % 700 < 350 ? 1 : 1e-6) + (i % 1000 == 0 ? 0.5 : 0) }
        let zi = (0..<14).map { Double($0) * 0.013 - 0.05 }
        var scalar = v0, vector = v0
        CreakDetector.filterOrder14Scalar(b: CreakDetector.bandB, a: CreakDetector.bandA, zi: zi, &scalar)
        CreakDetector.filterOrder14Vector(b: CreakDetector.bandB, a: CreakDetector.bandA, zi: zi, &vector)
        #expect(scalar.map(\.bitPattern) == vector.map(\.bitPattern))
        var dispatched = v0
        CreakDetector.filterOrder14(b: CreakDetector.bandB, a: CreakDetector.bandA, zi: zi, &dispatched)
        #expect(dispatched == scalar)
        // Run from the end: the forward recursion over the reversed samples, reversed back.
        var reversed = Array(v0.reversed())
        CreakDetector.filterOrder14Scalar(b: CreakDetector.bandB, a: CreakDetector.bandA, zi: zi, &reversed)
        for backward in [false, true] {
            var s = v0, w = v0
            CreakDetector.filterOrder14Scalar(b: CreakDetector.bandB, a: CreakDetector.bandA, zi: zi, &s, backward: backward)
            CreakDetector.filterOrder14Vector(b: CreakDetector.bandB, a: CreakDetector.bandA, zi: zi, &w, backward: backward)
            let want = backward ? Array(reversed.reversed()) : scalar
            #expect(s.map(\.bitPattern) == want.map(\.bitPattern) && w.map(\.bitPattern) == want.map(\.bitPattern), "backward \(backward)")
        }
    }

    @Test("Res-P's in-place window scans equal res_peak.m's copied, negated and divided windows",
          .enabled(if: Paths.ffmpeg != nil))
    func resPeakInPlace() throws {
        let creaky = try decode16k(Paths.fixtures.appendingPathComponent("creaky_synthetic.wav"))
        let e = GlottalKernelTests.noise(30000, seed: 9)
        var spiky = (0..<30000).map { i in 0.3 * sin(Float(i) * 0.06) + 0.01 * e[i] }
        for i in stride(from: 100, to: spiky.count, by: 173) { spiky[i] = i % 2 == 0 ? 2 : -2 }   // ties and negative maxima
        var holes = spiky
        for i in stride(from: 5000, to: 9000, by: 1) { holes[i] = 0 }                               // an all-zero stretch
        holes[12345] = .nan
        for (k, x) in [creaky, spiky, holes].enumerated() {
            for f0 in [Float(70), 95, 120, 200] {
                let res = Glottal.lpcResidual(x, order: 18)
                let got = CreakDetector.resPeak(x, res: res, f0mean: f0)
                let want = GlueSpeedTests.resPeakCopying(x, res: res, f0mean: f0)
                #expect(got.map(\.t) == want.map(\.t), "input \(k), f0 \(f0)")
                #expect(got.map(\.v.bitPattern) == want.map(\.v.bitPattern), "input \(k), f0 \(f0)")
                #expect(want.filter { $0.v > 0 }.count > want.count / 4, "input \(k), f0 \(f0): prominences to compare")
            }
        }
    }

    /// CreakDetector.resPeak before the in-place window scans (each window copied, negated,
    /// divided and zeroed as res_peak.m does).
    static func resPeakCopying(_ x: [Float], res: [Float], f0mean: Float) -> [(t: Double, v: Float)] {
        let n = x.count
        let rep = CreakDetector.resonator(res, f0: f0mean, rho: 0.8)
        guard let w = CreakDetector.ResPeakWindows(x, f0mean: f0mean) else { return [] }
        let winLen = w.winLen, hw = w.hw, z0 = w.z0, z1 = w.z1
        var t: [Double] = [], prom: [Double] = []
        var start = 1                                     // 1-based, as in COVAREP
        while start + winLen - 1 <= n {
            let stop = start + winLen - 1
            t.append((Double(start + stop) / 2).rounded(.toNearestOrAwayFromZero))
            var maxIdx = 1, best: Float = -1
            for i in start...stop where abs(rep[i - 1]) > best { best = abs(rep[i - 1]); maxIdx = i - start + 1 }
            var v = 0.0
            if !(maxIdx + start - hw < 1 || start + maxIdx + hw > n) {
                let s2 = maxIdx + start - hw, e2 = start + maxIdx + hw
                var fr = Array(rep[(s2 - 1)...(e2 - 1)])
                var mi = 0; best = -1
                for i in 0..<fr.count where abs(fr[i]) > best { best = abs(fr[i]); mi = i }
                if fr[mi] < 0 { for i in 0..<fr.count { fr[i] = -fr[i] } }
                var mx = -Float.infinity
                for v in fr { mx = max(mx, v) }
                for i in 0..<fr.count { fr[i] /= mx }
                for i in max(1, z0)...min(fr.count, z1) { fr[i - 1] = 0 }
                var m2: Float = 0
                for v in fr where v > m2 { m2 = v }
                v = Double(1 - m2)
                // COVAREP tests the energy at maxIdx + start with maxIdx now the index in
                // the second frame; kept as is.
                if w.isQuiet(at: mi + 1 + start) { v = 0 }
            }
            prom.append(v)
            start += 320
        }
        let f = HMPD.medfilt(prom, 5)
        return (0..<t.count).map { (t[$0], Float(f[$0])) }
    }


    @Test("creak's band-pass without reversals equals filtfilt by reversing, Octave's reflection and state",
          arguments: [43, 44, 1000, 48000])
    func bandPassInPlace(count: Int) {
        let e = GlottalKernelTests.noise(count, seed: UInt32(count) &+ 7)
        let x = (0..<count).map { i in e[i] * (i % 900 < 450 ? 1 : 1e-5) + 0.3 }
        #expect(CreakDetector.bandPass(x).map(\.bitPattern) == GlueSpeedTests.bandPassReversing(x).map(\.bitPattern))
    }

    /// CreakDetector.bandPass as it was: the reflected signal appended, and the second pass
    /// over the reversed array.
    static func bandPassReversing(_ x: [Float]) -> [Float] {
        let b = CreakDetector.bandB, a = CreakDetector.bandA, n = b.count, lrefl = 3 * (n - 1)
        let lx = x.count
        guard lx > lrefl else { return FilterD.filtfilt(b: b, a: a, x.map(Double.init)).map(Float.init) }
        let si = CreakDetector.bandPassState
        var v = [Double](); v.reserveCapacity(lx + 2 * lrefl)
        let x0 = Double(x[0]), xe = Double(x[lx - 1])
        for i in stride(from: lrefl, through: 1, by: -1) { v.append(2 * x0 - Double(x[i])) }
        for s in x { v.append(Double(s)) }
        for i in 1...lrefl { v.append(2 * xe - Double(x[lx - 1 - i])) }
        func run(_ v: inout [Double]) { CreakDetector.filterOrder14Scalar(b: b, a: a, zi: si, &v) }
        run(&v); v.reverse(); run(&v); v.reverse()
        return (0..<lx).map { Float(v[lrefl + $0]) }
    }
}
