// Linear filtering as MATLAB's `filter`, `filtfilt`, and pre-emphasis.
public enum Filter {
    /// `filter(b, a, x)` with zero initial state (direct form II transposed). a[0] != 0.
    public static func apply(b: [Float], a: [Float], _ x: [Float]) -> [Float] {
        let a0 = a.first ?? 1
        let nb = b.map { $0 / a0 }, na = a.map { $0 / a0 }
        let order = max(nb.count, na.count) - 1
        var bb = nb + [Float](repeating: 0, count: order + 1 - nb.count)
        var aa = na + [Float](repeating: 0, count: order + 1 - na.count)
        if aa.isEmpty { aa = [1] }
        if bb.isEmpty { bb = [0] }
        var z = [Float](repeating: 0, count: order + 1)
        var y = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let xi = x[i]
            let yi = bb[0] * xi + z[0]
            if order > 0 {
                for j in 1...order { z[j - 1] = bb[j] * xi + z[j] - aa[j] * yi }
            }
            y[i] = yi
        }
        return y
    }

    /// FIR `filter(b, 1, x)`.
    public static func fir(_ b: [Float], _ x: UnsafeBufferPointer<Float>) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        let nb = b.count
        for i in 0..<x.count {
            var s: Float = 0
            let jmax = min(nb - 1, i)
            for j in 0...jmax { s += b[j] * x[i - j] }
            y[i] = s
        }
        return y
    }

    /// Zero-phase filtering: forward, then backward, with odd reflection padding of
    /// 3·(order) samples at both ends (as MATLAB's `filtfilt`, without its initial-state
    /// optimisation).
    public static func filtfilt(b: [Float], a: [Float], _ x: [Float]) -> [Float] {
        let nfact = 3 * (max(a.count, b.count) - 1)
        guard x.count > nfact, nfact > 0 else {
            return Array(apply(b: b, a: a, apply(b: b, a: a, x).reversed()).reversed())
        }
        var ext = [Float](); ext.reserveCapacity(x.count + 2 * nfact)
        for i in stride(from: nfact, through: 1, by: -1) { ext.append(2 * x[0] - x[i]) }
        ext.append(contentsOf: x)
        let n = x.count
        for i in 1...nfact { ext.append(2 * x[n - 1] - x[n - 1 - i]) }
        var y = apply(b: b, a: a, ext)
        y.reverse()
        y = apply(b: b, a: a, y)
        y.reverse()
        return Array(y[nfact..<(nfact + n)])
    }

    /// First-order pre-emphasis y[n] = x[n] − coefficient·x[n−1].
    public static func preEmphasis(_ x: [Float], coefficient: Float = 0.97) -> [Float] {
        guard !x.isEmpty else { return [] }
        var y = [Float](repeating: 0, count: x.count)
        y[0] = x[0]
        for i in 1..<x.count { y[i] = x[i] - coefficient * x[i - 1] }
        return y
    }
}
