// Glottal-source columns of COVAREP_feature_extraction.m on one analysis block:
// polarity (polarity_reskew.m), glottal closure instants (gci_sedreams.m), glottal flow
// by IAIF at the GCIs (iaif_gci.m / iaif.m), NAQ, QOQ, H1H2, PSP (get_vq_params.m) and
// MDQ (mdq.m). Index conventions follow the MATLAB code: `p` values are 1-based sample
// numbers within the block.
import Foundation
import Synchronization
import DSP

struct GlottalMeasures: Sendable {
    /// (1-based position within the block, value) of NAQ, QOQ, H1H2, PSP at the GCIs
    /// (position G + 1) and of MDQ (position G), as COVAREP interpolates them.
    var naq: [(Double, Float)] = [], qoq: [(Double, Float)] = [], h1h2: [(Double, Float)] = [], psp: [(Double, Float)] = []
    var mdq: [(Double, Float)] = []
    /// Polarity applied to the block (+1 or −1).
    var polarity: Float = 1
}

enum Glottal {
    static let fs = 16000

    // MARK: residuals

    /// lpcresidual.m (L = 400, shift = 80), optionally with the LPC taken from another signal
    /// (polarity_reskew's GetLPCresidual_WithTwoSignals). Not normalised.
    static func lpcResidual(_ x: [Float], order: Int, lpcFrom other: [Float]? = nil) -> [Float] {
        lpcResiduals(x, order: order, lpcFrom: [other])[0]
    }

    static let residualWindow = Window.hanning(401)

    /// Hanning and Hamming windows by length, kept across blocks: periods repeat, and each
    /// new window costs a cosine per sample. At most one per length up to 2·fs/20 + 1.
    static let windowCache = Mutex<(hanning: [Int: [Float]], hamming: [Int: [Float]])>(([:], [:]))

    static func cachedHanning(_ n: Int) -> [Float] {
        if let w = windowCache.withLock({ $0.hanning[n] }) { return w }
        let w = Window.hanning(n)
        windowCache.withLock { $0.hanning[n] = w }
        return w
    }

    static func cachedHamming(_ n: Int) -> [Float] {
        if let w = windowCache.withLock({ $0.hamming[n] }) { return w }
        let w = Window.hamming(n)
        windowCache.withLock { $0.hamming[n] = w }
        return w
    }

    /// One lpcResidual of `x` per entry of `lpcFrom` (nil: the LPC of x itself), sharing
    /// the windowed frames and their energies.
    static func lpcResiduals(_ x: [Float], order: Int, lpcFrom others: [[Float]?]) -> [[Float]] {
        var res = others.map { _ in [Float](repeating: 0, count: x.count) }
        let frames = x.count > 401 ? (x.count - 402) / 80 + 1 : 0
        accumulateResiduals(x, order: order, lpcFrom: others, from: 0, frames: frames, into: &res)
        return res
    }

    /// Overlap-adds `frames` residual frames (401 samples, hop 80, from x[start]) into
    /// `res` (one array per entry of `others`, x's indexing), in frame order: adding them
    /// to values already there rounds as one lpcresidual.m pass that had added those first.
    /// Frames go four at a time so that their energy sums (each summed in sample order, as
    /// one frame alone) run as four independent chains instead of one chain waiting on each add.
    /// `lagsOfFrame` (frame index from 0, windowed frame), when not nil, replaces
    /// `LPC.autocorrelation(windowed, order:)` for the entries whose LPC is x's own (it may
    /// hold more lags). The four frames' Levinson recursions run side by side (levinson4).
    /// The windowed frames sit between Filter.firPad zeros and the inverse filter writes into
    /// held buffers (`Filter.fir(_:padded:…)`), so a group of frames allocates only its lags
    /// and polynomials: Filter.fir's own copy and output array were two allocations a frame.
    /// `resStart` (default `start`): where the first frame goes in `res`, when res is not
    /// indexed as x (SRH's residual adds into its held buffer, read from the held samples).
    static func accumulateResiduals(_ x: [Float], order: Int, lpcFrom others: [[Float]?], from start: Int, frames: Int,
                                    into res: inout [[Float]], at resStart: Int? = nil,
                                    lagsOfFrame: (Int, UnsafeBufferPointer<Float>) -> [Double]? = { _, _ in nil }) {
        let seg = 401, shift = 80, lanes = 4, pad = Filter.firPad
        let stride = seg + 2 * pad, outStride = seg + pad
        guard frames > 0 else { return }
        let rStart = resStart ?? start
        precondition(x.count >= start + shift * (frames - 1) + seg, "accumulateResiduals: \(frames) frames from sample \(start) need \(start + shift * (frames - 1) + seg) samples, x has \(x.count)")
        let win = residualWindow
        // Lane l's windowed frame at s[l·stride + pad ..< l·stride + pad + seg], zeros around it
        // (never written); its inverse-filtered frame at inv[l·outStride ..< l·outStride + seg].
        var s = [Float](repeating: 0, count: lanes * stride), s2 = [Float](repeating: 0, count: seg)
        var inv = [Float](repeating: 0, count: lanes * outStride)
        var lags = [[Double]](repeating: [], count: lanes)
        var coefficients = [Float](repeating: 0, count: lanes * (order + 1))
        coefficients.withUnsafeMutableBufferPointer { cp in
        x.withUnsafeBufferPointer { xp in
        win.withUnsafeBufferPointer { wp in
        s.withUnsafeMutableBufferPointer { sp in
        inv.withUnsafeMutableBufferPointer { ivp in
            let sf = UnsafeBufferPointer(sp)
            @inline(__always) func frame(_ l: Int) -> UnsafeBufferPointer<Float> {
                UnsafeBufferPointer(rebasing: sf[(l * stride + pad)..<(l * stride + pad + seg)])
            }
            for f0 in Swift.stride(from: 0, to: frames, by: lanes) {
                let used = min(lanes, frames - f0)
                // Lanes past the last frame repeat it (their results are not used).
                // Windowed frames lane by lane (contiguous, vectorised; with the energy sums in
                // the same loop, the four lanes' samples were gathered).
                for l in 0..<lanes {
                    let b = start + shift * min(f0 + l, frames - 1), o = l * stride + pad
                    for i in 0..<seg { sp[o &+ i] = xp[b &+ i] * wp[i] }
                }
                // The frames' energies, summed with the first residual's (one chain of eight
                // lanes instead of two chains one after the other: each chain waits on its add).
                var e = SIMD4<Float>.zero
                for (r, other) in others.enumerated() {
                    for l in 0..<used {
                        if let other {
                            let b = start + shift * (f0 + l)
                            other.withUnsafeBufferPointer { op in
                                for i in 0..<seg { s2[i] = op[b &+ i] * wp[i] }
                            }
                            lags[l] = s2.withUnsafeBufferPointer { LPC.autocorrelation($0, order: order) }
                        } else {
                            lags[l] = lagsOfFrame(f0 + l, frame(l)) ?? LPC.autocorrelation(frame(l), order: order)
                        }
                    }
                    for l in used..<lanes { lags[l] = lags[0] }
                    LPC.levinson4(lags, order: order, into: cp, stride: order + 1)
                    for l in 0..<lanes {
                        let y = UnsafeMutableBufferPointer(rebasing: ivp[(l * outStride)..<((l + 1) * outStride)])
                        if l < used {
                            let a = UnsafeBufferPointer(rebasing: cp[(l * (order + 1))..<((l + 1) * (order + 1))])
                            Filter.fir(a, padded: UnsafeBufferPointer(rebasing: sf[(l * stride)..<((l + 1) * stride)]), count: seg,
                                       outputs: 0..<seg, into: y)
                        } else {
                            // Repeats lane 0 (results unused; keeps the four energy chains alike).
                            for i in 0..<seg { y[i] = ivp[i] }
                        }
                    }
                    let ei: SIMD4<Float>
                    if r == 0 {
                        (e, ei) = energies(sf, pad, stride, and: UnsafeBufferPointer(ivp), 0, outStride, seg)
                    } else {
                        ei = energies(UnsafeBufferPointer(ivp), 0, outStride, and: UnsafeBufferPointer(ivp), 0, outStride, seg).0
                    }
                    // Overlap-add in frame order, as the one-frame loop; each sum is its own
                    // (product rounded, then added), so eight at a time give the same values.
                    res[r].withUnsafeMutableBufferPointer { rp in
                        precondition(rp.count >= rStart + shift * (f0 + used - 1) + seg, "accumulateResiduals: residual shorter than x's frames")
                        let rb = UnsafeMutableRawPointer(rp.baseAddress!)
                        for l in 0..<used {
                            let g = (e[l] / ei[l]).squareRoot(), b = rStart + shift * (f0 + l)
                            let gv = SIMD8<Float>(repeating: g)
                            let ib = UnsafeRawPointer(ivp.baseAddress! + l * outStride)
                            var i = 0
                            while i + 8 <= seg {
                                let o = (b &+ i) &* 4
                                let sum = rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                                    + ib.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) * gv
                                rb.storeBytes(of: sum, toByteOffset: o, as: SIMD8<Float>.self)
                                i += 8
                            }
                            while i < seg { rp[b &+ i] += ivp[l &* outStride &+ i] * g; i += 1 }
                        }
                    }
                }
            }
        } } } } }
    }

    /// Σ v[vo + l·vs + i]² and Σ w[wo + l·ws + i]² over i < n for l = 0…3 (four frames of
    /// each buffer), each sum in sample order (as one frame alone), in one chain of eight lanes.
    @inline(__always)
    static func energies(_ v: UnsafeBufferPointer<Float>, _ vo: Int, _ vs: Int, and w: UnsafeBufferPointer<Float>, _ wo: Int, _ ws: Int,
                         _ n: Int) -> (SIMD4<Float>, SIMD4<Float>) {
        precondition(vo + 3 * vs + n <= v.count && wo + 3 * ws + n <= w.count, "Glottal.energies: frames past the buffers")
        var e = SIMD8<Float>(repeating: 0)
        for i in 0..<n {
            let u = SIMD8<Float>(v[vo &+ i], v[vo &+ vs &+ i], v[vo &+ 2 &* vs &+ i], v[vo &+ 3 &* vs &+ i],
                                 w[wo &+ i], w[wo &+ ws &+ i], w[wo &+ 2 &* ws &+ i], w[wo &+ 3 &* ws &+ i])
            e += u * u
        }
        return (e.lowHalf, e.highHalf)
    }

    /// COVAREP's whole-file order-18 LP residual (lpcresidual.m: 401-sample Hanning frames
    /// every 80 samples from sample 0), built once per stream as samples arrive, for
    /// polarity, SEDREAMS, MDQ and creak to read their windows from (each had computed its
    /// own on its own window, twice per sample with the glottal margins, on a frame grid
    /// shifted against COVAREP's). Holds only the input its next frames read and the
    /// residual from the oldest sample a caller still reads.
    struct StreamResidual: Sendable {
        static let order = 18
        /// Frames [0, nextFrame) are added.
        private(set) var nextFrame = 0
        private var input: [Float] = []          // samples [inputBase, inputBase + input.count)
        private var inputBase = 0
        private var residual: [Float] = []       // residual [residualBase, …); 0 beyond
        private var residualBase = 0

        /// Samples held.
        var count: Int { input.count + residual.count }

        /// Adds the frames that lpcresidual.m over samples [0, end) has (those ending
        /// before sample end − 1); `samples` must hold [inputBase + input.count, end).
        /// `shared(m)`: frame m's order-18 autocorrelation if already formed (SRH's residual
        /// forms it for the same windowed frame), so that it is not formed twice.
        mutating func advance(_ samples: SampleBuffer, to end: Int, shared: (Int) -> [Double]? = { _ in nil }) {
            let inputEnd = inputBase + input.count
            if end > inputEnd { input += samples.slice(inputEnd, end - inputEnd) }
            let last = end >= 402 ? (end - 402) / 80 : -1
            let frames = last - nextFrame + 1
            guard frames > 0 else { return }
            let start = 80 * nextFrame, length = 80 * (frames - 1) + 401
            // The residual over the frames' span, holding the earlier frames' sums.
            var acc = [[Float](repeating: 0, count: length)]
            let lo = max(start, residualBase), have = residualBase + residual.count
            if have > lo { for i in lo..<have { acc[0][i - start] = residual[i - residualBase] } }
            let x = Array(input[(start - inputBase)..<(start - inputBase + length)])
            let first = nextFrame
            accumulateResiduals(x, order: Self.order, lpcFrom: [nil], from: 0, frames: frames, into: &acc) { f, _ in
                shared(first + f)
            }
            if residual.isEmpty && residualBase < start { residualBase = start }
            let keep = start - residualBase
            if keep >= 0 {
                residual.removeLast(residual.count - min(keep, residual.count))
                residual += [Float](repeating: 0, count: keep - residual.count)
                residual += acc[0]
            } else {
                // Dropped past the start of these frames: keep only what is still wanted.
                residual = Array(acc[0][min(-keep, length)...])
                residualBase = start + min(-keep, length)
            }
            nextFrame += frames
            let drop = min(input.count, 80 * nextFrame - inputBase)
            if drop > 0 { input.removeFirst(drop); inputBase += drop }
        }

        /// The residual over samples [from, from + count) (0 where not formed yet).
        func slice(_ from: Int, _ count: Int) -> [Float] {
            var out = [Float](repeating: 0, count: count)
            let lo = max(from, residualBase), hi = min(from + count, residualBase + residual.count)
            // One bulk copy (a checked subscript per sample was 0.3 % of the extractor).
            if lo < hi { out.replaceSubrange((lo - from)..<(hi - from), with: residual[(lo - residualBase)..<(hi - residualBase)]) }
            return out
        }

        /// Forgets the residual before sample i.
        mutating func drop(before i: Int) {
            let n = min(max(0, i - residualBase), residual.count)
            if n > 0 { residual.removeFirst(n); residualBase += n }
            if residual.isEmpty { residualBase = max(residualBase, i) }
        }
    }

    /// Raw moments (n, Σr, Σr², Σr³) of a residual, so that skewness can be pooled over blocks.
    struct Moments: Sendable {
        var n = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        mutating func add(_ x: ArraySlice<Float>) {
            for v in x { let d = Double(v.isFinite ? v : 0); n += 1; s1 += d; s2 += d * d; s3 += d * d * d }
        }
        /// `a.add(x)` and `b.add(y)` for x and y of one length in one loop: each sum is still
        /// its own chain in sample order (the same values), but the two sets of chains
        /// overlap instead of each add waiting on the one before.
        static func add(_ x: ArraySlice<Float>, to a: inout Moments, _ y: ArraySlice<Float>, to b: inout Moments) {
            precondition(x.count == y.count, "Moments.add: \(x.count) and \(y.count) samples")
            var i = x.startIndex, j = y.startIndex
            while i < x.endIndex {
                let u = x[i], v = y[j]
                let d = Double(u.isFinite ? u : 0), e = Double(v.isFinite ? v : 0)
                a.n += 1; a.s1 += d; a.s2 += d * d; a.s3 += d * d * d
                b.n += 1; b.s1 += e; b.s2 += e * e; b.s3 += e * e * e
                i += 1; j += 1
            }
        }
        static func + (a: Moments, b: Moments) -> Moments { Moments(n: a.n + b.n, s1: a.s1 + b.s1, s2: a.s2 + b.s2, s3: a.s3 + b.s3) }
        /// Biased skewness as MATLAB's skewness(x).
        var skewness: Double {
            guard n > 2 else { return 0 }
            let m = s1 / n
            let m2 = s2 / n - m * m
            let m3 = s3 / n - 3 * m * s2 / n + 2 * m * m * m
            return m2 > 0 ? m3 / pow(m2, 1.5) : 0
        }
    }

    /// polarity_reskew.m's two residuals over the stream, as the raw moments of the samples
    /// each block finalises: x filtered by the LPC of its 480 Hz high-passed version (the
    /// "hp" residual), and the plain LP residual (StreamResidual). Each hp frame is computed
    /// once, on COVAREP's frame grid, from a filtfilt over the frames' span plus `settle`
    /// samples on each side (the elliptic's slowest pole, radius 0.99926, has decayed to 5 %
    /// there), instead of over every 4 s window with its edge transients inside.
    struct PolarityStream: Sendable {
        static let settle = 4000
        /// hp frames [0, nextFrame) are added; the samples before 80·nextFrame are final.
        private(set) var nextFrame = 0
        /// Partial sums of the hp residual over [80·nextFrame, 80·nextFrame + 321).
        private var tail: [Float] = []

        /// Adds the hp frames that end before sample `end − lag` (all up to `end` when
        /// lag is 0), reading samples from `from` on (frames that would start before it are
        /// skipped), and returns the moments of the samples this finalises in both residuals.
        /// `samples` holds [from, end); `plain` is final wherever these frames are.
        mutating func advance(_ samples: SampleBuffer, plain: StreamResidual, from: Int, to end: Int, lag: Int)
            -> (hp: Moments, plain: Moments) {
            if 80 * nextFrame < from { nextFrame = (from + 79) / 80; tail = [] }
            let last = end - lag >= 402 ? (end - lag - 402) / 80 : -1
            let frames = last - nextFrame + 1
            guard frames > 0 else { return (Moments(), Moments()) }
            let start = 80 * nextFrame, length = 80 * (frames - 1) + 401
            let l0 = max(from, start - Self.settle)
            let x = samples.slice(l0, end - l0)
            let xh = FilterD.filtfilt(b: GlottalCoefficients.polarityB, a: GlottalCoefficients.polarityA, x.map(Double.init)).map(Float.init)
            let o = start - l0
            var acc = [[Float](repeating: 0, count: x.count)]
            for i in 0..<tail.count { acc[0][o + i] = tail[i] }
            accumulateResiduals(x, order: 18, lpcFrom: [xh], from: o, frames: frames, into: &acc)
            let done = 80 * frames
            tail = Array(acc[0][(o + done)..<(o + length)])
            nextFrame += frames
            var hp = Moments(), pl = Moments()
            Moments.add(acc[0][o..<(o + done)], to: &hp, plain.slice(start, done)[...], to: &pl)
            return (hp, pl)
        }
    }

    /// sign(skewness(plain) − skewness(hp)); 0 or NaN (which COVAREP would propagate) give +1.
    static func polarity(hp: Moments, plain: Moments) -> Float {
        let d = plain.skewness - hp.skewness
        return d < 0 ? -1 : 1
    }

    // MARK: SEDREAMS

    /// Shim findpeaks of x and of −x (1-based i with x(i) − x(i−1) > 0 and x(i+1) − x(i) ≤ 0),
    /// in one pass without the negated copy: (−a) − (−b) is exactly b − a, so the trough
    /// test is x(i−1) − x(i) > 0 and x(i) − x(i+1) ≤ 0.
    static func peaksAndTroughs(_ x: [Double]) -> (peaks: [Int], troughs: [Int]) {
        guard x.count >= 3 else { return ([], []) }
        var peaks: [Int] = [], troughs: [Int] = []
        for i in 1..<(x.count - 1) {
            let a = x[i - 1], b = x[i], c = x[i + 1]
            if b - a > 0 && c - b <= 0 { peaks.append(i + 1) }
            if a - b > 0 && b - c <= 0 { troughs.append(i + 1) }
        }
        return (peaks, troughs)
    }

    /// Index of the value of increasing `v` nearest p, the first of equally near ones
    /// (a binary search instead of a scan over all minima per residual peak).
    static func nearestIndex(_ v: [Int], _ p: Int) -> Int {
        var lo = 0, hi = v.count              // first index with v ≥ p
        while lo < hi { let mid = (lo + hi) / 2; if v[mid] < p { lo = mid + 1 } else { hi = mid } }
        if lo == v.count { return max(0, lo - 1) }
        if lo > 0 && p - v[lo - 1] <= v[lo] - p { return lo - 1 }
        return lo
    }

    /// gci_sedreams.m on polarity-corrected x: 1-based GCI sample numbers.
    static func sedreams(_ x: [Float], res resIn: [Float], f0mean: Float, priorRatios: [(value: Float, ratio: Float)] = [],
                         priorMax: Float = 0, ownRange: Range<Int>? = nil, ratios: inout [(value: Float, ratio: Float)]) -> [Int] {
        let n = x.count
        let t0 = Int((Float(fs) / f0mean).rounded(.toNearestOrAwayFromZero))
        let halfL = Int((1.7 * Float(t0) / 2).rounded(.toNearestOrAwayFromZero))
        guard t0 > 0, n > 2 * halfL + 20 else { return [] }
        let bw = Window.blackman(2 * halfL + 1)
        let scale = 1 / Float(bw.count)
        // filter(Blackwin, numel(Blackwin), wave), then shift by halfL, zero the ends.
        // Σ_j bw_j·x_{i−j} in tap order (Filter.fir's order), then the 1/len scale.
        var mbsF = x.withUnsafeBufferPointer { Filter.fir(bw, $0) }
        for i in 0..<n { mbsF[i] *= scale }
        var mbs = [Double](repeating: 0, count: n)
        mbs.withUnsafeMutableBufferPointer { m in
            mbsF.withUnsafeBufferPointer { f in for i in halfL..<(n - halfL) { m[i] = Double(f[i + halfL]) } }
        }
        mbs = FilterD.filtfilt(b: GlottalCoefficients.sedreamsB, a: GlottalCoefficients.sedreamsA, mbs)
        var (maxis, minis) = peaksAndTroughs(mbs)
        while let a = maxis.first, let b = minis.first, a < b { maxis.removeFirst() }
        while let a = minis.last, let b = maxis.last, a > b { minis.removeLast() }
        let count = min(maxis.count, minis.count)
        guard count > 0 else { return [] }
        var mx = resIn.withUnsafeBufferPointer { finiteAbsMax($0) }
        mx = max(mx, priorMax)
        guard mx > 0 else { return [] }
        let res = [Float](unsafeUninitializedCapacity: resIn.count) { r, count in
            resIn.withUnsafeBufferPointer { v in for i in 0..<v.count { r[i] = (v[i].isFinite ? v[i] : 0) / mx } }
            count = resIn.count
        }
        var rel: [Float] = []
        var own: [(value: Float, ratio: Float)] = []
        for (i, r) in res.enumerated() where r > 0.4 {
            let p = i + 1
            let best = nearestIndex(minis, p)
            guard best < maxis.count else { continue }
            let interv = maxis[best] - minis[best]
            guard interv != 0 else { continue }
            let rp = Float(p - minis[best]) / Float(interv)
            guard rp.isFinite else { continue }
            rel.append(rp)
            if ownRange?.contains(i) ?? true { own.append((r * mx, rp)) }
        }
        ratios = own
        // Earlier blocks' positions count when they pass the same 0.4·max threshold.
        let pooled = priorRatios.filter { $0.value > 0.4 * mx }.map(\.ratio) + rel
        var ratio = pooled.isEmpty ? 0 : median(pooled)
        if !ratio.isFinite { ratio = 0 }
        var gci: [Int] = []
        for k in 0..<count {
            let interv = Float(maxis[k] - minis[k])
            var start = minis[k] + Int(((ratio - 0.35) * interv).rounded(.toNearestOrAwayFromZero))
            var stop = minis[k] + Int(((ratio + 0.35) * interv).rounded(.toNearestOrAwayFromZero))
            if start < 1 { start = 1 } else if start > n { break }
            if stop > n { stop = n }
            if stop > 1 && stop >= start {
                gci.append(res.withUnsafeBufferPointer { firstMaxIndex($0, from: start - 1, to: stop) } + 1)
            }
        }
        return gci
    }

    /// The largest |v| over the finite values of x (0 if none), on SIMD16 lanes: a maximum
    /// does not depend on the order of its operands (no NaN enters), so it is the scan's
    /// value; the scan `max(m, |v|)` was a serial compare chain over the whole block.
    static func finiteAbsMax(_ x: UnsafeBufferPointer<Float>) -> Float {
        typealias V = SIMD16<Float>
        var m: Float = 0, i = 0
        if x.count >= V.scalarCount {
            let xb = UnsafeRawPointer(x.baseAddress!)
            var v = V(repeating: 0)
            while i + V.scalarCount <= x.count {
                // |x| by clearing the sign bit; NaN and ±∞ (exponent all ones) count as 0.
                let bits = xb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<UInt32>.self) & 0x7fff_ffff
                v = pointwiseMax(v, unsafeBitCast(bits.replacing(with: 0, where: bits .>= 0x7f80_0000), to: V.self))
                i += V.scalarCount
            }
            m = v.max()
        }
        while i < x.count { let a = abs(x[i]); if a < .infinity && a > m { m = a }; i += 1 }
        return m
    }

    /// Index of the first maximum of x[lo..<hi] (lo < hi; finite values), the index that the
    /// scan `where x[i] > best` keeps: the maximum over SIMD16 lanes, then the first index
    /// holding it (equal values compare equal, ±0 included, so it is the scan's index).
    static func firstMaxIndex(_ x: UnsafeBufferPointer<Float>, from lo: Int, to hi: Int) -> Int {
        typealias V = SIMD16<Float>
        var m = -Float.infinity, i = lo
        if hi - lo >= 2 * V.scalarCount {
            let xb = UnsafeRawPointer(x.baseAddress!)
            var v = V(repeating: -.infinity)
            while i + V.scalarCount <= hi {
                v = pointwiseMax(v, xb.loadUnaligned(fromByteOffset: i * 4, as: V.self))
                i += V.scalarCount
            }
            m = v.max()
        }
        while i < hi { if x[i] > m { m = x[i] }; i += 1 }
        var j = lo
        while j < hi - 1 && !(x[j] == m) { j += 1 }
        return j
    }

    // MARK: IAIF

    /// iaif.m on one frame in three stages, its buffers reused over a block's GCI frames
    /// (each frame had allocated some twenty arrays, a metadata look-up each). Between the
    /// stages the caller integrates (`g = x + d·g`) `g1`, then `y2`, then `g`, so that
    /// iaifGCI can run the three integrations of three frames as one loop (`integrate3`).
    struct IAIFWork {
        /// firPad zeros, the windowed frame (`load`), zeros.
        private(set) var input: [Float] = []
        /// firPad zeros, the pre-frame ramp and the high-passed frame, zeros.
        private var signal: [Float] = []
        private var hp: [Float] = [], y1: [Float] = [], scratch: [Float] = []
        /// The stages' outputs over `total` samples; the frame's flow and its derivative
        /// are g and dg from index `preflt` on.
        var g1: [Float] = [], y2: [Float] = [], g: [Float] = [], dg: [Float] = []
        private(set) var frameCount = 0, total = 0
        private var win: [Float] = []
        let pVT: Int, pGL: Int
        var preflt: Int { pVT + 1 }

        init(pVT: Int = 20, pGL: Int = 8) {
            precondition(pVT < 32 && pGL <= pVT, "IAIFWork: vocal-tract order \(pVT) above 31 or below the glottal order \(pGL)")
            self.pVT = pVT; self.pGL = pGL
        }

        /// Grows the buffers to frames of up to n samples.
        mutating func reserve(_ n: Int) {
            let size = n + 2 * Filter.firPad + 32 + 64         // + pre-frame (≤ 32) and slack
            guard input.count < size else { return }
            input = [Float](repeating: 0, count: size); signal = input
            hp = input; y1 = input; g1 = input; y2 = input; scratch = input; g = input; dg = input
        }

        /// Puts x[start + i]·w[i] as the frame.
        mutating func load(_ x: UnsafeBufferPointer<Float>, from start: Int, window w: [Float]) {
            let n = w.count, pad = Filter.firPad
            reserve(n)
            for i in 0..<n { input[pad + i] = x[start + i] * w[i] }
            for i in (pad + n)..<(pad + n + pad) { input[i] = 0 }
            frameCount = n
        }

        /// Mutating, on self's scratch (a scratch passed inout beside a non-mutating self was
        /// copied on every write).
        private mutating func windowedLPC(_ v: [Float], from o: Int, order: Int) -> [Float] {
            let n = frameCount
            for i in 0..<n { scratch[i] = v[o + i] * win[i] }
            return scratch.withUnsafeBufferPointer { LPC.coefficients(UnsafeBufferPointer(rebasing: $0[0..<n]), order: order) }
        }

        /// Outputs o..<total of filter(a, 1, signal) into y.
        private static func fir(_ a: [Float], _ signal: [Float], from o: Int = 0, total: Int, into y: inout [Float]) {
            signal.withUnsafeBufferPointer { sp in
                y.withUnsafeMutableBufferPointer { Filter.fir(a, padded: sp, count: total, outputs: o..<total, into: $0) }
            }
        }

        /// The high-pass, the pre-frame and the first vocal-tract inverse filter: g1 (to be
        /// integrated). False where the frame is too short (or `window` not its length).
        mutating func stageA(window: [Float]) -> Bool {
            let n = frameCount, pad = Filter.firPad
            // High-pass: filter(B, 1, [x; zeros(150)]) then drop the first 150 samples.
            input.withUnsafeBufferPointer { ip in
                hp.withUnsafeMutableBufferPointer { Filter.fir(GlottalCoefficients.iaifHighPass, padded: ip, count: n, outputs: 150..<(n + 150), into: $0) }
            }
            guard n > pVT, window.count == n else { return false }
            win = window
            total = preflt + n
            // A ramp from −x[0] to x[0] before the signal (iaif.m's pre-frame).
            let x0 = hp[0], steps = Float(max(1, preflt - 1))
            for i in 0..<preflt {
                let ramp: Float = 2 * x0 * Float(i) / steps
                signal[pad + i] = preflt == 1 ? -x0 : ramp - x0
            }
            for i in 0..<n { signal[pad + preflt + i] = hp[i] }
            for i in (pad + total)..<(2 * pad + total) { signal[i] = 0 }
            let hg1 = windowedLPC(hp, from: 0, order: 1)
            Self.fir(hg1, signal, from: preflt, total: total, into: &y1)
            let hvt1 = windowedLPC(y1, from: 0, order: pVT)
            Self.fir(hvt1, signal, total: total, into: &g1)
            return true
        }

        /// The glottal inverse filter from integrated g1: y2 (to be integrated).
        mutating func stageB() {
            let hg2 = windowedLPC(g1, from: preflt, order: pGL)
            Self.fir(hg2, signal, total: total, into: &y2)
        }

        /// The vocal-tract inverse filter from integrated y2: dg, and g = dg (to be integrated).
        mutating func stageC() {
            let hvt2 = windowedLPC(y2, from: preflt, order: pVT)
            Self.fir(hvt2, signal, total: total, into: &dg)
            for i in 0..<total { g[i] = dg[i] }
        }
    }

    /// `g = x + d·g` in place over a[0..<na], b[0..<nb], c[0..<nc]: each a serial chain
    /// waiting on a multiply and an add per sample; three interleaved chains overlap. Each
    /// chain's arithmetic is its own loop's.
    static func integrate3(_ a: UnsafeMutablePointer<Float>, _ na: Int, _ b: UnsafeMutablePointer<Float>, _ nb: Int,
                           _ c: UnsafeMutablePointer<Float>, _ nc: Int, d: Float) {
        var pa: Float = 0, pb: Float = 0, pc: Float = 0
        let m = min(na, nb, nc)
        for i in 0..<m {
            pa = a[i] + d * pa; a[i] = pa
            pb = b[i] + d * pb; b[i] = pb
            pc = c[i] + d * pc; c[i] = pc
        }
        for i in m..<max(m, na) { pa = a[i] + d * pa; a[i] = pa }
        for i in m..<max(m, nb) { pb = b[i] + d * pb; b[i] = pb }
        for i in m..<max(m, nc) { pc = c[i] + d * pc; c[i] = pc }
    }

    /// `window`: hanning(xw.count), when the caller has it.
    static func iaif(_ xw: [Float], pVT: Int = 20, pGL: Int = 8, d: Float = 0.99, window: [Float]? = nil) -> (g: [Float], dg: [Float])? {
        let n = xw.count
        var work = IAIFWork(pVT: pVT, pGL: pGL)
        xw.withUnsafeBufferPointer { work.load($0, from: 0, window: [Float](repeating: 1, count: n)) }
        func integrate(_ v: inout [Float], _ total: Int) {
            var prev: Float = 0
            for i in 0..<total { prev = v[i] + d * prev; v[i] = prev }
        }
        guard work.stageA(window: window?.count == n ? window! : Window.hanning(n)) else { return nil }
        let total = work.total
        integrate(&work.g1, total)
        work.stageB()
        integrate(&work.y2, total)
        work.stageC()
        integrate(&work.g, total)
        let p = work.preflt
        return (Array(work.g[p..<(p + n)]), Array(work.dg[p..<(p + n)]))
    }

    /// iaif_gci.m: overlap-add of IAIF on two-period Hanning frames centred on each GCI.
    /// `gci` are COVAREP's GCI sample numbers used as 1-based indices.
    /// Only frames that reach the 1-based samples `needed` are analysed: the flow there is
    /// the same as with all frames (elsewhere it is incomplete).
    /// Three frames in flight: frame t's stage A, t − 1's B and t − 2's C, then their
    /// integrations as one loop, then frame t − 2 added (frames are still added in order).
    static func iaifGCI(_ x: [Float], gci: [Int], needed: ClosedRange<Int>? = nil) -> (g: [Float], gd: [Float]) {
        let len = x.count
        var g = [Float](repeating: 0, count: len), gd = g
        guard gci.count >= 2 else { return (g, gd) }
        var frames: [(start: Int, count: Int)] = []           // 1-based start
        for k in 0..<gci.count {
            let t0 = k == 0 ? gci[1] - gci[0] : gci[k] - gci[k - 1]
            let start = max(1, gci[k] - t0), stop = min(len, gci[k] + t0)
            guard stop >= start else { continue }
            if let needed, stop < needed.lowerBound || start > needed.upperBound { continue }
            frames.append((start, stop - start + 1))
        }
        let longest = frames.map(\.count).max() ?? 0
        // a: frame t, b: t − 1, c: t − 2; `ok` says which hold a frame past stage A.
        var a = IAIFWork(), b = IAIFWork(), c = IAIFWork()
        a.reserve(longest); b.reserve(longest); c.reserve(longest)
        var okA = false, okB = false, okC = false
        // Absent chains integrate zeros here over the present ones' common length (zeros stay
        // zero), so that the present ones still run side by side.
        var spare = [Float](repeating: 0, count: longest + 32)
        let preflt = a.preflt
        for t in 0..<(frames.count + 2) {
            okC = okB; okB = okA; okA = false
            if t < frames.count {
                let f = frames[t], w = cachedHanning(f.count)
                x.withUnsafeBufferPointer { a.load($0, from: f.start - 1, window: w) }
                okA = a.stageA(window: w)
            }
            if okB { b.stageB() }
            if okC { c.stageC() }
            let common = min(okA ? a.total : Int.max, okB ? b.total : Int.max, okC ? c.total : Int.max)
            if common < Int.max {
                spare.withUnsafeMutableBufferPointer { sp in
                    let s = sp.baseAddress!
                    a.g1.withUnsafeMutableBufferPointer { pa in
                        b.y2.withUnsafeMutableBufferPointer { pb in
                            c.g.withUnsafeMutableBufferPointer { pc in
                                integrate3(okA ? pa.baseAddress! : s, okA ? a.total : common, okB ? pb.baseAddress! : s, okB ? b.total : common,
                                           okC ? pc.baseAddress! : s, okC ? c.total : common, d: 0.99)
                            }
                        }
                    }
                }
            }
            if okC {
                let f = frames[t - 2], count = f.count, start = f.start
                // On buffer pointers: with the two arrays' element stores interleaved, each
                // store re-checked uniqueness (a call per sample).
                g.withUnsafeMutableBufferPointer { gp in
                    gd.withUnsafeMutableBufferPointer { dp in
                        c.g.withUnsafeBufferPointer { rg in
                            c.dg.withUnsafeBufferPointer { rd in
                                for i in 0..<count { gp[start - 1 + i] += rg[preflt + i]; dp[start - 1 + i] += rd[preflt + i] }
                            }
                        }
                    }
                }
            }
            // c is done: it takes frame t + 1.
            swap(&b, &c); swap(&a, &b)
        }
        return (g, gd)
    }

    // MARK: get_vq_params

    /// voicebox v_findpeaks(x, [], w)'s elimination on raw peaks (1-based `k`, values `v`):
    /// each round removes the lower of every adjacent pair closer than `w` (the first of an
    /// equal pair stays), until no pair is.
    static func separate(_ k: inout [Int], _ v: inout [Float], width w: Float) {
        while k.count > 1 {
            var remove = [Bool](repeating: false, count: k.count)
            var any = false
            for j in 0..<(k.count - 1) where Float(k[j + 1] - k[j]) <= w {
                remove[v[j] >= v[j + 1] ? j + 1 : j] = true
                any = true
            }
            if !any { break }
            var nk: [Int] = [], nv: [Float] = []
            nk.reserveCapacity(k.count); nv.reserveCapacity(k.count)
            for j in 0..<k.count where !remove[j] { nk.append(k[j]); nv.append(v[j]) }
            k = nk; v = nv
        }
    }

    /// v_findpeaks(x, [], w) for a spectrum without plateaus (1-based indices), computed
    /// from the left and stopped once at least `minCount` peaks are final and one lies at
    /// or above `through`. Raw peaks closer than `w` chain into groups that the
    /// elimination treats independently: a pair across a gap wider than `w` is never
    /// compared, and removals only widen gaps. So each group's survivors are final as
    /// soon as the group is closed. `x` may be the first bins of the spectrum only
    /// (`complete` false): nil when those do not decide.
    static func separatedPeaks(_ x: UnsafeBufferPointer<Float>, complete: Bool, width w: Float,
                               minCount: Int, through: Float) -> (k: [Int], v: [Float])? {
        var rk: [Int] = [], rv: [Float] = []
        let n = x.count
        if n >= 3 {
            for i in 1..<(n - 1) where x[i] > x[i - 1] && x[i] > x[i + 1] { rk.append(i + 1); rv.append(x[i]) }
        }
        return separatedPeaks(peaks: rk, values: rv, examined: n, complete: complete, width: w, minCount: minCount, through: through)
    }

    /// separatedPeaks given the raw peaks (1-based `peaks`, increasing, with their `values`)
    /// of a spectrum's first `examined` bins.
    static func separatedPeaks(peaks: [Int], values: [Float], examined n: Int, complete: Bool, width w: Float,
                               minCount: Int, through: Float) -> (k: [Int], v: [Float])? {
        var k: [Int] = [], v: [Float] = []
        var gk: [Int] = [], gv: [Float] = []       // the open group
        // Closes the open group; true when the peaks so far decide.
        func close() -> Bool {
            separate(&gk, &gv, width: w)
            k += gk; v += gv
            gk.removeAll(keepingCapacity: true); gv.removeAll(keepingCapacity: true)
            return !k.isEmpty && k.count >= minCount && Float(k[k.count - 1]) >= through
        }
        for (i, p) in peaks.enumerated() {
            if let last = gk.last, Float(p - last) > w, close() { return (k, v) }
            gk.append(p); gv.append(values[i])
        }
        // Unexamined 1-based indices start at n: the open group is closed when they lie
        // farther than w from its last peak.
        if complete || gk.isEmpty || Float(n - gk[gk.count - 1]) > w {
            if close() || complete { return (k, v) }
        }
        return nil
    }

    /// The H1 and H2 values of get_vq_params.m from separated peaks: those nearest f0 and
    /// 2·f0 (the first of equally near ones), when there are at least 5 peaks.
    static func nearestHarmonics(_ hk: [Int], _ hv: [Float], f0: Float) -> (h1: Float, h2: Float)? {
        guard hk.count >= 5 else { return nil }
        func nearest(_ c: Float) -> Int {
            var bi = 0, bd = Float.infinity
            for (i, k) in hk.enumerated() { let d = abs(Float(k) - c); if d < bd { bd = d; bi = i } }
            return bi
        }
        return (hv[nearest(Float(1) * f0)], hv[nearest(Float(2) * f0)])
    }

    /// H1H2's transforms' work arrays, one per block: the full 16000-point one and one per
    /// coarse grid.
    struct H1H2Work {
        var full = RealFFT.Work(h1h2FFT)
        var coarse = h1h2Grids.map { RealFFT.Work($0.fft) }
    }

    /// Coarse grids for H1H2's peaks: every D-th bin of the 16000-point DFT is bin j of
    /// the (16000/D)-point DFT of the same frame (same frequency, so the same value up to
    /// rounding). Largest D first.
    static let h1h2Grids: [(step: Int, fft: RealFFT)] = [20, 16, 10, 8, 5, 4, 2].map { ($0, RealFFT(count: 16000 / $0)) }

    /// Coarse bins per 16000/L Hz (an L-sample frame's resolution cell; a Hamming main lobe
    /// spans four cells, a side lobe one) that a coarse grid must give to be used: the knob
    /// of h1h2Peaks' approximation.
    static let h1h2CellBins = 8

    /// The values of the peaks nearest f0 and 2·f0 among v_findpeaks(|DFT_16000(fr)|, [],
    /// f0/2) over bins 0…8000, when it finds at least 5 (get_vq_params.m's H1−H2), else
    /// nil. Peaks beyond the first at or above 2·f0 are farther from both targets (ties
    /// keep the first), so the spectrum is formed first up to about six harmonics. `work`:
    /// the transforms' work arrays from the caller (one per block).
    ///
    /// Approximation (`cellBins` coarse bins per resolution cell, 0 for none): the 1 Hz
    /// spectrum's peaks are found on a grid D times coarser (D·L·cellBins ≤ 16000), each
    /// coarse peak then climbed to the 1 Hz local maximum next to it, whose value is formed
    /// exactly (Goertzel) at the few bins the climb visits. The spectrum of an L-sample frame
    /// varies on the scale of 16000/L Hz, so a grid of ≥ 8 bins per cell sees every main and
    /// side lobe; what it can miss are ripples narrower than a coarse bin, which lie within
    /// f0/2 of a higher peak and are removed by the separation anyway. Values and positions
    /// of the peaks found are the exact ones (up to rounding). Undecided first bins (about
    /// 3 % of frames) use the exact path.
    static func h1h2Peaks(_ fr: [Float], f0: Float, work: inout H1H2Work, cellBins: Int = h1h2CellBins) -> (h1: Float, h2: Float)? {
        let w = f0 / 2, half = h1h2FFT.count / 2 + 1
        let c2 = Float(2) * f0
        var bins = min(half, Int(6 * f0 + w) + 16)
        if bins < half, cellBins > 0, let g = h1h2Grids.firstIndex(where: { $0.step * fr.count * cellBins <= h1h2FFT.count }) {
            let (k, v) = coarsePeaks(fr, grid: g, bins: bins, work: &work.coarse[g])
            if let (hk, hv) = separatedPeaks(peaks: k, values: v, examined: bins, complete: false, width: w, minCount: 5, through: c2) {
                return nearestHarmonics(hk, hv, f0: f0)
            }
        }
        // The frame is transformed once; the rare retry over all bins only re-forms magnitudes.
        h1h2FFT.transform(fr, into: &work.full)
        while true {
            let mag = h1h2FFT.magnitudes(bins: bins, work: work.full)
            let found = mag.withUnsafeBufferPointer {
                separatedPeaks($0, complete: bins == half, width: w, minCount: 5, through: c2)
            }
            guard let (hk, hv) = found else { bins = half; continue }
            return nearestHarmonics(hk, hv, f0: f0)
        }
    }

    /// The 1 Hz spectrum's peaks (1-based bins, values) in bins 1 ..< bins − 1 reached from
    /// the peaks of coarse grid `grid`: each coarse peak's parabola vertex (log magnitudes)
    /// is the start of a climb over 1 Hz bins formed by Goertzel, to a strict local maximum.
    static func coarsePeaks(_ fr: [Float], grid: Int, bins: Int, work: inout RealFFT.Work) -> (k: [Int], v: [Float]) {
        let (d, fft) = h1h2Grids[grid]
        let dft = h1h2DFT
        fft.transform(fr, into: &work)
        let cb = min(fft.count / 2 + 1, bins / d + 3)
        let cm = fft.magnitudes(bins: cb, work: work)
        var starts: [Int] = []
        if cb >= 3 {
            for j in 1..<(cb - 1) where cm[j] > cm[j - 1] && cm[j] > cm[j + 1] {
                let a = log(cm[j - 1]), b = log(cm[j]), c = log(cm[j + 1])
                var off = 0.5 * (a - c) / (a - 2 * b + c)
                if !off.isFinite || abs(off) > 1 { off = 0 }
                starts.append(max(1, Int((Float(j * d) + off * Float(d)).rounded())))
            }
        }
        // The three bins around every start in one pass; the rare further steps one by one.
        // (Plain Int and Float arrays: an array of tuples looked up its metadata per frame.)
        var around: [Int] = []
        around.reserveCapacity(3 * starts.count)
        for s in starts { around.append(s - 1); around.append(s); around.append(s + 1) }
        let first = dft.magnitudes(fr, bins: around)
        var one = [0]
        var fk: [Int] = [], fv: [Float] = []
        fk.reserveCapacity(starts.count); fv.reserveCapacity(starts.count)
        for (i, s0) in starts.enumerated() {
            var s = s0, l = first[3 * i], m = first[3 * i + 1], r = first[3 * i + 2]
            var steps = 0
            while !(m > l && m > r) && steps <= 2 * d {
                if r > m && r >= l {
                    s += 1; l = m; m = r; one[0] = s + 1; r = dft.magnitudes(fr, bins: one)[0]
                } else if l > m && s > 1 {
                    s -= 1; r = m; m = l; one[0] = s - 1; l = dft.magnitudes(fr, bins: one)[0]
                } else {
                    break       // a plateau or the spectrum's edge: no strict maximum here
                }
                steps += 1
            }
            guard m > l && m > r && s <= bins - 2 else { continue }
            // Insertion by bin (climbs rarely cross), after equal bins: a stable sort.
            var j = fk.count
            fk.append(s + 1); fv.append(m)
            while j > 0 && fk[j - 1] > s + 1 { fk.swapAt(j - 1, j); fv.swapAt(j - 1, j); j -= 1 }
        }
        var k: [Int] = [], v: [Float] = []
        k.reserveCapacity(fk.count); v.reserveCapacity(fk.count)
        for (i, b) in fk.enumerated() where b != k.last { k.append(b); v.append(fv[i]) }
        return (k, v)
    }

    /// get_vq_params.m's getA: the parabola coefficient of the first n ≥ 3 values of `x`
    /// (dB spectrum) while the fit's normalised error stays below 0.01.
    static func pspGetA(_ x: [Double]) -> Double { pspGetA(count: x.count) { x[$0] } }

    /// pspGetA on `count` values formed by `value(i)` only as the fit reaches them (it
    /// usually stops after a few bins), in O(n): each length's error from the running sums,
    /// Σ(x − a·k − mean)² = Σ(x − a·k)² − n·mean², instead of two passes over the first n
    /// values per length (O(n²) per fit). The two forms differ by rounding only: in Double,
    /// with the fit stopping once the error reaches 1 % of Σx², the subtraction loses about
    /// two of sixteen digits, so a length's stop decision moves only for errors within
    /// ~1e-14 of the threshold.
    static func pspGetA(count: Int, _ value: (Int) -> Double) -> Double {
        var k2Sum = 0.0, k4Sum = 0.0, xSum = 0.0, xk2Sum = 0.0, x2Sum = 0.0
        func add(_ i: Int) {                           // 1-based term i into the sums
            let k = Double((i - 1) * (i - 1)), v = value(i - 1)
            k2Sum += k; k4Sum += k * k; xSum += v; xk2Sum += v * k; x2Sum += v * v
        }
        for i in 1...2 where i <= count { add(i) }
        var a = 0.0
        var n = 3
        while n <= count {
            add(n)
            let nd = Double(n)
            a = (nd * xk2Sum - xSum * k2Sum) / (nd * k4Sum - k2Sum * k2Sum)
            let mean = (xSum - a * k2Sum) / nd
            let ne = (x2Sum - 2 * a * xk2Sum + a * a * k4Sum - nd * mean * mean) / x2Sum
            if !(ne < 0.01) { return a }
            n += 1
        }
        return a
    }

    static let h1h2FFT = RealFFT(count: 16000)
    /// The same lengths' DFTs at chosen bins.
    static let pspDFT = Goertzel(length: 2048), h1h2DFT = Goertzel(length: 16000)

    /// getA of the dB spectrum 20·log10 |DFT_2048(seg)| (seg zero-padded) over bins 0…1023,
    /// with dB values only of the bins the fit reads, formed
    /// directly (Goertzel, 48 bins per pass, one pass's width, as the fit reaches them): the
    /// fit usually stops within the first few dozen of the 1024 bins a 2048-point transform
    /// formed. Same values up to the transform's rounding.
    static func pspA(_ seg: [Float]) -> Double {
        var db: [Double] = [], bins: [Int] = []
        db.reserveCapacity(96); bins.reserveCapacity(48)
        return pspGetA(count: 1024) { k in
            if k >= db.count {
                bins.removeAll(keepingCapacity: true)
                bins.append(contentsOf: db.count..<min(1024, db.count + 48))
                let m = pspDFT.magnitudes(seg, bins: bins)
                for v in m { db.append(20 * log10(Double(v))) }
            }
            return db[k]
        }
    }

    /// PSP's reference getA (a one-period boxcar) by period, kept across blocks: it depends
    /// on the period only, and periods repeat. At most one per period up to 2048.
    static let pspReferenceCache = Mutex<[Int: Double]>([:])

    static func pspReference(period p: Int) -> Double {
        if let a = pspReferenceCache.withLock({ $0[p] }) { return a }
        let a = pspA([Float](repeating: 1 / Float(p), count: min(p, 2048)))
        pspReferenceCache.withLock { $0[p] = a }
        return a
    }

    /// GCI indices n whose values interpolation reads for output positions (1-based, within
    /// the block) in `wanted`: from the last position before it to the first at or after
    /// it, one more each side. `positions` are increasing.
    static func neededIndices(positions: [Int], wanted: ClosedRange<Int>) -> ClosedRange<Int> {
        let c = positions.count
        var lo = 0, hi = c - 1
        if let i = positions.lastIndex(where: { $0 < wanted.lowerBound }) { lo = max(0, i - 1) }
        if let i = positions.firstIndex(where: { $0 >= wanted.upperBound }) { hi = min(c - 1, i + 1) }
        if hi <= lo { lo = max(0, min(lo, c - 2)); hi = min(c - 1, lo + 1) }
        return lo...hi
    }

    /// 1-based samples of the flow and its derivative that vqParams reads for GCIs `range`.
    static func vqSamples(gci: [Int], range: ClosedRange<Int>) -> ClosedRange<Int> {
        let G = gci.map { $0 + 1 }
        var lo = Int.max, hi = Int.min
        for n in range {
            let t0 = n == 0 ? G[1] - G[0] : G[n] - G[n - 1]
            let start = n == 0 ? 1 : G[n - 1]
            let half = Int((Float(t0) * 3 / 2).rounded(.toNearestOrAwayFromZero))
            lo = min(lo, start, G[n] - half)
            hi = max(hi, G[n] + 8, G[n] + half)
        }
        return lo...max(lo, hi)
    }

    /// `range`: the GCI indices whose values are computed (all by default).
    static func vqParams(g gf: [Float], gd gfd: [Float], gci: [Int], into out: inout GlottalMeasures, offset: Double,
                         range: ClosedRange<Int>? = nil) {
        let G = gci.map { $0 + 1 }           // round(GCI·fs) + 1
        let len = gfd.count
        guard G.count >= 2 else { return }
        var h1h2Work = H1H2Work()
        // Per-GCI frames in buffers reused over the block (emptied, capacity kept).
        var comp: [Float] = [], fr: [Float] = [], seg: [Float] = []
        for n in range ?? 0...(G.count - 1) {
            let start = n == 0 ? 1 : G[n - 1], stop = G[n]
            let t0 = n == 0 ? G[1] - G[0] : G[n] - G[n - 1]
            var naq: Float = 0, qoq: Float = 0, h1h2: Float = 0, psp: Float = 0
            let f0 = Float(fs) / Float(t0)
            let pos = offset + Double(G[n])
            defer {
                out.naq.append((pos, naq)); out.qoq.append((pos, qoq)); out.h1h2.append((pos, h1h2)); out.psp.append((pos, psp))
            }
            guard t0 != 0, f0.isFinite, f0 > 20, f0 < 500, stop >= start, stop <= len else { continue }
            let segLen = stop - start + 1
            comp.removeAll(keepingCapacity: true)
            let ga = gf[start - 1], gb = gf[stop - 1]
            for i in 0..<segLen {
                let line: Float = start != stop ? ga + (gb - ga) * Float(i) / Float(segLen - 1) : 0
                comp.append(gf[start - 1 + i] - line)
            }
            let stop2 = stop + 8 <= len ? stop + 8 : stop
            var dPeak: Float = 0
            for i in (start - 1)..<stop2 { dPeak = max(dPeak, abs(gfd[i])) }
            var fac = -Float.infinity, maxIdx = 1
            for i in 0..<segLen where comp[i] > fac { fac = comp[i]; maxIdx = i + 1 }
            let amid = fac * 0.5
            var t1 = maxIdx, t2 = maxIdx
            while comp[t1 - 1] > amid && t1 > 3 { t1 -= 1 }
            while comp[t2 - 1] > amid && t2 < segLen - 2 { t2 += 1 }
            naq = (fac / dPeak) / Float(t0)
            qoq = Float(t2 - t1) / (Float(fs) / f0)
            // H1−H2 from a 3-period Hamming frame of the flow derivative, 1 Hz DFT.
            let half = Int((Float(t0) * 3 / 2).rounded(.toNearestOrAwayFromZero))
            let fStart = G[n] - half > 0 ? G[n] - half : 1
            let fStop = G[n] + half <= len ? G[n] + half : len
            if fStop > fStart {
                let w = cachedHamming(fStop - fStart + 1)
                fr.removeAll(keepingCapacity: true)
                for i in 0..<w.count { fr.append(gfd[fStart - 1 + i] * 32768 * w[i]) }
                // Peaks of the dB spectrum = peaks of the magnitude (log is monotonic); the
                // harmonics searched lie far below 4 kHz, so the half spectrum suffices.
                let harmNum = Int((5000 / f0).rounded(.down))
                if harmNum >= 2, let (p1, p2) = h1h2Peaks(fr, f0: f0, work: &h1h2Work) {
                    // dB of the two peaks used only.
                    h1h2 = 20 * log10(p1) - 20 * log10(p2)
                }
            }
            // PSP (Alku et al. 1997) on the flow between the two previous GCIs.
            if n > 0 {
                seg.removeAll(keepingCapacity: true)
                seg.append(contentsOf: gf[(G[n - 1] - 1)..<G[n]])
                let mn = seg.min() ?? 0
                for i in 0..<seg.count { seg[i] -= mn }
                let mx = seg.max() ?? 1
                for i in 0..<seg.count { seg[i] /= mx }
                // fft(seg, 2048) zero-pads, or truncates where COVAREP zeroes the last sample.
                if seg.count >= 2048 { seg.removeLast(seg.count - 2048); seg[2047] = 0 }
                let a = pspA(seg)
                let p = Int((Float(fs) / f0).rounded(.toNearestOrAwayFromZero))
                // The reference (a one-period boxcar) depends on the period only.
                psp = Float(a / pspReference(period: p))
            }
        }
    }

    // MARK: MDQ

    /// MDQ's wavelets end at 5.5·s (were 6.5·s, as peakSlope's before its own cut): the
    /// dropped tails are below exp(−5.5²/2) ≈ 5.4e−7 of the peak tap (Σ of the dropped |h|
    /// over Σ|h| ≈ erfc(5.5/√2) ≈ 4e−8), so a band's value moves by less than ≈ 1e−6 of the
    /// signal's level there; MDQ reads only which of the window's positions is the band's
    /// maximum, and neighbours near a maximum differ far more than that (the bands are
    /// smooth at their scale), so the picks stay (tested against the 6.5·s sums). 15 % fewer
    /// taps in a loop bound by its loads.
    static let mdqReachSigmas = 5.5
    static let mdqBank = WaveletBank(scales: [4, 8, 16, 32, 64], reachSigmas: mdqReachSigmas)

    /// mdq.m on the order-18 LP residual; `gci` are COVAREP's GCI numbers.
    /// `wanted`: output positions (1-based, within the block) the values are needed for.
    static func mdq(_ res: [Float], gci: [Int], into out: inout GlottalMeasures, offset: Double,
                    wanted: ClosedRange<Int>? = nil) {
        let G = Array(Set(gci.map { $0 + 1 })).sorted()
        let len = res.count
        guard G.count >= 2 else { return }
        let range = wanted.map { neededIndices(positions: G.map { $0 - 1 }, wanted: $0) } ?? 0...(G.count - 1)
        let reach = mdqBank.reach
        // Zeros past the end as well for the last pass's unused lanes.
        var padded = [Float](repeating: 0, count: len + 2 * reach + 32)
        for i in 0..<len { padded[reach + i] = res[i].isFinite ? res[i] : 0 }
        for n in range {
            let t0 = n == 0 ? G[1] - G[0] : G[n] - G[n - 1]
            let sl = Int((0.2 * Float(t0)).rounded(.toNearestOrAwayFromZero))
            var m: Float = 0
            if G[n] - t0 > 0 && G[n] + t0 <= len {
                var dist: Float = 0
                padded.withUnsafeBufferPointer { xp in
                    for band in 0..<5 {
                        mdqBank.taps[band].withUnsafeBufferPointer { h in
                            var bi = 1, bv = -Float.infinity
                            // Each lane sums the taps in the scalar order h0·x + Σ h_t·(x₋ + x₊);
                            // lanes past the last position are ignored; then the first maximum
                            // in position order.
                            let xb = UnsafeRawPointer(xp.baseAddress!)
                            // Wrapping index arithmetic (overflow checks were most of the
                            // tap loop's instructions; indices stay inside `padded`).
                            let first = G[n] - sl, count = 2 * sl + 1
                            var i = 0
                            // 2·V.scalarCount positions per pass in two chains (SIMD8 builds).
                            @inline(__always) func chains<V: SIMD>(_: V.Type) where V.Scalar == Float {
                                let w = V.scalarCount
                                @inline(__always) func lv(_ i: Int) -> V { xb.loadUnaligned(fromByteOffset: i &* 4, as: V.self) }
                                while i < count {
                                    let c = reach + first + i - 1
                                    let h0 = V(repeating: h[0])
                                    var acc = h0 * lv(c), acc2 = h0 * lv(c + w)
                                    for t in 1..<h.count {
                                        let ht = V(repeating: h[t])
                                        acc += ht * (lv(c &- t) + lv(c &+ t))
                                        acc2 += ht * (lv(c &+ w &- t) + lv(c &+ w &+ t))
                                    }
                                    for l in 0..<min(w, count - i) where acc[l] > bv { bv = acc[l]; bi = i + l + 1 }
                                    for l in 0..<max(0, min(w, count - i - w)) where acc2[l] > bv { bv = acc2[l]; bi = i + w + l + 1 }
                                    i += 2 * w
                                }
                            }
                            // Where sixteen-lane chains fit AVX-512 registers (as peakSlope): up to
                            // four chains per pass, as many as the positions left need (a 33…48
                            // position window took two passes of two), skewed as peakSlope's
                            // `skewedChains`: chain k (outputs from c + 16k) takes tap t − 16k at
                            // step t, so its right-hand sample x[c + t] is one load shared by all
                            // chains (m + 1 loads a step instead of 2m; the tap loop is bound by
                            // its loads). Each chain still adds h0·x, then its taps 1, 2, … in
                            // order with the same unfused operations: the values are `chains`'.
                            @inline(__always) func skewedChains() {
                                typealias V = SIMD16<Float>
                                let w = V.scalarCount, nh = h.count
                                @inline(__always) func lv(_ i: Int) -> V { xb.loadUnaligned(fromByteOffset: i &* 4, as: V.self) }
                                @inline(__always) func hv(_ n: Int) -> V { V(repeating: h[n]) }
                                while i < count {
                                    // Every chain must start before the first one ends.
                                    let m = min(4, (count - i + w - 1) / w, (nh - 2) / w + 1)
                                    let c = reach + first + i - 1
                                    let h0 = hv(0)
                                    var a0 = h0 * lv(c), a1 = V(), a2 = V(), a3 = V()
                                    if m > 1 { a1 = h0 * lv(c + w) }
                                    if m > 2 { a2 = h0 * lv(c + 2 * w) }
                                    if m > 3 { a3 = h0 * lv(c + 3 * w) }
                                    // Steps from..<to with chains lo...hi active (literal bounds:
                                    // the tests fold once inlined).
                                    @inline(__always) func steps(_ from: Int, _ to: Int, _ lo: Int, _ hi: Int) {
                                        var t = from
                                        while t < to {
                                            let p = lv(c &+ t)
                                            if lo <= 0 && hi >= 0 { a0 += hv(t) * (lv(c &- t) + p) }
                                            if lo <= 1 && hi >= 1 { a1 += hv(t &- w) * (lv(c &+ 2 &* w &- t) + p) }
                                            if lo <= 2 && hi >= 2 { a2 += hv(t &- 2 &* w) * (lv(c &+ 4 &* w &- t) + p) }
                                            if lo <= 3 && hi >= 3 { a3 += hv(t &- 3 &* w) * (lv(c &+ 6 &* w &- t) + p) }
                                            t += 1
                                        }
                                    }
                                    // Chain k is active at steps k·w + 1 … nh − 1 + k·w.
                                    switch m {
                                    case 4:
                                        steps(1, w + 1, 0, 0); steps(w + 1, 2 * w + 1, 0, 1); steps(2 * w + 1, 3 * w + 1, 0, 2)
                                        steps(3 * w + 1, nh, 0, 3)
                                        steps(nh, nh + w, 1, 3); steps(nh + w, nh + 2 * w, 2, 3); steps(nh + 2 * w, nh + 3 * w, 3, 3)
                                    case 3:
                                        steps(1, w + 1, 0, 0); steps(w + 1, 2 * w + 1, 0, 1); steps(2 * w + 1, nh, 0, 2)
                                        steps(nh, nh + w, 1, 2); steps(nh + w, nh + 2 * w, 2, 2)
                                    case 2:
                                        steps(1, w + 1, 0, 0); steps(w + 1, nh, 0, 1); steps(nh, nh + w, 1, 1)
                                    default:
                                        steps(1, nh, 0, 0)
                                    }
                                    @inline(__always) func pick(_ a: V, _ k: Int) {
                                        guard k < m else { return }
                                        for l in 0..<max(0, min(w, count - i - k * w)) where a[l] > bv { bv = a[l]; bi = i + k * w + l + 1 }
                                    }
                                    pick(a0, 0); pick(a1, 1); pick(a2, 2); pick(a3, 3)
                                    i += m * w
                                }
                            }
                            if KernelBuild.sixteenLaneRegisters { skewedChains() } else { chains(SIMD8<Float>.self) }
                            dist += Float(abs(sl - bi))
                        }
                    }
                }
                m = dist / 5 / Float(t0)
            }
            out.mdq.append((offset + Double(G[n] - 1), m.isFinite ? m : 0))
        }
    }

    // MARK: block

    /// Runs the chain on block samples `x` (0-based absolute start `a0`). `vuvAt(p)` is
    /// COVAREP's VUV_int at absolute 1-based sample number p; `f0med` its F0 median.
    /// Pooled statistics carried from earlier blocks.
    struct History: Sendable {
        var hp = Moments(), plain = Moments()
        /// (normalised-by-nothing residual peak value, relative position) pairs of SEDREAMS.
        var ratios: [(value: Float, ratio: Float)] = []
        var resMax: Float = 0
    }

    /// −x. `map` appends element by element (≈ 1 ns a sample over a 64000-sample block);
    /// a copy negated in place vectorises. Negation is exact: the same values.
    static func negated(_ x: [Float]) -> [Float] {
        var y = x
        for i in y.indices { y[i] = -y[i] }
        return y
    }

    /// `own` is the block's own (non-overlapping) output range within `xIn`, whose
    /// SEDREAMS statistics are returned for pooling into later blocks (with `moments`).
    /// `plainRes`: the stream's order-18 LP residual over the samples of `xIn`
    /// (StreamResidual, frames at multiples of 80 from the stream's sample 0); `moments`:
    /// the polarity residuals' moments of the samples this block finalised (PolarityStream).
    static func analyze(_ xIn: [Float], plainRes: [Float], moments: (hp: Moments, plain: Moments), a0: Int, own: Range<Int>,
                        f0med: Float, history: History, vuvAt: (Int) -> Float) -> (GlottalMeasures, History) {
        var out = GlottalMeasures()
        var mine = History()
        guard xIn.count > 2000, plainRes.count == xIn.count, f0med.isFinite, f0med > 0 else { return (out, mine) }
        mine.hp = moments.hp; mine.plain = moments.plain
        let pol = polarity(hp: history.hp + moments.hp, plain: history.plain + moments.plain)
        out.polarity = pol
        let x = pol == 1 ? xIn : negated(xIn)
        // LP residual of −x is −(residual of x): no second pass.
        let res = pol == 1 ? plainRes : negated(plainRes)
        var ratios: [(value: Float, ratio: Float)] = []
        let gci1 = sedreams(x, res: res, f0mean: f0med, priorRatios: history.ratios, priorMax: history.resMax,
                            ownRange: own, ratios: &ratios)
        let ownR = own.clamped(to: 0..<res.count)
        mine.resMax = res.withUnsafeBufferPointer { finiteAbsMax(UnsafeBufferPointer(rebasing: $0[ownR])) }
        // Ratios of this block's own range, for later blocks (positions are 1-based).
        mine.ratios = ratios
        // GCI = round(((gci−1)/fs)·fs) = gci − 1; drop < 1 and unvoiced; unique.
        var gci = gci1.map { $0 - 1 }.filter { $0 >= 1 && vuvAt(a0 + $0) >= 0.5 }
        gci = Array(Set(gci)).sorted()
        guard gci.count >= 2 else { return (out, mine) }
        // Only the GCIs that the block's own frames interpolate between are measured (the
        // margins serve the statistics above); frames read positions own + 1 … own + 160·k.
        let wanted = (own.lowerBound + 1)...(own.upperBound + 1)
        let range = neededIndices(positions: gci.map { $0 + 1 }, wanted: wanted)
        let (g, gd) = iaifGCI(x, gci: gci, needed: vqSamples(gci: gci, range: range))
        let offset = Double(a0)
        vqParams(g: g, gd: gd, gci: gci, into: &out, offset: offset, range: range)
        mdq(res, gci: gci, into: &out, offset: offset, wanted: wanted)
        return (out, mine)
    }
}
