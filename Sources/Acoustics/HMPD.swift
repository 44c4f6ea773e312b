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

    /// One frame: sinusoids (DC first) and F0 → phase distortion on the 513-bin frequency
    /// scale, for the given polarity.
    static func phaseDistortion(sins: (f: [Double], amp: [Double], ph: [Double]), f0: Double, polarity: Double) -> [Double] {
        let (f, amp, ph0) = sins
        let H = f.count - 1
        guard H >= 2 else { return [Double](repeating: 0, count: bins) }
        var ph = ph0
        if polarity < 0 { for i in 0..<ph.count { ph[i] = RdMSP.wrap(ph[i] + Double.pi) } }
        // Amplitude envelope (env_interp on harmonics 1…H with DC/Nyquist extrapolation), /√f0.
        let E = envInterp(f: Array(f[1...]), a: Array(amp[1...])).map { ($0.isNaN ? pow(10, -300.0 / 20) : $0) / f0.squareRoot() }
        // Minimum phase of the envelope; remove it from the harmonic phases.
        let vtf = minPhase(E)
        let F = (0..<bins).map { fs * Double($0) / Double(dftlen) }
        var pk = [Double](repeating: 0, count: H + 1)
        let vAt = interpSorted(F, vtf, f, outside: 0)
        for i in 0...H { pk[i] = RdMSP.wrap(ph[i] - vAt[i]) }
        // phase_rpspd, method PD: pk(1) = 0; diff(unwrap(pk − k·pk(2))).
        pk[0] = 0
        var ppk = (0...H).map { pk[$0] - Double($0) * pk[1] }
        ppk = unwrap(ppk)
        let pd = (0..<H).map { RdMSP.wrap(ppk[$0 + 1] - ppk[$0]) }
        // harmscale2hertzscale with dcval 0: knots [0, 0.95·f0, f0·(1…H)], unwrap, wrap.
        var kx = [0, 0.95 * f0], ky = [0.0, 0.0]
        for i in 0..<H { kx.append(f0 * Double(i + 1)); ky.append(pd[i]) }
        ky = unwrap(ky)
        return interpSorted(kx, ky, F, outside: .nan).map { v in v.isNaN ? 0 : RdMSP.wrap(v) }
    }

    static func unwrap(_ x: [Double]) -> [Double] {
        var out = x
        var corr = 0.0
        for k in 1..<max(1, x.count) {
            let d = x[k] - x[k - 1]
            if abs(d) > Double.pi { corr -= 2 * Double.pi * ((d + Double.pi) / (2 * Double.pi)).rounded(.down) }
            out[k] = x[k] + corr
        }
        return out
    }

    /// `interp` at increasing queries `xi`, walking x once instead of a binary search per
    /// query (the same interval, so the same values).
    static func interpSorted(_ x: [Double], _ y: [Double], _ xi: [Double], outside: Double) -> [Double] {
        guard let first = x.first, let last = x.last else { return xi.map { _ in outside } }
        var out = [Double](repeating: outside, count: xi.count)
        guard x.count >= 2 else {
            for (i, q) in xi.enumerated() where q >= first && q <= last { out[i] = y[0] }
            return out
        }
        var lo = 0
        for (i, q) in xi.enumerated() {
            guard q >= first, q <= last else { continue }
            while lo + 1 < x.count - 1 && x[lo + 1] <= q { lo += 1 }
            let hi = lo + 1
            out[i] = x[hi] == x[lo] ? y[lo] : y[lo] + (q - x[lo]) / (x[hi] - x[lo]) * (y[hi] - y[lo])
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

    /// env_interp.m with extrap_dcny = true, linear interpolation of log amplitudes.
    static func envInterp(f fIn: [Double], a aIn: [Double]) -> [Double] {
        var fks = fIn, aks = aIn
        guard fks.count >= 2 else { return [Double](repeating: .nan, count: bins) }
        if fks[0] != 0 { fks.insert(0, at: 0); aks.insert(aks[0], at: 0) } else { aks[0] = aks[1] }
        if fks.last! != fs / 2 {
            var diffs = (1..<fks.count).map { fks[$0] - fks[$0 - 1] }
            diffs.sort()
            let n = diffs.count
            let mfd = n % 2 == 1 ? diffs[n / 2] : 0.5 * (diffs[n / 2 - 1] + diffs[n / 2])
            if mfd > 0 {
                while fks.last! < fs / 2 - mfd { fks.append(fks.last! + mfd); aks.append(aks.last!) }
            }
        }
        // Mirror 4 points below DC (fks(1) == 0 here) and 5 above Nyquist.
        let m = fks.count
        if m >= 6 {
            let lowF = (1...4).reversed().map { -fks[$0] }, lowA = (1...4).reversed().map { aks[$0] }
            fks = lowF + fks; aks = lowA + aks
        }
        let n2 = fks.count
        if fks.last! < fs / 2 && n2 >= 5 {
            let tailF = (0..<5).map { fs / 2 + (fs / 2 - fks[n2 - 1 - $0]) }, tailA = (0..<5).map { aks[n2 - 1 - $0] }
            fks += tailF; aks += tailA
        } else if fks.last! == fs / 2 && n2 >= 6 {
            let tailF = (1...5).map { fs / 2 + (fs / 2 - fks[n2 - 1 - $0]) }, tailA = (1...5).map { aks[n2 - 1 - $0] }
            fks += tailF; aks += tailA
        }
        // unique (sorted)
        var pairs = Array(zip(fks, aks)).sorted { $0.0 < $1.0 }
        var uniq: [(Double, Double)] = []
        for p in pairs { if let l = uniq.last, l.0 == p.0 { uniq[uniq.count - 1] = p } else { uniq.append(p) } }
        pairs = uniq
        let xs = pairs.map(\.0), ys = pairs.map { log(abs($0.1)) }
        return interpSorted(xs, ys, (0..<bins).map { fs * Double($0) / Double(dftlen) }, outside: .nan).map { exp($0) }
    }

    static let fft1024 = FFT(count: 1024)

    /// imag(hspec2minphaseloghspec(E)) at bins 0…512.
    static func minPhase(_ E: [Double]) -> [Double] {
        let n = dftlen
        var re = [Float](repeating: 0, count: n), im = [Float](repeating: 0, count: n)
        for k in 0..<bins { re[k] = Float(log(abs(E[k]))) }
        for k in 1..<(bins - 1) { re[n - k] = re[k] }
        fft1024.inverse(re: &re, im: &im)           // rcc (real)
        var c = [Float](repeating: 0, count: n), ci = [Float](repeating: 0, count: n)
        c[0] = re[0]
        for j in 1..<(n / 2) { c[j] = 2 * re[j] }
        c[n / 2] = re[n / 2]
        fft1024.forward(re: &c, im: &ci)
        return (0..<bins).map { Double(ci[$0]) }
    }

    // MARK: time filtering over frames
    // Frames × bins matrices are flat and row-major (row t = frame t), so every time filter
    // runs over all 513 bins of a row at once.

    /// Octave filtfilt(taps, 1, ·) on every column of a `rows` × `bins` matrix with Octave's
    /// own operation order (direct form II transposed, initial state si·v₀ with
    /// si_j = Σ_{k≥j} b_k − [j = 0]·Σb), so each element rounds exactly as `FilterD.filtfilt`
    /// and Octave do. PDD needs this: its `z < 1` test decides between a deviation of
    /// ~1e−8 and none on bins with a steady phase, and the log mel cepstrum turns that
    /// rounding into offsets of 0.02 on every HMPDD coefficient.
    static func filtfiltRowsExact(_ x: [Double], rows nT: Int, taps b: [Double]) -> [Double] {
        let w = bins, n = b.count, lrefl = 3 * (n - 1), L = nT + 2 * lrefl
        guard n > 1 else { let b0 = b.first ?? 0; return x.map { b0 * $0 } }
        let kdc = b.reduce(0, +)
        var si = [Double](repeating: 0, count: n)
        var acc = 0.0
        for i in stride(from: n - 1, through: 0, by: -1) { acc += b[i] - kdc * (i == 0 ? 1 : 0); si[i] = acc }
        si.removeFirst()
        var v = reflectRows(x, rows: nT, margin: lrefl)
        // One pass of filter(b, 1, ·, si·first) along the rows of `v`, in place. Row loops on
        // buffer pointers with one reused row copy (no allocation per row); each element is
        // computed by the same operations in the same order as before.
        var z = [Double](repeating: 0, count: (n - 1) * w)
        var x = [Double](repeating: 0, count: w)
        func pass(_ v: inout [Double], forward: Bool) {
            v.withUnsafeMutableBufferPointer { vb in
            z.withUnsafeMutableBufferPointer { zb in
            x.withUnsafeMutableBufferPointer { xb in
                let vp = vb.baseAddress!, zp = zb.baseAddress!, xp = xb.baseAddress!
                let first = (forward ? 0 : L - 1) * w
                for j in 0..<(n - 1) { let sj = si[j]; for c in 0..<w { zp[j * w + c] = sj * vp[first + c] } }
                let b0 = b[0], bl = b[n - 1]
                for step in 0..<L {
                    // a = [1, 0, …]: the −a_j·y terms are ±0 and change no value.
                    let row = vp + (forward ? step : L - 1 - step) * w
                    for c in 0..<w { xp[c] = row[c] }
                    for c in 0..<w { row[c] = b0 * xp[c] + zp[c] }
                    for j in 1..<(n - 1) {
                        let bj = b[j], zd = zp + (j - 1) * w, zs = zp + j * w
                        for c in 0..<w { zd[c] = bj * xp[c] + zs[c] }
                    }
                    let zl = zp + (n - 2) * w
                    for c in 0..<w { zl[c] = bl * xp[c] }
                }
            }
            }
            }
        }
        pass(&v, forward: true)
        pass(&v, forward: false)
        return Array(v[(lrefl * w)..<((lrefl + nT) * w)])
    }

    /// Octave filtfilt(taps, 1, ·) on every column of a `rows` × `bins` matrix, for
    /// rows > 3·(taps − 1): odd reflection of 3·(taps − 1) rows at each end; the steady-state
    /// initial conditions equal a history of the first sample of each pass, i.e. indices
    /// clamped to the ends. Equal taps (boxcar) run as running sums.
    static func filtfiltRows(_ x: [Double], rows nT: Int, taps b: [Double]) -> [Double] {
        let w = bins, n = b.count, lrefl = 3 * (n - 1), L = nT + 2 * lrefl
        var v = reflectRows(x, rows: nT, margin: lrefl)
        var y = [Double](repeating: 0, count: L * w)
        var z = [Double](repeating: 0, count: nT * w)
        var s = [Double](repeating: 0, count: w)
        let boxcar = b.allSatisfy { $0 == b[0] }
        // Row loops on buffer pointers (vectorisable over the 513 bins); each element is
        // computed by the same operations in the same order as the indexed loops.
        v.withUnsafeMutableBufferPointer { vp in
        y.withUnsafeMutableBufferPointer { yp in
        z.withUnsafeMutableBufferPointer { zp in
        s.withUnsafeMutableBufferPointer { sp in
            // Forward: y_r = Σ_j b_j v_max(0, r−j).
            if boxcar {
                for c in 0..<w { sp[c] = Double(n) * vp[c] }
                for r in 0..<L {
                    let old = vp.baseAddress! + max(0, r - n) * w, cur = vp.baseAddress! + r * w
                    if r > 0 { for c in 0..<w { sp[c] += cur[c] - old[c] } }
                    let yr = yp.baseAddress! + r * w
                    for c in 0..<w { yr[c] = b[0] * sp[c] }
                }
            } else {
                for r in 0..<L {
                    let yr = yp.baseAddress! + r * w
                    for j in 0..<n {
                        let src = vp.baseAddress! + max(0, r - j) * w, bj = b[j]
                        for c in 0..<w { yr[c] += bj * src[c] }
                    }
                }
            }
            // Backward: z_r = Σ_j b_j y_min(L−1, r+j), kept for the original rows only.
            if boxcar {
                for c in 0..<w { sp[c] = 0 }
                let top = L - 1
                // s = Σ_{j<n} y_min(top, lrefl+nT−1+j) for the last kept row, then slide down.
                let last = lrefl + nT - 1
                for j in 0..<n { let src = yp.baseAddress! + min(top, last + j) * w; for c in 0..<w { sp[c] += src[c] } }
                var r = last
                while r >= lrefl {
                    let dst = zp.baseAddress! + (r - lrefl) * w
                    for c in 0..<w { dst[c] = b[0] * sp[c] }
                    if r == lrefl { break }
                    let add = yp.baseAddress! + (r - 1) * w, drop = yp.baseAddress! + min(top, r - 1 + n) * w
                    for c in 0..<w { sp[c] += add[c] - drop[c] }
                    r -= 1
                }
            } else {
                for r in lrefl..<(lrefl + nT) {
                    let dst = zp.baseAddress! + (r - lrefl) * w
                    for j in 0..<n {
                        let src = yp.baseAddress! + min(L - 1, r + j) * w, bj = b[j]
                        for c in 0..<w { dst[c] += bj * src[c] }
                    }
                }
            }
        }
        }
        }
        }
        return z
    }

    /// Octave filtfilt's odd reflection of `margin` rows at each end of a `rows` × `bins`
    /// matrix: 2·x₀ − x_{margin−r} above, 2·x_last − x_{last−i} below.
    static func reflectRows(_ x: [Double], rows nT: Int, margin lrefl: Int) -> [Double] {
        let w = bins, L = nT + 2 * lrefl
        var v = [Double](repeating: 0, count: L * w)
        x.withUnsafeBufferPointer { xp in
            v.withUnsafeMutableBufferPointer { vp in
                for r in 0..<L {
                    let dst = vp.baseAddress! + r * w
                    if r < lrefl {
                        let a = xp.baseAddress!, m = xp.baseAddress! + (lrefl - r) * w
                        for c in 0..<w { dst[c] = 2 * a[c] - m[c] }
                    } else if r < lrefl + nT {
                        let a = xp.baseAddress! + (r - lrefl) * w
                        for c in 0..<w { dst[c] = a[c] }
                    } else {
                        let i = r - lrefl - nT + 1
                        let a = xp.baseAddress! + (nT - 1) * w, m = xp.baseAddress! + (nT - 1 - i) * w
                        for c in 0..<w { dst[c] = 2 * a[c] - m[c] }
                    }
                }
            }
        }
        return v
    }

    /// medfilt1(x, 9) with zero padding (Octave signal) on every column of a `rows` × `bins`
    /// matrix, by a 19-exchange median-of-9 network.
    static func medfilt9Rows(_ x: [Double], rows nT: Int) -> [Double] {
        let w = bins
        var out = [Double](repeating: 0, count: nT * w)
        let zeros = [Double](repeating: 0, count: w)
        x.withUnsafeBufferPointer { xp in
            zeros.withUnsafeBufferPointer { zp in
                out.withUnsafeMutableBufferPointer { op in
                    for t in 0..<nT {
                        let rows = (0..<9).map { j -> UnsafePointer<Double> in
                            let k = t - 4 + j
                            return k >= 0 && k < nT ? xp.baseAddress! + k * w : zp.baseAddress!
                        }
                        let r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3], r4 = rows[4]
                        let r5 = rows[5], r6 = rows[6], r7 = rows[7], r8 = rows[8]
                        for c in 0..<w {
                            var p0 = r0[c], p1 = r1[c], p2 = r2[c], p3 = r3[c], p4 = r4[c]
                            var p5 = r5[c], p6 = r6[c], p7 = r7[c], p8 = r8[c]
                            @inline(__always) func sort2(_ a: inout Double, _ b: inout Double) {
                                let lo = min(a, b), hi = max(a, b); a = lo; b = hi
                            }
                            sort2(&p1, &p2); sort2(&p4, &p5); sort2(&p7, &p8)
                            sort2(&p0, &p1); sort2(&p3, &p4); sort2(&p6, &p7)
                            sort2(&p1, &p2); sort2(&p4, &p5); sort2(&p7, &p8)
                            sort2(&p0, &p3); sort2(&p5, &p8); sort2(&p4, &p7)
                            sort2(&p3, &p6); sort2(&p1, &p4); sort2(&p2, &p5)
                            sort2(&p4, &p7); sort2(&p4, &p2); sort2(&p6, &p4)
                            sort2(&p4, &p2)
                            op[t * w + c] = p4
                        }
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

    /// 13 mel-cepstral coefficients of a 513-bin "spectrum" (hspec2fwcep, order 12).
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

    static func melCepstrum(_ X: [Double], order: Int) -> [Double] {
        let n = dftlen
        var re = [Float](repeating: 0, count: n), im = [Float](repeating: 0, count: n)
        for j in 0..<bins {
            let i = melWarp.idx[j], t = melWarp.frac[j]
            re[j] = Float(log(abs(X[i] + t * (X[i + 1] - X[i]))))
        }
        for k in 1..<(bins - 1) { re[n - k] = re[k] }
        fft1024.inverse(re: &re, im: &im)
        return [Double(re[0])] + (1...order).map { 2 * Double(re[$0]) }
    }

    /// PDM (25) and PDD (13) per frame of a window, from the per-frame phase distortion rows;
    /// only the rows in `needed` are filled (the others stay empty: the margin frames feed
    /// the time filters but no output frame).
    static func features(_ PE: [[Double]], needed: Range<Int>? = nil) -> (pdm: [[Float]], pdd: [[Float]])? {
        let nT = PE.count, w = bins
        guard nT > 72 else { return nil }          // Octave's filtfilt needs > 3·(25−1) samples
        let rect25 = [Double](repeating: 1.0 / 25, count: 25)
        let rect9 = [Double](repeating: 1.0 / 9, count: 9)
        var hann9 = (0..<9).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / 8) }
        let hs = hann9.reduce(0, +); hann9 = hann9.map { $0 / hs }
        var C = [Double](repeating: 0, count: nT * w), S = C
        // cos and sin of the phase distortion, four bins per call on SIMD lanes.
        for t in 0..<nT {
            let row = PE[t]
            var c = 0
            while c + 4 <= w {
                let (sv, cv) = VectorMath.sinCos(SIMD4(row[c], row[c + 1], row[c + 2], row[c + 3]))
                for l in 0..<4 { C[t * w + c + l] = cv[l]; S[t * w + c + l] = sv[l] }
                c += 4
            }
            while c < w { C[t * w + c] = cos(row[c]); S[t * w + c] = sin(row[c]); c += 1 }
        }
        let mc = filtfiltRows(C, rows: nT, taps: rect25), ms = filtfiltRows(S, rows: nT, taps: rect25)
        // Trend: median then Hann smoothing of cos and sin.
        let tc = filtfiltRows(medfilt9Rows(C, rows: nT), rows: nT, taps: hann9)
        let ts = filtfiltRows(medfilt9Rows(S, rows: nT), rows: nT, taps: hann9)
        // D = PE − atan2(ts, tc); cos D and sin D by the angle-difference identities.
        var DC = C, DS = S
        for i in 0..<(nT * w) {
            let r = (tc[i] * tc[i] + ts[i] * ts[i]).squareRoot()
            guard r > 0 else { continue }          // atan2(0, 0) = 0: D = PE
            let ct = tc[i] / r, st = ts[i] / r
            DC[i] = C[i] * ct + S[i] * st
            DS[i] = S[i] * ct - C[i] * st
        }
        let dc = filtfiltRowsExact(DC, rows: nT, taps: rect9), ds = filtfiltRowsExact(DS, rows: nT, taps: rect9)
        var pdm = [[Float]](repeating: [], count: nT), pdd = pdm
        for t in (needed ?? 0..<nT).clamped(to: 0..<nT) {
            let row = t * w
            // PDM → 25 log-harmonic bands (philin2philog over bins 1…512): mean of
            // e^{i·atan2(ms, mc)}.
            var sr = [Double](repeating: 0, count: 26), si = sr, cnt = [Int](repeating: 0, count: 26)
            for b in 0..<512 {
                let h = hsl[b]
                guard h >= 1 && h <= 25 else { continue }
                let y = ms[row + b], x = mc[row + b]
                let r = (x * x + y * y).squareRoot()
                if r > 0 { sr[h] += x / r; si[h] += y / r } else { sr[h] += 1 }
                cnt[h] += 1
            }
            pdm[t] = (1...25).map { cnt[$0] > 0 ? Float(atan2(si[$0], sr[$0])) : 0 }
            // PDD → Fisher's circular deviation, then 13 mel-cepstral coefficients.
            var X = (0..<bins).map { b -> Double in
                let z = (dc[row + b] * dc[row + b] + ds[row + b] * ds[row + b]).squareRoot()
                return z < 1 ? (-2 * log(z)).squareRoot() : 0
            }
            X[0] = X[1]
            for b in 0..<bins where X[b] == 0 { X[b] = 0.001 }
            pdd[t] = melCepstrum(X, order: 12).map { Float($0) }
        }
        return (pdm, pdd)
    }
}
