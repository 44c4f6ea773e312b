// Creaky voice detection (COVAREP glottalsource/creaky_voice_detection) without the
// trained network: the features of get_all_creak_features.m that carry the published
// decision rules are ported (Kane–Drugman H2-H1 and residual peak prominence; Ishi et al.
// 2008's power peaks, intra-frame periodicity and inter-pulse similarity), and the
// decision is Ishi's rule-based detector OR a two-threshold Kane–Drugman rule instead of
// COVAREP's ANN (system_net_creak.mat, third-party weights). docs/ACCURACY-acoustics.md.
import Foundation
import DSP

enum CreakDetector {
    /// Kane–Drugman rule: H2-H1 (dB) and Res-P both above these on a 10 ms frame.
    static let h2h1Threshold: Float = 0
    static let resPThreshold: Float = 0.5
    /// Voicing gate on both rules: zero crossings per millisecond (32 ms frames) below
    /// this (voiced speech ≤ ~4, white noise ~8).
    static let zcrThreshold: Float = 4

    /// Features of get_all_creak_features.m at 1-based sample positions (the ANN frames
    /// are 160·k), each as COVAREP samples its per-sample contour.
    struct Features: Sendable {
        var h2h1: [Float] = [], resP: [Float] = [], creakF0: [Float] = []
        var ifp: [Float] = [], ips: [Float] = [], pwpFall: [Float] = [], pwpRise: [Float] = []
        /// ishi_creak_detection.m's per-sample binary decision at the positions.
        var ishi: [Float] = []
        /// Zero crossings per ms (get_zero_x_rate.m, 32 ms frames every 5 ms).
        var zcr: [Float] = []
    }

    static func features(_ x: [Float], f0mean: Float, at positions: [Int]) -> Features {
        var out = Features()
        let n = x.count
        let res = Glottal.lpcResidual(x, order: 18)
        let kd = h2h1(res: res, f0mean: f0mean)
        let rp = resPeak(x, res: res, f0mean: f0mean)
        let ishi = Ishi(x)
        for p in positions {
            out.h2h1.append(interpLinspace(kd.delta, n: n, at: p))
            out.creakF0.append(interpLinspace(kd.f0, n: n, at: p))
            out.resP.append(rp.count > 1 ? interpSorted(rp, at: p) : 0)
            out.ifp.append(ishi.ifpContour(at: p))
            let pw = ishi.peakValues(at: p)
            out.pwpFall.append(pw.fall); out.pwpRise.append(pw.rise); out.ips.append(pw.ips)
            out.ishi.append(ishi.creak(at: p) ? 1 : 0)
        }
        out.zcr = zeroCrossingRate(x, at: positions)
        return out
    }

    /// Binary creak decision on the 10 ms frames at 1-based samples `positions`, before
    /// the 3-frame median filter of creaky_voice_do_detection.m.
    /// `residual`: x's order-18 LP residual when the caller has it (the extractor's
    /// stream residual), else it is computed over x.
    static func decisions(_ x: [Float], residual: [Float]? = nil, f0mean: Float, at positions: [Int]) -> [Float] {
        guard f0mean.isFinite, f0mean > 0, x.count > 800 else { return [Float](repeating: 0, count: positions.count) }
        // Only what the rule reads: Ishi's IFP and IPS at candidate pulses, H2-H1 where
        // Res-P passes (rare outside creak).
        let n = x.count
        let res: [Float]
        if let residual, residual.count == n { res = residual } else { res = Glottal.lpcResidual(x, order: 18) }
        // The ρ = 0.8 resonator output serves Res-P and the creak F0 of H2-H1.
        let rep08 = resonator(res, f0: f0mean, rho: 0.8)
        let rp = resPeak(x, res: res, f0mean: f0mean, rep: rep08, reading: positions.min().flatMap { a in positions.max().map { a...$0 } })
        let ishi = Ishi(x, full: false)
        var kd = H2H1Frames(res: res, f0mean: f0mean, rep2: rep08)
        let zcr = zeroCrossingRate(x, at: positions)
        return positions.indices.map { i in
            let p = positions[i]
            guard zcr[i] < zcrThreshold else { return 0 }
            if ishi.creak(at: p) { return 1 }
            let r = rp.count > 1 ? interpSorted(rp, at: p) : 0
            guard r > resPThreshold else { return 0 }
            return kd.delta(at: p, n: n) > h2h1Threshold ? 1 : 0
        }
    }

    /// Context analysed on each side of a block of frames (the reach of Res-P's ±400 ms
    /// energy test plus its windows); within the extractor's glottal margin.
    static let marginSamples = 8000

    /// The creak column of feature frames `frames` (1-based samples 80 + 160·k) from the
    /// samples `x` starting at 0-based sample `offset`, for a stream of `annFrameCount`
    /// 10 ms decision frames (COVAREP: floor(n/160), at samples 160·m). As
    /// COVAREP_feature_extraction.m: interp1 of the frame values onto 80:160:n (half way
    /// between frames k and k+1, 0 where one is missing); the values are the decisions
    /// after creaky_voice_do_detection.m's 3-frame median filter.
    static func column(_ x: [Float], residual: [Float]? = nil, offset: Int, frames: Range<Int>, annFrameCount: Int, f0mean: Float) -> [Float] {
        guard !frames.isEmpty else { return [] }
        let m0 = max(1, frames.lowerBound - 1), m1 = min(annFrameCount, frames.upperBound + 1)
        var d: [Int: Float] = [:]
        if m0 <= m1 {
            let ms = Array(m0...m1).filter { 160 * $0 - offset >= 1 && 160 * $0 - offset <= x.count }
            let dec = decisions(x, residual: residual, f0mean: f0mean, at: ms.map { 160 * $0 - offset })
            for (i, m) in ms.enumerated() { d[m] = dec[i] }
        }
        func filtered(_ m: Int) -> Float {
            let w = [m - 1, m, m + 1].map { j -> Float in j >= 1 && j <= annFrameCount ? d[j] ?? 0 : 0 }
            return w.reduce(0, +) >= 2 ? 1 : 0
        }
        return frames.map { k in k >= 1 && k + 1 <= annFrameCount ? 0.5 * (filtered(k) + filtered(k + 1)) : 0 }
    }

    // MARK: - Kane–Drugman features

    /// filter([1 0 0], [1 −2ρcos φ ρ²], x) with φ = 2π·f0/fs.
    static func resonator(_ x: [Float], f0: Float, rho: Double) -> [Float] {
        let phi = 2 * Double.pi * Double(f0) / 16000
        let a1 = -2 * rho * cos(phi), a2 = rho * rho
        var y = [Float](repeating: 0, count: x.count)
        var y1 = 0.0, y2 = 0.0
        for i in 0..<x.count {
            let v = Double(x[i]) - a1 * y1 - a2 * y2
            y[i] = Float(v); y2 = y1; y1 = v
        }
        return y
    }

    static let fft2048 = FFT(count: 2048)
    /// cos/sin(2π·m/16000): the 16000-point DFT bins of get_creak_h2h1's fft(Corrs, fs).
    static let unitCircle: (c: [Double], s: [Double]) = {
        let c = (0..<16000).map { cos(2 * Double.pi * Double($0) / 16000) }
        let s = (0..<16000).map { sin(2 * Double.pi * Double($0) / 16000) }
        return (c, s)
    }()

    /// Autocorrelations of two real frames (≤ 1024 samples) at lags 0…n−1 through one
    /// complex FFT: z = a + i·b, |A|² + i·|B|² back.
    static func autocorrelations(_ a: [Float], _ b: [Float], fft: FFT) -> (ra: [Float], rb: [Float]) {
        let m = fft.count
        var re = [Float](repeating: 0, count: m), im = re
        for i in 0..<a.count { re[i] = a[i] }
        for i in 0..<b.count { im[i] = b[i] }
        fft.forward(re: &re, im: &im)
        var pr = [Float](repeating: 0, count: m), pi = pr
        for k in 0..<m {
            let j = (m - k) % m
            let ar = 0.5 * (re[k] + re[j]), ai = 0.5 * (im[k] - im[j])     // A = (Z + conj Z_{−k})/2
            let br = 0.5 * (im[k] + im[j]), bi = 0.5 * (re[j] - re[k])     // B = (Z − conj Z_{−k})/2i
            pr[k] = ar * ar + ai * ai
            pi[k] = br * br + bi * bi
        }
        fft.inverse(re: &pr, im: &pi)
        return (Array(pr[0..<a.count]), Array(pi[0..<b.count]))
    }

    /// get_creak_h2h1.m: per 10 ms frame (50 ms Hanning), the creak F0 from the
    /// autocorrelation of the ρ = 0.8 resonator output and H2−H1 (dB) of the spectrum of
    /// the autocorrelation of the ρ = 0.97 output; smoothed as COVAREP does.
    static func h2h1(res: [Float], f0mean: Float) -> (delta: [Float], f0: [Float]) {
        var frames = H2H1Frames(res: res, f0mean: f0mean)
        guard frames.count > 0 else { return ([], []) }
        var delta: [Float] = [], f0: [Float] = []
        for i in 0..<frames.count { let r = frames.raw(i); delta.append(r.delta); f0.append(r.f0) }
        delta = smooth(delta, 9)
        f0 = smooth(HMPD.medfilt(f0.map(Double.init), 7).map(Float.init), 9)
        return (delta, f0)
    }

    /// get_creak_h2h1.m's frames, computed on demand (cached).
    struct H2H1Frames {
        let res: [Float], f0mean: Float
        let rep2: [Float]
        /// The ρ = 0.97 output, formed when a frame is first read (most streams read none).
        var rep: [Float]? = nil
        let count: Int
        var cache: [Int: (delta: Float, f0: Float)] = [:]
        static let len = 800
        static let window = Window.hanning(len)

        /// `rep08`: the ρ = 0.8 resonator output of `res`, when the caller has it.
        init(res: [Float], f0mean: Float, rep2 rep08: [Float]? = nil) {
            self.res = res; self.f0mean = f0mean
            rep2 = rep08 ?? CreakDetector.resonator(res, f0: f0mean, rho: 0.8)
            count = res.count > Self.len ? (res.count - Self.len - 1) / 160 + 1 : 0
        }

        /// H2-H1 (smoothed over 9 frames, ends as they are) interpolated at 1-based sample p
        /// of n, as interp1(linspace(1, n, L), Delta, p).
        mutating func delta(at p: Int, n: Int) -> Float {
            guard count > 1 else { return count == 1 ? raw(0).delta : 0 }
            let u = Double(p - 1) * Double(count - 1) / Double(n - 1)
            let i = min(count - 2, Int(u)), t = Float(u - Double(i))
            let a = smoothed(i)
            return t == 0 ? a : (1 - t) * a + t * smoothed(i + 1)
        }

        mutating func smoothed(_ i: Int) -> Float {
            guard i >= 4 && i < count - 4 else { return raw(i).delta }
            var s: Double = 0
            for j in (i - 4)...(i + 4) { s += Double(raw(j).delta) }
            return Float(s / 9)
        }

        mutating func raw(_ i: Int) -> (delta: Float, f0: Float) {
            if let c = cache[i] { return c }
            let len = Self.len, win = Self.window, start = 160 * i
            let rep: [Float]
            if let r = self.rep { rep = r } else { rep = CreakDetector.resonator(res, f0: f0mean, rho: 0.97); self.rep = rep }
            var a = [Float](repeating: 0, count: len), b = a
            for j in 0..<len {
                a[j] = rep2[start + j] * win[j]
                b[j] = rep[start + j] * win[j] * win[j]     // COVAREP windows this one twice
            }
            let (ra, rb) = CreakDetector.autocorrelations(a, b, fft: CreakDetector.fft2048)
            // Corrs(k), k = 1…799: lag k, unbiased by 799/(799 − (k−1)); leading positive
            // lobe zeroed; first maximum = creak period.
            var c2 = (1..<len).map { k in ra[k] * (Float(len - 1) / Float(len - k)) }
            var k = 0
            while c2[k] > 0 {
                c2[k] = 0
                k += 1
                if k == len - 2 { break }
            }
            var posi = 0
            for q in 1..<c2.count where c2[q] > c2[posi] { posi = q }
            let period = max(posi + 1, 5)
            let F0 = Int((16000 / Double(period)).rounded(.toNearestOrAwayFromZero))
            // |fft(Corrs, 16000)| at 1-based bins F0 and 2·F0 (F0 − 1 and 2F0 − 1 Hz).
            let uc = CreakDetector.unitCircle
            func bin(_ m: Int) -> Double {
                var sr = 0.0, si = 0.0
                var idx = 0
                for q in 0..<(len - 1) {
                    let v = Double(rb[q + 1])
                    sr += v * uc.c[idx]; si -= v * uc.s[idx]
                    idx += m; if idx >= 16000 { idx -= 16000 }
                }
                return (sr * sr + si * si).squareRoot()
            }
            let r = (Float(20 * log10(bin(2 * F0 - 1) / bin(F0 - 1))), Float(F0))
            cache[i] = r
            return r
        }
    }

    /// external/octave_only/smooth.m: centred moving average, ends left as they are.
    static func smooth(_ x: [Float], _ span: Int) -> [Float] {
        let h = (span - 1) / 2
        var y = x
        guard x.count > 2 * h else { return y }
        for m in h..<(x.count - h) {
            var s: Double = 0
            for j in (m - h)...(m + h) { s += Double(x[j]) }
            y[m] = Float(s / Double(span))
        }
        return y
    }

    /// get_zero_x_rate.m via sil_unv_features.m (32 ms frames every 5 ms): zero crossings
    /// per millisecond, interpolated at 1-based samples (0 outside the frame centres).
    static func zeroCrossingRate(_ x: [Float], at positions: [Int]) -> [Float] {
        let len = 512
        var t: [(t: Double, v: Float)] = []
        // Crossings before each sample (frames overlap 6.4×: counted once, not per frame).
        var before = [Int](repeating: 0, count: max(1, x.count))
        for i in 1..<max(1, x.count) { before[i] = before[i - 1] + ((x[i - 1] >= 0) != (x[i] >= 0) ? 1 : 0) }
        var start = 1
        while start + len - 1 <= x.count {
            // Crossings between samples i and i + 1 for i in start − 1 ..< start + len − 2.
            let c = before[start + len - 2] - before[start - 1]
            // COVAREP records the centre after advancing: mean([start finish]) of the next frame.
            t.append((Double(start + 80) + Double(len - 1) / 2, Float(c) / Float(len) * 16))
            start += 80
        }
        return positions.map { interpSorted(t, at: $0) }
    }

    /// sil_unv_features.m's log energy: 32 ms Hanning frames every 5 ms.
    static func logEnergy(_ x: [Float]) -> [Float] {
        let len = 512
        let win = Window.hanning(len)
        let frames = x.count > len ? (x.count - len - 1) / 80 + 1 : 0
        var es = [Float](repeating: 0, count: frames)
        // Four frames at a time: four independent sums, each in sample order as one frame
        // alone (one chain waits on its add every sample). Lanes past the end repeat the last.
        x.withUnsafeBufferPointer { xp in
            for f in stride(from: 0, to: frames, by: 4) {
                let b0 = 80 * f, b1 = 80 * min(f + 1, frames - 1), b2 = 80 * min(f + 2, frames - 1), b3 = 80 * min(f + 3, frames - 1)
                var e0: Float = 0, e1: Float = 0, e2: Float = 0, e3: Float = 0
                for j in 0..<len {
                    let w = win[j]
                    let v0 = xp[b0 + j] * w, v1 = xp[b1 + j] * w, v2 = xp[b2 + j] * w, v3 = xp[b3 + j] * w
                    e0 += v0 * v0; e1 += v1 * v1; e2 += v2 * v2; e3 += v3 * v3
                }
                let e = [e0, e1, e2, e3]
                for l in 0..<min(4, frames - f) { es[f + l] = log(e[l] / Float(len)) }
            }
        }
        // COVAREP preallocates one more frame than it fills when (n − 511) mod 80 < 2: log 0.
        if !es.isEmpty, (x.count - 511) / 80 > (x.count - 513) / 80 { es.append(-.infinity) }
        return es
    }

    /// res_peak.m + get_res_peak_prom.m: prominence of the largest residual peak (ρ = 0.8
    /// resonator output) in windows of two creak periods every 20 ms, as (1-based sample,
    /// value) after the 5-point median filter; 0 where the frame's energy is 4 below the
    /// maximum within ±400 ms.
    /// `rep`: the ρ = 0.8 resonator output of `res`, when the caller has it.
    /// `reading`: the 1-based samples the result will be interpolated at, when known: the
    /// prominence is then formed only for the windows whose filtered value such a read
    /// reaches (the two bracketing windows ± the median filter's two), the others left at
    /// 0. A block's margins hold about a third of its windows; the values read are the same.
    static func resPeak(_ x: [Float], res: [Float], f0mean: Float, rep rep08: [Float]? = nil,
                        reading: ClosedRange<Int>? = nil) -> [(t: Double, v: Float)] {
        let n = x.count
        let rep = rep08 ?? resonator(res, f0: f0mean, rho: 0.8)
        guard let w = ResPeakWindows(x, f0mean: f0mean) else { return [] }
        let winLen = w.winLen, hw = w.hw, z0 = w.z0, z1 = w.z1
        // Window j starts at 1-based sample 1 + 320·j (COVAREP's 20 ms hop).
        let t = stride(from: 1, through: n - winLen + 1, by: 320).map { start in
            (Double(2 * start + winLen - 1) / 2).rounded(.toNearestOrAwayFromZero)
        }
        var prom = [Double](repeating: 0, count: t.count)
        var formed = 0..<t.count
        if let reading, !t.isEmpty {
            // interpSorted reads the last window with t ≤ p and the next one.
            let lo = (t.lastIndex { $0 <= Double(reading.lowerBound) } ?? 0) - 2
            let hi = (t.firstIndex { $0 >= Double(reading.upperBound) } ?? t.count - 1) + 2
            formed = max(0, lo)..<min(t.count, hi + 1)
        }
        rep.withUnsafeBufferPointer { rp in
            for j in formed {
                let start = 1 + 320 * j, stop = start + winLen - 1
                let maxIdx = firstMaxAbs(UnsafeBufferPointer(rebasing: rp[(start - 1)..<stop])) + 1
                var v = 0.0
                if !(maxIdx + start - hw < 1 || start + maxIdx + hw > n) {
                    let s2 = maxIdx + start - hw, e2 = start + maxIdx + hw
                    // COVAREP: fr = rep(s2:e2), negated when its largest |value| is negative,
                    // divided by its maximum mx, zeroed at 1-based z0…z1; v = 1 − max(fr).
                    // Read in place: the maximum of fr/mx outside z0…z1 is (that maximum of
                    // fr)/mx (rounded division is monotone), and only a positive one counts.
                    let fr = UnsafeBufferPointer(rebasing: rp[(s2 - 1)..<e2])
                    let mi = firstMaxAbs(fr)
                    let sign: Float = fr[mi] < 0 ? -1 : 1
                    let zlo = max(1, z0) - 1, zhi = min(fr.count, z1)
                    let mx = signedMax(fr, 0..<fr.count, sign)
                    let outside = max(signedMax(fr, 0..<zlo, sign), signedMax(fr, zhi..<fr.count, sign))
                    var m2: Float = outside > 0 ? outside / mx : 0
                    if m2.isNaN { m2 = 0 }                     // ∞/∞: COVAREP's NaN never exceeds 0
                    v = Double(1 - m2)
                    // COVAREP tests the energy at maxIdx + start with maxIdx now the index in
                    // the second frame; kept as is.
                    if w.isQuiet(at: mi + 1 + start) { v = 0 }
                }
                prom[j] = v
            }
        }
        let f = HMPD.medfilt(prom, 5)
        return (0..<t.count).map { (t[$0], Float(f[$0])) }
    }

    /// res_peak.m's window geometry and energy contour for a block `x`: windows of `winLen`
    /// samples (two periods of the highest creak F0 for the block's F0 mean), the half width
    /// `hw` of the second window and its zeroed centre z0…z1 (1-based), and the log-energy
    /// contour interpolated at a sample (`energy`) and its maximum over a span (`maxEnergy`).
    struct ResPeakWindows {
        let n: Int, winLen: Int, hw: Int, z0: Int, z1: Int
        private let es: [Float], step: Double

        /// nil when `x` has no energy frame.
        init?(_ x: [Float], f0mean: Float) {
            n = x.count
            let maxCreakF0: Double = f0mean > 100 ? 90 : f0mean < 100 && f0mean >= 85 ? 65 : f0mean < 85 ? 55 : 80
            winLen = Int((16000 / maxCreakF0).rounded(.toNearestOrAwayFromZero)) * 2
            es = CreakDetector.logEnergy(x)
            guard !es.isEmpty else { return nil }
            step = Double(n - 1) / Double(max(1, es.count - 1))
            hw = Int((Double(winLen) / 2).rounded(.toNearestOrAwayFromZero))
            let rem = Double(winLen) * 0.2
            z0 = Int((Double(hw) - rem).rounded(.toNearestOrAwayFromZero))
            z1 = Int((Double(hw) + rem).rounded(.toNearestOrAwayFromZero))
        }

        /// The contour at 1-based sample p.
        private func energy(_ p: Int) -> Float { CreakDetector.interpLinspace(es, n: n, at: p) }

        /// The contour at 1-based sample c is more than 4 below its maximum within ±400 ms.
        func isQuiet(at c: Int) -> Bool { energy(c) < maxEnergy(max(1, c - 6400), min(n, c + 6400)) - 4 }

        /// Maximum of the interpolated contour over [a, b]: its ends and the knots inside.
        private func maxEnergy(_ a: Int, _ b: Int) -> Float {
            var m = max(energy(a), energy(b))
            let j0 = Int((Double(a - 1) / step).rounded(.up)), j1 = min(es.count - 1, Int(Double(b - 1) / step))
            if j0 <= j1 { for j in j0...j1 { m = max(m, es[j]) } }
            return m
        }
    }

    /// Index of the first largest |p[i]| (NaN never largest; 0 when all are NaN), as the
    /// loop `where abs(p[i]) > best` from best = −1 finds it: the maximum on eight lanes
    /// (each lane's running maximum, then the lanes': the same value in any order), then
    /// the first index holding it.
    static func firstMaxAbs(_ p: UnsafeBufferPointer<Float>) -> Int {
        var best: Float = -1
        let whole = p.count / 8 * 8
        if whole > 0, let base = p.baseAddress {
            var m = SIMD8<Float>(repeating: -1)
            let raw = UnsafeRawPointer(base)
            for i in stride(from: 0, to: whole, by: 8) {
                let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let a = v.replacing(with: -v, where: v .< 0)    // |v| (−0 stays −0, equal to 0)
                m.replace(with: a, where: a .> m)
            }
            for l in 0..<8 where m[l] > best { best = m[l] }
        }
        for i in whole..<p.count where abs(p[i]) > best { best = abs(p[i]) }
        for i in 0..<p.count where abs(p[i]) == best { return i }
        return 0
    }

    /// max over i in `r` of sign·p[i] (NaN skipped; −∞ for an empty range).
    static func signedMax(_ p: UnsafeBufferPointer<Float>, _ r: Range<Int>, _ sign: Float) -> Float {
        var m = -Float.infinity
        for i in r { let v = sign * p[i]; if v > m { m = v } }
        return m
    }

    // MARK: - Ishi et al. (2008)

    static let fft1024 = FFT(count: 1024)
    static let fft512 = FFT(count: 512)

    /// ishi_creak_detection.m on one signal.
    struct Ishi {
        let n: Int
        var tPow: [Double] = []           // very short power frame centres (1-based samples)
        var peaks: [(samp: Int, rise: Float, fall: Float, ifp: Float, ips: Float)] = []
        var tIFP: [Int] = [], ifp: [Float] = []   // post-processed, clipped to [0, 1]
        var creakRuns: [ClosedRange<Int>] = []   // 1-based samples

        init(_ x: [Float], full: Bool = true) {
            n = x.count
            let xf = CreakDetector.bandPass(x)
            // (1) very short-term power (4 ms, 2 ms shift), dB as 20·log10 of the power.
            var db: [Float] = []
            var s = 0
            while s + 64 <= n {
                var e: Float = 0
                for j in 0..<64 { e += xf[s + j] * xf[s + j] }
                db.append(20 * log10(e / 64))
                tPow.append(Double(s + 1) + 31.5)
                s += 32
            }
            var cand = CreakDetector.findPeaks(db).filter { k in
                let p = db[k], a = max(0, k - 3), b = min(db.count - 1, k + 3)
                return !(p - 2 < db[a] || p - 2 < db[b])
            }
            if let maxPow = cand.map({ db[$0] }).max() { cand = cand.filter { db[$0] >= maxPow - 30 } }
            // (2) intra-frame periodicity, 32 ms frames every 10 ms (1-based centres
            // 257 + 160·q); `full: false` computes only the frames candidate pulses read.
            let frameCount = n >= 512 ? (n - 512) / 160 + 1 : 0
            tIFP = (0..<frameCount).map { 160 * $0 + 257 }
            var raw = [Float?](repeating: nil, count: frameCount)
            func rawIFP(_ q: Int) -> Float {
                if let v = raw[q] { return v }
                let (r, _) = CreakDetector.autocorrelations(Array(xf[(160 * q)..<(160 * q + 512)]), [], fft: CreakDetector.fft1024)
                let v = CreakDetector.ifpValue(r)
                raw[q] = v
                return v
            }
            // get_ifp.m zeroes a frame when either of the next two is below 0.5 (all but the last three).
            func post(_ q: Int) -> Float {
                if q < frameCount - 3 && (rawIFP(q + 1) < 0.5 || rawIFP(q + 2) < 0.5) { return 0 }
                return rawIFP(q)
            }
            if full {
                var q = 0
                while q < frameCount {       // two frames per complex FFT
                    let b = q + 1 < frameCount ? Array(xf[(160 * q + 160)..<(160 * q + 672)]) : []
                    let (ra, rb) = CreakDetector.autocorrelations(Array(xf[(160 * q)..<(160 * q + 512)]), b, fft: CreakDetector.fft1024)
                    raw[q] = CreakDetector.ifpValue(ra)
                    if q + 1 < frameCount { raw[q + 1] = CreakDetector.ifpValue(rb) }
                    q += 2
                }
                ifp = (0..<frameCount).map { min(1, max(0, post($0))) }
            }
            // Peaks: PwP rise/fall, IFP of the nearest IFP frame (unclipped), IPS.
            for k in cand {
                let p = db[k]
                var rise = -Float.infinity, fall = -Float.infinity
                for j in max(0, k - 5)..<k { rise = max(rise, p - db[j]) }
                for j in (k + 1)...min(db.count - 1, k + 5) { fall = max(fall, p - db[j]) }
                let samp = Int(tPow[k].rounded(.toNearestOrAwayFromZero))
                peaks.append((samp, rise, fall, 0, 0))
            }
            for k in 0..<peaks.count where frameCount > 0 && (full || (peaks[k].rise >= 7 && peaks[k].fall >= 7)) {
                let samp = peaks[k].samp
                let q0 = min(frameCount - 1, max(0, (samp - 257) / 160 - (samp < 257 ? 1 : 0)))
                let q1 = min(frameCount - 1, q0 + 1)
                peaks[k].ifp = post(abs(tIFP[q1] - samp) < abs(tIFP[q0] - samp) ? q1 : q0)
            }
            // (3) inter-pulse similarity with the previous pulse.
            for k in 1..<max(1, peaks.count) {
                if !full && !(peaks[k].rise >= 7 && peaks[k].fall >= 7 && peaks[k].ifp <= 0.5) { continue }
                let cur = peaks[k].samp, prev = peaks[k - 1].samp
                if cur - prev > 1600 { continue }
                if cur + 120 > n { break }
                if prev - 120 < 1 { continue }
                let a = Array(xf[(cur - 121)...(cur + 119)]), b = Array(xf[(prev - 121)...(prev + 119)])
                peaks[k].ips = CreakDetector.maxNormalisedXcorr(a, b)
            }
            // Decision: runs of ≥ 2 consecutive candidate pulses closer than 100 ms.
            let ok = peaks.map { $0.rise >= 7 && $0.fall >= 7 && $0.ifp <= 0.5 && $0.ips >= 0.5 }
            var m = 0
            while m < ok.count - 1 {
                if ok[m] && ok[m + 1] {
                    let st = peaks[m].samp
                    m += 1
                    while ok[m] && peaks[m].samp - peaks[m - 1].samp < 1600 && m < ok.count - 1 { m += 1 }
                    creakRuns.append(st...max(st, peaks[m - 1].samp))
                }
                m += 1
            }
        }

        func creak(at p: Int) -> Bool { creakRuns.contains { $0.contains(p) } }

        /// get_ishi_params_inter.m's IFP: linear interpolation of the frames, 0 outside.
        func ifpContour(at p: Int) -> Float {
            guard ifp.count >= 3, p >= tIFP[0], p <= tIFP[tIFP.count - 1] else { return 0 }
            var lo = 0, hi = tIFP.count - 1
            while hi - lo > 1 { let mid = (lo + hi) / 2; if tIFP[mid] <= p { lo = mid } else { hi = mid } }
            let t = Float(p - tIFP[lo]) / Float(tIFP[hi] - tIFP[lo])
            return t == 0 ? ifp[lo] : ifp[lo] + t * (ifp[hi] - ifp[lo])
        }

        /// get_ishi_params_inter.m's PwP/IPS at sample p: the nearest peak at or after p
        /// within 35 ms (COVAREP zeroes earlier peak times, so for p < 35 ms the first
        /// peak also qualifies).
        func peakValues(at p: Int) -> (rise: Float, fall: Float, ips: Float) {
            guard peaks.count > 2 else { return (0, 0, 0) }
            var f = 0
            while f < peaks.count && peaks[f].samp < p { f += 1 }
            var idx = -1, dist = Int.max
            if f > 0 { idx = 0; dist = p }
            if f < peaks.count, peaks[f].samp - p < dist { idx = f; dist = peaks[f].samp - p }
            guard idx >= 0, dist < 560 else { return (0, 0, 0) }
            return (peaks[idx].rise, peaks[idx].fall, peaks[idx].ips)
        }
    }

    /// get_ifp.m on one frame's autocorrelation (lags 0…511): 'coeff' normalisation, lags
    /// up to 15 ms, the first 16 zeroed, scaled by N/(N − i); minimum of the maxima near
    /// the multiples of the best lag.
    static func ifpValue(_ r: [Float]) -> Float {
        guard r[0] > 0 else { return 0 }
        var acf = (0...240).map { r[$0] / r[0] }
        for i in 0..<16 { acf[i] = 0 }
        for i in 0..<acf.count { acf[i] *= 512 / Float(512 - (i + 1)) }
        var best = 0
        for i in 1..<acf.count where acf[i] > acf[best] { best = i }
        let m1 = best + 1                                  // 1-based
        var mins = acf[best]
        var m = 2
        while m1 * m < acf.count {
            let b = max(1, m1 * m - 16), e = min(acf.count, m1 * m + 16)
            var mx = -Float.infinity
            for i in b...e { mx = max(mx, acf[i - 1]) }
            mins = min(mins, mx)
            m += 1
        }
        return mins
    }

    /// max over lags −240…240 of xcorr(a, b, 'coeff') for two 241-sample segments.
    static func maxNormalisedXcorr(_ a: [Float], _ b: [Float]) -> Float {
        var ea: Float = 0, eb: Float = 0
        for v in a { ea += v * v }
        for v in b { eb += v * v }
        let norm = (ea * eb).squareRoot()
        guard norm > 0 else { return 0 }
        let m = 512
        var re = [Float](repeating: 0, count: m), im = re
        for i in 0..<a.count { re[i] = a[i]; im[i] = b[i] }
        fft512.forward(re: &re, im: &im)
        // a ⋆ b = IFFT(A · conj B), with A, B separated from Z = A + iB.
        var cr = [Float](repeating: 0, count: m), ci = cr
        for k in 0..<m {
            let j = (m - k) % m
            let ar = 0.5 * (re[k] + re[j]), ai = 0.5 * (im[k] - im[j])
            let br = 0.5 * (im[k] + im[j]), bi = 0.5 * (re[j] - re[k])
            cr[k] = ar * br + ai * bi
            ci[k] = ai * br - ar * bi
        }
        fft512.inverse(re: &cr, im: &ci)
        var mx = -Float.infinity
        for lag in -240...240 { mx = max(mx, cr[(lag + m) % m]) }
        return mx / norm
    }

    /// voicebox v_findpeaks (no options): 0-based indices of maxima, a plateau's peak at
    /// its centre (rounded down); none at the ends.
    static func findPeaks(_ x: [Float]) -> [Int] {
        var out: [Int] = []
        let nx = x.count
        var i = 1
        while i < nx - 1 {
            guard x[i] > x[i - 1] else { i += 1; continue }
            var j = i
            while j + 1 < nx && x[j + 1] == x[i] { j += 1 }
            if j + 1 < nx && x[j + 1] < x[i] { out.append((i + j) / 2) }
            i = j + 1
        }
        return out
    }

    // MARK: - interpolation

    /// interp1(linspace(1, n, L), v, p) at a 1-based sample p.
    static func interpLinspace(_ v: [Float], n: Int, at p: Int) -> Float {
        guard v.count > 1, n > 1 else { return v.first ?? 0 }
        let u = Double(p - 1) * Double(v.count - 1) / Double(n - 1)
        let i = min(v.count - 2, Int(u)), t = Float(u - Double(i))
        return t == 0 ? v[i] : (1 - t) * v[i] + t * v[i + 1]
    }

    /// interp1(t, v, p) for increasing t, 0 outside (COVAREP sets NaN to 0).
    static func interpSorted(_ tv: [(t: Double, v: Float)], at p: Int) -> Float {
        let x = Double(p)
        guard let first = tv.first, let last = tv.last, x >= first.t, x <= last.t else { return 0 }
        var lo = 0, hi = tv.count - 1
        while hi - lo > 1 { let mid = (lo + hi) / 2; if tv[mid].t <= x { lo = mid } else { hi = mid } }
        let t = Float((x - tv[lo].t) / (tv[hi].t - tv[lo].t))
        return t == 0 ? tv[lo].v : tv[lo].v + t * (tv[hi].v - tv[lo].v)
    }

    /// Octave filtfilt's steady-state initial conditions of the band-pass (per unit input).
    static let bandPassState: [Double] = {
        let b = bandB, a = bandA
        var sb = 0.0, sa = 0.0
        for v in b { sb += v }
        for v in a { sa += v }
        let kdc = sb / sa
        var si = [Double](repeating: 0, count: b.count)
        var acc = 0.0
        for i in stride(from: b.count - 1, through: 0, by: -1) { acc += b[i] - kdc * a[i]; si[i] = acc }
        si.removeFirst()
        return si
    }()

    /// filtfilt(bandB, bandA, x) as Octave's signal package computes it (reflection,
    /// initial conditions, filter.cc's operation order): the order-14 transfer function
    /// amplifies rounding differences, so the order matters in quiet passages.
    static func bandPass(_ x: [Float]) -> [Float] {
        let b = bandB, a = bandA, n = b.count, lrefl = 3 * (n - 1)
        let lx = x.count
        guard lx > lrefl else { return FilterD.filtfilt(b: b, a: a, x.map(Double.init)).map(Float.init) }
        let si = bandPassState
        let x0 = Double(x[0]), xe = Double(x[lx - 1])
        // The reflected signal written in place, and the second pass run from the end (no
        // appends and no reversals of the ≈ 48 000 samples: a fifth of this function's time).
        var v = [Double](unsafeUninitializedCapacity: lx + 2 * lrefl) { p, count in
            for i in 0..<lrefl { p[i] = 2 * x0 - Double(x[lrefl - i]) }
            for i in 0..<lx { p[lrefl + i] = Double(x[i]) }
            for i in 1...lrefl { p[lrefl + lx + i - 1] = 2 * xe - Double(x[lx - 1 - i]) }
            count = lx + 2 * lrefl
        }
        filterOrder14(b: b, a: a, zi: si, &v, backward: false)
        filterOrder14(b: b, a: a, zi: si, &v, backward: true)
        return [Float](unsafeUninitializedCapacity: lx) { p, count in
            for i in 0..<lx { p[i] = Float(v[lrefl + i]) }
            count = lx
        }
    }

    /// filter.cc's direct form II transposed recursion for 15 coefficients (a[0] = 1), in
    /// place, from the state zi·v[0]: y = z₀ + b₀x, z_j ← z_{j+1} − a_{j+1}y + b_{j+1}x,
    /// z₁₃ ← b₁₄x − a₁₄y, each update in that order of operations. On AVX-512 builds by
    /// `filterOrder14Vector` (the same values, 4.0 → 2.5 ns per sample), elsewhere by
    /// `filterOrder14Scalar` (the vector form measured slower on AVX2: 4.1 → 4.7 ns), and
    /// for non-finite input, where the b₁x = 0·∞ that the vector form leaves out is NaN.
    /// `backward`: v runs from its last sample to its first (filtfilt's second pass, as the
    /// forward recursion over v reversed, without reversing it).
    static func filterOrder14(b: [Double], a: [Double], zi: [Double], _ v: inout [Double], backward: Bool = false) {
        if KernelBuild.sixteenLaneRegisters && b.count > 1 && b[1] == 0 && v.allSatisfy(\.isFinite) {
            filterOrder14Vector(b: b, a: a, zi: zi, &v, backward: backward)
        } else {
            filterOrder14Scalar(b: b, a: a, zi: zi, &v, backward: backward)
        }
    }

    /// The recursion with the state in scalar locals: held in an array, each sample's update
    /// was compiled into overlapping vector stores and loads of that array, and the loads
    /// waited on store forwarding in the sample-to-sample chain.
    static func filterOrder14Scalar(b: [Double], a: [Double], zi: [Double], _ v: inout [Double], backward: Bool = false) {
        precondition(b.count == 15 && a.count == 15 && zi.count == 14, "filterOrder14 takes 15 coefficients and 14 states")
        guard let v0 = backward ? v.last : v.first else { return }
        let last = v.count - 1
        let b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7]
        let b8 = b[8], b9 = b[9], b10 = b[10], b11 = b[11], b12 = b[12], b13 = b[13], b14 = b[14]
        let a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7]
        let a8 = a[8], a9 = a[9], a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14]
        var z0 = zi[0] * v0, z1 = zi[1] * v0, z2 = zi[2] * v0, z3 = zi[3] * v0, z4 = zi[4] * v0
        var z5 = zi[5] * v0, z6 = zi[6] * v0, z7 = zi[7] * v0, z8 = zi[8] * v0, z9 = zi[9] * v0
        var z10 = zi[10] * v0, z11 = zi[11] * v0, z12 = zi[12] * v0, z13 = zi[13] * v0
        for k in v.indices {
            let i = backward ? last - k : k
            let x = v[i]
            let y = z0 + b0 * x
            z0 = z1 - a1 * y + b1 * x; z1 = z2 - a2 * y + b2 * x; z2 = z3 - a3 * y + b3 * x
            z3 = z4 - a4 * y + b4 * x; z4 = z5 - a5 * y + b5 * x; z5 = z6 - a6 * y + b6 * x
            z6 = z7 - a7 * y + b7 * x; z7 = z8 - a8 * y + b8 * x; z8 = z9 - a9 * y + b9 * x
            z9 = z10 - a10 * y + b10 * x; z10 = z11 - a11 * y + b11 * x; z11 = z12 - a12 * y + b12 * x
            z12 = z13 - a13 * y + b13 * x
            z13 = b14 * x - a14 * y
            v[i] = y
        }
    }

    /// The recursion with z₀ in a scalar and z₁…z₁₃ in one sixteen-lane vector. Only z₀ is
    /// on the sample-to-sample chain (y → z₀ → next y); the scalar form was compiled into a
    /// partly vectorised loop whose shuffles lengthened that chain. The vector is shifted
    /// down one lane, then each lane takes − a·y + b·x in the scalar form's order; the vacant
    /// lanes 12…15 hold 0, so lane 12 gives (0 − a₁₄y) + b₁₄x = b₁₄x − a₁₄y exactly.
    /// b₁ must be 0 (so for the band-pass: b(z) = k·(1 − z⁻²)⁷), so that z₀'s update has no
    /// x term. For finite input that changes no bit: b₁x = 0·x is +0 or −0, and adding it
    /// changes a sum only when the sum is −0 and the term +0; a −0 sum needs y = −0, so
    /// b₀x = −0, so x ≤ −0 and the term is −0.
    static func filterOrder14Vector(b: [Double], a: [Double], zi: [Double], _ v: inout [Double], backward: Bool = false) {
        precondition(b.count == 15 && a.count == 15 && zi.count == 14, "filterOrder14 takes 15 coefficients and 14 states")
        precondition(b[1] == 0, "filterOrder14Vector takes a filter whose b₁ is 0")
        guard let v0 = backward ? v.last : v.first else { return }
        let last = v.count - 1
        let b0 = b[0], a1 = a[1]
        // Lane j holds z_{j+1} and its coefficients a_{j+2}, b_{j+2} (j = 0…12).
        var ak = SIMD16<Double>(repeating: 0), bk = ak, z = ak
        for j in 0..<13 { ak[j] = a[j + 2]; bk[j] = b[j + 2]; z[j] = zi[j + 1] * v0 }
        var z0 = zi[0] * v0
        // Lane l of the shifted state reads lane down[l] (then lanes 12…15 are zeroed): as a
        // lane loop this compiles to one permute; a sixteen-scalar initialiser took 3.7 ns.
        let down = SIMD16<Int>(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15)
        for k in v.indices {
            let i = backward ? last - k : k
            let x = v[i]
            let y = z0 + b0 * x
            z0 = z[0] - a1 * y
            var shifted = SIMD16<Double>(repeating: 0)
            for l in 0..<16 { shifted[l] = z[down[l]] }
            shifted[12] = 0; shifted[13] = 0; shifted[14] = 0; shifted[15] = 0
            z = (shifted - ak * y) + bk * x
            v[i] = y
        }
    }

    /// butter(buttord([100 1500]/8000, [50 3000]/8000, 3, 40)): order-7 band-pass, Octave's
    /// coefficients at 16 kHz (ishi_creak_detection.m designs it at run time).
    static let bandB: [Double] = [4.0505654865255751e-05, 0, -0.00028353958405679026, 0, 0.00085061875217037073, 0,
                                  -0.0014176979202839514, 0, 0.0014176979202839514, 0, -0.00085061875217037073, 0,
                                  0.00028353958405679026, 0, -4.0505654865255751e-05]
    static let bandA: [Double] = [1, -11.396025934988289, 60.488877650605893, -198.28071649248346, 448.56388546312411,
                                  -741.03303466394073, 922.07618267166629, -878.03646957413025, 643.03221072172835,
                                  -360.44492904837546, 152.23211054546971, -46.975948609540239, 10.011965608712963,
                                  -1.3191769043384458, 0.081068566490829552]
}
