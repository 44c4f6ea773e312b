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
