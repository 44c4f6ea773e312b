import Foundation
import Testing
import DSP
@testable import Acoustics

/// The seventh pass's forms for peakSlope, creak's band-pass and the SRH curve's work arrays,
/// against the forms they replace.
@Suite("peakSlope's shortened fused wavelets, creak's vector band-pass recursion and SRH's kept work arrays")
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
    }

    @Test("SRH curves with work arrays kept across frames equal curves with fresh ones")
    func srhKeptWork() throws {
        let srh = SRHAnalyzer()
        var work = srh.makeWork()
        let x = GlottalKernelTests.noise(4 * SRHAnalyzer.frameLength, seed: 3).enumerated().map { i, e in
            Float(sin(Double(i) * 0.05)) * (i < 2 * SRHAnalyzer.frameLength ? 1 : 0.001) + 0.1 * e
        }
        for k in 0..<4 {
            let frame = Array(x[(k * SRHAnalyzer.frameLength)..<((k + 1) * SRHAnalyzer.frameLength)])
            let kept = try #require(frame.withUnsafeBufferPointer { srh.curve($0, work: &work) })
            let fresh = try #require(frame.withUnsafeBufferPointer { srh.curve($0) })
            #expect(kept.map(\.bitPattern) == fresh.map(\.bitPattern), "frame \(k)")
        }
        // A silent frame gives nil and leaves the work arrays usable.
        let silent = [Float](repeating: 0, count: SRHAnalyzer.frameLength)
        #expect(silent.withUnsafeBufferPointer { srh.curve($0, work: &work) } == nil)
    }
}
