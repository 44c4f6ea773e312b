import Foundation
import Testing
@testable import DSP

/// Largest error in units of the reference's last place (ulp of the result's type).
private func ulps<T: BinaryFloatingPoint>(_ got: T, _ want: T) -> T {
    if got == want { return 0 }
    return abs(got - want) / max(want.ulp, T.leastNormalMagnitude)
}

@Suite("SIMD elementary functions against Foundation")
struct VectorMathTests {
    // A deterministic spread of mantissas and exponents.
    static func samples(_ count: Int, lo: Double, hi: Double, log: Bool) -> [Double] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) / Double(1 << 53)
            return log ? Foundation.exp(Foundation.log(lo) + u * (Foundation.log(hi) - Foundation.log(lo))) : lo + u * (hi - lo)
        }
    }

    @Test("log is within 2 ulp of Foundation from subnormals to 1e38, exact at the special values")
    func logAccuracy() {
        let xs = Self.samples(40_000, lo: 1e-44, hi: 1e38, log: true).map(Float.init)
            + (0..<4000).map { 1 + Float($0 - 2000) * 1e-4 } + [1, 2, 0.5, Float.leastNormalMagnitude, Float.leastNonzeroMagnitude]
        let ys = VectorMath.map(xs, VectorMath.log)
        var worst: Float = 0
        for (x, y) in zip(xs, ys) { worst = max(worst, ulps(y, Foundation.log(x))) }
        #expect(worst <= 2, "worst \(worst) ulp")
        let special = VectorMath.log(SIMD8<Float>(0, -1, .infinity, .nan, 1, 1, 1, 1))
        #expect(special[0] == -.infinity && special[1].isNaN && special[2] == .infinity && special[3].isNaN && special[4] == 0)
    }

    @Test("exp is within 2 ulp of Foundation over −100…88, including subnormal results")
    func expAccuracy() {
        let xs = Self.samples(40_000, lo: -100, hi: 88, log: false).map(Float.init) + [0, -87, 87, -0.5, 0.5]
        let ys = VectorMath.map(xs, VectorMath.exp)
        var worst: Float = 0
        for (x, y) in zip(xs, ys) { worst = max(worst, ulps(y, Foundation.exp(x))) }
        #expect(worst <= 2, "worst \(worst) ulp")
        #expect(VectorMath.exp(SIMD8<Float>(repeating: 0))[0] == 1)
    }

    @Test("sin and cos are within 1e-15 of Foundation over ±1e4 and fall back beyond ±1e6")
    func sinCosAccuracy() {
        let xs = Self.samples(40_000, lo: -1e4, hi: 1e4, log: false) + Self.samples(4000, lo: -4, hi: 4, log: false)
            + [0, .pi / 4, .pi / 2, .pi, -.pi, 3 * .pi / 2, 2e6, -3e7]
        var worst = 0.0
        var i = 0
        while i + 4 <= xs.count {
            let v = SIMD4(xs[i], xs[i + 1], xs[i + 2], xs[i + 3])
            let (s, c) = VectorMath.sinCos(v)
            for l in 0..<4 {
                worst = max(worst, abs(s[l] - Foundation.sin(v[l])), abs(c[l] - Foundation.cos(v[l])))
            }
            i += 4
        }
        #expect(worst <= 1e-15, "worst \(worst)")
    }
}
