// Elementary functions on SIMD lanes for the per-bin loops of the acoustic stage (log of
// a 2049-bin spectrum per 10 ms frame, cos/sin of 513 phases per frame), where libm's
// scalar calls were ~10 % of the extractor's time. Each is accurate to a few ulp of its
// type (tested against Foundation over the ranges used); lanes outside the polynomial's
// range fall back to Foundation.
import Foundation

public enum VectorMath {
    /// `f` applied to every element, eight at a time (the tail padded with ones).
    @inline(__always)
    public static func map(_ x: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
        let n = x.count
        return [Float](unsafeUninitializedCapacity: n) { out, count in
            x.withUnsafeBufferPointer { xp in
                var i = 0
                while i + 8 <= n {
                    let v = UnsafeRawPointer(xp.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(out.baseAddress! + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
                    i += 8
                }
                if i < n {
                    var v = SIMD8<Float>(repeating: 1)
                    for l in 0..<(n - i) { v[l] = xp[i + l] }
                    let y = f(v)
                    for l in 0..<(n - i) { out[i + l] = y[l] }
                }
            }
            count = n
        }
    }

    // Int32 ↔ Float on lanes through the bit pattern of 1.5·2^23 + n (exact for |n| < 2^22):
    // the stdlib's generic SIMD conversions run lane by lane.
    @inline(__always)
    static func floatFromInt(_ n: SIMD8<Int32>) -> SIMD8<Float> {
        unsafeBitCast(n &+ 0x4B40_0000, to: SIMD8<Float>.self) - 12_582_912
    }

    /// `x` must hold integers of magnitude below 2^22.
    @inline(__always)
    static func intFromIntegralFloat(_ x: SIMD8<Float>) -> SIMD8<Int32> {
        unsafeBitCast(x + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000
    }

    /// Natural log of positive finite lanes (0 → −∞; a negative or NaN lane → NaN; +∞ → +∞).
    /// x = m·2^e with m in [√½, √2); log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172,
    /// by its series to s⁹ (the next term is below 2e−9 relative).
    @inline(__always)
    public static func log(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Subnormal lanes are scaled by 2^24 first (their exponent field is 0).
        let tiny = x .< Float.leastNormalMagnitude
        let scaled = x.replacing(with: x * 16_777_216, where: tiny)
        let bits = unsafeBitCast(scaled, to: SIMD8<Int32>.self)
        var e = (bits &>> 23) &- 127
        e.replace(with: e &- 24, where: tiny)
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD8<Float>.self)   // [1, 2)
        let high = m .> 1.414_213_5
        m.replace(with: m * 0.5, where: high)
        e.replace(with: e &+ 1, where: high)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        let c3: Float = 1.0 / 3, c5: Float = 1.0 / 5, c7: Float = 1.0 / 7, c9: Float = 1.0 / 9
        var series = s2 * c9 + c7
        series = series * s2 + c5
        series = series * s2 + c3
        series = series * s2
        let twoS = s + s
        let logM = twoS + twoS * series
        let ef = floatFromInt(e)
        // ln 2 in two parts so that e·ln2 keeps the precision of log m for large |e|.
        var r = ef * 0.693_145_75 + (ef * 1.428_606_8e-6 + logM)
        let special = (x .<= 0) .| (x .== .infinity) .| (x .!= x)
        if any(special) {
            for l in 0..<8 where special[l] { r[l] = Foundation.log(x[l]) }
        }
        return r
    }

    /// e^x on Float lanes: x = k·ln2 + r, |r| ≤ ln2/2, e^r by its Taylor series to r⁸.
    /// Lanes outside ±87 (overflow, subnormal results) and NaN use Foundation.
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let (k, p) = expReduced(x)
        // k limited to −126…127 by masks (`clamped` ran as a per-lane call); lanes it changes
        // are the `outside` ones, which Foundation recomputes below.
        var kc = k
        kc.replace(with: -126, where: kc .< -126)
        kc.replace(with: 127, where: kc .> 127)
        let ki = intFromIntegralFloat(kc)
        let scale = unsafeBitCast((ki &+ 127) &<< 23, to: SIMD8<Float>.self)
        var y = p * scale
        let outside = (x .> 87) .| (x .< -87) .| (x .!= x)
        if any(outside) {
            for l in 0..<8 where outside[l] { y[l] = Foundation.exp(x[l]) }
        }
        return y
    }

    /// exp's range reduction x = k·ln2 + r and e^r by its Taylor series to r⁸: (k, e^r).
    @inline(__always)
    static func expReduced(_ x: SIMD8<Float>) -> (k: SIMD8<Float>, p: SIMD8<Float>) {
        let k = (x * 1.442_695_04).rounded(.toNearestOrEven)
        let r = (x - k * 0.693_145_75) - k * 1.428_606_8e-6
        let f8: Float = 1.0 / 40320, f7: Float = 1.0 / 5040, f6: Float = 1.0 / 720, f5: Float = 1.0 / 120
        let f4: Float = 1.0 / 24, f3: Float = 1.0 / 6
        var p = r * f8 + f7
        p = p * r + f6
        p = p * r + f5
        p = p * r + f4
        p = p * r + f3
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        return (k, p)
    }

    /// sin and cos of Double lanes: x = q·π/2 + r with |r| ≤ π/4 (π/2 in two parts, exact
    /// for |q| < 2^20), then Taylor series to r¹⁵ and r¹⁶ (remainders below 1e−17).
    /// Lanes beyond ±1e6 and NaN/∞ use Foundation.
    @inline(__always)
    public static func sinCos(_ x: SIMD4<Double>) -> (sin: SIMD4<Double>, cos: SIMD4<Double>) {
        let q = (x * 0.636_619_772_367_581_4).rounded(.toNearestOrEven)
        let r = (x - q * 1.570_796_326_734_125_6) - q * 6.077_100_506_506_192e-11
        let r2 = r * r
        // sin r = r(1 − r²/3! + r⁴/5! − …), cos r = 1 − r²/2! + r⁴/4! − …
        let s15: Double = -1.0 / 1_307_674_368_000, s13: Double = 1.0 / 6_227_020_800
        let s11: Double = -1.0 / 39_916_800, s9: Double = 1.0 / 362_880, s7: Double = -1.0 / 5040
        let s5: Double = 1.0 / 120, s3: Double = -1.0 / 6
        var ps = r2 * s15 + s13
        ps = ps * r2 + s11
        ps = ps * r2 + s9
        ps = ps * r2 + s7
        ps = ps * r2 + s5
        ps = ps * r2 + s3
        let s = r + r * r2 * ps
        let c16: Double = 1.0 / 20_922_789_888_000, c14: Double = -1.0 / 87_178_291_200
        let c12: Double = 1.0 / 479_001_600, c10: Double = -1.0 / 3_628_800, c8: Double = 1.0 / 40320
        let c6: Double = -1.0 / 720, c4: Double = 1.0 / 24
        var pc = r2 * c16 + c14
        pc = pc * r2 + c12
        pc = pc * r2 + c10
        pc = pc * r2 + c8
        pc = pc * r2 + c6
        pc = pc * r2 + c4
        pc = pc * r2 - 0.5
        let c = 1 + r2 * pc
        // Quadrant q mod 4 (formed in Double: the stdlib's SIMD float-to-integer
        // conversion runs lane by lane): (sin, cos) = (s, c), (c, −s), (−s, −c), (−c, s).
        let quadrant = q - 4 * (q * 0.25).rounded(.down)
        let swap = (quadrant .== 1) .| (quadrant .== 3)
        var sinX = s.replacing(with: c, where: swap)
        var cosX = c.replacing(with: s, where: swap)
        sinX.replace(with: -sinX, where: quadrant .>= 2)
        cosX.replace(with: -cosX, where: (quadrant .== 1) .| (quadrant .== 2))
        let outside = .!((x .<= 1e6) .& (x .>= -1e6))
        if any(outside) {
            for l in 0..<4 where outside[l] { sinX[l] = Foundation.sin(x[l]); cosX[l] = Foundation.cos(x[l]) }
        }
        return (sinX, cosX)
    }
}
