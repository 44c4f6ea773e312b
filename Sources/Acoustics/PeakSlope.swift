// peakSlope (COVAREP peakslope.m, Kane & Gobl 2011): regression slope of the log10
// maxima of a 7-band wavelet decomposition (8 kHz … 125 Hz) over 40 ms frames every 10 ms.
// The wavelets are Gaussian-windowed cosines h_s(n) = −cos(π n/s)·exp(−(n/s)²/2),
// s = 1, 2, …, 64 samples; COVAREP keeps ±1000 taps. MDQ's bank drops the taps below
// 1e−9 of the peak (|n| ≤ 6.5·s), which changes nothing at Float precision; peakSlope's
// stops at 5.5·s (see PeakSlopeStage.reachSigmas).
import Foundation
import DSP

struct WaveletBank: Sendable {
    let taps: [[Float]]        // per band, h(0...L) (symmetric)
    let reach: Int             // largest L

    /// Taps |n| ≤ reachSigmas·s (at most COVAREP's 1000).
    init(scales: [Int], reachSigmas: Double = 6.5) {
        var t: [[Float]] = []
        for s in scales {
            let l = min(1000, Int((reachSigmas * Double(s)).rounded(.up)))
            t.append((0...l).map { n in
                let u = Double(n) / Double(s)
                return Float(-cos(Double.pi * u) * exp(-u * u / 2))
            })
        }
        taps = t
        reach = t.map { $0.count - 1 }.max() ?? 0
    }

    /// Zero-phase filtered value of band b at absolute sample i (samples outside [0, total)
    /// are 0); `fused`: each tap's product and sum rounded once (PeakSlopeStage's order).
    @inline(__always)
    func value(band b: Int, at i: Int, _ x: SampleBuffer, total: Int, fused: Bool = false) -> Float {
        let h = taps[b]
        var acc = h[0] * x[i]
        for n in 1..<h.count {
            let a = i - n, c = i + n
            let xa: Float = a >= 0 ? x[a] : 0
            let xc: Float = c < total ? x[c] : 0
            if fused { acc.addProduct(h[n], xa + xc) } else { acc += h[n] * (xa + xc) }
        }
        return acc
    }
}

/// Streaming peakSlope: maxima of |band| per 160-sample block, 4 blocks per frame.
struct PeakSlopeStage: Sendable {
    /// Wavelets end at 5.5·s: the dropped tails are below exp(−5.5²/2) ≈ 5.4e−7 of the
    /// peak tap, so a band's value moves by less than ≈ 1e−6 of the signal's level at that
    /// scale (Σ of the dropped |h| over Σ|h| is ≈ erfc(5.5/√2) ≈ 4e−8). The leakage that
    /// shows first is a strong component's into a near-empty band (telephone audio at
    /// 125 Hz): 4.5·s raised peakSlope's MAE against COVAREP by 170 %, 5·s by 31 %, 5.5·s by
    /// 0.3 %; 6.5·s is exact at Float precision (tests compare the two).
    static let reachSigmas = 5.5
    let bank = WaveletBank(scales: [1, 2, 4, 8, 16, 32, 64], reachSigmas: PeakSlopeStage.reachSigmas)
    private(set) var nextBlock = 0
    private var blockMax: [[Float]] = []      // blocks [blockBase, nextBlock)
    private var blockBase = 0
    private(set) var nextFrame = 0
    var slopes = SampleBuffer()               // peakSlope per frame m (absolute index m)

    /// Frame m covers 0-based samples [160m, 160m + 639]; exists iff 160m + 640 ≤ n.
    static func frameCount(_ n: Int) -> Int { n >= 640 ? (n - 640) / 160 + 1 : 0 }

    /// Oldest sample still needed.
    var oldestSampleNeeded: Int { 160 * nextBlock - bank.reach }

    mutating func advance(_ x: SampleBuffer, total: Int, finished: Bool) {
        // Blocks: need samples to 160b + 159 + reach (or the end of the stream). The ready
        // blocks [nextBlock, b1) are filtered as one run: the passes of 4 × 16 outputs then
        // tile it but for one remainder (per 160-sample block, 32 of 160 outputs went
        // through the half-width passes), and a vector of 8 or 16 outputs never straddles
        // two blocks (160 is a multiple of 16). Each output's arithmetic is the same in any
        // pass, so the values do not depend on how the stream was pushed.
        var b1 = nextBlock
        while true {
            let end = 160 * b1 + 160
            if end > total {
                if !(finished && 160 * b1 < total) { break }
            } else if !finished && end - 1 + bank.reach >= total { break }
            b1 += 1
        }
        if b1 > nextBlock {
            let b0 = nextBlock, first = 160 * b0
            // Contiguous copy of the run and its reach (zeros outside the signal).
            let lo = first - bank.reach, hi = min(160 * b1, total) + bank.reach
            var local = [Float](repeating: 0, count: hi - lo)
            let a = max(lo, 0), c = min(hi, total)
            // One contiguous copy (a checked subscript per sample was a sixth of this function),
            // straight from the held samples: in batch the run is the whole input, and an
            // intermediate slice was another array of its size (allocated, page-faulted, copied).
            if c > a {
                x.withSlice(a, c - a) { src in
                    local.withUnsafeMutableBufferPointer { dst in
                        (dst.baseAddress! + (a - lo)).update(from: src.baseAddress!, count: src.count)
                    }
                }
            }
            let count = min(160 * b1, total) - first
            let bands = bank.taps.count
            // Band maxima of the run's blocks, block-major (7 per block).
            var m = [Float](repeating: 0, count: bands * (b1 - b0))
            local.withUnsafeBufferPointer { xp in
            m.withUnsafeMutableBufferPointer { mp in
                for band in 0..<bands {
                    bank.taps[band].withUnsafeBufferPointer { h in
                        let nh = h.count
                        // Eight samples at a time, each lane summing the taps in the scalar
                        // order below (so the values are the same); 32 at a time in four
                        // independent register chains (one chain waits on its add every tap).
                        // Each tap is one fused multiply-add (rounded once instead of twice:
                        // the loop is bound by its vector operations, three per tap became two;
                        // the values move by rounding only, tested against the unfused sums).
                        let xb = UnsafeRawPointer(xp.baseAddress!)
                        // Wrapping index arithmetic: the overflow checks were most of the tap loop's
                        // instructions (indices stay within `local` by construction).
                        @inline(__always) func ld(_ i: Int) -> SIMD8<Float> { xb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) }
                        // |v| of outputs t…t + v.count − 1 (all in block t / 160) into its maximum.
                        @inline(__always) func keep<V: SIMD>(_ v: V, _ t: Int) where V.Scalar == Float {
                            var mx = mp[(t / 160) &* bands &+ band]
                            for l in 0..<V.scalarCount { let a = abs(v[l]); if a > mx { mx = a } }
                            mp[(t / 160) &* bands &+ band] = mx
                        }
                        var t0 = 0
                        // 4·V.scalarCount samples per pass in four independent chains, each
                        // lane with the per-lane arithmetic below. V = SIMD16 where that fits
                        // AVX-512 registers (measured: 2.1 → 1.6 % of the extractor; elsewhere
                        // sixteen-lane chains would spill), then SIMD8.
                        @inline(__always) func chains<V: SIMD>(_: V.Type) where V.Scalar == Float {
                            let w = V.scalarCount
                            @inline(__always) func lv(_ i: Int) -> V { xb.loadUnaligned(fromByteOffset: i &* 4, as: V.self) }
                            while t0 + 4 * w <= count {
                                let c = bank.reach + t0
                                let h0 = V(repeating: h[0])
                                var a0 = h0 * lv(c), a1 = h0 * lv(c + w), a2 = h0 * lv(c + 2 * w), a3 = h0 * lv(c + 3 * w)
                                for n in 1..<nh {
                                    let hn = V(repeating: h[n])
                                    a0.addProduct(hn, lv(c &- n) + lv(c &+ n))
                                    a1.addProduct(hn, lv(c &+ w &- n) + lv(c &+ w &+ n))
                                    a2.addProduct(hn, lv(c &+ 2 &* w &- n) + lv(c &+ 2 &* w &+ n))
                                    a3.addProduct(hn, lv(c &+ 3 &* w &- n) + lv(c &+ 3 &* w &+ n))
                                }
                                keep(a0, t0); keep(a1, t0 + w); keep(a2, t0 + 2 * w); keep(a3, t0 + 3 * w)
                                t0 += 4 * w
                            }
                        }
                        // `chains` with the four chains skewed by w taps: chain k (outputs from
                        // c + k·w) takes tap t − k·w at step t, so its right-hand sample x[c + k·w +
                        // t − k·w] = x[c + t] is one load shared by all four (five vector loads a
                        // step instead of eight; the tap loop is bound by its loads). Each chain
                        // still adds its taps in order 1, 2, …, so the values are `chains`' values.
                        // Measured alone (AVX-512, 4 × 16 outputs): s = 16, 32, 64 −10, −14, −15 %.
                        @inline(__always) func skewedChains<V: SIMD>(_: V.Type) where V.Scalar == Float {
                            let w = V.scalarCount
                            guard nh > 3 * w + 1 else { return }
                            @inline(__always) func lv(_ i: Int) -> V { xb.loadUnaligned(fromByteOffset: i &* 4, as: V.self) }
                            @inline(__always) func hv(_ n: Int) -> V { V(repeating: h[n]) }
                            while t0 + 4 * w <= count {
                                let c = bank.reach + t0, w2 = 2 * w, w4 = 4 * w, w6 = 6 * w
                                let h0 = hv(0)
                                var a0 = h0 * lv(c), a1 = h0 * lv(c + w), a2 = h0 * lv(c + w2), a3 = h0 * lv(c + 3 * w)
                                // Chain k starts at step k·w + 1 and ends at step nh − 1 + k·w.
                                var t = 1
                                while t <= w {
                                    let p = lv(c &+ t)
                                    a0.addProduct(hv(t), lv(c &- t) + p)
                                    t += 1
                                }
                                while t <= w2 {
                                    let p = lv(c &+ t)
                                    a0.addProduct(hv(t), lv(c &- t) + p); a1.addProduct(hv(t &- w), lv(c &+ w2 &- t) + p)
                                    t += 1
                                }
                                while t <= 3 * w {
                                    let p = lv(c &+ t)
                                    a0.addProduct(hv(t), lv(c &- t) + p); a1.addProduct(hv(t &- w), lv(c &+ w2 &- t) + p)
                                    a2.addProduct(hv(t &- w2), lv(c &+ w4 &- t) + p)
                                    t += 1
                                }
                                while t < nh {
                                    let p = lv(c &+ t)
                                    a0.addProduct(hv(t), lv(c &- t) + p); a1.addProduct(hv(t &- w), lv(c &+ w2 &- t) + p)
                                    a2.addProduct(hv(t &- w2), lv(c &+ w4 &- t) + p); a3.addProduct(hv(t &- 3 &* w), lv(c &+ w6 &- t) + p)
                                    t += 1
                                }
                                while t < nh + w {
                                    let p = lv(c &+ t)
                                    a1.addProduct(hv(t &- w), lv(c &+ w2 &- t) + p); a2.addProduct(hv(t &- w2), lv(c &+ w4 &- t) + p)
                                    a3.addProduct(hv(t &- 3 &* w), lv(c &+ w6 &- t) + p)
                                    t += 1
                                }
                                while t < nh + w2 {
                                    let p = lv(c &+ t)
                                    a2.addProduct(hv(t &- w2), lv(c &+ w4 &- t) + p); a3.addProduct(hv(t &- 3 &* w), lv(c &+ w6 &- t) + p)
                                    t += 1
                                }
                                while t < nh + 3 * w {
                                    a3.addProduct(hv(t &- 3 &* w), lv(c &+ w6 &- t) + lv(c &+ t))
                                    t += 1
                                }
                                keep(a0, t0); keep(a1, t0 + w); keep(a2, t0 + w2); keep(a3, t0 + 3 * w)
                                t0 += w4
                            }
                        }
                        if KernelBuild.sixteenLaneRegisters { skewedChains(SIMD16<Float>.self); chains(SIMD16<Float>.self) }
                        chains(SIMD8<Float>.self)
                        while t0 + 8 <= count {
                            let c = bank.reach + t0
                            var acc = SIMD8<Float>(repeating: h[0]) * ld(c)
                            for n in 1..<nh { acc.addProduct(SIMD8<Float>(repeating: h[n]), ld(c &- n) + ld(c &+ n)) }
                            keep(acc, t0)
                            t0 += 8
                        }
                        for t in t0..<count {
                            let c = bank.reach + t
                            var acc = h[0] * xp[c]
                            for n in 1..<nh { acc.addProduct(h[n], xp[c - n] + xp[c + n]) }
                            keep(SIMD2<Float>(acc, 0), t)
                        }
                    }
                }
            }
            }
            for k in 0..<(b1 - b0) { blockMax.append(Array(m[(k * bands)..<((k + 1) * bands)])) }
            nextBlock = b1
        }
        // Frames: blocks m..m+3.
        let count = finished ? PeakSlopeStage.frameCount(total) : Int.max
        while nextFrame < count && nextFrame + 3 < nextBlock && 160 * nextFrame + 640 <= total {
            var maxima = [Float](repeating: 0, count: 7)
            for b in nextFrame..<(nextFrame + 4) {
                let bm = blockMax[b - blockBase]
                for band in 0..<7 { maxima[band] = max(maxima[band], bm[band]) }
            }
            // log10 maxima, ordered from 125 Hz (s = 64) to 8 kHz (s = 1), against t = 1…7.
            var sy: Float = 0, sty: Float = 0
            var ok = true
            for t in 0..<7 {
                let v = log10(maxima[6 - t])
                if !v.isFinite { ok = false }
                sy += v; sty += Float(t + 1) * v
            }
            // Least-squares slope with t̄ = 4, Σ(t − t̄)² = 28.
            let slope = ok ? (sty - 4 * sy) / 28 : 0
            slopes.ensure(upTo: nextFrame + 1)
            slopes[nextFrame] = slope
            nextFrame += 1
        }
        let keep = max(0, nextFrame - 1)
        if keep > blockBase { blockMax.removeFirst(min(keep - blockBase, blockMax.count)); blockBase = keep }
    }
}
