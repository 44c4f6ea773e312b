// Phase distortion mean and deviation of the harmonic model (COVAREP
// hmpd_analysis_features.m with the options of COVAREP_feature_extraction.m: 1024-point
// frequency scale, PDM over 25 frames, PDD over 9 frames, PDM compressed to 25 log-harmonic
// bands, PDD to 13 mel-cepstral coefficients). Runs on the frames of one analysis window,
// as COVAREP runs it on a file (the time filters reflect at the window's ends).
//
// Where COVAREP fills phases with `rand` (harmonics a frame does not have, frequencies
// above its last harmonic, empty log bands), Sentio uses 0.
import Foundation
import DSP

enum HMPD {
    static let dftlen = 1024
    static let bins = dftlen / 2 + 1
    static let fs = 16000.0
    /// Frequencies of the bins (Hz).
    static let binHz = (0..<bins).map { fs * Double($0) / Double(dftlen) }
    /// Spacing of `binHz` (each bin is exactly k·binStep: 15.625 and the products are exact).
    static let binStep = fs / Double(dftlen)

    /// One frame: sinusoids (DC first) and F0 → phase distortion on the 513-bin frequency
    /// scale, for the given polarity.
    static func phaseDistortion(sins: (f: [Double], amp: [Double], ph: [Double]), f0: Double, polarity: Double) -> [Double] {
        let (f, amp, ph) = sins
        let H = f.count - 1
        guard H >= 2 else { return [Double](repeating: 0, count: bins) }
        let L = logEnvelope(f: f[1...], amp: amp[1...], f0: f0)
        // Minimum phase of the envelope; remove it from the harmonic phases (polarity < 0 adds π
        // first). pk(1) = 0 whatever the phases, so harmonic 0 is not formed.
        let vtf = minPhase(logEnvelope: L)
        let vAt = interpSorted(binHz, vtf, f, outside: 0, knotStep: binStep)
        // phase_rpspd, method PD: pk(1) = 0; diff(unwrap(pk − k·pk(2))). One array, in place
        // (few arrays: this runs for every frame of every glottal block).
        var p = [Double](repeating: 0, count: H + 1)
        for i in 1...H {
            let phi = polarity < 0 ? RdMSP.wrap(ph[i] + Double.pi) : ph[i]
            p[i] = RdMSP.wrap(phi - vAt[i])
        }
        let p1 = p[1]
        for i in 0...H { p[i] = p[i] - Double(i) * p1 }
        unwrapInPlace(&p)
        // harmscale2hertzscale with dcval 0: knots [0, 0.95·f0, f0·(1…H)], unwrap, wrap.
        var kx = [Double](repeating: 0, count: H + 2), ky = kx
        kx[1] = 0.95 * f0
        for i in 0..<H { kx[i + 2] = f0 * Double(i + 1); ky[i + 2] = RdMSP.wrap(p[i + 1] - p[i]) }
        unwrapInPlace(&ky)
        var out = interpSorted(kx, ky, binHz, outside: .nan, queryStep: binStep)
        // On a buffer pointer so the 513 wraps run on SIMD lanes (no bounds checks in the loop).
        out.withUnsafeMutableBufferPointer { o in
            for k in 0..<o.count { let v = o[k]; o[k] = v.isNaN ? 0 : RdMSP.wrap(v) }
        }
        return out
    }

    /// log(E/√f0) of the amplitude envelope E (env_interp on harmonics 1…H with DC/Nyquist
    /// extrapolation, interpolated in the log domain; 10^(−300/20) where it is undefined).
    /// COVAREP forms E = exp(·)/√f0 and its minimum phase takes log|E| again: the pair is
    /// skipped (the same values within a Double ulp, far below the Float precision of the
    /// cepstrum; and an envelope that exp would underflow to 0 stays finite instead of
    /// giving log 0).
    static func logEnvelope(f: ArraySlice<Double>, amp: ArraySlice<Double>, f0: Double) -> [Double] {
        var L = envInterpLog(f: f, a: amp)
        let floorLog = -300.0 / 20 * log(10.0), logRoot = log(f0.squareRoot())
        L.withUnsafeMutableBufferPointer { e in
            for k in 0..<e.count { e[k] = (e[k].isNaN ? floorLog : e[k]) - logRoot }
        }
        return L
    }

    /// `unwrap` in place: each difference is taken between the original values.
    static func unwrapInPlace(_ x: inout [Double]) {
        guard x.count > 1 else { return }
        var corr = 0.0, prev = x[0]
        for k in 1..<x.count {
            let v = x[k], d = v - prev
            if abs(d) > Double.pi { corr -= 2 * Double.pi * ((d + Double.pi) / (2 * Double.pi)).rounded(.down) }
            x[k] = v + corr
            prev = v
        }
    }

    /// `interp` at increasing queries `xi`, walking x once instead of a binary search per
    /// query (the same interval, so the same values).
    /// `knotStep` / `queryStep`: x (or xi) is k·step (the bin grid, `binStep`), so walks
    /// start from an index computed from the value and are then corrected by the walk's own
    /// conditions (the same interval and the same run of queries, without stepping over
    /// every knot or query).
    static func interpSorted(_ x: [Double], _ y: [Double], _ xi: [Double], outside: Double,
                             knotStep: Double? = nil, queryStep: Double? = nil) -> [Double] {
        guard let first = x.first, let last = x.last, y.count >= x.count else { return xi.map { _ in outside } }
        var out = [Double](repeating: outside, count: xi.count)
        guard x.count >= 2 else {
            for (i, q) in xi.enumerated() where q >= first && q <= last { out[i] = y[0] }
            return out
        }
        // Called three times per frame over the 513 bins: runs of queries that share an
        // interval are found first (the walk's own conditions), then interpolated on SIMD
        // lanes with the interval's ends hoisted (the same operations per query).
        x.withUnsafeBufferPointer { xp in
        y.withUnsafeBufferPointer { yp in
        xi.withUnsafeBufferPointer { qp in
        out.withUnsafeMutableBufferPointer { op in
            var lo = 0, lo0 = 0, i = 0
            let top = xp.count - 1, nq = qp.count
            while i < nq {
                let q = qp[i]
                guard q >= first, q <= last else { i += 1; continue }
                if let step = knotStep {
                    // The knot at or below q, then back or on while the walk's condition says so.
                    let g = (q / step).rounded(.down)
                    if g.isFinite && g > Double(lo) { lo = Int(min(g, Double(top - 1))) }
                    while lo > lo0 && xp[lo] > q { lo -= 1 }
                }
                while lo + 1 < top && xp[lo + 1] <= q { lo += 1 }
                lo0 = lo
                let hi = lo + 1, x0 = xp[lo], x1 = xp[hi], y0 = yp[lo], y1 = yp[hi]
                // The walk keeps this interval for every following in-range query below x1
                // (in the last interval: up to `last`).
                let bound = hi < top ? x1 : .infinity
                @inline(__always) func inRun(_ k: Int) -> Bool { qp[k] >= first && qp[k] <= last && qp[k] < bound }
                var end = i + 1
                if let step = queryStep {
                    // Increasing queries: the run is a prefix of the following ones, so a guess
                    // from the value corrected both ways ends where the scan does.
                    let g = (x1 / step).rounded(.down) + 1
                    if g.isFinite && g > Double(end) { end = Int(min(g, Double(nq))) }
                    while end > i + 1 && !inRun(end - 1) { end -= 1 }
                }
                while end < nq && inRun(end) { end += 1 }
                if x1 == x0 {
                    for k in i..<end { op[k] = y0 }
                } else {
                    let dx = x1 - x0, dy = y1 - y0
                    for k in i..<end { op[k] = y0 + (qp[k] - x0) / dx * dy }
                }
                i = end
            }
        }
        }
        }
        }
        return out
    }

    /// interp1(x, y, xi, 'linear', outside) for increasing x.
    static func interp(_ x: [Double], _ y: [Double], _ xi: Double, outside: Double) -> Double {
        guard let first = x.first, let last = x.last, xi >= first, xi <= last else { return outside }
        var lo = 0, hi = x.count - 1
        while hi - lo > 1 { let m = (lo + hi) / 2; if x[m] <= xi { lo = m } else { hi = m } }
        if x[hi] == x[lo] { return y[lo] }
        return y[lo] + (xi - x[lo]) / (x[hi] - x[lo]) * (y[hi] - y[lo])
    }

    /// log of env_interp.m with extrap_dcny = true (linear interpolation of log amplitudes),
    /// NaN outside the knots. (Built with few arrays: this runs for every frame of every
    /// glottal block.)
    static func envInterpLog(f fIn: ArraySlice<Double>, a aIn: ArraySlice<Double>) -> [Double] {
        guard fIn.count >= 2, aIn.count == fIn.count, let f0 = fIn.first, let a0 = aIn.first else {
            return [Double](repeating: .nan, count: bins)
        }
        var mf: [Double] = [], ma: [Double] = []
        mf.reserveCapacity(fIn.count + 1); ma.reserveCapacity(fIn.count + 1)
        if f0 != 0 { mf.append(0); ma.append(a0) }
        mf += fIn; ma += aIn
        if f0 == 0 { ma[0] = ma[1] }
        if mf[mf.count - 1] != fs / 2 {
            var diffs = (1..<mf.count).map { mf[$0] - mf[$0 - 1] }
            diffs.sort()
            let n = diffs.count
            let mfd = n % 2 == 1 ? diffs[n / 2] : 0.5 * (diffs[n / 2 - 1] + diffs[n / 2])
            if mfd > 0 {
                while mf[mf.count - 1] < fs / 2 - mfd { mf.append(mf[mf.count - 1] + mfd); ma.append(ma[ma.count - 1]) }
            }
        }
        // Mirror 4 points below DC (mf(1) == 0 here) and 5 above Nyquist.
        let m = mf.count
        var fks: [Double] = [], aks: [Double] = []
        fks.reserveCapacity(m + 9); aks.reserveCapacity(m + 9)
        if m >= 6 { for k in stride(from: 4, through: 1, by: -1) { fks.append(-mf[k]); aks.append(ma[k]) } }
        fks += mf; aks += ma
        let n2 = fks.count, top = fks[n2 - 1]
        if top < fs / 2 && n2 >= 5 {
            for k in 0..<5 { fks.append(fs / 2 + (fs / 2 - fks[n2 - 1 - k])); aks.append(aks[n2 - 1 - k]) }
        } else if top == fs / 2 && n2 >= 6 {
            for k in 1...5 { fks.append(fs / 2 + (fs / 2 - fks[n2 - 1 - k])); aks.append(aks[n2 - 1 - k]) }
        }
        // unique (sorted): the knots are built in order; sort (stable) only if they are not.
        if (1..<fks.count).contains(where: { !(fks[$0] >= fks[$0 - 1]) }) {
            let pairs = zip(fks, aks).sorted { $0.0 < $1.0 }
            fks = pairs.map(\.0); aks = pairs.map(\.1)
        }
        var xs: [Double] = [], ys: [Double] = []
        xs.reserveCapacity(fks.count); ys.reserveCapacity(fks.count)
        for i in 0..<fks.count {
            if let l = xs.last, l == fks[i] { ys[ys.count - 1] = aks[i] } else { xs.append(fks[i]); ys.append(aks[i]) }
        }
        for i in 0..<ys.count { ys[i] = log(abs(ys[i])) }
        return interpSorted(xs, ys, binHz, outside: .nan, queryStep: binStep)
    }

    static let fft1024 = FFT(count: 1024)

    /// imag(hspec2minphaseloghspec(E)) at bins 0…512, from log|E| at bins 0…512.
    /// Two 1024-point complex transforms, as COVAREP: a real-input FFT (half-length
    /// transforms) gives the same values rounded differently, and PDD's z < 1 test turns a
    /// 1-ulp change of a phase row into jumps of HMPDD (measured: HMPDD correlation with
    /// COVAREP −0.05 on some columns), so the phase rows keep this rounding.
    static func minPhase(logEnvelope le: [Double]) -> [Double] {
        let n = dftlen
        var re = [Float](repeating: 0, count: n), im = [Float](repeating: 0, count: n)
        for k in 0..<bins { re[k] = Float(le[k]) }
        for k in 1..<(bins - 1) { re[n - k] = re[k] }
        fft1024.inverse(re: &re, im: &im)           // rcc (real)
        // The causal cepstrum in the same arrays: c₀, 2·c_j (0 < j < n/2), c_{n/2}, zeros.
        for j in 1..<(n / 2) { re[j] = 2 * re[j] }
        for j in (n / 2 + 1)..<n { re[j] = 0 }
        for j in 0..<n { im[j] = 0 }
        fft1024.forward(re: &re, im: &im)
        return (0..<bins).map { Double(im[$0]) }
    }

    // MARK: time filtering over frames
    // The time filters run on strips: `width` adjacent bins of frames × bins values, flat,
    // row-major and compact (row t = frame t, stride `width`), so every filter runs over the
    // bins of a row at once and a window's whole filter chain on one strip stays in cache.
    // All filters are FIR: an output row reads input rows within ±(taps − 1) per pass, so
    // `features` forms each stage only on the rows the output rows reach.

    /// The rows of a strip extended as Octave's filtfilt extends a signal: `margin` odd
    /// reflections at each end (2·x₀ − x_{margin−e} above, 2·x_last − x_{last−i} below) held in
    /// `edge` (2·margin rows), the others read in place. `x` holds source rows
    /// `first ..< first + held` of `rows`.
    struct Extended {
        let x: UnsafePointer<Double>
        let first: Int, rows: Int, width: Int, margin: Int
        let edge: UnsafeMutablePointer<Double>

        var count: Int { rows + 2 * margin }

        func source(_ t: Int) -> UnsafePointer<Double> { x + (t - first) * width }

        /// Forms the reflected rows among extended rows `range`.
        func form(_ range: Range<Int>) {
            let w = width
            for e in range.clamped(to: 0..<count) {
                let a: UnsafePointer<Double>, m: UnsafePointer<Double>, dst: UnsafeMutablePointer<Double>
                if e < margin {
                    a = source(0); m = source(margin - e); dst = edge + e * w
                } else if e >= margin + rows {
                    let i = e - margin - rows + 1
                    a = source(rows - 1); m = source(rows - 1 - i); dst = edge + (e - rows) * w
                } else { continue }
                for c in 0..<w { dst[c] = 2 * a[c] - m[c] }
            }
        }

        func row(_ e: Int) -> UnsafePointer<Double> {
            if e < margin { return UnsafePointer(edge + e * width) }
            if e >= margin + rows { return UnsafePointer(edge + (e - rows) * width) }
            return source(e - margin)
        }
    }

    /// filtfilt with `n` equal taps `tap` as running sums, output rows `out` (original row
    /// numbers) into `dst`. The forward sum starts at the top (Octave's steady-state initial
    /// conditions equal a history of the first row, i.e. indices clamped to the ends), the
    /// backward one at the last row; both must start there to round as before, but the
    /// backward one stops at `out`. `y` holds forward rows out.lowerBound + margin ..< count;
    /// `s` one row.
    static func boxcarFiltfilt(_ v: Extended, taps n: Int, tap b0: Double, out: Range<Int>,
                               y: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
                               into dst: UnsafeMutablePointer<Double>) {
        let w = v.width, lrefl = v.margin, L = v.count, keep = out.lowerBound + lrefl
        v.form(0..<L)
        // Forward: y_r = Σ_j b_j v_max(0, r−j).
        let v0 = v.row(0)
        for c in 0..<w { s[c] = Double(n) * v0[c] }
        for r in 0..<L {
            if r > 0 {
                let old = v.row(max(0, r - n)), cur = v.row(r)
                for c in 0..<w { s[c] += cur[c] - old[c] }
            }
            if r >= keep { let yr = y + (r - keep) * w; for c in 0..<w { yr[c] = b0 * s[c] } }
        }
        // Backward: z_r = Σ_j b_j y_min(L−1, r+j): the sum for the last row, then slide up.
        let top = L - 1, last = lrefl + v.rows - 1
        for c in 0..<w { s[c] = 0 }
        for j in 0..<n { let src = y + (min(top, last + j) - keep) * w; for c in 0..<w { s[c] += src[c] } }
        var r = last
        while r >= keep {
            if r < out.upperBound + lrefl { let d = dst + (r - keep) * w; for c in 0..<w { d[c] = b0 * s[c] } }
            if r == keep { break }
            let add = y + (r - 1 - keep) * w, drop = y + (min(top, r - 1 + n) - keep) * w
            for c in 0..<w { s[c] += add[c] - drop[c] }
            r -= 1
        }
    }

    /// One output row as a sum of tap × row products in the given order,
    /// `((t₀·r₀ [0 + when fromZero]) + t₁·r₁) + …`, with the sum in registers and eight columns
    /// per SIMD lane group (each lane does the scalar sum of its column: the same values).
    /// Without taps the rows are the products (formed once by the caller) and are only added.
    @inline(__always)
    static func tapSum(_ taps: UnsafeBufferPointer<Double>?, _ rows: UnsafeBufferPointer<UnsafePointer<Double>>,
                       fromZero: Bool, width w: Int, into o: UnsafeMutablePointer<Double>) {
        let n = rows.count
        @inline(__always) func term(_ k: Int, _ v: SIMD8<Double>) -> SIMD8<Double> {
            guard let t = taps else { return v }
            return SIMD8(repeating: t[k]) * v
        }
        @inline(__always) func term(_ k: Int, _ v: Double) -> Double {
            guard let t = taps else { return v }
            return t[k] * v
        }
        @inline(__always) func load(_ k: Int, _ c: Int) -> SIMD8<Double> {
            term(k, UnsafeRawPointer(rows[k] + c).loadUnaligned(as: SIMD8<Double>.self))
        }
        var c = 0
        // 32 columns at a time: four independent sums, so the adds of one do not wait for the
        // previous add of a single chain (each column's sum keeps its order).
        while c + 32 <= w {
            var a0 = load(0, c), a1 = load(0, c + 8), a2 = load(0, c + 16), a3 = load(0, c + 24)
            if fromZero { a0 = SIMD8<Double>() + a0; a1 = SIMD8<Double>() + a1; a2 = SIMD8<Double>() + a2; a3 = SIMD8<Double>() + a3 }
            for k in 1..<n { a0 += load(k, c); a1 += load(k, c + 8); a2 += load(k, c + 16); a3 += load(k, c + 24) }
            let d = UnsafeMutableRawPointer(o + c)
            d.storeBytes(of: a0, as: SIMD8<Double>.self); d.storeBytes(of: a1, toByteOffset: 64, as: SIMD8<Double>.self)
            d.storeBytes(of: a2, toByteOffset: 128, as: SIMD8<Double>.self); d.storeBytes(of: a3, toByteOffset: 192, as: SIMD8<Double>.self)
            c += 32
        }
        while c + 8 <= w {
            var acc = term(0, UnsafeRawPointer(rows[0] + c).loadUnaligned(as: SIMD8<Double>.self))
            if fromZero { acc = SIMD8<Double>() + acc }
            for k in 1..<n { acc += term(k, UnsafeRawPointer(rows[k] + c).loadUnaligned(as: SIMD8<Double>.self)) }
            UnsafeMutableRawPointer(o + c).storeBytes(of: acc, as: SIMD8<Double>.self)
            c += 8
        }
        while c < w {
            var acc = term(0, rows[0][c])
            if fromZero { acc = 0 + acc }
            for k in 1..<n { acc += term(k, rows[k][c]) }
            o[c] = acc
            c += 1
        }
    }

    /// filtfilt by direct sums (each output Σ_j b_j·v from 0 in tap order), output rows `out`
    /// into `dst`; rows are independent, so only the reached ones are formed. `y` holds forward
    /// rows out.lowerBound + margin ..< out.upperBound + margin + n − 1 (at most `count`).
    static func firFiltfilt(_ v: Extended, taps b: [Double], out: Range<Int>,
                            y: UnsafeMutablePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        let w = v.width, n = b.count, lrefl = v.margin, L = v.count
        let y0 = out.lowerBound + lrefl, y1 = min(L, out.upperBound + lrefl + n - 1)
        // A zero tap (Hann's ends) adds ±0 to a sum that starts at +0 and is never −0: skipped.
        let nz = (0..<n).filter { b[$0] != 0 }
        guard !nz.isEmpty else {
            for i in 0..<(out.count * w) { dst[i] = 0 }
            return
        }
        v.form(max(0, y0 - n + 1)..<y1)
        let taps = nz.map { b[$0] }
        var rows = [UnsafePointer<Double>](repeating: v.row(0), count: nz.count)
        taps.withUnsafeBufferPointer { tp in
            rows.withUnsafeMutableBufferPointer { rp in
                for r in y0..<y1 {
                    for (k, j) in nz.enumerated() { rp[k] = v.row(max(0, r - j)) }
                    tapSum(tp, UnsafeBufferPointer(rp), fromZero: true, width: w, into: y + (r - y0) * w)
                }
                for r in out {
                    for (k, j) in nz.enumerated() { rp[k] = UnsafePointer(y + (min(L - 1, r + lrefl + j) - y0) * w) }
                    tapSum(tp, UnsafeBufferPointer(rp), fromZero: true, width: w, into: dst + (r - out.lowerBound) * w)
                }
            }
        }
    }

    /// Octave filtfilt(taps, 1, ·) with Octave's own operation order (direct form II
    /// transposed), output rows `out` into `dst`, so each element rounds exactly as
    /// `FilterD.filtfilt` and Octave do. PDD needs this: its `z < 1` test decides between a
    /// deviation of ~1e−8 and none on bins with a steady phase, and the log mel cepstrum turns
    /// that rounding into offsets of 0.02 on every HMPDD coefficient.
    /// With a = [1, 0, …] (the −a_j·y terms are ±0 and change no value) the state unrolls to
    /// y_t = b₀x_t + (b₁x_{t−1} + (… + b_{n−1}x_{t−n+1})) once n − 1 rows have passed, and
    /// the reflected margins (3·(n − 1) rows) keep Octave's initial state si·x₀ out of the
    /// original rows: every output row is that nested sum, in either direction.
    /// `y` holds forward rows out.lowerBound + margin ..< out.upperBound + margin + n − 1.
    static func exactFiltfilt(_ v: Extended, taps b: [Double], out: Range<Int>, y: UnsafeMutablePointer<Double>,
                              into dst: UnsafeMutablePointer<Double>) {
        let w = v.width, n = b.count, lrefl = v.margin
        let keep = out.lowerBound + lrefl, end = out.upperBound + lrefl + n - 1
        v.form((keep - n + 1)..<end)
        if n > 1 && b.allSatisfy({ $0 == b[0] }) {
            equalTapFiltfilt(v, tap: b[0], taps: n, out: out, y: y, into: dst)
            return
        }
        let taps = Array(b.reversed())          // oldest row first
        var rows = [UnsafePointer<Double>](repeating: v.row(keep), count: n)
        taps.withUnsafeBufferPointer { tp in
            rows.withUnsafeMutableBufferPointer { rp in
                for e in keep..<end {
                    for k in 0..<n { rp[k] = v.row(e - (n - 1 - k)) }
                    tapSum(tp, UnsafeBufferPointer(rp), fromZero: false, width: w, into: y + (e - keep) * w)
                }
                for e in keep..<(out.upperBound + lrefl) {
                    for k in 0..<n { rp[k] = UnsafePointer(y + (e + n - 1 - k - keep) * w) }
                    tapSum(tp, UnsafeBufferPointer(rp), fromZero: false, width: w, into: dst + (e - keep) * w)
                }
            }
        }
    }

    /// `exactFiltfilt` for n equal taps b (PDD's 9-frame mean): every sum that reads a row
    /// multiplies it by the same b, so b·row is formed once — in the forward pass into a ring
    /// of the last n rows, and the forward rows are stored as b·y for the backward pass — and
    /// the sums add those products in the same order: the same values with one product per
    /// element instead of n. (Rows formed as in `exactFiltfilt`, which calls this.)
    static func equalTapFiltfilt(_ v: Extended, tap b: Double, taps n: Int, out: Range<Int>,
                                 y: UnsafeMutablePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        let w = v.width, lrefl = v.margin
        let keep = out.lowerBound + lrefl, end = out.upperBound + lrefl + n - 1
        withScratch(n * w) { ring in
            func slot(_ e: Int) -> UnsafeMutablePointer<Double> { ring + (e % n) * w }
            func scale(_ e: Int) { let x = v.row(e), d = slot(e); for c in 0..<w { d[c] = b * x[c] } }
            var rows = [UnsafePointer<Double>](repeating: UnsafePointer(ring), count: n)
            rows.withUnsafeMutableBufferPointer { rp in
                for e in (keep - n + 1)..<keep { scale(e) }
                for e in keep..<end {
                    scale(e)
                    for k in 0..<n { rp[k] = UnsafePointer(slot(e - (n - 1 - k))) }
                    let yr = y + (e - keep) * w
                    tapSum(nil, UnsafeBufferPointer(rp), fromZero: false, width: w, into: yr)
                    for c in 0..<w { yr[c] = b * yr[c] }
                }
                for e in keep..<(out.upperBound + lrefl) {
                    for k in 0..<n { rp[k] = UnsafePointer(y + (e + n - 1 - k - keep) * w) }
                    tapSum(nil, UnsafeBufferPointer(rp), fromZero: false, width: w, into: dst + (e - keep) * w)
                }
            }
        }
    }

    /// medfilt1(·, 9) with zero padding (Octave signal) on rows `out` of a strip of `rows`
    /// rows (all held), into `dst`. The nine rows t−4 … t+4 are three triples, each sorted
    /// once per row start and shared by the three outputs that read it; the median of nine is
    /// then med3(max of the lows, med3 of the middles, min of the highs) — the same value as
    /// any median (up to the sign of a zero, which the Hann sums starting at +0 erase), with
    /// 6 min/max per triple and 12 per output instead of a 19-exchange network's 38.
    /// `zeros`: one row; `triples`: 3·(out.count + 6) rows of scratch.
    static func medfilt9(_ x: UnsafePointer<Double>, rows nT: Int, width w: Int, out: Range<Int>,
                         zeros: UnsafePointer<Double>, triples tp: UnsafeMutablePointer<Double>,
                         into dst: UnsafeMutablePointer<Double>) {
        func at(_ k: Int) -> UnsafePointer<Double> { k >= 0 && k < nT ? x + k * w : zeros }
        // Eight columns per step on explicit SIMD lanes (the loops read and write through
        // several pointers, more than the vectoriser's run-time alias checks allow), the
        // last w mod 8 columns by the scalar min and max: the same values.
        typealias V = SIMD8<Double>
        @inline(__always) func vmin(_ a: V, _ b: V) -> V { b.replacing(with: a, where: a .< b) }
        @inline(__always) func vmax(_ a: V, _ b: V) -> V { b.replacing(with: a, where: a .> b) }
        @inline(__always) func load(_ p: UnsafePointer<Double>, _ c: Int) -> V { UnsafeRawPointer(p + c).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Double>, _ c: Int) { UnsafeMutableRawPointer(p + c).storeBytes(of: v, as: V.self) }
        let wv = w - w % 8
        // Triple s holds rows base + s − 1 … base + s + 1, sorted into lo, mid, hi.
        let n = out.count + 6, base = out.lowerBound - 3
        let lo = tp, mid = tp + n * w, hi = tp + 2 * n * w
        for s in 0..<n {
            let a = at(base + s - 1), b = at(base + s), c1 = at(base + s + 1)
            let l = lo + s * w, m = mid + s * w, h = hi + s * w
            var c = 0
            while c < wv {
                let p = load(a, c), q = load(b, c), r = load(c1, c)
                let pq0 = vmin(p, q), pq1 = vmax(p, q), up = vmax(pq0, r)
                store(vmin(pq0, r), l, c); store(vmin(pq1, up), m, c); store(vmax(pq1, up), h, c)
                c += 8
            }
            while c < w {
                let p = a[c], q = b[c], r = c1[c]
                let pq0 = min(p, q), pq1 = max(p, q), up = max(pq0, r)
                l[c] = min(pq0, r); m[c] = min(pq1, up); h[c] = max(pq1, up)
                c += 1
            }
        }
        for t in out {
            let s = t - base
            let l0 = lo + (s - 3) * w, l1 = lo + s * w, l2 = lo + (s + 3) * w
            let m0 = mid + (s - 3) * w, m1 = mid + s * w, m2 = mid + (s + 3) * w
            let h0 = hi + (s - 3) * w, h1 = hi + s * w, h2 = hi + (s + 3) * w
            let o = dst + (t - out.lowerBound) * w
            var c = 0
            while c < wv {
                let l = vmax(vmax(load(l0, c), load(l1, c)), load(l2, c))
                let h = vmin(vmin(load(h0, c), load(h1, c)), load(h2, c))
                let a = load(m0, c), b = load(m1, c)
                let m = vmax(vmin(a, b), vmin(vmax(a, b), load(m2, c)))
                store(vmax(vmin(l, m), vmin(vmax(l, m), h)), o, c)
                c += 8
            }
            while c < w {
                let l = max(max(l0[c], l1[c]), l2[c]), h = min(min(h0[c], h1[c]), h2[c])
                let a = m0[c], b = m1[c]
                let m = max(min(a, b), min(max(a, b), m2[c]))
                o[c] = max(min(l, m), min(max(l, m), h))
                c += 1
            }
        }
    }

    /// PDD's deviation X = √(−2·log z), z = |(dc, ds)|, where z < 1, else 0, in three passes
    /// so that only the logs are calls. The roots take |−2·log z| (and 0 where z ≥ 1): the same
    /// values, but an argument the optimiser knows is not negative, so they compile to vector
    /// roots without libm's errno fallback (which had kept them scalar, one call per lane).
    static func circularDeviation(_ dc: UnsafePointer<Double>, _ ds: UnsafePointer<Double>, count: Int,
                                  into x: UnsafeMutablePointer<Double>) {
        for c in 0..<count { x[c] = (dc[c] * dc[c] + ds[c] * ds[c]).squareRoot() }
        for c in 0..<count { let z = x[c]; x[c] = z < 1 ? log(z) : 0 }
        for c in 0..<count { x[c] = (-2 * x[c]).magnitude.squareRoot() }
    }

    /// Runs `body` on a zeroed scratch of `count` Doubles (one allocation for a whole chain).
    static func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Double>) -> R) -> R {
        var s = [Double](repeating: 0, count: max(1, count))
        return s.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    // Whole-matrix forms (every row, all 513 bins) of the strip filters, as the tests compare
    // them with Octave's per-column filters.

    /// Octave filtfilt(taps, 1, ·) on every column of a `rows` × `bins` matrix, for
    /// rows > 3·(taps − 1); equal taps (boxcar) run as running sums.
    static func filtfiltRows(_ x: [Double], rows nT: Int, taps b: [Double]) -> [Double] {
        let w = bins, n = b.count, lrefl = 3 * (n - 1), L = nT + 2 * lrefl
        var out = [Double](repeating: 0, count: nT * w)
        let boxcar = b.allSatisfy { $0 == b[0] }
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                withScratch((2 * lrefl + L + 1) * w) { s in
                    let v = Extended(x: xp.baseAddress!, first: 0, rows: nT, width: w, margin: lrefl, edge: s)
                    let y = s + (2 * lrefl + 1) * w
                    if boxcar {
                        boxcarFiltfilt(v, taps: n, tap: b[0], out: 0..<nT, y: y, s: s + 2 * lrefl * w, into: op.baseAddress!)
                    } else {
                        firFiltfilt(v, taps: b, out: 0..<nT, y: y, into: op.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    /// Octave filtfilt(taps, 1, ·) on every column of a `rows` × `bins` matrix in Octave's
    /// operation order (see `exactFiltfilt`).
    static func filtfiltRowsExact(_ x: [Double], rows nT: Int, taps b: [Double]) -> [Double] {
        let w = bins, n = b.count, lrefl = 3 * (n - 1)
        guard n > 1 else { let b0 = b.first ?? 0; return x.map { b0 * $0 } }
        var out = [Double](repeating: 0, count: nT * w)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                withScratch((2 * lrefl + n - 1 + nT + n - 1) * w) { s in
                    let v = Extended(x: xp.baseAddress!, first: 0, rows: nT, width: w, margin: lrefl, edge: s)
                    exactFiltfilt(v, taps: b, out: 0..<nT, y: s + (2 * lrefl + n - 1) * w, into: op.baseAddress!)
                }
            }
        }
        return out
    }

    /// medfilt1(x, 9) with zero padding (Octave signal) on every column of a `rows` × `bins` matrix.
    static func medfilt9Rows(_ x: [Double], rows nT: Int) -> [Double] {
        var out = [Double](repeating: 0, count: nT * bins)
        let zeros = [Double](repeating: 0, count: bins)
        x.withUnsafeBufferPointer { xp in
            zeros.withUnsafeBufferPointer { zp in
                out.withUnsafeMutableBufferPointer { op in
                    withScratch(3 * (nT + 6) * bins) { tp in
                        medfilt9(xp.baseAddress!, rows: nT, width: bins, out: 0..<nT, zeros: zp.baseAddress!, triples: tp, into: op.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    /// medfilt1(x, n) with zero padding (Octave signal), odd n.
    static func medfilt(_ x: [Double], _ n: Int) -> [Double] {
        let h = n / 2
        var w = [Double](repeating: 0, count: n)
        return (0..<x.count).map { i in
            for j in 0..<n { let k = i - h + j; w[j] = k >= 0 && k < x.count ? x[k] : 0 }
            w.sort()
            return w[h]
        }
    }

    static let hsl: [Int] = {
        // hlin2hlog(8, 512, 25): quadratic Bézier through (8,8), (25,25), (512,25), sampled at
        // t = 0:0.01:1, linearly interpolated at harmonics 9…512, rounded.
        var px: [Double] = [], py: [Double] = []
        for i in 0...100 {
            let t = Double(i) / 100
            px.append((1 - t) * (1 - t) * 8 + 2 * t * (1 - t) * 25 + t * t * 512)
            py.append((1 - t) * (1 - t) * 8 + 2 * t * (1 - t) * 25 + t * t * 25)
        }
        var out = (1...512).map { Double($0) }
        for hh in 9...512 { out[hh - 1] = interp(px, py, Double(hh), outside: .nan) }
        return out.map { $0.isNaN ? -1 : Int($0.rounded(.toNearestOrAwayFromZero)) }
    }()

    /// The mel warp of `melCepstrum`: bin j reads X between bins idx[j] and idx[j] + 1.
    static let melWarp: (idx: [Int], frac: [Double]) = {
        func mel(_ f: Double) -> Double { log(1 + f / 700) * (1000 / log(1 + 1000 / 700.0)) }
        let freqmel = (0..<bins).map { 0.5 * fs * mel(fs * Double($0) / Double(dftlen)) / mel(fs / 2) }
        var idx = [Int](repeating: 0, count: bins), frac = [Double](repeating: 0, count: bins)
        var seg = 0
        for j in 0..<bins {
            let f = fs * Double(j) / Double(dftlen)
            while seg < bins - 2 && freqmel[seg + 1] < f { seg += 1 }
            idx[j] = seg; frac[j] = min(max((f - freqmel[seg]) / (freqmel[seg + 1] - freqmel[seg]), 0), 1)
        }
        return (idx, frac)
    }()

    /// Orders `melCepstrum` reads: 0…12.
    static let cepstrumOrders = 13

    /// Row q (0…12) of the real even sequence's inverse DFT at quefrency q, folded over the
    /// mirror half and over bins k, n/2 − k (cos(2π·q·(n/2 − k)/n) = (−1)^q·cos(2π·q·k/n)),
    /// with the cepstrum's doubling: w_k·cos(2π·q·k/n)/n for k = 0…n/4, w = 1 at k = 0, else 2;
    /// rows q > 0 times 2. `melCepstrum` multiplies it by l_k ± l_{n/2−k}.
    static let cepstrumTable: [Double] = {
        let m = dftlen / 4 + 1
        var t = [Double](repeating: 0, count: cepstrumOrders * m)
        for q in 0..<cepstrumOrders {
            for k in 0..<m {
                let fold: Double = k == 0 ? 1 : 2, double: Double = q > 0 ? 2 : 1
                // q·k mod n keeps the cosine's argument small (exact integers).
                let angle = 2 * Double.pi * Double(q * k % dftlen) / Double(dftlen)
                t[q * m + k] = fold * double / Double(dftlen) * cos(angle)
            }
        }
        return t
    }()

    /// 13 mel-cepstral coefficients of a 513-bin "spectrum" (hspec2fwcep, order 12):
    /// [c₀, 2c₁, …, 2c_order] of the log of the mel-warped spectrum, order ≤ 12 (`cepstrumOrders`).
    /// COVAREP takes a 1024-point inverse FFT of the mirrored log spectrum and reads 13 of its
    /// outputs; here those 13 are the direct sums over the 513 distinct bins, folded to 257
    /// terms (13·257 products instead of a whole transform), in Double: no less accurate
    /// than the Float FFT, from which they differ by its rounding (`HMPDSpeedTests` bounds
    /// the difference). The logs run on Float lanes (within 2 ulp of Foundation's; the FFT
    /// form rounded them to Float).
    static func melCepstrum(_ X: [Double], order: Int) -> [Double] {
        let nq = min(order, cepstrumOrders - 1) + 1
        var l = [Double](repeating: 0, count: bins)
        var out = [Double](repeating: 0, count: nq)
        let idx = melWarp.idx, frac = melWarp.frac
        @inline(__always) func warped(_ j: Int) -> Float {
            let i = idx[j], t = frac[j]
            return Float(abs(X[i] + t * (X[i + 1] - X[i])))
        }
        var j = 0
        while j + 8 <= bins {
            var v = SIMD8<Float>()
            for m in 0..<8 { v[m] = warped(j + m) }
            let lv = VectorMath.log(v)
            for m in 0..<8 { l[j + m] = Double(lv[m]) }
            j += 8
        }
        while j < bins { l[j] = Double(log(warped(j))); j += 1 }
        // The sums of bins k and n/2 − k (even q) and their differences (odd q); bin n/4
        // pairs with itself, so it is taken once.
        let m = dftlen / 4 + 1, h = bins - 1
        var even = [Double](repeating: 0, count: m), odd = even
        even[0] = l[0] + l[h]; odd[0] = l[0] - l[h]
        for k in 1..<(m - 1) { even[k] = l[k] + l[h - k]; odd[k] = l[k] - l[h - k] }
        even[m - 1] = l[m - 1]; odd[m - 1] = l[m - 1]
        even.withUnsafeBufferPointer { ep in
        odd.withUnsafeBufferPointer { op in
        cepstrumTable.withUnsafeBufferPointer { tp in
            for q in 0..<nq {
                let row = tp.baseAddress! + q * m, x = (q % 2 == 0 ? ep : op).baseAddress!
                // Two SIMD4 chains (independent adds), then the last term.
                var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
                var k = 0
                while k + 8 <= m {
                    a0 += UnsafeRawPointer(row + k).loadUnaligned(as: SIMD4<Double>.self)
                        * UnsafeRawPointer(x + k).loadUnaligned(as: SIMD4<Double>.self)
                    a1 += UnsafeRawPointer(row + k + 4).loadUnaligned(as: SIMD4<Double>.self)
                        * UnsafeRawPointer(x + k + 4).loadUnaligned(as: SIMD4<Double>.self)
                    k += 8
                }
                var sum = (a0 + a1).sum()
                while k < m { sum += row[k] * x[k]; k += 1 }
                out[q] = sum
            }
        }
        }
        }
        return out
    }

    /// PDM's log-harmonic band sums: adds bins `firstBin ..< firstBin + width` (below 512) of
    /// each of `rows` rows of a strip `m` to the row's sum of the bin's band `hsl` (1…25) in
    /// `sums` (band-major: band h, row r at h·rows + r), bin by bin in increasing order.
    /// Four rows at a time on SIMD lanes, each band's run of bins added in a register: every
    /// lane adds its row's bins in the same order as a scalar loop, so the same sums.
    static func addBands(_ m: UnsafePointer<Double>, rows nO: Int, width cw: Int, firstBin c0: Int,
                         into sums: UnsafeMutablePointer<Double>) {
        let n = min(cw, 512 - c0)
        var a = 0
        while a < n {
            let h = hsl[c0 + a]
            var b = a + 1
            while b < n && hsl[c0 + b] == h { b += 1 }
            defer { a = b }
            guard h >= 1 && h <= 25 else { continue }
            let s = sums + h * nO
            var r = 0
            while r + 4 <= nO {
                let p = m + r * cw
                var acc = UnsafeRawPointer(s + r).loadUnaligned(as: SIMD4<Double>.self)
                for c in a..<b { acc += SIMD4(p[c], p[cw + c], p[2 * cw + c], p[3 * cw + c]) }
                UnsafeMutableRawPointer(s + r).storeBytes(of: acc, as: SIMD4<Double>.self)
                r += 4
            }
            while r < nO {
                for c in a..<b { s[r] += m[r * cw + c] }
                r += 1
            }
        }
    }

    /// Bins per strip of `features` (a multiple of 4 dividing 512; the last strip also takes
    /// bin 512).
    static let stripWidth = 64

    /// PDM (25) and PDD (13) per frame of a window, from the per-frame phase distortion rows;
    /// only the rows in `needed` are filled (the others stay empty: the margin frames feed
    /// the time filters but no output frame).
    static func features(_ PE: [[Double]], needed: Range<Int>? = nil) -> (pdm: [[Float]], pdd: [[Float]])? {
        let nT = PE.count, w = bins
        guard nT > 72 else { return nil }          // Octave's filtfilt needs > 3·(25−1) samples
        var pdm = [[Float]](repeating: [], count: nT), pdd = pdm
        let out = (needed ?? 0..<nT).clamped(to: 0..<nT)
        guard !out.isEmpty, PE.allSatisfy({ $0.count == w }) else { return (pdm, pdd) }
        let rect25 = [Double](repeating: 1.0 / 25, count: 25)
        let rect9 = [Double](repeating: 1.0 / 9, count: 9)
        var hann9 = (0..<9).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / 8) }
        let hs = hann9.reduce(0, +); hann9 = hann9.map { $0 / hs }
        // Rows each stage must form: PDD's 9-tap filtfilt reads the deviation D within ±8
        // rows, the Hann filtfilt of the trend reads the medians within ±8. PDM's running
        // sums start at the window's top, so cos and sin are formed on every row.
        let nO = out.count
        let dev = max(0, out.lowerBound - 8)..<min(nT, out.upperBound + 8)
        let med = max(0, dev.lowerBound - 8)..<min(nT, dev.upperBound + 8)
        // Per output row: PDM's band sums (band-major) and PDD's circular deviation X over all bins.
        var sr = [Double](repeating: 0, count: nO * 26), si = sr
        var X = [Double](repeating: 0, count: nO * w)
        let sw = stripWidth + 1
        // Scratch, in rows of one strip: C, S | edge rows | forward rows | one row | mc, ms |
        // medians | trend → cos D, sin D | zeros | the medians' sorted triples.
        let oC = 0, oS = nT * sw, oEdge = 2 * nT * sw, oY = oEdge + 144 * sw
        let oRow = oY + (nT + 72) * sw, oMC = oRow + sw, oMS = oMC + nO * sw, oM = oMS + nO * sw
        let oTC = oM + med.count * sw, oTS = oTC + dev.count * sw, oZeros = oTS + dev.count * sw
        let oTriples = oZeros + sw
        withScratch(oTriples + 3 * (med.count + 6) * sw) { s in
            X.withUnsafeMutableBufferPointer { xb in
            sr.withUnsafeMutableBufferPointer { srb in
            si.withUnsafeMutableBufferPointer { sib in
                let Xp = xb.baseAddress!, srp = srb.baseAddress!, sip = sib.baseAddress!
                let C = s + oC, S = s + oS, edge = s + oEdge, y = s + oY, row = s + oRow
                let mc = s + oMC, ms = s + oMS, M = s + oM, TC = s + oTC, TS = s + oTS
                for c0 in stride(from: 0, to: 512, by: stripWidth) {
                    let c1 = c0 + stripWidth == 512 ? w : c0 + stripWidth, cw = c1 - c0
                    // cos and sin of the phase distortion, four bins per call on SIMD lanes
                    // (bin 512 by Foundation, as a whole row did).
                    for t in 0..<nT {
                        PE[t].withUnsafeBufferPointer { p in
                            let ct = C + t * cw, st = S + t * cw
                            var c = 0
                            while c + 4 <= min(cw, 512 - c0) {
                                let k = c0 + c
                                let (sv, cv) = VectorMath.sinCos(SIMD4(p[k], p[k + 1], p[k + 2], p[k + 3]))
                                for l in 0..<4 { ct[c + l] = cv[l]; st[c + l] = sv[l] }
                                c += 4
                            }
                            while c < cw { ct[c] = cos(p[c0 + c]); st[c] = sin(p[c0 + c]); c += 1 }
                        }
                    }
                    func strip(_ x: UnsafeMutablePointer<Double>, first: Int, margin: Int) -> Extended {
                        Extended(x: x, first: first, rows: nT, width: cw, margin: margin, edge: edge)
                    }
                    // PDM: mean cos and sin over 25 frames.
                    boxcarFiltfilt(strip(C, first: 0, margin: 72), taps: 25, tap: rect25[0], out: out, y: y, s: row, into: mc)
                    boxcarFiltfilt(strip(S, first: 0, margin: 72), taps: 25, tap: rect25[0], out: out, y: y, s: row, into: ms)
                    // → 25 log-harmonic bands (philin2philog over bins 1…512): sums of
                    // e^{i·atan2(ms, mc)}, 1 + 0i where both are 0 (a band's sin sum starts at +0
                    // and is never −0, so adding +0 changes nothing), bin by bin in increasing
                    // order. Sums of different rows are independent: rows are the inner loop.
                    for i in 0..<(nO * cw) {
                        let xv = mc[i], yv = ms[i], rr = (xv * xv + yv * yv).squareRoot()
                        mc[i] = rr > 0 ? xv / rr : 1
                        ms[i] = rr > 0 ? yv / rr : 0
                    }
                    addBands(mc, rows: nO, width: cw, firstBin: c0, into: srp)
                    addBands(ms, rows: nO, width: cw, firstBin: c0, into: sip)
                    // Trend: median then Hann smoothing of cos and sin.
                    let zeros = UnsafePointer(s + oZeros), triples = s + oTriples
                    medfilt9(C, rows: nT, width: cw, out: med, zeros: zeros, triples: triples, into: M)
                    firFiltfilt(strip(M, first: med.lowerBound, margin: 24), taps: hann9, out: dev, y: y, into: TC)
                    medfilt9(S, rows: nT, width: cw, out: med, zeros: zeros, triples: triples, into: M)
                    firFiltfilt(strip(M, first: med.lowerBound, margin: 24), taps: hann9, out: dev, y: y, into: TS)
                    // D = PE − atan2(ts, tc); cos D and sin D by the angle-difference
                    // identities, in place of the trend.
                    for t in dev {
                        let ct0 = C + t * cw, st0 = S + t * cw
                        let tc = TC + (t - dev.lowerBound) * cw, ts = TS + (t - dev.lowerBound) * cw
                        for c in 0..<cw {
                            let r = (tc[c] * tc[c] + ts[c] * ts[c]).squareRoot()
                            guard r > 0 else { tc[c] = ct0[c]; ts[c] = st0[c]; continue }   // atan2(0, 0) = 0: D = PE
                            let ct = tc[c] / r, st = ts[c] / r
                            tc[c] = ct0[c] * ct + st0[c] * st
                            ts[c] = st0[c] * ct - ct0[c] * st
                        }
                    }
                    // PDD: Fisher's circular deviation of D over 9 frames (into mc, ms: PDM is done).
                    exactFiltfilt(strip(TC, first: dev.lowerBound, margin: 24), taps: rect9, out: out, y: y, into: mc)
                    exactFiltfilt(strip(TS, first: dev.lowerBound, margin: 24), taps: rect9, out: out, y: y, into: ms)
                    for r in 0..<nO { circularDeviation(mc + r * cw, ms + r * cw, count: cw, into: Xp + r * w + c0) }
                }
            }
            }
            }
        }
        var cnt = [Int](repeating: 0, count: 26)
        for b in 0..<512 where hsl[b] >= 1 && hsl[b] <= 25 { cnt[hsl[b]] += 1 }
        for (r, t) in out.enumerated() {
            pdm[t] = (1...25).map { cnt[$0] > 0 ? Float(atan2(si[$0 * nO + r], sr[$0 * nO + r])) : 0 }
            // → 13 mel-cepstral coefficients.
            var x = Array(X[(r * w)..<((r + 1) * w)])
            x[0] = x[1]
            for b in 0..<bins where x[b] == 0 { x[b] = 0.001 }
            pdd[t] = melCepstrum(x, order: 12).map { Float($0) }
        }
        return (pdm, pdd)
    }
}
