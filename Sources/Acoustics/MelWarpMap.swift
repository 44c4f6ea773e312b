// hspec2fwcep (the mel-frequency-warped cepstrum of COVAREP's MCEP) as one linear map of the
// true envelope's cepstrum, so that an MCEP frame costs 25·(order + 1) multiply-adds instead
// of the envelope at all 2049 bins, 2049 exps, interpolations and logs and a 25-row cepstrum.
import Foundation

/// MCEP_m = Σ_i W[m][i]·cc_i for the envelope lv(p) = Σ_i cc_i cos(2πip/N) (p in bins of the
/// N-point DFT): the mel cepstrum c_0, 2c_1, …, 2c_24 of the warped log envelope
/// w_j = lv(p_j), where p_j is the (fractional) bin hspec2fwcep's warp reads for linear bin j.
///
/// The approximation: hspec2fwcep interpolates the *amplitude* exp(lv) linearly between the
/// bins ⌊p_j⌋ and ⌊p_j⌋ + 1 and takes the log; here w_j is lv at p_j itself. Both agree at
/// the bins; between them the difference is at most (Δlv)²/8 (log is concave: the log of the
/// interpolated amplitude exceeds the interpolated log by at most a quarter of the squared
/// step, halved at the midpoint) plus max|lv″|/8 (linear against exact interpolation of lv),
/// with Δlv ≤ max|lv′| and |lv′| ≤ (2π/N) Σ i|cc_i|, |lv″| ≤ (2π/N)² Σ i²|cc_i|: for the
/// envelope orders of speech (≤ 192 at F0 ≥ 50 Hz, cepstra decaying with i) hundredths of
/// a percent of a nat. Each MCEP coefficient is an average of w_j against a cosine (times 2),
/// so it moves by at most twice the largest difference (`TrueEnvelopeTests` checks this
/// bound against the interpolating form on vowel frames).
struct MelWarpMap: Sendable {
    /// MCEP_0…MCEP_24.
    static let mcepOrder = 24
    /// Envelope cepstra up to this order (the true envelope's table orders).
    let maxOrder: Int
    /// Row i: W[0…24][i] in the four vectors 4i…4i + 3 (lanes 25…31 zero; SIMD32 arithmetic
    /// went through the stack lane by lane).
    let rows: [SIMD8<Float>]

    /// The map of hspec2fwcep's warp for an N-point DFT: `position[j]` is the fractional bin
    /// linear bin j (0…N/2) reads.
    init(position: [Double], dftLength n: Int, maxOrder: Int) {
        let h = n / 2, mo = MelWarpMap.mcepOrder
        precondition(position.count == h + 1, "MelWarpMap: \(position.count) warp positions for a \(n)-point DFT")
        self.maxOrder = maxOrder
        // W[m][i] = s_m/N (C_i(0) + (−1)^m C_i(h) + 2 Σ_{j=1}^{h−1} C_i(j) cos(2πmj/N)),
        // C_i(j) = cos(2πi·p_j/N), s_0 = 1, s_m = 2: hspec2fwcep's cepstrum of w = Σ_i cc_i C_i.
        // Each W[m][i] is a Double dot product over the h + 1 bins of the weights G_m(j) and
        // the row C_i, eight bins per vector (the bins beyond h padded with zero weights);
        // rows by the Chebyshev recurrence C_{i+1} = 2 cosθ_j C_i − C_{i−1}. ≈ 12 M
        // multiply-adds once per process (≈ 1 ms).
        let cols = maxOrder + 1, vecs = (h + 1 + 7) / 8
        typealias V = SIMD8<Double>
        var x = [V](repeating: V(repeating: 1), count: vecs)
        var g = [V](repeating: V(repeating: 0), count: (mo + 1) * vecs)
        let unit = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
        for j in 0...h {
            x[j / 8][j % 8] = cos(2 * Double.pi * position[j] / Double(n))
            for m in 0...mo {
                let edge = j == 0 ? 1.0 : (j == h ? (m % 2 == 0 ? 1.0 : -1.0) : 0)
                let inner = j == 0 || j == h ? 0 : 2 * unit[(m * j) % n]
                g[m * vecs + j / 8][j % 8] = (edge + inner) * (m == 0 ? 1 : 2) / Double(n)
            }
        }
        var w = [Double](repeating: 0, count: (mo + 1) * cols)
        var older = [V](repeating: V(repeating: 0), count: vecs), row = [V](repeating: V(repeating: 1), count: vecs)
        for i in 0..<cols {
            if i == 1 {
                older = row; row = x
            } else if i > 1 {
                for v in 0..<vecs { let next = 2 * x[v] * row[v] - older[v]; older[v] = row[v]; row[v] = next }
            }
            for m in 0...mo {
                var a0 = V(repeating: 0), a1 = a0
                var v = 0
                while v + 1 < vecs { a0 += g[m * vecs + v] * row[v]; a1 += g[m * vecs + v + 1] * row[v + 1]; v += 2 }
                if v < vecs { a0 += g[m * vecs + v] * row[v] }
                w[m * cols + i] = (a0 + a1).sum()
            }
        }
        var r = [SIMD8<Float>](repeating: SIMD8(repeating: 0), count: 4 * cols)
        for i in 0..<cols { for m in 0...mo { r[4 * i + m / 8][m % 8] = Float(w[m * cols + i]) } }
        rows = r
    }

    /// MCEP_0…24 of the envelope with cepstrum `cc` (order ≤ `maxOrder`).
    func apply(_ cc: [Float]) -> [Float] {
        precondition(cc.count <= maxOrder + 1, "MelWarpMap: cepstrum of order \(cc.count - 1) above \(maxOrder)")
        var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
        for i in cc.indices {
            let c = SIMD8<Float>(repeating: cc[i])
            a0 += c * rows[4 * i]; a1 += c * rows[4 * i + 1]; a2 += c * rows[4 * i + 2]; a3 += c * rows[4 * i + 3]
        }
        var out = [Float](repeating: 0, count: MelWarpMap.mcepOrder + 1)
        for m in 0..<8 { out[m] = a0[m]; out[8 + m] = a1[m]; out[16 + m] = a2[m] }
        out[24] = a3[0]
        return out
    }
}
