// Linear prediction by the autocorrelation method and Levinson–Durbin recursion.
import Foundation

public enum LPC {
    /// Biased autocorrelation r[0...order] of `x` (no normalisation; LPC coefficients
    /// do not depend on it).
    public static func autocorrelation(_ x: UnsafeBufferPointer<Float>, order: Int) -> [Float] {
        let n = x.count
        var r = [Float](repeating: 0, count: order + 1)
        for lag in 0...order where lag < n {
            var s: Float = 0
            for i in 0..<(n - lag) { s += x[i] * x[i + lag] }
            r[lag] = s
        }
        return r
    }

    /// Levinson–Durbin: prediction polynomial a = [1, a1, …, a_order] from autocorrelation
    /// r[0...order], and the final prediction error. r[0] == 0 gives [1, 0, …] (as Octave's lpc).
    public static func levinson(_ r: [Float], order: Int) -> (a: [Float], error: Float) {
        var a = [Float](repeating: 0, count: order + 1)
        a[0] = 1
        guard r.count > order, r[0] > 0, r[0].isFinite else { return (a, 0) }
        var err = r[0]
        var tmp = [Float](repeating: 0, count: order + 1)
        for i in 1...max(order, 1) where i <= order {
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
        levinson(autocorrelation(x, order: order), order: order).a
    }
}
