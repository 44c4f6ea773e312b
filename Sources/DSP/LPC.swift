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
        // Four lags at a time share the loads of x[i]; each lag still sums i = 0, 1, … in
        // order, so the values equal the one-lag-at-a-time loop.
        var lag = 0
        while lag + 3 <= order && lag + 3 < n {
            var s = SIMD4<Double>(repeating: 0)
            let common = n - lag - 3
            for i in 0..<common {
                let xi = Double(x[i])
                s += SIMD4<Double>(repeating: xi) * SIMD4<Double>(Double(x[i + lag]), Double(x[i + lag + 1]), Double(x[i + lag + 2]), Double(x[i + lag + 3]))
            }
            for l in 0..<4 {
                var t = s[l]
                for i in common..<(n - lag - l) { t += Double(x[i]) * Double(x[i + lag + l]) }
                r[lag + l] = t
            }
            lag += 4
        }
        while lag <= order && lag < n {
            var t: Double = 0
            for i in 0..<(n - lag) { t += Double(x[i]) * Double(x[i + lag]) }
            r[lag] = t
            lag += 1
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
