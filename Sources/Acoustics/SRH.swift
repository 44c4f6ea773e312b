// Summation of residual harmonics (COVAREP pitch_srh.m, Drugman & Alwan 2011), split so
// that a stream can run it frame by frame: the SRH curve of a frame does not depend on
// the F0 search range, so the second iteration (range refined around the median F0) is
// a re-pick on the stored curve.
import DSP

struct SRHAnalyzer: Sendable {
    static let frameLength = 1598            // round(100 ms·fs) − 2, even
    static let halfLength = 799
    static let f0Min = 50, f0Max = 500
    static let nHarmonics = 5
    let window = Window.blackman(SRHAnalyzer.frameLength)
    let fft = RealFFT(count: 16000)          // fft(frame, fs): 1 Hz bins

    /// SRH(f) for f in f0Min...f0Max of one residual frame (`frame.count == 1598`).
    /// Returns nil when the frame has no finite, non-zero spectrum (MATLAB's NaN case).
    func curve(_ frame: UnsafeBufferPointer<Float>) -> [Float]? {
        guard let x = centredFrame(frame) else { return nil }
        // specMat = |X| at bins 0..7999, normalised to unit L2 norm. The curve reads bins
        // below 5·f0Max only; the norm comes from Parseval on the frame:
        // Σ_{k<N/2} |X_k|² = (N·Σ x² + X_0² − X_{N/2}²) / 2.
        let (re, im) = fft.forward(x, bins: SRHAnalyzer.usedBins)
        let norm = SRHAnalyzer.halfSpectrumNorm(x, dftLength: 16000)
        guard norm > 0, norm.isFinite else { return nil }
        var mag = [Float](repeating: 0, count: SRHAnalyzer.usedBins)
        let inv = 1 / norm
        let f0Min = SRHAnalyzer.f0Min, f0Max = SRHAnalyzer.f0Max
        var out = [Float](repeating: 0, count: f0Max - f0Min + 1)
        // On buffer pointers with the five harmonics and four inter-harmonics written out:
        // bounds checks and the range iterators were most of this loop's time. The same
        // sums in the same order (0 + h1 + … + h5 − i1 − … − i4).
        precondition(SRHAnalyzer.nHarmonics == 5 && re.count >= mag.count && im.count >= mag.count)
        re.withUnsafeBufferPointer { rp in
        im.withUnsafeBufferPointer { ip in
        mag.withUnsafeMutableBufferPointer { mp in
        SRHAnalyzer.interharmonicBins.withUnsafeBufferPointer { bp in
        out.withUnsafeMutableBufferPointer { op in
            for k in 0..<mp.count { mp[k] = (rp[k] * rp[k] + ip[k] * ip[k]).squareRoot() }
            for f in f0Min...f0Max {
                // MATLAB indexes specMat(h·f) (1-based), i.e. bin h·f − 1.
                var s: Float = 0
                s += mp[f - 1]; s += mp[2 * f - 1]; s += mp[3 * f - 1]; s += mp[4 * f - 1]; s += mp[5 * f - 1]
                let row = (f - f0Min) * 4
                s -= mp[bp[row]]; s -= mp[bp[row + 1]]; s -= mp[bp[row + 2]]; s -= mp[bp[row + 3]]
                op[f - f0Min] = s * inv
            }
        }
        }
        }
        }
        }
        return out
    }

    /// The Blackman-windowed frame minus its mean (nil when the mean is not finite).
    /// The mean is summed on eight Float lanes: one sum at a time was a chain of 1598
    /// dependent adds (half of `curve`'s own time). The other order rounds the mean
    /// differently (≲ 1e−7 relative), which moves the spectrum by rounding only, far below
    /// what separates two F0 candidates: the picks stay the same (tested on speech frames;
    /// the F0 and VUV columns are byte-identical on the three test inputs).
    func centredFrame(_ frame: UnsafeBufferPointer<Float>) -> [Float]? {
        let n = SRHAnalyzer.frameLength
        precondition(frame.count == n, "SRH frame of \(frame.count) samples, expected \(n)")
        guard let fb = frame.baseAddress else { return nil }
        var x = [Float](repeating: 0, count: n)
        var mean8 = SIMD8<Float>()
        let whole = n / 8 * 8
        window.withUnsafeBufferPointer { wp in
        x.withUnsafeMutableBufferPointer { xp in
            let f = UnsafeRawPointer(fb), w = UnsafeRawPointer(wp.baseAddress!)
            let xr = UnsafeMutableRawPointer(xp.baseAddress!)
            for i in stride(from: 0, to: whole, by: 8) {
                let v = f.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                    * w.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                xr.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                mean8 += v
            }
        }
        }
        var mean = mean8.sum()
        for i in whole..<n { let v = frame[i] * window[i]; x[i] = v; mean += v }
        mean /= Float(n)
        if !mean.isFinite { return nil }
        for i in 0..<n { x[i] -= mean }
        return x
    }

    /// Bins round((h + 0.5)·f) − 1 for h in 1..<nHarmonics, per f in f0Min...f0Max (rows
    /// of nHarmonics − 1), computed once instead of per frame.
    static let interharmonicBins: [Int] = (f0Min...f0Max).flatMap { f in
        (1..<nHarmonics).map { h in Int(((Double(h) + 0.5) * Double(f)).rounded(.toNearestOrAwayFromZero)) - 1 }
    }

    /// Bins the curve reads: h·f − 1 for h ≤ 5, f ≤ f0Max.
    static let usedBins = nHarmonics * f0Max

    /// √(Σ_{k=0}^{N/2−1} |X_k|²) of the `dftLength`-point DFT of `x` (zero-padded, even
    /// length), by Parseval in Double. The three sums (Σx², X_0 = Σx, X_{N/2} = Σ(−1)^i x)
    /// run on eight Double lanes: a different order of Double additions than one sum at a
    /// time, i.e. a relative difference ≲ 1e−15 on the sums, far below the Float ulp the
    /// norm is rounded to (tested: within one Float ulp of the sequential sums).
    static func halfSpectrumNorm(_ x: [Float], dftLength n: Int) -> Float {
        var e8 = SIMD8<Double>(), dc8 = SIMD8<Double>(), alt8 = SIMD8<Double>()
        let sign = SIMD8<Double>(1, -1, 1, -1, 1, -1, 1, -1)
        var e = 0.0, dc = 0.0, alt = 0.0
        x.withUnsafeBufferPointer { xp in
            let whole = xp.count / 8 * 8
            if whole > 0 {
                let raw = UnsafeRawPointer(xp.baseAddress!)
                for i in stride(from: 0, to: whole, by: 8) {
                    let d = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
                    e8 += d * d; dc8 += d; alt8 += d * sign
                }
            }
            e = e8.sum(); dc = dc8.sum(); alt = alt8.sum()
            // Eight-sample blocks start at even i, so the sign pattern stays aligned.
            for i in whole..<xp.count {
                let d = Double(xp[i])
                e += d * d; dc += d; alt += i % 2 == 0 ? d : -d
            }
        }
        return Float(max(0, (Double(n) * e + dc * dc - alt * alt) / 2).squareRoot())
    }

    /// `[SRHVal, F0] = max(SRHmat)` where SRHmat has zero rows 1..f0min−1 (so a curve
    /// that is negative everywhere gives F0 = 1, SRH = 0, as in COVAREP).
    static func pick(_ curve: [Float]?, lo: Int, hi: Int) -> (f0: Float, value: Float) {
        guard let curve else { return (1, 0) }
        var best: Float = lo > 1 ? 0 : -.infinity, bestF = 1
        for f in lo...hi {
            let v = curve[f - f0Min]
            if v > best { best = v; bestF = f }
        }
        return (Float(bestF), best)
    }
}

/// LPC residual by overlap-add of inverse-filtered Hanning-windowed segments
/// (COVAREP lpcresidual.m: 401-sample frames, hop 80), computed incrementally. Segment m
/// covers 0-based samples [80·m, 80·m + 400] and is processed once sample 80·m + 401 exists.
struct ResidualOLA: Sendable {
    let segmentLength = 401   // L + 1 samples (MATLAB: start..start+L)
    let shift = 80
    let order: Int
    /// Autocorrelation lags 0...sharedOrder of each frame are formed (lags 0...order are the
    /// same sums, so the same values) and kept for the glottal chain's order-18 residual of
    /// the same frames (Glottal.StreamResidual), which would otherwise form them again.
    let sharedOrder: Int
    private(set) var nextSegment = 0
    var buffer = SampleBuffer()
    /// Lags of frames [sharedBase, nextSegment), sharedOrder + 1 per frame.
    private(set) var shared: [Double] = []
    private(set) var sharedBase = 0

    init(order: Int, sharedOrder: Int? = nil) {
        self.order = order
        self.sharedOrder = max(order, sharedOrder ?? order)
    }

    /// Residual samples with absolute index < finalLimit will not change any more.
    var finalLimit: Int { nextSegment * shift }

    /// Processes all segments that fit in `samples` (absolute indexing), given `total`.
    /// Through `Glottal.accumulateResiduals`, which runs four frames' energy sums side by side
    /// (each in its own sample order, so the values are those of one frame at a time); the
    /// new frames are added in frame order onto the sums of the earlier ones.
    mutating func advance(_ samples: SampleBuffer, total: Int) {
        let frames = total > segmentLength ? (total - segmentLength - 1) / shift + 1 - nextSegment : 0
        guard frames > 0 else { return }
        let start = nextSegment * shift, length = shift * (frames - 1) + segmentLength
        let order = order, sharedOrder = sharedOrder
        var lags: [Double] = []
        if sharedOrder > order { lags.reserveCapacity(frames * (sharedOrder + 1)) }
        // Frames come in order (one residual), added in place into the held residual, read
        // from the held samples (the two copies and the copy back were 0.3 % of the extractor).
        let held = start >= samples.base && start + length <= samples.end
        let x = held ? samples.data : samples.slice(start, length), xStart = held ? start - samples.base : 0
        precondition(start >= buffer.base, "ResidualOLA: residual sample \(start) was already dropped")
        buffer.withStorage(upTo: start + length) { data, base in
            var acc = [[Float]()]
            swap(&acc[0], &data)                      // moved, not copied
            defer { swap(&acc[0], &data) }
            Glottal.accumulateResiduals(x, order: order, lpcFrom: [nil], from: xStart, frames: frames,
                                        into: &acc, at: start - base) { _, w in
                let r = LPC.autocorrelation(w, order: sharedOrder)
                if sharedOrder > order { lags += r }
                return r
            }
        }
        if shared.isEmpty { sharedBase = nextSegment }
        shared += lags
        nextSegment += frames
    }

    /// Frame m's autocorrelation lags 0...sharedOrder, if still held.
    func sharedLags(_ m: Int) -> [Double]? {
        let k = sharedOrder + 1, i = (m - sharedBase) * k
        guard sharedOrder > order, m >= sharedBase, i + k <= shared.count else { return nil }
        return Array(shared[i..<(i + k)])
    }

    /// Forgets the lags of frames before m.
    mutating func dropShared(before m: Int) {
        let n = min(max(0, m - sharedBase), shared.count / (sharedOrder + 1))
        if n > 0 { shared.removeFirst(n * (sharedOrder + 1)); sharedBase += n }
    }
}

/// Float samples addressed by absolute index, dropping a prefix when no longer needed.
struct SampleBuffer: Sendable {
    private(set) var base = 0
    private(set) var data: [Float] = []
    var end: Int { base + data.count }

    subscript(i: Int) -> Float {
        get { i >= base && i < end ? data[i - base] : 0 }
        set { data[i - base] = newValue }
    }

    mutating func append(_ x: [Float]) { data.append(contentsOf: x) }

    mutating func ensure(upTo e: Int) {
        // Zeros appended in place (no temporary array of them).
        if e > end { data.append(contentsOf: repeatElement(0, count: e - end)) }
    }

    /// self[start + i] += x[i]·g for every i (the product rounded first), extending the
    /// buffer as needed; one pass over the storage instead of a checked store per sample.
    mutating func add(_ x: [Float], scaledBy g: Float, at start: Int) {
        ensure(upTo: start + x.count)
        let o = start - base
        precondition(o >= 0, "sample \(start) was already dropped from the buffer")
        data.withUnsafeMutableBufferPointer { d in
            for i in 0..<x.count { d[o + i] += x[i] * g }
        }
    }

    /// `body(&data, base)` with the samples held up to `e` (zeros appended as needed); the
    /// start must not have been dropped (body writes in place, e.g. an overlap-add).
    mutating func withStorage<R>(upTo e: Int, _ body: (inout [Float], Int) -> R) -> R {
        ensure(upTo: e)
        return body(&data, base)
    }

    mutating func drop(before i: Int) {
        let n = min(max(0, i - base), data.count)
        if n > 0 { data.removeFirst(n); base += n }
    }

    func slice(_ from: Int, _ count: Int) -> [Float] {
        // Inside the held samples: one copy (the glottal blocks slice 4 s at a time).
        if from >= base && from + count <= end { return Array(data[(from - base)..<(from - base + count)]) }
        // Partly held (ResidualOLA's span runs past the residual formed so far): zeros and one
        // copy of the held part, not a checked subscript per sample.
        var out = [Float](repeating: 0, count: max(0, count))
        let lo = max(from, base), hi = min(from + count, end)
        if lo < hi { out.replaceSubrange((lo - from)..<(hi - from), with: data[(lo - base)..<(hi - base)]) }
        return out
    }

    func withSlice<R>(_ from: Int, _ count: Int, _ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        if from >= base && from + count <= end {
            return data.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[(from - base)..<(from - base + count)])) }
        }
        return slice(from, count).withUnsafeBufferPointer(body)
    }
}
