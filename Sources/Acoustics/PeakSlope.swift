// peakSlope (COVAREP peakslope.m, Kane & Gobl 2011): regression slope of the log10
// maxima of a 7-band wavelet decomposition (8 kHz … 125 Hz) over 40 ms frames every 10 ms.
// The wavelets are Gaussian-windowed cosines h_s(n) = −cos(π n/s)·exp(−(n/s)²/2),
// s = 1, 2, …, 64 samples; COVAREP keeps ±1000 taps, here the taps below 1e−9 of the
// peak are dropped (|n| ≤ 6.5·s), which changes nothing at Float precision.
import Foundation
import DSP

struct WaveletBank: Sendable {
    let taps: [[Float]]        // per band, h(0...L) (symmetric)
    let reach: Int             // largest L

    init(scales: [Int]) {
        var t: [[Float]] = []
        for s in scales {
            let l = min(1000, Int((6.5 * Double(s)).rounded(.up)))
            t.append((0...l).map { n in
                let u = Double(n) / Double(s)
                return Float(-cos(Double.pi * u) * exp(-u * u / 2))
            })
        }
        taps = t
        reach = t.map { $0.count - 1 }.max() ?? 0
    }

    /// Zero-phase filtered value of band b at absolute sample i (samples outside [0, total) are 0).
    @inline(__always)
    func value(band b: Int, at i: Int, _ x: SampleBuffer, total: Int) -> Float {
        let h = taps[b]
        var acc = h[0] * x[i]
        for n in 1..<h.count {
            let a = i - n, c = i + n
            let xa: Float = a >= 0 ? x[a] : 0
            let xc: Float = c < total ? x[c] : 0
            acc += h[n] * (xa + xc)
        }
        return acc
    }
}

/// Streaming peakSlope: maxima of |band| per 160-sample block, 4 blocks per frame.
struct PeakSlopeStage: Sendable {
    static let sixteenLanes = KernelBuild.targetCPU == "skylake-avx512"
    let bank = WaveletBank(scales: [1, 2, 4, 8, 16, 32, 64])
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
        // Blocks: need samples to 160b + 159 + reach (or the end of the stream).
        while true {
            let b = nextBlock
            let end = 160 * b + 160
            if end > total { 
                if !(finished && 160 * b < total) { break }
            } else if !finished && end - 1 + bank.reach >= total { break }
            // Contiguous copy of the block and its reach (zeros outside the signal).
            let lo = 160 * b - bank.reach, hi = min(end, total) + bank.reach
            var local = [Float](repeating: 0, count: hi - lo)
            for i in max(lo, 0)..<min(hi, total) { local[i - lo] = x[i] }
            let count = min(end, total) - 160 * b
            var m = [Float](repeating: 0, count: bank.taps.count)
            local.withUnsafeBufferPointer { xp in
                for band in 0..<bank.taps.count {
                    bank.taps[band].withUnsafeBufferPointer { h in
                        var mx: Float = 0
                        let nh = h.count
                        // Eight samples at a time, each lane summing the taps in the scalar
                        // order below (so the values are the same); 32 at a time in four
                        // independent register chains (one chain waits on its add every tap).
                        let xb = UnsafeRawPointer(xp.baseAddress!)
                        // Wrapping index arithmetic: the overflow checks were most of the tap loop's
                        // instructions (indices stay within `local` by construction).
                        @inline(__always) func ld(_ i: Int) -> SIMD8<Float> { xb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) }
                        @inline(__always) func ld16(_ i: Int) -> SIMD16<Float> { xb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) }
                        var t0 = 0
                        // 64 at a time in four sixteen-lane chains when they fit AVX-512
                        // registers (measured: 2.1 → 1.6 % of the extractor); same per-lane
                        // arithmetic. Elsewhere they would spill.
                        while PeakSlopeStage.sixteenLanes && t0 + 64 <= count {
                            let c = bank.reach + t0
                            let h0 = SIMD16<Float>(repeating: h[0])
                            var a0 = h0 * ld16(c), a1 = h0 * ld16(c + 16), a2 = h0 * ld16(c + 32), a3 = h0 * ld16(c + 48)
                            for n in 1..<nh {
                                let hn = SIMD16<Float>(repeating: h[n])
                                a0 += hn * (ld16(c &- n) + ld16(c &+ n))
                                a1 += hn * (ld16(c &+ 16 &- n) + ld16(c &+ 16 &+ n))
                                a2 += hn * (ld16(c &+ 32 &- n) + ld16(c &+ 32 &+ n))
                                a3 += hn * (ld16(c &+ 48 &- n) + ld16(c &+ 48 &+ n))
                            }
                            for acc in [a0, a1, a2, a3] {
                                for l in 0..<16 { let v = abs(acc[l]); if v > mx { mx = v } }
                            }
                            t0 += 64
                        }
                        while t0 + 32 <= count {
                            let c = bank.reach + t0
                            let h0 = SIMD8<Float>(repeating: h[0])
                            var a0 = h0 * ld(c), a1 = h0 * ld(c + 8), a2 = h0 * ld(c + 16), a3 = h0 * ld(c + 24)
                            for n in 1..<nh {
                                let hn = SIMD8<Float>(repeating: h[n])
                                a0 += hn * (ld(c &- n) + ld(c &+ n))
                                a1 += hn * (ld(c &+ 8 &- n) + ld(c &+ 8 &+ n))
                                a2 += hn * (ld(c &+ 16 &- n) + ld(c &+ 16 &+ n))
                                a3 += hn * (ld(c &+ 24 &- n) + ld(c &+ 24 &+ n))
                            }
                            for acc in [a0, a1, a2, a3] {
                                for l in 0..<8 { let v = abs(acc[l]); if v > mx { mx = v } }
                            }
                            t0 += 32
                        }
                        while t0 + 8 <= count {
                            let c = bank.reach + t0
                            var acc = SIMD8<Float>(repeating: h[0]) * ld(c)
                            for n in 1..<nh { acc += SIMD8<Float>(repeating: h[n]) * (ld(c &- n) + ld(c &+ n)) }
                            for l in 0..<8 { let v = abs(acc[l]); if v > mx { mx = v } }
                            t0 += 8
                        }
                        for t in t0..<count {
                            let c = bank.reach + t
                            var acc = h[0] * xp[c]
                            for n in 1..<nh { acc += h[n] * (xp[c - n] + xp[c + n]) }
                            let v = abs(acc)
                            if v > mx { mx = v }
                        }
                        m[band] = mx
                    }
                }
            }
            blockMax.append(m)
            nextBlock += 1
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
