import Foundation
import Testing
@testable import Acoustics

/// Acoustics routines rewritten to allocate less or work incrementally, against the plain
/// computations they replace.
@Suite("incremental and allocation-free forms equal the plain computations")
struct OverheadTests {
    /// A deterministic stream of first-pass SRH picks: whole-Hz F0 and values spread around
    /// the 0.1 voicing level, with stretches whose spread sits near the 0.05 threshold.
    static func picks(_ count: Int, seed s0: UInt32) -> [(f0: Float, value: Float)] {
        var seed = s0
        func next() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) }
        return (0..<count).map { i in
            let f0 = Float(1 + Int(next() * 500))
            let spread: Float = (i / 500) % 3 == 0 ? 0.05 : ((i / 500) % 3 == 1 ? 0.02 : 0.2)
            return (f0, 0.1 + spread * (2 * next() - 1) * 1.73)
        }
    }

    @Test("the sliding SRH statistics equal median and standard deviation of the window's copies",
          arguments: [(history: 3000, ahead: 50, count: 9000), (history: 40, ahead: 5, count: 6000), (history: 7, ahead: 0, count: 300)])
    func slidingSRHStatistics(history: Int, ahead: Int, count: Int) {
        var picks = OverheadTests.picks(count, seed: 11)
        picks[17].value = .nan; picks[18].value = .infinity       // non-finite values pass through
        var stats = SRHWindowStatistics()
        var checked = 0, mismatches = 0
        for j in stride(from: 0, to: count, by: 1) {
            let lo = max(0, j - history), hi = min(count - 1, j + ahead)
            stats.drop(before: lo)
            while stats.end <= hi { stats.append(f0: picks[stats.end].f0, value: picks[stats.end].value) }
            // Check every frame for short runs, every 7th for the long one (debug build).
            guard count < 7000 || j % 7 == 0 else { continue }
            let window = picks[lo...hi]
            let vals = window.map(\.value), f0s = window.filter { $0.value > 0.1 }.map(\.f0)
            let wantMedian: Float? = f0s.isEmpty ? nil : median(f0s)
            let wantWide = standardDeviation(vals) > 0.05
            if stats.voicedF0Median != wantMedian || stats.spreadIsWide != wantWide { mismatches += 1 }
            checked += 1
        }
        #expect(mismatches == 0, "\(mismatches) of \(checked) frames differ")
    }

    @Test("the sliding median handles even counts, a single value, irregular F0 and an emptied window")
    func slidingMedianEdges() {
        var s = SRHWindowStatistics()
        #expect(s.voicedF0Median == nil && !s.spreadIsWide)
        s.append(f0: 120, value: 0.5)
        #expect(s.voicedF0Median == 120)
        s.append(f0: 125, value: 0.5)
        #expect(s.voicedF0Median == 122.5)
        s.append(f0: 80, value: 0.05)                 // unvoiced: not in the median
        #expect(s.voicedF0Median == 122.5)
        s.append(f0: 99.5, value: 0.3)                // not a whole Hz: the plain median
        #expect(s.voicedF0Median == median([120, 125, 99.5]))
        s.drop(before: 4)
        #expect(s.voicedF0Median == nil && s.end == 4)
        s.drop(before: 10)                            // past the end of an empty window
        #expect(s.end == 10)
        s.append(f0: 200, value: 0.9)
        #expect(s.voicedF0Median == 200 && s.end == 11)
    }

    /// v_findpeaks on log|S| over every bin, as `sinusoids` did before it tested |S|² first.
    static func plainLogPeaks(_ S: [ComplexD], below h: Int) -> (k: [Double], v: [Double]) {
        let absS = S.map(\.abs)
        var pk: [Double] = [], pv: [Double] = []
        for i in 1..<h where absS[i] > absS[i - 1] && absS[i] > absS[i + 1] {
            RdMSP.logPeak(at: i, log(absS[i - 1]), log(absS[i]), log(absS[i + 1]), &pk, &pv)
        }
        return (pk, pv)
    }

    @Test("spectral peaks found on |S|² then confirmed on |S| equal the peaks of log|S|, plateaus and near-ties included")
    func peaksFromPower() {
        var seed: UInt32 = 5
        func next() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) }
        for trial in 0..<40 {
            let h = 2048
            var S = (0...h).map { k -> ComplexD in
                let env = exp(-Double(k) / 600) * (1 + 0.8 * cos(Double(k) * 0.05 * Double(1 + trial % 5)))
                return ComplexD(env * (2 * next() - 1), env * (2 * next() - 1))
            }
            // Neighbours whose squares differ in the last bit but whose |S| may round equal,
            // exact plateaus, zeros and subnormal magnitudes.
            for k in stride(from: 10, to: h - 10, by: 97) {
                S[k + 1] = ComplexD(S[k].re.nextUp, S[k].im)
                S[k + 3] = S[k + 2]
                S[k + 5] = ComplexD(0, 0)
                S[k + 7] = ComplexD(1e-310, -3e-310)
            }
            let got = RdMSP.logPeaks(S, below: h), want = OverheadTests.plainLogPeaks(S, below: h)
            // Bit patterns: the zero-magnitude neighbours give NaN positions in both.
            #expect(got.k.map(\.bitPattern) == want.k.map(\.bitPattern) && got.v.map(\.bitPattern) == want.v.map(\.bitPattern),
                    "trial \(trial)")
        }
    }

    @Test("the SRH inter-harmonic bins from the table equal round((h + 0.5)·f) − 1")
    func interharmonicTable() {
        let t = SRHAnalyzer.interharmonicBins
        #expect(t.count == (SRHAnalyzer.f0Max - SRHAnalyzer.f0Min + 1) * (SRHAnalyzer.nHarmonics - 1))
        for f in SRHAnalyzer.f0Min...SRHAnalyzer.f0Max {
            for h in 1..<SRHAnalyzer.nHarmonics {
                let want = Int(((Double(h) + 0.5) * Double(f)).rounded(.toNearestOrAwayFromZero)) - 1
                #expect(t[(f - SRHAnalyzer.f0Min) * (SRHAnalyzer.nHarmonics - 1) + h - 1] == want)
            }
        }
    }

    @Test("adding a scaled segment to a sample buffer equals the per-sample update, with growth and a dropped prefix")
    func sampleBufferAdd() {
        var a = SampleBuffer(), b = SampleBuffer()
        let x: [Float] = (0..<300).map { Float(sin(Double($0) * 0.7)) }
        a.append(x); b.append(x)
        a.drop(before: 40); b.drop(before: 40)
        for (start, g) in [(40, Float(0.37)), (200, 1.9), (290, -0.6), (400, 3)] {
            let seg: [Float] = (0..<120).map { Float(cos(Double($0 + start) * 0.31)) }
            a.add(seg, scaledBy: g, at: start)
            b.ensure(upTo: start + seg.count)
            var inv = seg
            for i in 0..<seg.count { inv[i] *= g; b[start + i] += inv[i] }
        }
        #expect(a.base == b.base && a.data == b.data)
    }

    @Test("a sample-buffer slice equals the per-sample reads inside, across and outside the held samples")
    func sampleBufferSlice() {
        var b = SampleBuffer()
        b.append((0..<500).map { Float($0) * 0.25 - 3 })
        b.drop(before: 100)
        for (from, count) in [(100, 400), (150, 50), (90, 20), (480, 40), (600, 10), (0, 0), (499, 1)] {
            #expect(b.slice(from, count) == (0..<count).map { b[from + $0] }, "from \(from) count \(count)")
        }
    }

    /// `lfHarmonicSpectrum`'s one-harmonic-at-a-time loop (before the SIMD4 passes).
    static func plainLFHarmonics(f0: Double, count: Int, fs: Double, te: Double, tp: Double, ta: Double) -> [ComplexD]? {
        guard let m = RdMSP.lfModel(t0: 1 / f0, te: te, tp: tp, ta: ta) else { return nil }
        let (Te, Ta, wg, e, a, E0, s, c) = (m.Te, m.Ta, m.wg, m.e, m.a, m.E0, m.s, m.c)
        let eaTe = exp(a * Te)
        let step = -2 * Double.pi * f0 * Te
        let r1 = ComplexD(cos(step), sin(step))
        var rot = ComplexD(1)
        var out = [ComplexD]()
        let eTa = ComplexD(e * Ta), wg2 = ComplexD(wg * wg), sC = ComplexD(s), wgc = ComplexD(wg * c)
        let k4 = ComplexD(e * (1 - e * Ta))
        for k in stride(from: 1, through: count, by: 1) {
            rot = rot * r1
            let f = f0 * Double(k)
            let jw = ComplexD(0, 2 * Double.pi * f)
            let am = ComplexD(a) - jw
            let P1 = ComplexD(E0) / (am * am + wg2)
            let P2 = ComplexD(wg) + ComplexD(eaTe * rot.re, eaTe * rot.im) * (am * sC - wgc)
            let P3 = rot / ((eTa * jw) * (ComplexD(e) + jw))
            let P4 = k4 * (ComplexD(1) - rot.conj) - eTa * jw
            out.append((P1 * P2 + P3 * P4) * ComplexD(fs))
        }
        return out
    }

    /// Rd's criterion with the scalar LF spectrum and division.
    static func plainCost(rd: Double, f0: Double, M: [ComplexD], fs: Double, ctx: RdMSP.CostContext) -> Double {
        let L = M.count
        let (te, tp, ta) = RdMSP.rd2tetpta(rd)
        guard let G = plainLFHarmonics(f0: f0, count: L - 1, fs: fs, te: te, tp: tp, ta: ta) else { return .infinity }
        var N = [ComplexD](repeating: ComplexD(0), count: L)
        for k in 1..<L { N[k] = M[k] / G[k - 1] }
        N[L - 1] = ComplexD(N[L - 2].abs)
        N[0] = ComplexD(N[1].abs)
        let len = 2 * (L - 1)
        var logAbs = [Double](repeating: 0, count: L)
        for k in 0..<L { logAbs[k] = log(N[k].abs) }
        let o = min(len - 1, 8)
        var P = [Double](repeating: 0, count: o + 1)
        for k in 0...o {
            var li = 0.0
            for m in 0..<L { li += logAbs[m] * ctx.ks[k][m] }
            P[k] = RdMSP.wrap(-N[k].angle - li)
        }
        guard o >= 2 else { return .infinity }
        var err = 0.0
        for i in 1..<o { let d = RdMSP.wrap((P[i + 1] - P[i]) - P[1]); err += d * d }
        return err / Double(o - 1)
    }

    @Test("the LF spectrum and Rd criterion on SIMD4 lanes equal the one-harmonic loop bit for bit")
    func rdOnLanes() throws {
        for (f0, L) in [(100.0, 80), (210.0, 38), (480.0, 17), (55.0, 146), (333.0, 24), (130.0, 61)] {
            let M = (0..<L).map { k -> ComplexD in
                let t = Double(k), scale = 1 / Double(k + 1)
                return ComplexD(cos(t * 0.7) * scale, sin(t * 1.3) * scale)
            }
            let ctx = RdMSP.CostContext(L: L)
            for rd in [0.3, 0.71, 1.2, 2.5] {
                let (te, tp, ta) = RdMSP.rd2tetpta(rd)
                for count in [L - 1, 1, 2, 3, 4, 5, 7, 8] {
                    let got = try #require(RdMSP.lfHarmonicSpectrum(f0: f0, count: count, fs: 16000, te: te, tp: tp, ta: ta))
                    let want = try #require(OverheadTests.plainLFHarmonics(f0: f0, count: count, fs: 16000, te: te, tp: tp, ta: ta))
                    #expect(got.map(\.re.bitPattern) == want.map(\.re.bitPattern) && got.map(\.im.bitPattern) == want.map(\.im.bitPattern),
                            "f0 \(f0) count \(count) rd \(rd)")
                }
                let got = RdMSP.cost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx)
                let want = OverheadTests.plainCost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx)
                #expect(got.bitPattern == want.bitPattern, "f0 \(f0) L \(L) rd \(rd)")
            }
        }
    }

    @Test("Rd's criterion (nine sums side by side, one scratch reused over frames of different harmonic counts) equals the plain criterion bit for bit")
    func rdCostScratch() {
        var scratch = RdMSP.CostScratch()
        // Harmonic counts go up and down so that the scratch is resized both ways (9 is the
        // least the criterion's nine bins need).
        for (f0, L) in [(100.0, 80), (480.0, 17), (55.0, 146), (210.0, 38), (210.0, 38), (333.0, 24), (400.0, 9), (300.0, 10)] {
            let M = (0..<L).map { k -> ComplexD in
                let t = Double(k), scale = 1 / Double(k + 2)
                return ComplexD(sin(t * 0.9) * scale, cos(t * 0.4) * scale)
            }
            let ctx = RdMSP.CostContext(L: L)
            for rd in [0.3, 0.52, 1.7, 2.5] {
                let got = RdMSP.cost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx, scratch: &scratch)
                let want = OverheadTests.plainCost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx)
                #expect(got.bitPattern == want.bitPattern, "f0 \(f0) L \(L) rd \(rd)")
            }
        }
    }

    @Test("HMPD rows reused across glottal blocks give the frames of forming every row in every block, bit for bit")
    func hmpdRowsAcrossBlocks() {
        // 4 s in 60-frame blocks with short margins (many block boundaries); the second half
        // negated and at another F0, so that blocks may differ in polarity.
        let a = harmonicSignal(f0: 120, seconds: 2), b = harmonicSignal(f0: 190, seconds: 2).map { -$0 }
        var cfg = AcousticExtractor.Configuration()
        cfg.glottalBlockFrames = 60
        cfg.glottalMarginSamples = 2000
        let reused = AcousticExtractor.extract(a + b, configuration: cfg)
        cfg.reusesHMPDRows = false
        let formed = AcousticExtractor.extract(a + b, configuration: cfg)
        #expect(reused.count == formed.count)
        let differing = zip(reused, formed).filter { $0.values.map(\.bitPattern) != $1.values.map(\.bitPattern) }.count
        #expect(differing == 0, "\(differing) frames differ")
        #expect(reused.contains { $0.values[(AcousticFrame.Column.hmpdm0.rawValue + 1)...].contains { $0 != 0 } }, "HMPD was computed")
    }

    /// `RdMSP.sinusoids` and `harmonicModel` as they were before they built their arrays in
    /// place (DC prepended by concatenation, `map`s, M conjugated by `map`).
    static func plainSinusoids(re: [Float], im: [Float], winlen: Int, f0: Double, fs: Double = 16000)
        -> (f: [Double], amp: [Double], ph: [Double]) {
        let dftlen = 4096, h = dftlen / 2
        let S = RdMSP.centredSpectrum(re: re, im: im, winlen: winlen)
        let maxH = Int(((fs / 2 - f0 / 2) / f0).rounded(.toNearestOrAwayFromZero))
        guard maxH >= 1 else { return ([], [], []) }
        let step = Double(dftlen) * f0 / fs
        var freqBins = (1...maxH).map { step * Double($0) }
        var amps = freqBins.map { S[min(h, Int($0.rounded(.toNearestOrAwayFromZero)))].abs }
        let (pk, pv) = plainLogPeaks(S, below: h)
        if !pk.isEmpty {
            var start = 0
            for j in 0..<maxH {
                let target = 1 + freqBins[j]
                while start + 1 < pk.count && abs(pk[start + 1] - target) <= abs(pk[start] - target) { start += 1 }
                if abs(pk[start] - target) < step / 2 { freqBins[j] = pk[start] - 1; amps[j] = exp(pv[start]) }
            }
        }
        let corrections = RdMSP.unwrapCorrections(S)
        var phases = [Double](repeating: 0, count: maxH)
        for j in 0..<maxH {
            let x = freqBins[j]
            if x < 0 || x > Double(h) { phases[j] = .nan; continue }
            let i0 = min(h - 1, Int(x.rounded(.down)))
            let t = x - Double(i0)
            let u0 = S[i0].angle + corrections[i0], u1 = S[i0 + 1].angle + corrections[i0 + 1]
            phases[j] = RdMSP.wrap(u0 + t * (u1 - u0))
        }
        var f = [0.0] + freqBins.map { $0 * fs / Double(dftlen) }
        let amp = [S[0].abs] + amps
        let ph = [S[0].angle] + phases
        var diffs = (1..<f.count).map { f[$0] - f[$0 - 1] }
        diffs.sort()
        let n = diffs.count
        let mf0 = n % 2 == 1 ? diffs[n / 2] : 0.5 * (diffs[n / 2 - 1] + diffs[n / 2])
        f = (0..<f.count).map { mf0 * Double($0) }
        return (f, amp, ph)
    }

    static func plainHarmonicModel(_ sins: (f: [Double], amp: [Double], ph: [Double])) -> [ComplexD] {
        var M: [ComplexD] = []
        for i in 0..<sins.f.count where sins.f[i] <= 8000 { M.append(ComplexD.exp(ComplexD(0, sins.ph[i])) * ComplexD(sins.amp[i])) }
        guard M.count >= 3 else { return M }
        let last = M.count - 1
        M[last] = ComplexD((M[last].re >= 0 ? 1 : -1) * M[last].abs)
        M = M.map { $0.conj }
        M[0] = ComplexD(M[1].abs)
        return M
    }

    @Test("sinusoids built in place equal the concatenating forms bit for bit, the harmonic model within 1e-15 of each amplitude")
    func sinusoidsInPlace() {
        var seed: UInt32 = 21
        func next() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) }
        for (f0, winlen) in [(60.0, 801), (133.3, 361), (250.0, 193), (480.0, 101), (97.0, 496), (5000.0, 11)] {
            // A harmonic spectrum (peaks near k·f0) with noise, as a Blackman frame's would be.
            let re = (0...2048).map { k -> Float in
                let x = Float(k) * 16000 / 4096 / Float(f0)
                return (cos(2 * .pi * x) + 1.05) * exp(-Float(k) / 900) * (0.8 + 0.4 * next()) * (next() < 0.5 ? 1 : -1)
            }
            let im = (0...2048).map { _ in 0.3 * (2 * next() - 1) }
            let got = RdMSP.sinusoids(re: re, im: im, winlen: winlen, f0: f0)
            let want = OverheadTests.plainSinusoids(re: re, im: im, winlen: winlen, f0: f0)
            let same = { (a: [Double], b: [Double]) in a.map(\.bitPattern) == b.map(\.bitPattern) }
            #expect(same(got.f, want.f) && same(got.amp, want.amp) && same(got.ph, want.ph), "f0 \(f0) winlen \(winlen)")
            // M's e^{iφ} on SIMD lanes (eighth pass) is within a few ulp of Foundation's cos and sin:
            // relative to each harmonic's amplitude, 1e-15 (a wrong lane or quadrant errs by ~1).
            let M = RdMSP.harmonicModel(sins: got), wantM = OverheadTests.plainHarmonicModel(want)
            #expect(M.count == wantM.count, "f0 \(f0)")
            for (m, w) in zip(M, wantM) {
                #expect(abs(m.re - w.re) <= 1e-15 * w.abs && abs(m.im - w.im) <= 1e-15 * w.abs, "f0 \(f0): \(m) vs \(w)")
            }
        }
    }

    @Test("the window-centred frame spectrum equals the per-bin loop with its branches, bit for bit (odd and even windows)")
    func centredSpectrumLoop() {
        let re = (0...2048).map { Float(sin(Double($0) * 0.31) * 3) }, im = (0...2048).map { Float(cos(Double($0) * 0.17)) }
        for winlen in [97, 321, 481, 961, 2401, 100, 480] {
            let dftlen = 4096, h = 2048
            let delay = Double(winlen - 1) / 2, d = Int(delay)
            let (ct, st) = RdMSP.unitCircle4096
            var want = [ComplexD](repeating: ComplexD(0), count: h + 1)
            var m = 0
            for k in 0...h {
                var w: ComplexD
                if (winlen - 1) % 2 == 0 {
                    w = ComplexD(ct[m], st[m]); m = (m + d) & (dftlen - 1)
                } else {
                    let a = 2 * Double.pi * delay * Double(k) / Double(dftlen)
                    w = ComplexD(cos(a), sin(a))
                }
                if k == h { w = ComplexD(w.re >= 0 ? 1 : -1, 0) }
                want[k] = ComplexD(Double(re[k]), Double(im[k])) * w
            }
            let got = RdMSP.centredSpectrum(re: re, im: im, winlen: winlen)
            #expect(got.map(\.re.bitPattern) == want.map(\.re.bitPattern) && got.map(\.im.bitPattern) == want.map(\.im.bitPattern), "winlen \(winlen)")
        }
    }

    @Test("the SRH curve from its written-out sums equals the per-harmonic loops bit for bit")
    func srhCurveSums() throws {
        let srh = SRHAnalyzer()
        for seed in [0.37, 1.3, 2.9] {
            let frame = (0..<SRHAnalyzer.frameLength).map { i -> Float in
                let t = Double(i)
                return Float(sin(t * seed * 0.1) + 0.4 * sin(t * seed * 0.37 + 1) + 0.05 * cos(t * 2.1))
            }
            let got = try #require(frame.withUnsafeBufferPointer { srh.curve($0) })
            // The previous form: windowed, mean removed (as `curve` does), |X| per bin, then
            // the harmonic loops.
            let x = try #require(frame.withUnsafeBufferPointer { srh.centredFrame($0) })
            let (re, im) = srh.fft.forward(x, bins: SRHAnalyzer.usedBins)
            let inv = 1 / SRHAnalyzer.halfSpectrumNorm(x, dftLength: 16000)
            let mag = (0..<SRHAnalyzer.usedBins).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
            var want: [Float] = []
            for f in SRHAnalyzer.f0Min...SRHAnalyzer.f0Max {
                var s: Float = 0
                for h in 1...SRHAnalyzer.nHarmonics { s += mag[h * f - 1] }
                for h in 1..<SRHAnalyzer.nHarmonics {
                    s -= mag[Int(((Double(h) + 0.5) * Double(f)).rounded(.toNearestOrAwayFromZero)) - 1]
                }
                want.append(s * inv)
            }
            #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "seed \(seed)")
        }
    }

    /// The SRH curve with the windowed frame's mean summed one sample at a time (before
    /// the eight-lane sum).
    static func sequentialMeanCurve(_ srh: SRHAnalyzer, _ frame: [Float]) -> [Float]? {
        let n = SRHAnalyzer.frameLength
        var x = [Float](repeating: 0, count: n)
        var mean: Float = 0
        for i in 0..<n { let v = frame[i] * srh.window[i]; x[i] = v; mean += v }
        mean /= Float(n)
        if !mean.isFinite { return nil }
        for i in 0..<n { x[i] -= mean }
        let (re, im) = srh.fft.forward(x, bins: SRHAnalyzer.usedBins)
        let norm = SRHAnalyzer.halfSpectrumNorm(x, dftLength: 16000)
        guard norm > 0, norm.isFinite else { return nil }
        let mag = (0..<SRHAnalyzer.usedBins).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
        return (SRHAnalyzer.f0Min...SRHAnalyzer.f0Max).map { f in
            var s: Float = 0
            for h in 1...SRHAnalyzer.nHarmonics { s += mag[h * f - 1] }
            for h in 1..<SRHAnalyzer.nHarmonics { s -= mag[SRHAnalyzer.interharmonicBins[(f - SRHAnalyzer.f0Min) * 4 + h - 1]] }
            return s / norm
        }
    }

    @Test("the SRH curve with the eight-lane frame mean picks the F0 of the sequential mean, values within 1e-5 of the curve's range",
          .enabled(if: Paths.exists(Paths.mosiWav) && Paths.ffmpeg != nil, "needs shared MOSI wav and ffmpeg"))
    func srhMeanLanes() throws {
        let srh = SRHAnalyzer()
        let x = try decode16k(Paths.mosiWav)
        let n = SRHAnalyzer.frameLength
        var frames = 0
        // Every 30 ms over the utterance, plus a frame with a large DC offset (where the
        // mean matters most).
        var starts = Array(stride(from: 0, to: x.count - n, by: 480)).map { Array(x[$0..<($0 + n)]) }
        starts.append(Array(x[8000..<(8000 + n)]).map { $0 + 0.3 })
        for frame in starts {
            let got = frame.withUnsafeBufferPointer { srh.curve($0) }
            let want = OverheadTests.sequentialMeanCurve(srh, frame)
            #expect((got == nil) == (want == nil))
            guard let got, let want else { continue }
            let range = (want.max() ?? 0) - (want.min() ?? 0)
            let diff = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 1e-5 * range, "max difference \(diff), range \(range)")
            for (lo, hi) in [(SRHAnalyzer.f0Min, SRHAnalyzer.f0Max), (120, 260), (80, 160)] {
                let a = SRHAnalyzer.pick(got, lo: lo, hi: hi), b = SRHAnalyzer.pick(want, lo: lo, hi: hi)
                #expect(a.f0 == b.f0, "pick in \(lo)...\(hi)")
            }
            frames += 1
        }
        #expect(frames > 90)
    }
}
