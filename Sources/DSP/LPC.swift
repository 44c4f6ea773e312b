// Linear prediction by the autocorrelation method and Levinson–Durbin recursion.
// The autocorrelation sums and the recursion run in Double on purpose: band-limited
// speech (8 kHz telephone audio upsampled to 16 kHz) makes the normal equations
// ill-conditioned, and a Float32 recursion then gives a visibly different residual from
// MATLAB/Octave. Inputs and outputs stay Float32; the cost is O(N·p + p²) per frame.
import Foundation

public enum LPC {
    /// Biased autocorrelation r[0...order] of `x` (unnormalised; LPC does not depend on it).
    public static func autocorrelation(_ x: UnsafeBufferPointer<Float>, order: Int) -> [Double] {
        var r = [Double](repeating: 0, count: max(0, order + 1))
        r.withUnsafeMutableBufferPointer { autocorrelation(x, order: order, into: $0) }
        return r
    }

    /// `autocorrelation(x, order:)` into r[0...order] (caller-held; lags at or past x.count
    /// are set to 0).
    static func autocorrelation(_ x: UnsafeBufferPointer<Float>, order: Int, into r: UnsafeMutableBufferPointer<Double>) {
        let n = x.count
        guard order >= 0 else { return }
        precondition(r.count > order, "LPC.autocorrelation: room for \(r.count) lags, order \(order)")
        for i in 0...order { r[i] = 0 }
        // The samples are widened once and followed by zeros, so every lag can run over the
        // same i range (a zero product leaves a sum unchanged). Up to 24 lags at a time, in
        // SIMD4 lanes: each lag's sum is its own chain, added in i order (the same values as
        // the one-lag-at-a-time loop), and the chains of all lags advance together instead
        // of one after the other (one Double add waits four cycles on the previous one).
        let pad = order + 32
        withScratch(Double.self, n + pad) { buf in
            for i in 0..<n { buf[i] = Double(x[i]) }
            for i in n..<(n + pad) { buf[i] = 0 }
            let xp = UnsafeBufferPointer(buf)
            let xb = UnsafeRawPointer(xp.baseAddress!)
            // Wrapping index arithmetic: i + lag + 23 < n + pad, far from overflow, and the
            // overflow checks were a compare and branch per load in this latency-bound loop.
            @inline(__always) func ld(_ i: Int) -> SIMD4<Double> { xb.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self) }
            var lagBase = 0
            while lagBase <= order && lagBase < n {
                let lags = min(24, order + 1 - lagBase)
                let m = n - lagBase
                var a0 = SIMD4<Double>(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
                // As many chains as the lags need: a chain of lags nobody reads costs its
                // multiplies and adds all the same (order 18's 19 lags in five chains instead
                // of six: 470 → 400 ns a 401-sample frame).
                if lags <= 8 {
                    for i in 0..<m {
                        let xi = SIMD4<Double>(repeating: xp[i]), j = i &+ lagBase
                        a0 += xi * ld(j); a1 += xi * ld(j &+ 4)
                    }
                } else if lags <= 12 {
                    for i in 0..<m {
                        let xi = SIMD4<Double>(repeating: xp[i]), j = i &+ lagBase
                        a0 += xi * ld(j); a1 += xi * ld(j &+ 4); a2 += xi * ld(j &+ 8)
                    }
                } else if lags <= 16 {
                    for i in 0..<m {
                        let xi = SIMD4<Double>(repeating: xp[i]), j = i &+ lagBase
                        a0 += xi * ld(j); a1 += xi * ld(j &+ 4); a2 += xi * ld(j &+ 8); a3 += xi * ld(j &+ 12)
                    }
                } else if lags <= 20 {
                    for i in 0..<m {
                        let xi = SIMD4<Double>(repeating: xp[i]), j = i &+ lagBase
                        a0 += xi * ld(j); a1 += xi * ld(j &+ 4); a2 += xi * ld(j &+ 8)
                        a3 += xi * ld(j &+ 12); a4 += xi * ld(j &+ 16)
                    }
                } else {
                    for i in 0..<m {
                        let xi = SIMD4<Double>(repeating: xp[i]), j = i &+ lagBase
                        a0 += xi * ld(j); a1 += xi * ld(j &+ 4); a2 += xi * ld(j &+ 8)
                        a3 += xi * ld(j &+ 12); a4 += xi * ld(j &+ 16); a5 += xi * ld(j &+ 20)
                    }
                }
                // (No array of the six groups: one allocation per block of lags.)
                @inline(__always) func put(_ g: SIMD4<Double>, _ first: Int) {
                    for t in 0..<4 where first + t < lags && lagBase + first + t < n { r[lagBase + first + t] = g[t] }
                }
                put(a0, 0); put(a1, 4); put(a2, 8); put(a3, 12); put(a4, 16); put(a5, 20)
                lagBase += 24
            }
        }
    }

    /// Levinson–Durbin: prediction polynomial a = [1, a1, …, a_order] from autocorrelation
    /// r[0...order], and the final prediction error. r[0] == 0 gives [1, 0, …] (as Octave's lpc).
    public static func levinson(_ r: [Double], order: Int) -> (a: [Double], error: Double) {
        var a = [Double](repeating: 0, count: order + 1)
        let error = r.withUnsafeBufferPointer { r in a.withUnsafeMutableBufferPointer { levinson(r, order: order, into: $0) } }
        return (a, error)
    }

    /// `levinson(r, order:)` with the polynomial into a[0...order] (caller-held); returns the error.
    static func levinson(_ r: UnsafeBufferPointer<Double>, order: Int, into a: UnsafeMutableBufferPointer<Double>) -> Double {
        precondition(a.count > order, "LPC.levinson: room for \(a.count) coefficients, order \(order)")
        for j in 0...order { a[j] = 0 }
        a[0] = 1
        guard order >= 1, r.count > order, r[0] > 0, r[0].isFinite else { return 0 }
        var err = r[0]
        for i in 1...order {
            var acc = r[i]
            for j in 1..<i { acc += a[j] * r[i - j] }
            let k = -acc / err
            if !k.isFinite { break }
            // a_j ← a_j + k·a_{i−j} for 0 < j < i, in place: the two ends of each pair are
            // updated together from their old values (no copy of a).
            var lo = 1, hi = i - 1
            while lo < hi {
                let p = a[lo], q = a[hi]
                a[lo] = p + k * q; a[hi] = q + k * p
                lo += 1; hi -= 1
            }
            if lo == hi { let p = a[lo]; a[lo] = p + k * p }
            a[i] = k
            err *= (1 - k * k)
            if err <= 0 { err = 0; break }
        }
        return err
    }

    /// `levinson(r[l], order:).a` of four autocorrelations at once, one per SIMD lane: the
    /// recursion is a chain of dependent Double adds and a division per order, so four
    /// independent frames side by side take little longer than one. Each lane does the
    /// scalar operations in the scalar order (the same values), and stops where the scalar
    /// recursion stops (a non-finite reflection coefficient, a non-positive error).
    public static func levinson4(_ r: [[Double]], order: Int) -> [[Double]] {
        levinson4Lanes(r, order: order) { a in (0..<4).map { l in a.map { $0[l] } } }
    }

    /// `levinson4(r, order:)` rounded to Float into a[l·stride + j] (lane l, coefficient j),
    /// for callers that hold the buffer (five arrays fewer per call).
    public static func levinson4(_ r: [[Double]], order: Int, into a: UnsafeMutableBufferPointer<Float>, stride: Int) {
        precondition(stride > order && a.count >= 3 * stride + order + 1, "LPC.levinson4: room for \(a.count) coefficients, order \(order), stride \(stride)")
        levinson4Lanes(r, order: order) { p in
            for j in 0...order { for l in 0..<4 { a[l * stride + j] = Float(p[j][l]) } }
        }
    }

    /// The recursion of `levinson4`, handing the lanes' polynomials (coefficient j of lane l
    /// at [j][l]) to `body`.
    static func levinson4Lanes<R>(_ r: [[Double]], order: Int, _ body: (UnsafeMutableBufferPointer<SIMD4<Double>>) -> R) -> R {
        precondition(r.count == 4, "levinson4 takes four autocorrelations, got \(r.count)")
        // The lanes' polynomials and autocorrelations in one scratch buffer (an Array of
        // SIMD4<Double> looked up its storage type's metadata on every call).
        return withScratch(SIMD4<Double>.self, 2 * (order + 1)) { buf in
        let a = UnsafeMutableBufferPointer(rebasing: buf[0..<(order + 1)])
        let rl = UnsafeMutableBufferPointer(rebasing: buf[(order + 1)...])
        a.initialize(repeating: .zero); rl.initialize(repeating: .zero)
        var active = SIMDMask<SIMD4<Int64>>(repeating: false)
        var err = SIMD4<Double>.zero
        if order >= 1 {
            for l in 0..<4 where r[l].count > order && r[l][0] > 0 && r[l][0].isFinite {
                active[l] = true
                err[l] = r[l][0]
                for i in 0...order { rl[i][l] = r[l][i] }
            }
        }
        a[0] = SIMD4(repeating: 1)
        if any(active) {
            for i in 1...order {
                var acc = rl[i]
                for j in 1..<i { acc += a[j] * rl[i - j] }
                let k = -acc / err
                // Lanes whose k is not finite stop before updating (as the scalar break).
                let finite = (k .== k) .& (k .!= .infinity) .& (k .!= -.infinity)
                active = active .& finite
                if !any(active) { break }
                var lo = 1, hi = i - 1
                while lo < hi {
                    let p = a[lo], q = a[hi]
                    a[lo].replace(with: p + k * q, where: active)
                    a[hi].replace(with: q + k * p, where: active)
                    lo += 1; hi -= 1
                }
                if lo == hi { let p = a[lo]; a[lo].replace(with: p + k * p, where: active) }
                a[i].replace(with: k, where: active)
                err.replace(with: err * (1 - k * k), where: active)
                let stop = active .& (err .<= 0)
                err.replace(with: 0, where: stop)
                active = active .& .!stop
                if !any(active) { break }
            }
        }
        return body(a)
        }
    }

    /// Octave/MATLAB `lpc(x, order)`.
    public static func coefficients(_ x: [Float], order: Int) -> [Float] {
        x.withUnsafeBufferPointer { coefficients($0, order: order) }
    }

    public static func coefficients(_ x: UnsafeBufferPointer<Float>, order: Int) -> [Float] {
        // The lags and the Double polynomial in one scratch buffer: one allocation per call
        // (the returned array) instead of three; the same operations as the array forms.
        guard order >= 0 else { return levinson(autocorrelation(x, order: order), order: order).a.map { Float($0) } }
        return withScratch(Double.self, 2 * (order + 1)) { buf in
            let r = UnsafeMutableBufferPointer(rebasing: buf[0...order])
            let a = UnsafeMutableBufferPointer(rebasing: buf[(order + 1)...])
            autocorrelation(x, order: order, into: r)
            _ = levinson(UnsafeBufferPointer(r), order: order, into: a)
            return [Float](unsafeUninitializedCapacity: order + 1) { out, count in
                for j in 0...order { out[j] = Float(a[j]) }
                count = order + 1
            }
        }
    }
}
