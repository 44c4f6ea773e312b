// Linear prediction by the autocorrelation method and Levinson–Durbin recursion.
// The autocorrelation sums and the recursion run in Double on purpose: band-limited
// speech (8 kHz telephone audio upsampled to 16 kHz) makes the normal equations
// ill-conditioned, and a Float32 recursion then gives a visibly different residual from
// MATLAB/Octave. Inputs and outputs stay Float32; the cost is O(N·p + p²) per frame.
import Foundation

public enum LPC {
    /// Biased autocorrelation r[0...order] of `x` (unnormalised; LPC does not depend on it).
    public static func autocorrelation(_ x: UnsafeBufferPointer<Float>, order: Int) -> [Double] {
        let n = x.count
        var r = [Double](repeating: 0, count: order + 1)
        guard order >= 0 else { return r }
        // The samples are widened once; eight (then four) lags at a time share the loads
        // of x[i] in independent chains. Each lag still sums i = 0, 1, … in order, so the
        // values equal the one-lag-at-a-time loop.
        let xd = [Double](unsafeUninitializedCapacity: n + 8) { buf, count in
            for i in 0..<n { buf[i] = Double(x[i]) }
            for i in n..<(n + 8) { buf[i] = 0 }
            count = n + 8
        }
        xd.withUnsafeBufferPointer { xp in
            let xb = UnsafeRawPointer(xp.baseAddress!)
            @inline(__always) func ld(_ i: Int) -> SIMD4<Double> { xb.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self) }
            var lag = 0
            while lag + 7 <= order && lag + 7 < n {
                var s = SIMD4<Double>(repeating: 0), s2 = s
                let common = n - lag - 7
                for i in 0..<common {
                    let xi = SIMD4<Double>(repeating: xp[i])
                    s += xi * ld(i + lag)
                    s2 += xi * ld(i + lag + 4)
                }
                for l in 0..<8 {
                    var t = l < 4 ? s[l] : s2[l - 4]
                    for i in common..<(n - lag - l) { t += xp[i] * xp[i + lag + l] }
                    r[lag + l] = t
                }
                lag += 8
            }
            while lag + 3 <= order && lag + 3 < n {
                var s = SIMD4<Double>(repeating: 0)
                let common = n - lag - 3
                for i in 0..<common { s += SIMD4<Double>(repeating: xp[i]) * ld(i + lag) }
                for l in 0..<4 {
                    var t = s[l]
                    for i in common..<(n - lag - l) { t += xp[i] * xp[i + lag + l] }
                    r[lag + l] = t
                }
                lag += 4
            }
            while lag <= order && lag < n {
                var t: Double = 0
                for i in 0..<(n - lag) { t += xp[i] * xp[i + lag] }
                r[lag] = t
                lag += 1
            }
        }
        return r
    }

    /// Levinson–Durbin: prediction polynomial a = [1, a1, …, a_order] from autocorrelation
    /// r[0...order], and the final prediction error. r[0] == 0 gives [1, 0, …] (as Octave's lpc).
    public static func levinson(_ r: [Double], order: Int) -> (a: [Double], error: Double) {
        var a = [Double](repeating: 0, count: order + 1)
        a[0] = 1
        guard order >= 1, r.count > order, r[0] > 0, r[0].isFinite else { return (a, 0) }
        var err = r[0]
        var tmp = a
        for i in 1...order {
            var acc = r[i]
            for j in 1..<i { acc += a[j] * r[i - j] }
            let k = -acc / err
            if !k.isFinite { break }
            for j in 0...i { tmp[j] = a[j] }
            for j in 1..<i { a[j] = tmp[j] + k * tmp[i - j] }
            a[i] = k
            err *= (1 - k * k)
            if err <= 0 { err = 0; break }
        }
        return (a, err)
    }

    /// Octave/MATLAB `lpc(x, order)`.
    public static func coefficients(_ x: [Float], order: Int) -> [Float] {
        x.withUnsafeBufferPointer { coefficients($0, order: order) }
    }

    public static func coefficients(_ x: UnsafeBufferPointer<Float>, order: Int) -> [Float] {
        levinson(autocorrelation(x, order: order), order: order).a.map { Float($0) }
    }
}
