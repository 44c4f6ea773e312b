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
            [Double.leastNonzeroMagnitude, -Double.leastNormalMagnitude / 3, 1e-300] + speech.prefix(64),
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
            #expect(slopes[m] == GlottalKernelTests.plainPeakSlope(bank, frame: m, whole, total: total), "frame \(m)")
        }
    }

    /// |RealFFT(16000).forward(x, bins:)| as h1h2Peaks formed it.
    static func fullMagnitudes(_ x: [Float], bins: Int) -> [Float] {
        let (re, im) = Glottal.h1h2FFT.forward(x, bins: bins)
        return (0..<re.count).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
    }

    static func sameBits(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }

    @Test("H1H2 peaks through RealFFT's sparse-stage transform equal those of its full spectrum, long frames included")
    func h1h2ThroughSparse() {
        var work = Glottal.H1H2Work()
        for (frame, f0) in GlottalKernelTests.frames() + [(GlottalResidualTests.speechLike(1200, seed: 8), 40)] {
            let got = Glottal.h1h2Peaks(frame, f0: f0, work: &work, cellBins: 0)
            let mag = GlottalSpeedTests.fullMagnitudes(frame, bins: 8001)
            let ref = mag.withUnsafeBufferPointer { Glottal.separatedPeaks($0, complete: true, width: f0 / 2, minCount: 5, through: 2 * f0) }
            if let (k, v) = ref, k.count >= 5 {
                #expect(got.map { [$0.h1, $0.h2] } == Glottal.nearestHarmonics(k, v, f0: f0).map { [$0.h1, $0.h2] }, "f0 \(f0)")
            } else {
                #expect(got == nil, "f0 \(f0)")
            }
        }
    }

    /// Three-period Hamming frames of a flow-derivative-like signal, ×32768 as vqParams forms
    /// them: pulse trains with jitter and noise, and speech-like sums, at F0 55…480 Hz.
    static func h1h2Frames() -> [(frame: [Float], f0: Float)] {
        var out: [(frame: [Float], f0: Float)] = []
        for (j, f0) in [55, 71, 90, 100, 118, 131, 150, 177, 200, 213, 240, 266, 300, 350, 410, 480].enumerated() {
            let t0 = 16000 / Float(f0), len = 2 * Int((1.5 * t0).rounded()) + 1
            let w = Window.hamming(len), e = GlottalKernelTests.noise(len, seed: UInt32(31 + j))
            for level: Float in [0.01, 0.2, 1.5] {
                out.append(((0..<len).map { i -> Float in
                    let ph = (Float(i) / t0 + 0.03 * sin(Float(i) * 0.01)).truncatingRemainder(dividingBy: 1)
                    let pulse: Float = ph < 0.55 ? sin(Float.pi * ph / 0.55) : -1.7 * sin(Float.pi * (ph - 0.55) / 0.45)
                    return (pulse + level * e[i]) * 32768 * w[i]
                }, Float(f0)))
            }
            let s = GlottalResidualTests.speechLike(len, seed: UInt32(j))
            out.append(((0..<len).map { s[$0] * 32768 * w[$0] }, Float(f0)))
        }
        return out
    }

    @Test("H1H2 peaks from a coarse grid and Goertzel climbs equal the exact 16000-point peaks to 1e-4 dB; a too coarse grid does not")
    func h1h2CoarseGrid() {
        var work = Glottal.H1H2Work()
        var coarse = 0, decided = 0, worstDB: Float = 0, coarseWrong = 0
        for (fr, f0) in GlottalSpeedTests.h1h2Frames() + GlottalKernelTests.frames() {
            let exact = Glottal.h1h2Peaks(fr, f0: f0, work: &work, cellBins: 0)
            let got = Glottal.h1h2Peaks(fr, f0: f0, work: &work)
            if Glottal.h1h2Grids.contains(where: { $0.step * fr.count * Glottal.h1h2CellBins <= 16000 }) { coarse += 1 }
            #expect((got == nil) == (exact == nil), "f0 \(f0) length \(fr.count)")
            guard let got, let exact else { continue }
            decided += 1
            let d = max(abs(20 * log10(got.h1 / exact.h1)), abs(20 * log10(got.h2 / exact.h2)))
            worstDB = max(worstDB, d)
            #expect(d < 1e-4, "f0 \(f0) length \(fr.count): \(got) vs \(exact)")
            // One coarse bin per cell (a grid that misses lobes) must be caught by this test.
            if let bad = Glottal.h1h2Peaks(fr, f0: f0, work: &work, cellBins: 1),
               max(abs(20 * log10(bad.h1 / exact.h1)), abs(20 * log10(bad.h2 / exact.h2))) >= 1e-4 { coarseWrong += 1 }
        }
        #expect(coarse > 50 && decided > 50 && coarseWrong > 0, "coarse \(coarse) decided \(decided) wrong at 1 bin/cell \(coarseWrong) worst \(worstDB) dB")
    }

    @Test("PSP's fit on Goertzel bins equals the fit on the 2048-point FFT's spectrum to 1e-5 (relative)",
          arguments: [[1, 64, 127, 128, 129, 200], [512, 33, 300, 80, 2, 513, 700]])
    func pspGoertzel(lengths: [Int]) {
        for n in lengths {
            // One period of a normalised flow: rises, closes, as vqParams passes it.
            let seg = (0..<n).map { i -> Float in let ph = Float(i) / Float(max(1, n)); return ph < 0.7 ? sin(Float.pi * ph / 1.4) : (1 - ph) / 0.3 }
            let a = Glottal.pspA(seg), b = GlottalKernelTests.pspGetAOneLength(GlottalKernelTests.pspSpectrum(seg))
            // (A silent segment's fit is NaN in both.)
            // (Absolute 1e-9 dB/bin² for a flat spectrum, a ≈ 0.)
            #expect(abs(a - b) <= 1e-5 * abs(b) + 1e-9 || (a.isNaN && b.isNaN), "length \(n): \(a) vs \(b)")
        }
    }

    /// iaif_gci.m as computed before: frame by frame, added with a checked store per sample.
    static func iaifGCIReference(_ x: [Float], gci: [Int], needed: ClosedRange<Int>?) -> (g: [Float], gd: [Float]) {
        let len = x.count
        var g = [Float](repeating: 0, count: len), gd = g
        for k in 0..<gci.count {
            let t0 = k == 0 ? gci[1] - gci[0] : gci[k] - gci[k - 1]
            let start = max(1, gci[k] - t0), stop = min(len, gci[k] + t0)
            guard stop >= start else { continue }
            if let needed, stop < needed.lowerBound || start > needed.upperBound { continue }
            let w = Window.hanning(stop - start + 1)
            let xw = (0..<w.count).map { x[start - 1 + $0] * w[$0] }
            guard let r = GlottalKernelTests.iaifReference(xw) else { continue }
            for i in 0..<w.count { g[start - 1 + i] += r.g[i]; gd[start - 1 + i] += r.dg[i] }
        }
        return (g, gd)
    }

    @Test("IAIF at the GCIs, added on buffer pointers, equals the frame-by-frame overlap-add",
          arguments: [nil, 900...2400] as [ClosedRange<Int>?])
    func iaifAtGCIs(needed: ClosedRange<Int>?) {
        let x = GlottalResidualTests.speechLike(4000, seed: 21)
        // Irregular periods; one of 8 samples gives a 17-sample frame, too short for IAIF.
        var gci: [Int] = [], p = 30, k = 0
        while p < 3990 { gci.append(p); p += [90, 120, 97, 150, 8, 88, 101][k % 7]; k += 1 }
        // From the fifth GCI on, the first frame is the short one (the three-frame pipeline's start).
        let late = Array(gci.dropFirst(4)), lateGot = Glottal.iaifGCI(x, gci: late, needed: needed)
        let lateRef = GlottalSpeedTests.iaifGCIReference(x, gci: late, needed: needed)
        #expect(lateGot.g == lateRef.g && lateGot.gd == lateRef.gd)
        for count in [2, 3, 5, gci.count] {
            let got = Glottal.iaifGCI(x, gci: Array(gci.prefix(count)), needed: needed)
            let ref = GlottalSpeedTests.iaifGCIReference(x, gci: Array(gci.prefix(count)), needed: needed)
            #expect(got.g == ref.g && got.gd == ref.gd, "\(count) GCIs")
            // (The first 5 GCIs' frames end before sample 900.)
            #expect(got.g.contains { $0 != 0 } == (needed == nil || count == gci.count), "\(count) GCIs")
        }
    }

    /// g = x + d·g over v[0..<count], as iaif.m's filter(1, [1 −d], ·).
    static func integrate(_ v: inout [Float], _ count: Int, d: Float = 0.99) {
        var prev: Float = 0
        for i in 0..<count { prev = v[i] + d * prev; v[i] = prev }
    }

    @Test("IAIF's stages on reused work buffers, over frames of growing and shrinking length, equal the stage-by-stage arrays")
    func iaifReusedWork() {
        let x = GlottalResidualTests.speechLike(2000, seed: 9)
        var work = Glottal.IAIFWork()
        for (k, count) in [160, 321, 65, 17, 250, 22, 401, 199, 20, 21].enumerated() {
            let w = Window.hanning(count)
            let start = 37 * k
            x.withUnsafeBufferPointer { work.load($0, from: start, window: w) }
            let ok = work.stageA(window: w)
            let xw = (0..<count).map { x[start + $0] * w[$0] }
            let ref = GlottalKernelTests.iaifReference(xw)
            #expect(ok == (ref != nil), "frame \(k)")
            guard let ref, ok else { continue }
            let total = work.total
            GlottalSpeedTests.integrate(&work.g1, total)
            work.stageB()
            GlottalSpeedTests.integrate(&work.y2, total)
            work.stageC()
            GlottalSpeedTests.integrate(&work.g, total)
            #expect(total == 21 + count && Array(work.g[21..<total]) == ref.g && Array(work.dg[21..<total]) == ref.dg, "frame \(k)")
        }
    }

    @Test("three integrations side by side equal three plain integrations, for unequal lengths and a shared zero spare",
          arguments: [[250, 250, 250], [221, 300, 180], [400, 0, 17], [0, 0, 5], [1, 2, 3]])
    func integrateThree(lengths: [Int]) {
        // One sample past each length, which stays as it was.
        let v = (0..<3).map { GlottalKernelTests.noise(lengths[$0] + 1, seed: UInt32(7 + $0)) }
        var ref = v, g0 = v[0], g1 = v[1], g2 = v[2]
        for k in 0..<3 { GlottalSpeedTests.integrate(&ref[k], lengths[k]) }
        g0.withUnsafeMutableBufferPointer { a in g1.withUnsafeMutableBufferPointer { b in g2.withUnsafeMutableBufferPointer { c in
            Glottal.integrate3(a.baseAddress!, lengths[0], b.baseAddress!, lengths[1], c.baseAddress!, lengths[2], d: 0.99)
        } } }
        for (k, got) in [g0, g1, g2].enumerated() { #expect(GlottalSpeedTests.sameBits(got, ref[k]), "chain \(k)") }
        // Absent chains as iaifGCI passes them: one zero spare, the present ones' common length.
        var spare = [Float](repeating: 0, count: 64), one = v[0]
        let n = min(lengths[0], 64)
        one.withUnsafeMutableBufferPointer { a in spare.withUnsafeMutableBufferPointer { s in
            Glottal.integrate3(a.baseAddress!, n, s.baseAddress!, n, s.baseAddress!, n, d: 0.99)
        } }
        var plain = v[0]
        GlottalSpeedTests.integrate(&plain, n)
        #expect(GlottalSpeedTests.sameBits(one, plain) && spare.allSatisfy { $0.bitPattern == 0 })
    }
}

@Suite("SEDREAMS' vector scans equal the scalar scans they replace")
struct GlottalScanTests {
    /// Values with ties, ±0, runs of equal maxima and (for the |·| scan) NaN and ±∞.
    static func values(_ n: Int, seed: Int, nonFinite: Bool) -> [Float] {
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        var v: [Float] = []
        for i in 0..<n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(state >> 33) % 1000
            switch r {
            case 0..<20: v.append(0)
            case 20..<40: v.append(-0.0)
            case 40..<60: v.append(0.75)                        // a repeated value, often the maximum
            case 60..<70 where nonFinite: v.append(.nan)
            case 70..<75 where nonFinite: v.append(i % 2 == 0 ? .infinity : -.infinity)
            default: v.append(Float(r) / 1000 * 1.5 - 0.9)      // −0.9 … 0.6 and 0.6 … 0.6
            }
        }
        return v
    }

    @Test("the first maximum over SIMD16 lanes is the scan's index, for ranges of 1 to 120 samples at every offset")
    func firstMaximum() {
        for seed in 0..<6 {
            let x = GlottalScanTests.values(200, seed: seed, nonFinite: false)
            let allZero: [Float] = [-0.0, 0, -0.0] + [Float](repeating: 0, count: 60)
            for data in [x, allZero] {
                for lo in stride(from: 0, to: data.count, by: 7) {
                    for hi in (lo + 1)...min(data.count, lo + 120) {
                        var bi = lo, bv = -Float.infinity
                        for p in lo..<hi where data[p] > bv { bv = data[p]; bi = p }
                        let got = data.withUnsafeBufferPointer { Glottal.firstMaxIndex($0, from: lo, to: hi) }
                        #expect(got == bi, "seed \(seed) range \(lo)..<\(hi)")
                        if got != bi { return }
                    }
                }
            }
        }
    }

    @Test("the finite |x| maximum over SIMD16 lanes equals the scan's, bit for bit, with NaN, ±∞ and ±0 in the input")
    func finiteMagnitudeMaximum() {
        for seed in 0..<6 {
            let x = GlottalScanTests.values(300, seed: seed, nonFinite: true).map { $0 * 2.5 }
            for n in [0, 1, 15, 16, 17, 31, 32, 33, 100, 255, 300] {
                let part = Array(x.prefix(n))
                var ref: Float = 0
                for v in part { ref = max(ref, abs(v.isFinite ? v : 0)) }
                let got = part.withUnsafeBufferPointer { Glottal.finiteAbsMax($0) }
                #expect(got.bitPattern == ref.bitPattern, "seed \(seed) n \(n): \(got) against \(ref)")
            }
        }
        let special: [Float] = [.nan, -.infinity, -0.0] + [Float](repeating: -0.0, count: 40) + [.infinity, -3, .nan]
        var ref: Float = 0
        for v in special { ref = max(ref, abs(v.isFinite ? v : 0)) }
        #expect(special.withUnsafeBufferPointer { Glottal.finiteAbsMax($0) } == 3 && ref == 3)
    }
}

@Suite("PSP's boxcar reference kept across blocks")
struct PSPReferenceTests {
    @Test("the cached reference getA equals the boxcar's getA bit for bit, on first use and when cached")
    func cachedReference() {
        for p in [32, 57, 80, 81, 160, 333, 800] {
            let direct = Glottal.pspA([Float](repeating: 1 / Float(p), count: p))
            let first = Glottal.pspReference(period: p), again = Glottal.pspReference(period: p)
            #expect(first.bitPattern == direct.bitPattern && again.bitPattern == direct.bitPattern, "period \(p)")
        }
    }
}
