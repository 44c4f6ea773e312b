// The DFT at a few chosen bins by Goertzel's recursion, for callers that read a handful of
// bins of a long zero-padded transform (H1H2's peaks in 16000 points, PSP's first bins in
// 2048): m bins of an L-sample frame cost L·m multiply-adds here, against the
// transform's n·log n whatever is read.
import Foundation

/// A plan for one DFT length: the recursion's coefficients 2cos(2πk/n) for k = 0…n/2,
/// formed once (a cosine per bin per call was a third of PSP's cost).
public struct Goertzel: Sendable {
    public let length: Int
    private let twoCos: [Double]

    public init(length n: Int) {
        precondition(n >= 1, "Goertzel: DFT length \(n) is below 1")
        length = n
        twoCos = (0...(n / 2)).map { 2 * cos(2 * Double.pi * Double($0) / Double(n)) }
    }

    /// |DFT_n(x)| at `bins` (x zero-padded or truncated to n = `length`; any bin, taken modulo n).
    /// Second-order recursion s_i = x_i + 2cos(ω)·s_{i−1} − s_{i−2} in Double, one bin per
    /// lane, 48 bins per pass over x in six SIMD8 chains (a chain waits on a multiply and an
    /// add per sample; six keep the vector unit busy). SIMD8 as named locals: wider SIMD
    /// types and generic passes compiled to lane shuffles or per-lane loops.
    /// Double because the recursion's rounding grows like L²·ε/sin ω: in Double it stays far
    /// below a Float FFT's own rounding for frames of thousands of samples and bins near 0,
    /// where Float would lose several digits.
    /// Not inlined: inlined it measured no faster (20 s bench, 0.2188 against 0.2165 s). A
    /// wrong bin once seen from an inlined draft did not reproduce on this code: inlined or
    /// not, the Acoustics tests pass and the CSVs of four inputs are byte-identical.
    @inline(never)
    public func magnitudes(_ x: [Float], bins: [Int]) -> [Float] {
        typealias V = SIMD8<Double>
        let n = length
        let m = bins.count, count = min(x.count, n)
        // 2cos ω per bin, zero past the last (those lanes run and are dropped).
        var coef = [Double](repeating: 0, count: (m + 47) / 48 * 48)
        for j in 0..<m {
            let k = ((bins[j] % n) + n) % n
            coef[j] = twoCos[min(k, n - k)]           // cos(2π(n − k)/n) = cos(2πk/n)
        }
        var out = [Float](repeating: 0, count: m)
        func store(_ g: Int, _ c: V, _ p: V, _ q: V) {
            // |X|² = s_{L−1}² + s_{L−2}² − 2cos ω · s_{L−1}·s_{L−2}.
            let e = p * p + q * q - c * p * q
            // (Rounding can leave |X|² slightly below 0 at a zero; NaN input stays NaN, as in the FFT.)
            for l in 0..<min(8, m - g) { out[g + l] = Float((e[l] < 0 ? 0 : e[l]).squareRoot()) }
        }
        for g in stride(from: 0, to: m, by: 48) {
            let c0 = V(coef[g..<(g + 8)]), c1 = V(coef[(g + 8)..<(g + 16)]), c2 = V(coef[(g + 16)..<(g + 24)])
            let c3 = V(coef[(g + 24)..<(g + 32)]), c4 = V(coef[(g + 32)..<(g + 40)]), c5 = V(coef[(g + 40)..<(g + 48)])
            var p0 = V(repeating: 0), q0 = p0, p1 = p0, q1 = p0, p2 = p0, q2 = p0
            var p3 = p0, q3 = p0, p4 = p0, q4 = p0, p5 = p0, q5 = p0
            for i in 0..<count {
                let v = V(repeating: Double(x[i]))
                // x − s_{i−2} is off the chain: one multiply and one add wait on s_{i−1}.
                let s0 = c0 * p0 + (v - q0), s1 = c1 * p1 + (v - q1), s2 = c2 * p2 + (v - q2)
                let s3 = c3 * p3 + (v - q3), s4 = c4 * p4 + (v - q4), s5 = c5 * p5 + (v - q5)
                q0 = p0; p0 = s0; q1 = p1; p1 = s1; q2 = p2; p2 = s2
                q3 = p3; p3 = s3; q4 = p4; p4 = s4; q5 = p5; p5 = s5
            }
            store(g, c0, p0, q0)
            if g + 8 < m { store(g + 8, c1, p1, q1) }
            if g + 16 < m { store(g + 16, c2, p2, q2) }
            if g + 24 < m { store(g + 24, c3, p3, q3) }
            if g + 32 < m { store(g + 32, c4, p4, q4) }
            if g + 40 < m { store(g + 40, c5, p5, q5) }
        }
        return out
    }
}
