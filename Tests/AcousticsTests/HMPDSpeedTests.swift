import Foundation
import Testing
@testable import Acoustics

/// HMPD's faster routines against the plain computations they replace, bit for bit.
@Suite("HMPD's fast routines equal the plain computations")
struct HMPDSpeedTests {
    /// Mean resultants (dc, ds) of unit phasors: |z| ≤ 1, with z = 0, z = 1 and z just below 1.
    static func resultants(_ n: Int) -> (dc: [Double], ds: [Double]) {
        var seed: UInt32 = 12345
        func next() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) }
        var dc = [Double](), ds = [Double]()
        for i in 0..<n {
            let a = 2 * Double.pi * next(), r: Double
            switch i % 7 {
            case 0: r = 0
            case 1: r = 1
            case 2: r = 1 - 1e-15 * next()
            default: r = next()
            }
            dc.append(r * cos(a)); ds.append(r * sin(a))
        }
        return (dc, ds)
    }

    @Test("PDD's circular deviation on SIMD lanes equals the scalar root of −2·log z", arguments: [0, 3, 64, 65])
    func circularDeviation(count: Int) {
        let (dc, ds) = Self.resultants(count)
        var x = [Double](repeating: .nan, count: count)
        dc.withUnsafeBufferPointer { c in
            ds.withUnsafeBufferPointer { s in
                x.withUnsafeMutableBufferPointer { o in
                    guard let cp = c.baseAddress, let sp = s.baseAddress, let op = o.baseAddress else { return }
                    HMPD.circularDeviation(cp, sp, count: count, into: op)
                }
            }
        }
        for i in 0..<count {
            let z = (dc[i] * dc[i] + ds[i] * ds[i]).squareRoot()
            let l = z < 1 ? log(z) : 1
            let plain = l < 0 ? (-2 * l).squareRoot() : 0
            #expect(x[i].bitPattern == plain.bitPattern, "bin \(i): z = \(z)")
        }
        if count >= 3 { #expect(x[0] == .infinity && x[2] > 0) }
    }
}
