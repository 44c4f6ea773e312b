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
        fir(b, x, from: 0)
    }

    /// Outputs `start..<x.count` of `filter(b, 1, x)` (the same values as `fir(b, x)[start...]`).
    public static func fir(_ b: [Float], _ x: UnsafeBufferPointer<Float>, from start: Int) -> [Float] {
        fir(b, x, outputs: min(max(0, start), x.count)..<x.count)
    }

    /// Outputs `outputs` of `filter(b, 1, x)` with x continued by zeros on both sides, so
    /// that `outputs` may run past `x.count` (the tail of `filter(b, 1, [x; zeros])`).
    ///
    /// y[i] = b0·x[i] + b1·x[i−1] + … is summed in this tap order; taps that read only the
    /// zeros before or after x are left out. Adding a zero product leaves a Float sum
    /// unchanged, so every output equals the plain scalar sum over all taps.
    public static func fir(_ b: [Float], _ x: UnsafeBufferPointer<Float>, outputs: Range<Int>) -> [Float] {
        let n = x.count, pad = firPad
        let lo = max(0, outputs.lowerBound), hi = max(lo, outputs.upperBound)
        let count = hi - lo
        guard count > 0 else { return [] }
        // x between firPad zeros on each side (a scratch buffer, not an Array; only the pads
        // are zeroed), and firPad outputs of room past those wanted.
        return withScratch(Float.self, pad + n + pad) { e in
            e.baseAddress!.initialize(repeating: 0, count: pad)
            if n > 0 { (e.baseAddress! + pad).initialize(from: x.baseAddress!, count: n) }
            (e.baseAddress! + pad + n).initialize(repeating: 0, count: pad)
            return [Float](unsafeUninitializedCapacity: count + pad) { y, written in
                fir(b, padded: UnsafeBufferPointer(e), count: n, outputs: lo..<hi, into: y)
                written = count
            }
        }
    }

    /// Zeros `fir(_:padded:count:outputs:into:)` reads on each side of x, and the most
    /// outputs it writes past those wanted: its last block of four chains.
    public static var firPad: Int { KernelBuild.sixteenLaneRegisters ? 64 : 32 }

    /// `fir(b, x, outputs:)` for callers that hold the buffers: x = padded[firPad ..<
    /// firPad + count] with firPad zeros on each side, into y[0 ..< outputs.count + firPad]
    /// (the outputs wanted first, then up to firPad values to ignore).
    ///
    /// Outputs run in blocks of four independent accumulator chains of w lanes (one chain
    /// waits on its previous add every tap): w = 16 where AVX-512 registers hold them, else
    /// 8. The last block is four-chain too, its lanes past the outputs wanted reading zeros:
    /// short frames (IAIF's 150–250 outputs) then have no latency-bound one-chain tail. Each
    /// lane sums its taps in tap order from its block's first tap that can read x to the
    /// block's last; the taps outside a lane's own add zero products, so every output equals
    /// the plain sum (an exactly zero output may differ in the sign of zero).
    public static func fir(_ b: [Float], padded: UnsafeBufferPointer<Float>, count n: Int, outputs: Range<Int>,
                           into y: UnsafeMutableBufferPointer<Float>) {
        b.withUnsafeBufferPointer { fir($0, padded: padded, count: n, outputs: outputs, into: y) }
    }

    /// `fir(_:padded:count:outputs:into:)` with the taps in a caller's buffer.
    public static func fir(_ bp: UnsafeBufferPointer<Float>, padded: UnsafeBufferPointer<Float>, count n: Int, outputs: Range<Int>,
                           into y: UnsafeMutableBufferPointer<Float>) {
        let nb = bp.count, pad = firPad
        let lo = max(0, outputs.lowerBound), hi = max(lo, outputs.upperBound)
        guard hi > lo else { return }
        precondition(padded.count >= n + 2 * pad && y.count >= hi - lo + pad, "Filter.fir: padded input or output buffer too short")
        guard n > 0, nb > 0 else { (y.baseAddress!).update(repeating: 0, count: hi - lo); return }
        // xb as Float index i reads x[i]: lane i, tap j reads x[i − j] with i − j in
        // [−(4w − 1), n + 4w − 2] for the tap ranges below (4w = firPad).
        let xb = UnsafeRawPointer(padded.baseAddress! + pad)
        @inline(__always) func chains<V: SIMD>(_: V.Type) where V.Scalar == Float {
            let w = V.scalarCount
            @inline(__always) func lv(_ k: Int) -> V { xb.loadUnaligned(fromByteOffset: k &* 4, as: V.self) }
            var i = lo
            while i < hi {
                // Taps j with which lanes i..<min(i + 4w, hi) can read x: i + 4w − 1 − j ≥ 0
                // and i − j ≤ n − 1.
                let j0 = max(0, i - (n - 1)), j1 = min(nb - 1, min(i + 4 * w, hi) - 1)
                var a0 = V(repeating: 0), a1 = a0, a2 = a0, a3 = a0
                if j0 <= j1 {
                    let bj = V(repeating: bp[j0])
                    a0 = bj * lv(i &- j0); a1 = bj * lv(i &+ w &- j0); a2 = bj * lv(i &+ 2 &* w &- j0); a3 = bj * lv(i &+ 3 &* w &- j0)
                    var j = j0 + 1
                    while j <= j1 {
                        let bj = V(repeating: bp[j])
                        a0 += bj * lv(i &- j); a1 += bj * lv(i &+ w &- j); a2 += bj * lv(i &+ 2 &* w &- j); a3 += bj * lv(i &+ 3 &* w &- j)
                        j += 1
                    }
                }
                let yr = UnsafeMutableRawPointer(y.baseAddress! + (i - lo))
                yr.storeBytes(of: a0, as: V.self)
                yr.storeBytes(of: a1, toByteOffset: 4 * w, as: V.self)
                yr.storeBytes(of: a2, toByteOffset: 8 * w, as: V.self)
                yr.storeBytes(of: a3, toByteOffset: 12 * w, as: V.self)
                i += 4 * w
            }
        }
        if KernelBuild.sixteenLaneRegisters { chains(SIMD16<Float>.self) } else { chains(SIMD8<Float>.self) }
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

/// Double-precision IIR filtering for high-order, narrow-band designs (elliptic
/// high-passes at 30–500 Hz at 16 kHz) whose transfer-function form is unstable in Float.
public enum FilterD {
    /// `filter(b, a, x, zi)` (direct form II transposed).
    public static func apply(b: [Double], a: [Double], _ x: [Double], zi: [Double]? = nil) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { apply(b: b, a: a, x, zi: zi, into: $0) } }
        return y
    }

    /// `apply` into y (y.count == x.count; y may be x's own storage: each sample is read
    /// before its output is written). `backward` runs the recursion from the last sample to
    /// the first, which is `apply` of the reversed x, reversed, without the two copies.
    static func apply(b: [Double], a: [Double], _ x: UnsafeBufferPointer<Double>, zi: [Double]? = nil,
                      backward: Bool = false, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(y.count == x.count, "FilterD.apply: \(x.count) samples into \(y.count)")
        let a0 = a[0]
        let n = max(a.count, b.count)
        var bb = b.map { $0 / a0 }, aa = a.map { $0 / a0 }
        bb += [Double](repeating: 0, count: n - bb.count)
        aa += [Double](repeating: 0, count: n - aa.count)
        var z = zi ?? [Double](repeating: 0, count: n - 1)
        z += [Double](repeating: 0, count: max(0, n - 1 - z.count))
        // On buffer pointers: with arrays every store to z was a uniqueness and bounds check
        // (the recursion itself is bound by its add–multiply–subtract latency).
        z.withUnsafeMutableBufferPointer { z in
        bb.withUnsafeBufferPointer { bb in
        aa.withUnsafeBufferPointer { aa in
            // The two designs in use (9th- and 5th-order elliptics) keep their state in
            // registers: through memory, each sample's z[0] waited on a store-to-load forward.
            if n == 10 { runOrder9(bb, aa, x, y, z, backward: backward); return }
            if n == 6 { runOrder5(bb, aa, x, y, z, backward: backward); return }
            let last = x.count - 1
            for s in 0..<x.count {
                let i = backward ? last - s : s
                let xi = x[i]
                let yi = bb[0] * xi + (n > 1 ? z[0] : 0)
                if n > 1 {
                    for j in 1..<(n - 1) { z[j - 1] = bb[j] * xi + z[j] - aa[j] * yi }
                    z[n - 2] = bb[n - 1] * xi - aa[n - 1] * yi
                }
                y[i] = yi
            }
        }
        }
        }
    }

    /// `apply`'s loop for 10 coefficients with the state in locals: the same operations in
    /// the same order, z_{j−1} = (b_j·x + z_j) − a_j·y.
    static func runOrder9(_ b: UnsafeBufferPointer<Double>, _ a: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>,
                          _ y: UnsafeMutableBufferPointer<Double>, _ z: UnsafeMutableBufferPointer<Double>, backward: Bool) {
        let b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5], b6 = b[6], b7 = b[7], b8 = b[8], b9 = b[9]
        let a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7], a8 = a[8], a9 = a[9]
        var z0 = z[0], z1 = z[1], z2 = z[2], z3 = z[3], z4 = z[4], z5 = z[5], z6 = z[6], z7 = z[7], z8 = z[8]
        // The index off the recursion's chain: backward costs nothing.
        let last = x.count - 1
        for s in 0..<x.count {
            let i = backward ? last - s : s
            let xi = x[i]
            let yi = b0 * xi + z0
            z0 = b1 * xi + z1 - a1 * yi
            z1 = b2 * xi + z2 - a2 * yi
            z2 = b3 * xi + z3 - a3 * yi
            z3 = b4 * xi + z4 - a4 * yi
            z4 = b5 * xi + z5 - a5 * yi
            z5 = b6 * xi + z6 - a6 * yi
            z6 = b7 * xi + z7 - a7 * yi
            z7 = b8 * xi + z8 - a8 * yi
            z8 = b9 * xi - a9 * yi
            y[i] = yi
        }
        z[0] = z0; z[1] = z1; z[2] = z2; z[3] = z3; z[4] = z4; z[5] = z5; z[6] = z6; z[7] = z7; z[8] = z8
    }

    /// `runOrder9` for 6 coefficients.
    static func runOrder5(_ b: UnsafeBufferPointer<Double>, _ a: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>,
                          _ y: UnsafeMutableBufferPointer<Double>, _ z: UnsafeMutableBufferPointer<Double>, backward: Bool) {
        let b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3], b4 = b[4], b5 = b[5]
        let a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5]
        var z0 = z[0], z1 = z[1], z2 = z[2], z3 = z[3], z4 = z[4]
        // The index off the recursion's chain: backward costs nothing.
        let last = x.count - 1
        for s in 0..<x.count {
            let i = backward ? last - s : s
            let xi = x[i]
            let yi = b0 * xi + z0
            z0 = b1 * xi + z1 - a1 * yi
            z1 = b2 * xi + z2 - a2 * yi
            z2 = b3 * xi + z3 - a3 * yi
            z3 = b4 * xi + z4 - a4 * yi
            z4 = b5 * xi - a5 * yi
            y[i] = yi
        }
        z[0] = z0; z[1] = z1; z[2] = z2; z[3] = z3; z[4] = z4
    }

    /// filtfilt's set-up: b and a zero-padded to one length n, and the n − 1 steady-state
    /// initial conditions of the transposed direct form for a unit step (zeros when the DC
    /// gain is not finite).
    static func filtfiltSetup(b: [Double], a: [Double]) -> (b: [Double], a: [Double], zi: [Double]) {
        let n = max(b.count, a.count)
        var bb = b, aa = a
        bb += [Double](repeating: 0, count: n - bb.count)
        aa += [Double](repeating: 0, count: n - aa.count)
        let kdc = bb.reduce(0, +) / aa.reduce(0, +)
        var si = [Double](repeating: 0, count: n)
        if kdc.isFinite {
            var acc = 0.0
            for i in stride(from: n - 1, through: 0, by: -1) { acc += bb[i] - kdc * aa[i]; si[i] = acc }
        }
        si.removeFirst()
        return (bb, aa, si)
    }

    /// Octave signal package's `filtfilt`: odd reflection of 3·(n−1) samples at each end
    /// and steady-state initial conditions scaled by the first sample of each pass.
    /// Inputs not longer than 3·(n−1) are returned filtered forward and backward without padding.
    public static func filtfilt(b: [Double], a: [Double], _ x: [Double]) -> [Double] {
        let (bb, aa, si) = filtfiltSetup(b: b, a: a)
        let lrefl = 3 * (bb.count - 1)
        let lx = x.count
        // Both passes in place in one buffer, the second run backward (no reversed copies).
        guard lx > lrefl else {
            var y = x
            y.withUnsafeMutableBufferPointer { y in
                apply(b: bb, a: aa, UnsafeBufferPointer(y), into: y)
                apply(b: bb, a: aa, UnsafeBufferPointer(y), backward: true, into: y)
            }
            return y
        }
        var v = [Double](); v.reserveCapacity(lx + 2 * lrefl)
        for i in stride(from: lrefl, through: 1, by: -1) { v.append(2 * x[0] - x[i]) }
        v.append(contentsOf: x)
        for i in 1...lrefl { v.append(2 * x[lx - 1] - x[lx - 1 - i]) }
        v.withUnsafeMutableBufferPointer { v in
            apply(b: bb, a: aa, UnsafeBufferPointer(v), zi: si.map { $0 * v[0] }, into: v)
            apply(b: bb, a: aa, UnsafeBufferPointer(v), zi: si.map { $0 * v[v.count - 1] }, backward: true, into: v)
        }
        return Array(v[lrefl..<(lrefl + lx)])
    }
}
