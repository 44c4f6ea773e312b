import Foundation
import Testing
@testable import Acoustics
import DSP

/// HMPD's faster routines against the plain computations they replace, bit for bit.
@Suite("HMPD's fast routines equal the plain computations")
struct HMPDSpeedTests {
    /// Mean resultants (dc, ds) of unit phasors: |z| ≤ 1, with z = 0, z = 1 and z just below 1.
    static func resultants(_ n: Int) -> (dc: [Double], ds: [Double]) {
        var seed: UInt32 = 12345
        func next() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) }
        var dc = [Double](), ds = [Double]()
        for i in 0..<n {
            let a = 2 * Double.pi * next(), r: Double
            switch i % 7 {
            case 0: r = 0
            case 1: r = 1
            case 2: r = 1 - 1e-15 * next()
            default: r = next()
            }
            dc.append(r * cos(a)); ds.append(r * sin(a))
        }
        return (dc, ds)
    }

    @Test("PDD's circular deviation on SIMD lanes equals the scalar root of −2·log z", arguments: [0, 3, 64, 65])
    func circularDeviation(count: Int) {
        let (dc, ds) = Self.resultants(count)
        var x = [Double](repeating: .nan, count: count)
        dc.withUnsafeBufferPointer { c in
            ds.withUnsafeBufferPointer { s in
                x.withUnsafeMutableBufferPointer { o in
                    guard let cp = c.baseAddress, let sp = s.baseAddress, let op = o.baseAddress else { return }
                    HMPD.circularDeviation(cp, sp, count: count, into: op)
                }
            }
        }
        for i in 0..<count {
            let z = (dc[i] * dc[i] + ds[i] * ds[i]).squareRoot()
            let l = z < 1 ? log(z) : 1
            let plain = l < 0 ? (-2 * l).squareRoot() : 0
            #expect(x[i].bitPattern == plain.bitPattern, "bin \(i): z = \(z)")
        }
        if count >= 3 { #expect(x[0] == .infinity && x[2] > 0) }
    }

    /// Harmonic-like increasing knots: k·f0 with a repeated knot, a knot on a bin, and ends
    /// inside and beyond the bin grid.
    static func knots(f0: Double, start: Double, through top: Double) -> (x: [Double], y: [Double]) {
        var x = [start, 0.95 * f0 + start]
        var k = 1.0
        while f0 * k <= top { x.append(f0 * k); k += 1 }
        x.insert(x[4], at: 4)          // a repeated knot (unique() would merge it; the walk must not trip)
        x.append(x[x.count - 1] + 15.625)
        let y = x.indices.map { sin(Double($0) * 0.7) * 3 }
        return (x, y)
    }

    @Test("interpolation at the bin grid with the run ends computed from the step equals the scanning walk",
          arguments: [(97.3, 0.0, 7950.0), (210.0, -500.0, 8600.0), (15.625, 0.0, 8000.0), (331.0, 400.0, 6000.0)])
    func queryStep(f0: Double, start: Double, top: Double) {
        let (x, y) = Self.knots(f0: f0, start: start, through: top)
        let scanned = HMPD.interpSorted(x, y, HMPD.binHz, outside: .nan)
        let stepped = HMPD.interpSorted(x, y, HMPD.binHz, outside: .nan, queryStep: HMPD.binStep)
        #expect(scanned.map(\.bitPattern) == stepped.map(\.bitPattern))
        for (k, q) in HMPD.binHz.enumerated() where q > x[5] {   // past the repeated knot: one interval per query
            let plain = HMPD.interp(x, y, q, outside: .nan)
            #expect(plain.bitPattern == stepped[k].bitPattern || (plain.isNaN && stepped[k].isNaN), "bin \(k)")
        }
        #expect(HMPD.binHz.enumerated().allSatisfy { $0.element == Double($0.offset) * HMPD.binStep })
    }

    @Test("interpolation on the bin grid's knots with the interval computed from the step equals the walk",
          arguments: [97.3, 210.0, 15.625, 7.8125, 331.0])
    func knotStep(f0: Double) {
        let y = HMPD.binHz.map { cos($0 / 700) * 2 }
        // Harmonics, a query on a knot, one below and one beyond the grid, a repeated query.
        var q = [-1.0, 0.0] + stride(from: f0, through: 8100, by: f0).map { $0 }
        q.insert(q[3], at: 3)
        q.insert(3125.0, at: q.firstIndex { $0 > 3125 } ?? q.count)
        let walked = HMPD.interpSorted(HMPD.binHz, y, q, outside: 0)
        let stepped = HMPD.interpSorted(HMPD.binHz, y, q, outside: 0, knotStep: HMPD.binStep)
        #expect(walked.map(\.bitPattern) == stepped.map(\.bitPattern))
        for (k, v) in q.enumerated() { #expect(HMPD.interp(HMPD.binHz, y, v, outside: 0).bitPattern == stepped[k].bitPattern, "query \(v)") }
    }

    @Test("PDM's band sums four rows at a time equal the bin-by-bin, row-by-row sums",
          arguments: [(0, 64, 201), (64, 64, 7), (448, 65, 13), (384, 64, 1), (0, 64, 0)])
    func addBands(firstBin c0: Int, width cw: Int, rows nO: Int) {
        var seed: UInt32 = 777
        func next() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) * 2 - 1 }
        let m = (0..<(nO * cw)).map { _ in next() }
        let start = (0..<(26 * nO)).map { _ in next() }          // sums of earlier strips
        var plain = start, fast = start
        for c in 0..<min(cw, 512 - c0) {
            let h = HMPD.hsl[c0 + c]
            guard h >= 1 && h <= 25 else { continue }
            for r in 0..<nO { plain[h * nO + r] += m[r * cw + c] }
        }
        m.withUnsafeBufferPointer { mp in
            fast.withUnsafeMutableBufferPointer { fp in
                guard let mb = mp.baseAddress, let fb = fp.baseAddress else { return }
                HMPD.addBands(mb, rows: nO, width: cw, firstBin: c0, into: fb)
            }
        }
        #expect(plain.map(\.bitPattern) == fast.map(\.bitPattern))
        if nO > 0 { #expect(plain != start, "some bins were added") }
    }

    @Test("PDD's equal-tap filtfilt with each product formed once equals Octave's nested tap sums",
          arguments: [9, 3])
    func equalTapFiltfilt(taps n: Int) {
        let nT = 3 * (n - 1) + 3, w = HMPD.bins, b = 1.0 / Double(n), margin = 3 * (n - 1)
        var seed: UInt32 = 4242
        func next() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) * 2 - 1 }
        let x = (0..<(nT * w)).map { _ in next() }
        let fast = HMPD.filtfiltRowsExact(x, rows: nT, taps: [Double](repeating: b, count: n))
        // Plain: Octave's reflected rows, then y_e = b·v_{e−n+1} + … + b·v_e forward and
        // z_e = b·y_{e+n−1} + … + b·y_e backward, each product formed where it is added.
        func v(_ e: Int, _ c: Int) -> Double {
            if e < margin { return 2 * x[c] - x[(margin - e) * w + c] }
            if e >= margin + nT { let i = e - margin - nT + 1; return 2 * x[(nT - 1) * w + c] - x[(nT - 1 - i) * w + c] }
            return x[(e - margin) * w + c]
        }
        let keep = margin, end = nT + margin + n - 1
        for c in 0..<w {
            var y = [Double](repeating: 0, count: end - keep)
            for e in keep..<end {
                var acc = b * v(e - n + 1, c)
                for k in 1..<n { acc += b * v(e - n + 1 + k, c) }
                y[e - keep] = acc
            }
            for e in keep..<(nT + margin) {
                var acc = b * y[e + n - 1 - keep]
                for k in 1..<n { acc += b * y[e + n - 1 - k - keep] }
                #expect(acc.bitPattern == fast[(e - keep) * w + c].bitPattern, "row \(e - keep), bin \(c)")
            }
        }
    }

    /// The triple-sorted median of nine (rows `out` of a strip) against the sorting median
    /// filter: ties, ±0 and the zero padding (strips shorter than nine rows) included.
    @Test("the median of nine from shared sorted triples equals the sorting median filter",
          arguments: [(1, 0..<1), (5, 0..<5), (9, 0..<9), (40, 0..<40), (40, 7..<23), (40, 30..<40)])
    func medfilt9(rows nT: Int, out: Range<Int>) {
        let w = 37
        var seed: UInt32 = 777
        // Values from a small set (ties in most windows) in half the columns, random in the rest.
        let levels: [Double] = [-1, -0.5, -0.0, 0, 0.25, 1]
        let x = (0..<(nT * w)).map { i -> Double in
            seed = seed &* 1664525 &+ 1013904223
            return i % w < w / 2 ? levels[Int(seed >> 8) % levels.count] : Double(seed >> 8) / Double(1 << 24) * 2 - 1
        }
        let zeros = [Double](repeating: 0, count: w)
        var y = [Double](repeating: .nan, count: out.count * w)
        x.withUnsafeBufferPointer { xp in
            zeros.withUnsafeBufferPointer { zp in
                y.withUnsafeMutableBufferPointer { yp in
                    HMPD.withScratch(3 * (out.count + 6) * w) { tp in
                        HMPD.medfilt9(xp.baseAddress!, rows: nT, width: w, out: out, zeros: zp.baseAddress!, triples: tp, into: yp.baseAddress!)
                    }
                }
            }
        }
        for c in 0..<w {
            let ref = HMPD.medfilt((0..<nT).map { x[$0 * w + c] }, 9)
            for t in out { #expect(ref[t] == y[(t - out.lowerBound) * w + c], "row \(t), column \(c)") }
        }
    }
}

/// HMPD's approximations (rounding-order changes) against the exact forms they replace, with
/// tolerances a wrong approximation would exceed by orders of magnitude.
@Suite("HMPD's approximations stay within their bounds of COVAREP's forms")
struct HMPDApproximationTests {
    /// Harmonics of f0 up to just below Nyquist with a two-formant amplitude envelope, a
    /// very weak harmonic (a deep notch) and a pseudo-random ripple.
    static func harmonics(f0: Double) -> (f: [Double], amp: [Double]) {
        var seed: UInt32 = 777
        func next() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) }
        var f = [0.0], a = [0.01]
        var k = 1.0
        while f0 * k < 7990 {
            let x = f0 * k
            let env = exp(-pow((x - 600) / 300, 2)) + 0.5 * exp(-pow((x - 1800) / 500, 2)) + 1e-3
            f.append(x); a.append(k == 7 ? 1e-6 : env * (0.5 + next()))
            k += 1
        }
        return (f, a)
    }

    /// COVAREP's form: E = exp(env)/√f0 (floor 10^(−15)), log|E|, ifft, causal cepstrum, fft,
    /// both 1024-point complex transforms.
    static func minPhaseByComplexFFT(f: [Double], amp: [Double], f0: Double) -> [Double] {
        let n = HMPD.dftlen, bins = HMPD.bins, fft = FFT(count: n)
        let e = HMPD.envInterpLog(f: f[1...], a: amp[1...])
        let E = e.map { ($0.isNaN ? pow(10, -300.0 / 20) : exp($0)) / f0.squareRoot() }
        var re = [Float](repeating: 0, count: n), im = [Float](repeating: 0, count: n)
        for k in 0..<bins { re[k] = Float(log(abs(E[k]))) }
        for k in 1..<(bins - 1) { re[n - k] = re[k] }
        fft.inverse(re: &re, im: &im)
        for j in 1..<(n / 2) { re[j] = 2 * re[j] }
        for j in (n / 2 + 1)..<n { re[j] = 0 }
        for j in 0..<n { im[j] = 0 }
        fft.forward(re: &re, im: &im)
        return (0..<bins).map { Double(im[$0]) }
    }

    @Test("the log envelope equals log of the exp form within 1e−12, and its minimum phase that of the exp → log form within 2 Float ulp",
          arguments: [71.0, 123.4, 250.0])
    func minPhase(f0: Double) {
        let (f, amp) = Self.harmonics(f0: f0)
        let L = HMPD.logEnvelope(f: f[1...], amp: amp[1...], f0: f0)
        let E = HMPD.envInterpLog(f: f[1...], a: amp[1...]).map { ($0.isNaN ? pow(10, -300.0 / 20) : exp($0)) / f0.squareRoot() }
        #expect(L.count == HMPD.bins)
        for k in 0..<L.count { #expect(abs(L[k] - log(E[k])) <= 1e-12 * max(1, abs(L[k])), "bin \(k)") }
        let ref = Self.minPhaseByComplexFFT(f: f, amp: amp, f0: f0)
        let fast = HMPD.minPhase(logEnvelope: L)
        let err = zip(fast, ref).map { abs($0 - $1) }.max() ?? .infinity
        let scale = ref.map(abs).max() ?? 0
        #expect(scale > 1, "the test envelope has a phase of some size (\(scale))")
        #expect(err <= 2 * Double(Float(scale).ulp), "largest difference \(err) rad")
    }

    /// COVAREP's form: the log of the warped spectrum, mirrored, 1024-point inverse FFT, 13 outputs.
    static func melCepstrumByFFT(_ X: [Double], order: Int) -> [Double] {
        let n = HMPD.dftlen, bins = HMPD.bins
        var re = [Float](repeating: 0, count: n), im = [Float](repeating: 0, count: n)
        for j in 0..<bins {
            let i = HMPD.melWarp.idx[j], t = HMPD.melWarp.frac[j]
            re[j] = Float(log(abs(X[i] + t * (X[i + 1] - X[i]))))
        }
        for k in 1..<(bins - 1) { re[n - k] = re[k] }
        FFT(count: n).inverse(re: &re, im: &im)
        return [Double(re[0])] + (1...order).map { 2 * Double(re[$0]) }
    }

    @Test("the mel cepstrum by direct sums of 13 orders is within 1e−6 of the inverse FFT's outputs",
          arguments: [1 as UInt32, 2, 3])
    func melCepstrum(seed s0: UInt32) {
        var seed = s0
        // PDD-like deviations: 0.001 (a steady bin) up to ≈ 3, smooth over bins plus noise.
        let X = (0..<HMPD.bins).map { b -> Double in
            seed = seed &* 1664525 &+ 1013904223
            let noise = Double(seed >> 8) / Double(1 << 24)
            return b % 97 < 5 ? 0.001 : 0.2 + 1.2 * (1 + sin(Double(b) / 40)) * noise
        }
        let ref = Self.melCepstrumByFFT(X, order: 12), fast = HMPD.melCepstrum(X, order: 12)
        #expect(fast.count == 13)
        for q in 0..<13 { #expect(abs(fast[q] - ref[q]) < 1e-6, "order \(q): \(fast[q]) vs \(ref[q])") }
        #expect(abs(ref[0]) > 0.1)
    }
}
