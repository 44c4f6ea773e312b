import Foundation
import Testing
@testable import Acoustics
import DSP

/// The fast kernels against the straightforward forms they replace.
@Suite("fast kernels equal their reference forms")
struct KernelTests {
    static func matrix(rows: Int, seed s0: UInt32) -> [Double] {
        var seed = s0
        return (0..<(rows * HMPD.bins)).map { _ in
            seed = seed &* 1664525 &+ 1013904223
            return Double(seed >> 8) / Double(1 << 24) * 2 - 1
        }
    }

    @Test("HMPD's row-wise filtfilt equals Octave filtfilt per column (boxcar and Hann taps)")
    func filtfiltRows() {
        let nT = 80, w = HMPD.bins
        let x = KernelTests.matrix(rows: nT, seed: 7)
        var hann9 = (0..<9).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / 8) }
        let hs = hann9.reduce(0, +); hann9 = hann9.map { $0 / hs }
        for taps in [[Double](repeating: 1.0 / 25, count: 25), hann9] {
            let y = HMPD.filtfiltRows(x, rows: nT, taps: taps)
            var worst = 0.0
            for c in stride(from: 0, to: w, by: 37) {
                let ref = FilterD.filtfilt(b: taps, a: [1], (0..<nT).map { x[$0 * w + c] })
                for t in 0..<nT { worst = max(worst, abs(ref[t] - y[t * w + c])) }
            }
            #expect(worst < 1e-12)
        }
    }

    @Test("HMPD's exact row-wise filtfilt rounds bit for bit as Octave's filter order, steady rows included")
    func filtfiltRowsExact() {
        let nT = 80, w = HMPD.bins
        var x = KernelTests.matrix(rows: nT, seed: 11)
        // Steady columns (cos of a constant phase) are where PDD's `z < 1` test sits on the
        // last bit; the running-sum form rounds them differently.
        for t in 0..<nT { for c in 0..<20 { x[t * w + c] = cos(0.1 * Double(c)) } }
        let rect9 = [Double](repeating: 1.0 / 9, count: 9)
        let y = HMPD.filtfiltRowsExact(x, rows: nT, taps: rect9)
        var mismatches = 0
        for c in 0..<w {
            let ref = FilterD.filtfilt(b: rect9, a: [1], (0..<nT).map { x[$0 * w + c] })
            for t in 0..<nT where ref[t].bitPattern != y[t * w + c].bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("HMPD's median-of-9 network equals the sorting median filter")
    func medfilt9() {
        let nT = 30, w = HMPD.bins
        let x = KernelTests.matrix(rows: nT, seed: 11)
        let y = HMPD.medfilt9Rows(x, rows: nT)
        for c in stride(from: 0, to: w, by: 29) {
            let ref = HMPD.medfilt((0..<nT).map { x[$0 * w + c] }, 9)
            for t in 0..<nT { #expect(ref[t] == y[t * w + c]) }
        }
    }

    @Test("HMPD's sorted-query interpolation equals one binary search per query, ties and ends included")
    func interpSorted() {
        let x: [Double] = [-3, 0, 0, 1.5, 2, 2, 2, 7]
        let y: [Double] = [1, 2, 3, -1, 4, 5, 6, 0.5]
        let q: [Double] = [-5, -3, -1, 0, 0, 0.7, 1.5, 2, 2, 3, 7, 9]
        let fast = HMPD.interpSorted(x, y, q, outside: -99)
        for (i, v) in q.enumerated() { #expect(fast[i] == HMPD.interp(x, y, v, outside: -99), "query \(v)") }
    }

    @Test("SRH's Parseval norm and pruned spectrum equal the full 16000-point spectrum on speech frames",
          .enabled(if: Paths.exists(Paths.mosiWav) && Paths.ffmpeg != nil, "needs shared MOSI wav and ffmpeg"))
    func srhParsevalNorm() throws {
        let x = try decode16k(Paths.mosiWav)
        let n = SRHAnalyzer.frameLength
        let window = Window.blackman(n)
        let fft = RealFFT(count: 16000)
        for start in stride(from: 4000, to: x.count - n, by: 9000) {
            let frame = (0..<n).map { x[start + $0] * window[$0] }
            let (re, im) = fft.forward(frame)
            var ss = 0.0
            for k in 0..<8000 { ss += Double(re[k]) * Double(re[k]) + Double(im[k]) * Double(im[k]) }
            let norm = SRHAnalyzer.halfSpectrumNorm(frame, dftLength: 16000)
            #expect(ss > 0)
            #expect(abs(Double(norm) - ss.squareRoot()) < 1e-5 * ss.squareRoot(), "frame at \(start)")
            let (pr, pi) = fft.forward(frame, bins: SRHAnalyzer.usedBins)
            #expect(pr.count == SRHAnalyzer.usedBins)
            #expect(pr == Array(re[0..<SRHAnalyzer.usedBins]) && pi == Array(im[0..<SRHAnalyzer.usedBins]))
        }
    }

    @Test("SRH's Parseval norm on eight Double lanes is within one Float ulp of the sequential sums (lengths with every remainder of 8)")
    func srhNormLanes() {
        var seed: UInt32 = 99
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        var differing = 0, total = 0
        for n in [0, 1, 2, 7, 8, 9, 15, 16, 17, 1598, 1597, 1601, 1603] {
            for scale: Float in [1, 1e-3, 3e4] {
                let x = (0..<n).map { i in scale * (rnd() + 0.3 * sin(Float(i) * 0.05)) }
                var e = 0.0, dc = 0.0, alt = 0.0
                for (i, v) in x.enumerated() { let d = Double(v); e += d * d; dc += d; alt += i % 2 == 0 ? d : -d }
                let want = Float(max(0, (16000 * e + dc * dc - alt * alt) / 2).squareRoot())
                let got = SRHAnalyzer.halfSpectrumNorm(x, dftLength: 16000)
                #expect(abs(got - want) <= want.ulp, "n \(n) scale \(scale): \(got) vs \(want)")
                if got != want { differing += 1 }
                total += 1
            }
        }
        // Rounding to Float hides the Double reordering almost always.
        #expect(differing * 10 <= total, "\(differing) of \(total) norms differ")
    }

    @Test("Rd's LF spectrum by rotation recurrence equals the per-harmonic complex exponentials",
          arguments: [(97.0, 0.4), (123.0, 1.1), (211.0, 2.4), (52.0, 0.9)])
    func lfHarmonicRecurrence(f0: Double, rd: Double) throws {
        let (te, tp, ta) = RdMSP.rd2tetpta(rd)
        let count = Int((8000 / f0).rounded(.down))
        let ref = try #require(RdMSP.lfSpectrum((1...count).map { f0 * Double($0) }, fs: 16000, t0: 1 / f0, te: te, tp: tp, ta: ta))
        let fast = try #require(RdMSP.lfHarmonicSpectrum(f0: f0, count: count, fs: 16000, te: te, tp: tp, ta: ta))
        #expect(fast.count == count)
        var worst = 0.0
        for k in 0..<count { worst = max(worst, (fast[k] - ref[k]).abs / ref[k].abs) }
        #expect(worst < 1e-10, "worst relative difference \(worst)")
    }

    @Test("Rd's sign-and-cross-product unwrap equals MATLAB unwrap of the atan2 angles, antiparallel bins included")
    func unwrapCorrections() {
        var seed: UInt32 = 7
        func rnd() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) * 2 - 1 }
        var S = (0..<3000).map { _ in ComplexD(rnd(), rnd()) }
        // Exactly and nearly antiparallel neighbours, zeros of both signs, real-axis points.
        for k in stride(from: 10, to: 2990, by: 97) { S[k + 1] = ComplexD(-S[k].re, -S[k].im) }
        for k in stride(from: 20, to: 2990, by: 89) { S[k + 1] = ComplexD(-S[k].re * 1.000000001, -S[k].im) }
        S[500] = ComplexD(-1, 0); S[501] = ComplexD(-1, -0.0); S[502] = ComplexD(0, 0); S[503] = ComplexD(-2, -0.0); S[504] = ComplexD(-1, 0)
        let fast = RdMSP.unwrapCorrections(S)
        var corr = 0.0
        for k in 1..<S.count {
            let d = S[k].angle - S[k - 1].angle
            if abs(d) > Double.pi { corr -= 2 * Double.pi * ((d + Double.pi) / (2 * Double.pi)).rounded(.down) }
            #expect(fast[k] == corr, "bin \(k)")
        }
    }

    @Test("Rd's linear map to the log minimum-phase bins equals real cepstrum, folding and DFT",
          arguments: [3, 17, 41, 68, 160])
    func rdMinimumPhaseMap(L: Int) {
        var seed = UInt32(L)
        let logAbs = (0..<L).map { _ -> Double in seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) * 6 - 3 }
        // Reference: even spectrum of length 2(L−1), real(ifft), fold, DFT bins 0…o.
        let len = 2 * (L - 1), o = min(len - 1, 8)
        var full = [Double](repeating: 0, count: len)
        for k in 0..<L { full[k] = logAbs[k] }
        for k in 1..<(L - 1) { full[len - k] = logAbs[k] }
        let rcc = (0..<L).map { j in (0..<len).reduce(0.0) { $0 + full[$1] * cos(2 * Double.pi * Double(j * $1 % len) / Double(len)) } / Double(len) }
        let folded = (0..<L).map { j in j == 0 || j == L - 1 ? rcc[j] : 2 * rcc[j] }
        let ctx = RdMSP.CostContext(L: L)
        for k in 0...o {
            var lr = 0.0, li = 0.0, fr = 0.0, fi = 0.0
            for j in 0..<L {
                let a = -2 * Double.pi * Double(j * k % len) / Double(len)
                lr += folded[j] * cos(a); li += folded[j] * sin(a)
                fr += logAbs[j] * ctx.kc[k][j]; fi += logAbs[j] * ctx.ks[k][j]
            }
            #expect(abs(fr - lr) < 1e-9 && abs(fi - li) < 1e-9, "L=\(L) k=\(k): \(fr) \(lr) \(fi) \(li)")
        }
    }
}

// MARK: - HMPD strip kernels (speed-hmpd)

/// HMPD's strip filters on the rows `features` needs, against the whole-matrix computation.
@Suite("HMPD's strip kernels equal the whole-matrix forms")
struct HMPDStripTests {
    /// Phase-distortion-like rows: random phases, steady columns (where PDD's `z < 1` test sits
    /// on the last bit) and a zero row (a frame without harmonics).
    static func phaseRows(_ nT: Int, seed s0: UInt32) -> [[Double]] {
        var seed = s0
        return (0..<nT).map { t in
            (0..<HMPD.bins).map { c in
                seed = seed &* 1664525 &+ 1013904223
                if t == 40 { return 0 }
                if c % 50 < 6 { return 0.3 * Double(c % 50) - 1 }
                return (Double(seed >> 8) / Double(1 << 24) * 2 - 1) * Double.pi
            }
        }
    }

    /// `HMPD.features` as it was computed on whole frames × bins matrices (every row of every
    /// stage), from the whole-matrix filters the kernel tests compare with Octave.
    static func wholeMatrixFeatures(_ PE: [[Double]], needed: Range<Int>) -> (pdm: [[Float]], pdd: [[Float]]) {
        let nT = PE.count, w = HMPD.bins
        let rect25 = [Double](repeating: 1.0 / 25, count: 25), rect9 = [Double](repeating: 1.0 / 9, count: 9)
        var hann9 = (0..<9).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / 8) }
        let hs = hann9.reduce(0, +); hann9 = hann9.map { $0 / hs }
        var C = [Double](repeating: 0, count: nT * w), S = C
        for t in 0..<nT {
            var c = 0
            while c + 4 <= w {
                let (sv, cv) = VectorMath.sinCos(SIMD4(PE[t][c], PE[t][c + 1], PE[t][c + 2], PE[t][c + 3]))
                for l in 0..<4 { C[t * w + c + l] = cv[l]; S[t * w + c + l] = sv[l] }
                c += 4
            }
            while c < w { C[t * w + c] = cos(PE[t][c]); S[t * w + c] = sin(PE[t][c]); c += 1 }
        }
        let mc = HMPD.filtfiltRows(C, rows: nT, taps: rect25), ms = HMPD.filtfiltRows(S, rows: nT, taps: rect25)
        let tc = HMPD.filtfiltRows(HMPD.medfilt9Rows(C, rows: nT), rows: nT, taps: hann9)
        let ts = HMPD.filtfiltRows(HMPD.medfilt9Rows(S, rows: nT), rows: nT, taps: hann9)
        var DC = C, DS = S
        for i in 0..<(nT * w) {
            let r = (tc[i] * tc[i] + ts[i] * ts[i]).squareRoot()
            guard r > 0 else { continue }
            let ct = tc[i] / r, st = ts[i] / r
            DC[i] = C[i] * ct + S[i] * st
            DS[i] = S[i] * ct - C[i] * st
        }
        let dc = HMPD.filtfiltRowsExact(DC, rows: nT, taps: rect9), ds = HMPD.filtfiltRowsExact(DS, rows: nT, taps: rect9)
        var pdm = [[Float]](repeating: [], count: nT), pdd = pdm
        for t in needed {
            let row = t * w
            var sr = [Double](repeating: 0, count: 26), si = sr, cnt = [Int](repeating: 0, count: 26)
            for b in 0..<512 {
                let h = HMPD.hsl[b]
                guard h >= 1 && h <= 25 else { continue }
                let y = ms[row + b], x = mc[row + b]
                let r = (x * x + y * y).squareRoot()
                if r > 0 { sr[h] += x / r; si[h] += y / r } else { sr[h] += 1 }
                cnt[h] += 1
            }
            pdm[t] = (1...25).map { cnt[$0] > 0 ? Float(atan2(si[$0], sr[$0])) : 0 }
            var X = (0..<w).map { b -> Double in
                let z = (dc[row + b] * dc[row + b] + ds[row + b] * ds[row + b]).squareRoot()
                return z < 1 ? (-2 * log(z)).squareRoot() : 0
            }
            X[0] = X[1]
            for b in 0..<w where X[b] == 0 { X[b] = 0.001 }
            pdd[t] = HMPD.melCepstrum(X, order: 12).map { Float($0) }
        }
        return (pdm, pdd)
    }

    @Test("HMPD features on strips and needed rows equal the whole-matrix computation bit for bit",
          arguments: [0..<90, 0..<10, 30..<60, 85..<90, 50..<51])
    func stripFeatures(needed: Range<Int>) throws {
        let PE = HMPDStripTests.phaseRows(90, seed: 5)
        let fast = try #require(HMPD.features(PE, needed: needed))
        let ref = HMPDStripTests.wholeMatrixFeatures(PE, needed: needed)
        for t in 0..<PE.count {
            #expect(fast.pdm[t].map(\.bitPattern) == ref.pdm[t].map(\.bitPattern), "PDM row \(t)")
            #expect(fast.pdd[t].map(\.bitPattern) == ref.pdd[t].map(\.bitPattern), "PDD row \(t)")
        }
    }

    @Test("HMPD's filtfilt kernels on a row range equal those rows of the whole-matrix filters",
          arguments: [0..<4, 20..<45, 77..<80])
    func filtfiltRowRange(out: Range<Int>) {
        let nT = 80, w = HMPD.bins
        var x = KernelTests.matrix(rows: nT, seed: 3)
        for t in 0..<nT { for c in 0..<20 { x[t * w + c] = cos(0.1 * Double(c)) } }
        var hann9 = (0..<9).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / 8) }
        let hs = hann9.reduce(0, +); hann9 = hann9.map { $0 / hs }
        let rect9 = [Double](repeating: 1.0 / 9, count: 9), rect25 = [Double](repeating: 1.0 / 25, count: 25)
        // Source rows held: only those the range reaches (±8 per pass for 9 taps), as `features` holds them.
        let held = max(0, out.lowerBound - 8)..<min(nT, out.upperBound + 8)
        let part = Array(x[(held.lowerBound * w)..<(held.upperBound * w)])
        func run(_ margin: Int, _ body: (HMPD.Extended, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void,
                 source: [Double], first: Int) -> [Double] {
            var dst = [Double](repeating: 0, count: out.count * w)
            source.withUnsafeBufferPointer { sp in
                dst.withUnsafeMutableBufferPointer { dp in
                    HMPD.withScratch((2 * margin + nT + 2 * margin + 1) * w) { s in
                        let v = HMPD.Extended(x: sp.baseAddress!, first: first, rows: nT, width: w, margin: margin, edge: s)
                        body(v, s + 2 * margin * w, dp.baseAddress!)
                    }
                }
            }
            return dst
        }
        let exact = run(24, { v, s, d in HMPD.exactFiltfilt(v, taps: rect9, out: out, y: s + 8 * w, into: d) }, source: part, first: held.lowerBound)
        let fir = run(24, { v, s, d in HMPD.firFiltfilt(v, taps: hann9, out: out, y: s, into: d) }, source: part, first: held.lowerBound)
        let box = run(72, { v, s, d in HMPD.boxcarFiltfilt(v, taps: 25, tap: rect25[0], out: out, y: s + w, s: s, into: d) }, source: x, first: 0)
        let wholeExact = HMPD.filtfiltRowsExact(x, rows: nT, taps: rect9)
        let wholeFir = HMPD.filtfiltRows(x, rows: nT, taps: hann9), wholeBox = HMPD.filtfiltRows(x, rows: nT, taps: rect25)
        var mismatches = 0
        for (i, t) in out.enumerated() {
            for c in 0..<w {
                if exact[i * w + c].bitPattern != wholeExact[t * w + c].bitPattern { mismatches += 1 }
                if fir[i * w + c].bitPattern != wholeFir[t * w + c].bitPattern { mismatches += 1 }
                if box[i * w + c].bitPattern != wholeBox[t * w + c].bitPattern { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }
    @Test("HMPD's run-wise interpolation equals one binary search per query on the bin grid, repeated knots and unsorted queries included")
    func interpRuns() {
        var seed: UInt32 = 9
        func rnd() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) }
        // Knots as env_interp and harmscale2hertzscale build them: below 0, repeated, past Nyquist.
        var x: [Double] = [-300, -150, 0, 0, 95]
        while x.last! < 8200 { x.append(x.last! + 15.625 * Double(Int(rnd() * 12))) }
        let y = x.map { _ in rnd() * 4 - 2 }
        let fast = HMPD.interpSorted(x, y, HMPD.binHz, outside: .nan)
        for (i, q) in HMPD.binHz.enumerated() {
            #expect(fast[i].bitPattern == HMPD.interp(x, y, q, outside: .nan).bitPattern, "bin \(i)")
        }
        // Queries out of order follow the walk: a query below the current interval keeps it.
        let q: [Double] = [100, 50, 400, 300, .nan, 8000, 9000, 20]
        let walked = HMPD.interpSorted(x, y, q, outside: -1)
        var lo = 0
        for (i, v) in q.enumerated() {
            guard v >= x[0], v <= x[x.count - 1] else { #expect(walked[i] == -1); continue }
            while lo + 1 < x.count - 1 && x[lo + 1] <= v { lo += 1 }
            let ref = x[lo + 1] == x[lo] ? y[lo] : y[lo] + (v - x[lo]) / (x[lo + 1] - x[lo]) * (y[lo + 1] - y[lo])
            #expect(walked[i].bitPattern == ref.bitPattern, "query \(v)")
        }
    }
}

// MARK: - Glottal chain and peakSlope kernels (speed-glottal)

/// The glottal-measure shortcuts against the full computations they replace.
@Suite("glottal kernels equal their reference forms")
struct GlottalKernelTests {
    /// voicebox v_findpeaks(x, [], w) as ported before: raw peaks over the whole array,
    /// then rounds of elimination over the whole list.
    static func findPeaksSeparated(_ x: [Float], width w: Float) -> (k: [Int], v: [Float]) {
        var k: [Int] = [], v: [Float] = []
        if x.count >= 3 {
            for i in 1..<(x.count - 1) where x[i] > x[i - 1] && x[i] > x[i + 1] { k.append(i + 1); v.append(x[i]) }
        }
        while true {
            var remove = [Bool](repeating: false, count: k.count)
            var any = false
            for j in 0..<max(0, k.count - 1) where Float(k[j + 1] - k[j]) <= w {
                remove[v[j] >= v[j + 1] ? j + 1 : j] = true
                any = true
            }
            if !any { break }
            var nk: [Int] = [], nv: [Float] = []
            for j in 0..<k.count where !remove[j] { nk.append(k[j]); nv.append(v[j]) }
            k = nk; v = nv
        }
        return (k, v)
    }

    /// get_vq_params.m's H1−H2 peaks from the full 16000-point magnitude spectrum.
    static func h1h2PeaksFull(_ fr: [Float], f0: Float) -> (h1: Float, h2: Float)? {
        let mag = Glottal.h1h2FFT.magnitude(fr)
        let (hk, hv) = findPeaksSeparated(mag, width: f0 / 2)
        guard hk.count >= 5 else { return nil }
        func nearest(_ h: Int) -> Int {
            var bi = 0, bd = Float.infinity
            for (i, k) in hk.enumerated() { let d = abs(Float(k) - Float(h) * f0); if d < bd { bd = d; bi = i } }
            return bi
        }
        return (hv[nearest(1)], hv[nearest(2)])
    }

    static func noise(_ n: Int, seed s0: UInt32) -> [Float] {
        var seed = s0
        return (0..<n).map { _ in seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) * 2 - 1 }
    }

    /// Three-period Hamming frames of a pulse train plus noise (a flow-derivative-like
    /// signal), at several F0s and noise levels.
    static func frames() -> [(frame: [Float], f0: Float)] {
        var out: [(frame: [Float], f0: Float)] = []
        for (j, t0) in [33, 64, 80, 101, 127, 160, 199, 251, 397, 640].enumerated() {
            for level: Float in [0, 0.05, 0.5, 3] {
                let len = 3 * t0 + 1
                let e = noise(len, seed: UInt32(t0 * 7 + j))
                let w = Window.hamming(len)
                let fr = (0..<len).map { i -> Float in
                    let ph = Float(i % t0) / Float(t0)
                    let pulse: Float = ph < 0.6 ? sin(Float.pi * ph / 0.6) : -2 * sin(Float.pi * (ph - 0.6) / 0.4)
                    return (pulse + level * e[i]) * 32768 * w[i]
                }
                out.append((fr, 16000 / Float(t0)))
            }
        }
        return out
    }

    @Test("Separated peaks group by group equal v_findpeaks over the whole array, on partial and complete spectra")
    func separatedPeaks() {
        for (fr, f0) in GlottalKernelTests.frames() {
            let mag = Glottal.h1h2FFT.magnitude(fr)
            let ref = GlottalKernelTests.findPeaksSeparated(mag, width: f0 / 2)
            // Complete, never stopping: all peaks.
            let all = mag.withUnsafeBufferPointer { Glottal.separatedPeaks($0, complete: true, width: f0 / 2, minCount: .max, through: 0) }
            #expect(all?.k == ref.k && all?.v == ref.v, "f0 \(f0)")
            // Prefixes: when decided, the peaks are the reference's first ones.
            for bins in [50, 400, 1000, 3000] {
                let r = Array(mag[0..<bins]).withUnsafeBufferPointer {
                    Glottal.separatedPeaks($0, complete: false, width: f0 / 2, minCount: 5, through: 2 * f0)
                }
                if let r {
                    #expect(r.k.count >= 5 && Float(r.k.last!) >= 2 * f0)
                    #expect(Array(ref.k.prefix(r.k.count)) == r.k && Array(ref.v.prefix(r.v.count)) == r.v, "f0 \(f0) bins \(bins)")
                }
            }
        }
    }

    @Test("H1-H2 peaks from the first bins equal those of the full 16000-point spectrum (exact path)")
    func h1h2Peaks() {
        var decided = 0
        for (fr, f0) in GlottalKernelTests.frames() {
            var work = Glottal.H1H2Work()
            let fast = Glottal.h1h2Peaks(fr, f0: f0, work: &work, cellBins: 0), ref = GlottalKernelTests.h1h2PeaksFull(fr, f0: f0)
            #expect(fast?.h1 == ref?.h1 && fast?.h2 == ref?.h2, "f0 \(f0)")
            if ref != nil { decided += 1 }
        }
        #expect(decided > 20)
    }

    @Test("PSP's lazily formed dB bins give pspGetA of the full zero-padded spectrum (to 1e-5, relative)")
    func pspLazySpectrum() {
        for t0 in [20, 57, 100, 163, 320, 2100] {
            var seg = GlottalKernelTests.noise(t0, seed: UInt32(t0)).enumerated().map { i, e in
                sin(Float.pi * Float(i) / Float(t0)) + 0.01 * e
            }
            let mn = seg.min()!, mx = seg.max()! - mn
            seg = seg.map { ($0 - mn) / mx }
            var padded = seg + [Float](repeating: 0, count: max(0, 2048 - seg.count))
            if seg.count >= 2048 { padded = Array(seg.prefix(2048)); padded[2047] = 0; seg = padded }
            // Bins formed by Goertzel instead of the FFT: the same fit up to the FFT's rounding.
            let s = Glottal.pspA(seg), r = GlottalKernelTests.pspGetAOneLength(GlottalKernelTests.pspSpectrum(padded))
            #expect(abs(s - r) <= 1e-5 * abs(r), "period \(t0): \(s) vs \(r)")
            // (A 2048-sample boxcar has exact spectral zeros, whose dB only rounding decides;
            // vqParams' boxcars are one period, at most 800 samples.)
            guard t0 < 2048 else { continue }
            let box = [Float](repeating: 1 / Float(t0), count: t0)
            let a = Glottal.pspA(box), b = GlottalKernelTests.pspGetAOneLength(GlottalKernelTests.pspSpectrum(box + [Float](repeating: 0, count: 2048 - box.count)))
            #expect(abs(a - b) <= 1e-5 * abs(b), "boxcar \(t0): \(a) vs \(b)")
        }
    }
    /// lpcresidual.m one frame at a time, as ported before.
    static func lpcResidualOneFrame(_ x: [Float], order: Int, lpcFrom other: [Float]? = nil) -> [Float] {
        let seg = 401, shift = 80
        let win = Window.hanning(seg)
        var res = [Float](repeating: 0, count: x.count)
        var start = 0
        var s = [Float](repeating: 0, count: seg), s2 = s
        while start + seg < x.count {
            var e: Float = 0
            for i in 0..<seg { s[i] = x[start + i] * win[i]; e += s[i] * s[i] }
            let a: [Float]
            if let other {
                for i in 0..<seg { s2[i] = other[start + i] * win[i] }
                a = LPC.coefficients(s2, order: order)
            } else {
                a = LPC.coefficients(s, order: order)
            }
            let inv = s.withUnsafeBufferPointer { Filter.fir(a, $0) }
            var ei: Float = 0
            for v in inv { ei += v * v }
            let g = (e / ei).squareRoot()
            for i in 0..<seg { res[start + i] += inv[i] * g }
            start += shift
        }
        return res
    }

    @Test("LP residuals four frames at a time equal the one-frame loop, with and without a second signal's LPC",
          arguments: [401, 402, 481, 1203, 4000, 4083])
    func lpcResidualFrames(count: Int) {
        let x = GlottalKernelTests.noise(count, seed: UInt32(count)).enumerated().map { i, e in
            sin(Float(i) * 0.07) + 0.3 * sin(Float(i) * 0.61) + 0.1 * e
        }
        let y = x.enumerated().map { i, v in v - (i > 0 ? 0.9 * x[i - 1] : 0) }
        let both = Glottal.lpcResiduals(x, order: 18, lpcFrom: [y, nil])
        #expect(both[0] == GlottalKernelTests.lpcResidualOneFrame(x, order: 18, lpcFrom: y))
        #expect(both[1] == GlottalKernelTests.lpcResidualOneFrame(x, order: 18))
        #expect(Glottal.lpcResidual(x, order: 18) == both[1])
    }
    /// mdq.m's values as plain scalar sums per position (the first maximum per band), by
    /// default with the 6.5·s wavelets MDQ used before its 5.5·s cut.
    static func mdqReference(_ res: [Float], gci: [Int], bank: WaveletBank = WaveletBank(scales: [4, 8, 16, 32, 64])) -> [Float] {
        let G = Array(Set(gci.map { $0 + 1 })).sorted()
        let len = res.count
        let x = res.map { $0.isFinite ? $0 : 0 }
        func at(_ i: Int) -> Float { i >= 0 && i < len ? x[i] : 0 }
        return G.indices.map { n in
            let t0 = n == 0 ? G[1] - G[0] : G[n] - G[n - 1]
            let sl = Int((0.2 * Float(t0)).rounded(.toNearestOrAwayFromZero))
            guard G[n] - t0 > 0 && G[n] + t0 <= len else { return 0 }
            var dist: Float = 0
            for h in bank.taps {
                var bi = 1, bv = -Float.infinity
                for i in 0..<(2 * sl + 1) {
                    let c = G[n] - sl + i - 1
                    var acc = h[0] * at(c)
                    for t in 1..<h.count { acc += h[t] * (at(c - t) + at(c + t)) }
                    if acc > bv { bv = acc; bi = i + 1 }
                }
                dist += Float(abs(sl - bi))
            }
            let m = dist / 5 / Float(t0)
            return m.isFinite ? m : 0
        }
    }

    // Periods whose windows need 1…4 sixteen-lane chains in a pass, and 4 + 1, 4 + 3 (skewed chains).
    @Test("MDQ's skewed wavelet chains equal plain per-position sums, short and long periods")
    func mdqWavelets() {
        let n = 6000
        let x = GlottalKernelTests.noise(n, seed: 11).enumerated().map { i, e in (i % 97 == 0 ? 3 : 0) + sin(Float(i) * 0.05) * 0.2 + e * 0.3 }
        var gci: [Int] = []
        var p = 1200
        for t0 in [5, 9, 17, 40, 64, 97, 120, 151, 200, 333, 31, 44, 160, 280, 250, 95] { p += t0; gci.append(p) }
        var out = GlottalMeasures()
        Glottal.mdq(x, gci: gci, into: &out, offset: 0)
        // Bit for bit the plain sums with the same wavelets, and the same picks as the 6.5·s ones.
        #expect(out.mdq.map(\.1) == GlottalKernelTests.mdqReference(x, gci: gci, bank: Glottal.mdqBank))
        #expect(out.mdq.map(\.1) == GlottalKernelTests.mdqReference(x, gci: gci))
        #expect(out.mdq.contains { $0.1 > 0 })
    }

    @Test("peakSlope's four-chain wavelet passes equal plain per-sample band maxima", arguments: [2000, 2017, 4803])
    func peakSlopeWavelets(count: Int) {
        let x = GlottalKernelTests.noise(count, seed: UInt32(count)).enumerated().map { i, e in
            sin(Float(i) * 0.3) * (i % 400 < 200 ? 1 : 0.1) + 0.05 * e
        }
        var buf = SampleBuffer()
        buf.append(x)
        var stage = PeakSlopeStage()
        stage.advance(buf, total: count, finished: true)
        let frames = PeakSlopeStage.frameCount(count)
        #expect(stage.nextFrame == frames && frames > 5)
        for m in 0..<frames {
            #expect(stage.slopes[m] == GlottalKernelTests.plainPeakSlope(stage.bank, frame: m, buf, total: count), "frame \(m)")
        }
    }

    /// peakSlope of frame m from plain per-sample maxima of the seven wavelet bands over its
    /// 640 samples, and the slope of their log10 against the band number.
    /// `fused`: each tap as one fused multiply-add (PeakSlopeStage's arithmetic).
    static func plainPeakSlope(_ bank: WaveletBank, frame m: Int, _ buf: SampleBuffer, total: Int, fused: Bool = true) -> Float {
        var maxima = [Float](repeating: 0, count: 7)
        for i in (160 * m)..<(160 * m + 640) {
            for b in 0..<7 { maxima[b] = max(maxima[b], abs(bank.value(band: b, at: i, buf, total: total, fused: fused))) }
        }
        var sy: Float = 0, sty: Float = 0
        for t in 0..<7 { let v = log10(maxima[6 - t]); sy += v; sty += Float(t + 1) * v }
        return (sty - 4 * sy) / 28
    }
    @Test("SEDREAMS' nearest minimum by binary search equals the first nearest by scan, ties included")
    func nearestMinimum() {
        let v = [3, 10, 14, 18, 30, 31, 50]
        for p in -5...60 {
            var best = 0, bestD = Int.max
            for k in 0..<v.count { let d = abs(v[k] - p); if d < bestD { bestD = d; best = k } }
            #expect(Glottal.nearestIndex(v, p) == best, "p \(p)")
        }
        #expect(Glottal.nearestIndex([7], 2) == 0 && Glottal.nearestIndex([7], 9) == 0)
    }

    @Test("windows kept across blocks are Octave's windows of that length")
    func cachedWindows() {
        for n in [1, 2, 161, 400, 161] {
            #expect(Glottal.cachedHanning(n) == Window.hanning(n) && Glottal.cachedHamming(n) == Window.hamming(n))
        }
    }
    @Test("creak's zero-crossing prefix counts and four-frame log energies equal the per-frame loops", arguments: [511, 512, 513, 600, 5000, 5113])
    func creakFrameSums(count: Int) {
        let x = GlottalKernelTests.noise(count, seed: UInt32(count)).enumerated().map { i, e in sin(Float(i) * 0.02) * 0.5 + (i % 700 < 350 ? e : 0.01 * e) }
        // get_zero_x_rate.m per frame.
        let len = 512
        var t: [(t: Double, v: Float)] = []
        var start = 1
        while start + len - 1 <= x.count {
            var c = 0
            for i in (start - 1)..<(start + len - 2) where (x[i] >= 0) != (x[i + 1] >= 0) { c += 1 }
            t.append((Double(start + 80) + Double(len - 1) / 2, Float(c) / Float(len) * 16))
            start += 80
        }
        let positions = Array(stride(from: 1, through: count, by: 37))
        #expect(CreakDetector.zeroCrossingRate(x, at: positions) == positions.map { CreakDetector.interpSorted(t, at: $0) })
        // sil_unv_features.m's log energy per frame.
        let win = Window.hanning(len)
        var es: [Float] = []
        start = 0
        while start + len < x.count {
            var e: Float = 0
            for j in 0..<len { let v = x[start + j] * win[j]; e += v * v }
            es.append(log(e / Float(len)))
            start += 80
        }
        if !es.isEmpty, (x.count - 511) / 80 > (x.count - 513) / 80 { es.append(-.infinity) }
        #expect(CreakDetector.logEnergy(x) == es)
    }

    @Test("creak's shared ρ = 0.8 resonator output and lazy ρ = 0.97 output give the same Res-P and H2-H1")
    func creakSharedResonator() {
        let x = GlottalKernelTests.noise(9000, seed: 5).enumerated().map { i, e in (i % 150 == 0 ? 2 : 0) + 0.1 * e }
        let res = Glottal.lpcResidual(x, order: 18)
        let rep08 = CreakDetector.resonator(res, f0: 110, rho: 0.8)
        let a = CreakDetector.resPeak(x, res: res, f0mean: 110), b = CreakDetector.resPeak(x, res: res, f0mean: 110, rep: rep08)
        #expect(a.map(\.t) == b.map(\.t) && a.map(\.v) == b.map(\.v))
        var own = CreakDetector.H2H1Frames(res: res, f0mean: 110), shared = CreakDetector.H2H1Frames(res: res, f0mean: 110, rep2: rep08)
        for i in [0, 3, own.count - 1] {
            let r1 = own.raw(i), r2 = shared.raw(i)
            #expect(r1.delta == r2.delta && r1.f0 == r2.f0, "frame \(i)")
        }
    }
    /// 20·log10 |DFT_2048(seg)| at bins 0…1023 (seg zero-padded) from the FFT, the spectrum
    /// PSP's fit read before its bins were formed by Goertzel.
    static func pspSpectrum(_ seg: [Float]) -> [Double] {
        let m = RealFFT(count: 2048).magnitude(seg)
        return (0..<1024).map { 20 * log10(Double(m[$0])) }
    }

    /// get_vq_params.m getA one fit length at a time, as ported before.
    static func pspGetAOneLength(_ x: [Double]) -> Double {
        var n = 3
        func k2(_ i: Int) -> Double { Double(i * i) }     // k2(i) for 1-based i: (i−1)²
        var k2Sum = 0.0, k4Sum = 0.0, xSum = 0.0, xk2Sum = 0.0, x2Sum = 0.0
        for i in 1...(n - 1) {
            let kk = k2(i - 1)
            k2Sum += kk; k4Sum += kk * kk; xSum += x[i - 1]; xk2Sum += x[i - 1] * kk; x2Sum += x[i - 1] * x[i - 1]
        }
        var a = 0.0
        while n <= x.count {
            let kk = k2(n - 1)
            k2Sum += kk; k4Sum += kk * kk; xSum += x[n - 1]; xk2Sum += x[n - 1] * kk; x2Sum += x[n - 1] * x[n - 1]
            let nd = Double(n)
            a = (nd * xk2Sum - xSum * k2Sum) / (nd * k4Sum - k2Sum * k2Sum)
            var mean = 0.0
            for i in 1...n { mean += x[i - 1] - a * k2(i - 1) }
            mean /= nd
            var ne = 0.0
            for i in 1...n { let r = x[i - 1] - a * k2(i - 1) - mean; ne += r * r }
            ne /= x2Sum
            if ne < 0.01 { n += 1 } else { break }
        }
        return a
    }

    @Test("PSP's fit from running sums equals the one-length loop, short and long fits")
    func pspFourLengths() {
        var seed: UInt32 = 3
        for trial in 0..<200 {
            // Parabola-like dB spectra with noise of growing size: fits stop anywhere from 3 to 1024.
            let noise = Double(trial % 20) * 0.05, c = Double(trial % 7 + 1) * 1e-3
            let x = (0..<1024).map { k -> Double in
                seed = seed &* 1664525 &+ 1013904223
                return -40 - c * Double(k * k) + noise * (Double(seed >> 8) / Double(1 << 24) - 0.5) * Double(k)
            }
            for count in [3, 4, 5, 7, 1024] {
                let xs = Array(x.prefix(count))
                #expect(Glottal.pspGetA(xs) == GlottalKernelTests.pspGetAOneLength(xs), "trial \(trial) count \(count)")
            }
        }
    }
    /// iaif.m as ported before (a new array per stage).
    static func iaifReference(_ xw: [Float], pVT: Int = 20, pGL: Int = 8, d: Float = 0.99) -> (g: [Float], dg: [Float])? {
        let b = GlottalCoefficients.iaifHighPass
        let n0 = xw.count
        let x = xw.withUnsafeBufferPointer { Filter.fir(b, $0, outputs: 150..<(n0 + 150)) }
        guard x.count > pVT else { return nil }
        let n = x.count
        let win = Window.hanning(n)
        let preflt = pVT + 1
        var signal = [Float](repeating: 0, count: preflt + n)
        let x0 = x[0], steps = Float(max(1, preflt - 1))
        for i in 0..<preflt { signal[i] = 2 * x0 * Float(i) / steps - x0 }
        for i in 0..<n { signal[preflt + i] = x[i] }
        func windowed(_ v: [Float]) -> [Float] { (0..<n).map { v[$0] * win[$0] } }
        func fir(_ a: [Float], _ v: [Float]) -> [Float] { v.withUnsafeBufferPointer { Filter.fir(a, $0) } }
        func integrate(_ v: [Float]) -> [Float] {
            var out = v
            var prev: Float = 0
            for i in 0..<v.count { prev = v[i] + d * prev; out[i] = prev }
            return out
        }
        let hg1 = LPC.coefficients(windowed(x), order: 1)
        var y = Array(fir(hg1, signal)[preflt...])
        let hvt1 = LPC.coefficients(windowed(y), order: pVT)
        let g1 = Array(integrate(fir(hvt1, signal))[preflt...])
        let hg2 = LPC.coefficients(windowed(g1), order: pGL)
        y = Array(integrate(fir(hg2, signal))[preflt...])
        let hvt2 = LPC.coefficients(windowed(y), order: pVT)
        let dgFull = fir(hvt2, signal)
        return (Array(integrate(dgFull)[preflt...]), Array(dgFull[preflt...]))
    }

    @Test("IAIF with reused scratch and in-place integration equals the stage-by-stage arrays", arguments: [22, 57, 160, 321, 640])
    func iaifStages(count: Int) {
        let w = Window.hanning(count)
        let xw = GlottalKernelTests.noise(count, seed: UInt32(count)).enumerated().map { i, e in
            (sin(Float(i) * 0.11) + (i % 80 < 8 ? -1 : 0) + 0.05 * e) * w[i]
        }
        let fast = Glottal.iaif(xw, window: w), ref = GlottalKernelTests.iaifReference(xw)
        #expect(fast?.g == ref?.g && fast?.dg == ref?.dg)
        #expect(ref != nil)
    }
}






