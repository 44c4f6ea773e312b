import Foundation
import Testing
import DSP
@testable import Acoustics

@Suite("the stream's LP residual equals lpcresidual.m over the samples so far")
struct GlottalResidualTests {
    static func speechLike(_ n: Int, seed: UInt32) -> [Float] {
        GlottalKernelTests.noise(n, seed: seed).enumerated().map { i, e -> Float in
            let t = Float(i)
            let voice: Float = sin(t * 0.07) * (1 + 0.5 * sin(t * 0.0011))
            return voice + 0.3 * sin(t * 0.61) + 0.1 * e
        }
    }

    static func buffer(_ x: [Float]) -> SampleBuffer {
        var b = SampleBuffer()
        b.append(x)
        return b
    }

    @Test("advanced in uneven steps, the residual is lpcresidual.m over [0, end) bit for bit",
          arguments: [[401, 402, 3000], [0, 1203, 1204, 5000, 9999], [9999], [700, 700, 4083, 8000]])
    func incremental(ends: [Int]) {
        let x = Self.speechLike(10_000, seed: 7)
        let samples = Self.buffer(x)
        var r = Glottal.StreamResidual()
        for end in ends {
            r.advance(samples, to: end)
            let whole = GlottalKernelTests.lpcResidualOneFrame(Array(x[0..<end]), order: 18)
            #expect(r.slice(0, end) == whole, "end \(end)")
            // Nothing is formed past the end.
            #expect(r.slice(end, 500) == [Float](repeating: 0, count: 500), "end \(end)")
        }
    }

    @Test("dropping the past keeps later values and the following frames exact; slices are zero outside")
    func dropAndSlice() {
        let x = Self.speechLike(12_000, seed: 3)
        var stream = Self.buffer(x)
        var r = Glottal.StreamResidual()
        r.advance(stream, to: 5000)
        r.drop(before: 4000)
        // The extractor drops samples the residual has already copied.
        stream.drop(before: 4000)
        r.advance(stream, to: 12_000)
        let whole = GlottalKernelTests.lpcResidualOneFrame(x, order: 18)
        #expect(r.slice(4000, 8000) == Array(whole[4000..<12_000]))
        #expect(r.slice(3990, 20) == [Float](repeating: 0, count: 10) + whole[4000..<4010])
        // Input and residual held: the residual from 4000 on, the input of the next frame only.
        #expect(r.count <= 8000 + 481)
        // Dropped past frames not yet added: those samples stay unformed, later ones exact.
        var r2 = Glottal.StreamResidual()
        r2.advance(stream, to: 6000)
        r2.drop(before: 7000)
        r2.advance(stream, to: 12_000)
        #expect(r2.slice(7000, 5000) == Array(whole[7000..<12_000]))
        #expect(r2.slice(6900, 100) == [Float](repeating: 0, count: 100))
    }

    @Test("frames added from an offset onto earlier sums equal one lpcresidual.m pass over both",
          arguments: [80, 400, 1280])
    func accumulateOnto(split: Int) {
        let x = Self.speechLike(4000, seed: 11)
        let y = x.enumerated().map { i, v in v - (i > 0 ? 0.9 * x[i - 1] : 0) }
        let frames = (x.count - 402) / 80 + 1, first = split / 80
        var r = [[Float](repeating: 0, count: x.count), [Float](repeating: 0, count: x.count)]
        Glottal.accumulateResiduals(x, order: 18, lpcFrom: [y, nil], from: 0, frames: first, into: &r)
        Glottal.accumulateResiduals(x, order: 18, lpcFrom: [y, nil], from: 80 * first, frames: frames - first, into: &r)
        #expect(r[0] == GlottalKernelTests.lpcResidualOneFrame(x, order: 18, lpcFrom: y))
        #expect(r[1] == GlottalKernelTests.lpcResidualOneFrame(x, order: 18))
    }

    @Test("creak given the residual of its samples decides as when it computes it")
    func creakResidual() {
        let x = Self.speechLike(16_000, seed: 5)
        let positions = Array(stride(from: 160, through: 15_840, by: 160))
        let res = Glottal.lpcResidual(x, order: 18)
        let a = CreakDetector.decisions(x, f0mean: 110, at: positions)
        let b = CreakDetector.decisions(x, residual: res, f0mean: 110, at: positions)
        #expect(a == b)
        // A residual of the wrong length is not used.
        #expect(CreakDetector.decisions(x, residual: [0, 0], f0mean: 110, at: positions) == a)
    }

    /// polarity_reskew.m's hp residual over the whole of x (the reference PolarityStream replaces).
    static func wholeHP(_ x: [Float]) -> [Float] {
        let xh = FilterD.filtfilt(b: GlottalCoefficients.polarityB, a: GlottalCoefficients.polarityA, x.map(Double.init)).map(Float.init)
        return GlottalKernelTests.lpcResidualOneFrame(x, order: 18, lpcFrom: xh)
    }

    @Test("polarity moments in one step equal those of the whole-signal residuals bit for bit")
    func polarityOneStep() {
        let x = Self.speechLike(20_000, seed: 9)
        let samples = Self.buffer(x)
        var plain = Glottal.StreamResidual()
        plain.advance(samples, to: x.count)
        var p = Glottal.PolarityStream()
        let m = p.advance(samples, plain: plain, from: 0, to: x.count, lag: 0)
        let final = 80 * p.nextFrame
        var hp = Glottal.Moments(), pl = Glottal.Moments()
        hp.add(Self.wholeHP(x)[0..<final])
        pl.add(GlottalKernelTests.lpcResidualOneFrame(x, order: 18)[0..<final])
        #expect(final == 80 * ((x.count - 402) / 80 + 1))
        #expect(m.hp.n == hp.n && m.hp.s1 == hp.s1 && m.hp.s2 == hp.s2 && m.hp.s3 == hp.s3)
        #expect(m.plain.n == pl.n && m.plain.s1 == pl.s1 && m.plain.s2 == pl.s2 && m.plain.s3 == pl.s3)
    }

    @Test("polarity moments over blocks (filtfilt per block, settled) give the whole-signal skewness")
    func polarityBlocks() {
        let x = Self.speechLike(64_000, seed: 13).enumerated().map { i, v -> Float in
            // Glottal-pulse-like asymmetric peaks make the skewness clearly non-zero.
            v + (i % 113 == 0 ? -20 : 0)
        }
        let samples = Self.buffer(x)
        var plain = Glottal.StreamResidual()
        var p = Glottal.PolarityStream()
        var hp = Glottal.Moments(), pl = Glottal.Moments()
        for (a0, a1) in [(0, 24_000), (8000, 40_000), (24_000, 56_000), (40_000, 64_000)] {
            plain.advance(samples, to: a1)
            let m = p.advance(samples, plain: plain, from: a0, to: a1, lag: a1 == x.count ? 0 : Glottal.PolarityStream.settle)
            hp = hp + m.hp; pl = pl + m.plain
        }
        let final = 80 * p.nextFrame
        var hpRef = Glottal.Moments(), plRef = Glottal.Moments()
        hpRef.add(Self.wholeHP(x)[0..<final])
        plRef.add(GlottalKernelTests.lpcResidualOneFrame(x, order: 18)[0..<final])
        #expect(hp.n == hpRef.n && pl.n == plRef.n)
        // The plain residual is the whole signal's; its sums differ only by the block split.
        #expect(abs(pl.s2 - plRef.s2) <= 1e-12 * plRef.s2 && abs(pl.s3 - plRef.s3) <= 1e-9 * abs(plRef.s3))
        #expect(abs(pl.skewness - plRef.skewness) <= 1e-9 * abs(plRef.skewness))
        #expect(abs(hp.skewness - hpRef.skewness) < 0.01 * abs(hpRef.skewness), "\(hp.skewness) vs \(hpRef.skewness)")
        #expect(abs(hpRef.skewness) > 0.1)
    }

    /// The shim findpeaks SEDREAMS called on x and on −x before.
    static func findPeaks(_ x: [Double]) -> [Int] {
        guard x.count >= 3 else { return [] }
        var out: [Int] = []
        for i in 1..<(x.count - 1) where x[i] - x[i - 1] > 0 && x[i + 1] - x[i] <= 0 { out.append(i + 1) }
        return out
    }

    @Test("peaks and troughs in one pass equal findPeaks of the signal and of its negation")
    func peaksAndTroughs() {
        var x = (0..<5000).map { i in Double(sin(Float(i) * 0.031) + 0.2 * sin(Float(i) * 0.7)) }
        // Plateaus, equal neighbours, signed zeros and NaN.
        for i in 100..<110 { x[i] = 0.5 }
        x[200] = 0; x[201] = -0.0; x[202] = 0
        x[300] = .nan; x[400] = .infinity; x[401] = -.infinity
        let (p, t) = Glottal.peaksAndTroughs(x)
        #expect(p == Self.findPeaks(x))
        #expect(t == Self.findPeaks(x.map { -$0 }))
        #expect(Glottal.peaksAndTroughs([1, 2]).peaks.isEmpty)
    }

    /// 5 s of a vibrato harmonic signal: voiced throughout, so every block runs the glottal chain.
    static let vibrato: [Float] = (0..<(5 * 16000)).map { i -> Float in
        let t = Float(i) / 16000
        let ph = 2 * Float.pi * (130 * t + 3 * sin(2 * Float.pi * 0.7 * t))
        return 0.4 * sin(ph) + 0.2 * sin(2 * ph) + 0.1 * sin(3 * ph) + 0.05 * sin(5 * ph)
    }

    /// 60-frame glottal blocks with `margin` samples of context.
    static func shortBlocks(margin: Int) -> AcousticExtractor.Configuration {
        var cfg = AcousticExtractor.Configuration()
        cfg.glottalBlockFrames = 60
        cfg.glottalMarginSamples = margin
        return cfg
    }

    @Test("streaming equals batch with short glottal blocks and margins below the residual's frame length",
          arguments: [0, 300, 2000])
    func smallMargins(margin: Int) {
        let x = Self.vibrato
        let cfg = Self.shortBlocks(margin: margin)
        let batch = AcousticExtractor.extract(x, configuration: cfg)
        let out = streamed(x, sizes: [997, 160, 4001], configuration: cfg)
        #expect(out.count == batch.count)
        #expect(zip(out, batch).filter { $0 != $1 }.count == 0)
        #expect(batch.filter { $0[.naq] != 0 }.count > batch.count / 2)
    }

    @Test("HMPD of blocks with short margins reads its ±30 frames as the default blocks do",
          arguments: [300, 2000])
    func hmpdWithShortMargins(margin: Int) {
        let x = Self.vibrato
        let cfg = Self.shortBlocks(margin: margin)
        let short = AcousticExtractor.extract(x, configuration: cfg)
        let reference = AcousticExtractor.extract(x)
        #expect(short.count == reference.count)
        // After the first block (whose polarity comes from less audio) every frame's HMPD
        // equals the default's: each block reads SRH frames 30 beyond its ends whatever its
        // margin, down to the short block at the end of the stream.
        let hmpd = AcousticFrame.Column.hmpdm0.rawValue..<(AcousticFrame.Column.hmpdd0.rawValue + 13)
        let differing = zip(short, reference).dropFirst(60).filter { a, b in hmpd.contains { a.values[$0] != b.values[$0] } }
        #expect(differing.isEmpty, "\(differing.count) of \(short.count - 60) frames differ in HMPD")
        #expect(short[(short.count - 30)..<(short.count - 12)].allSatisfy { $0.values[AcousticFrame.Column.hmpdd0.rawValue] != 0 })
    }
}
