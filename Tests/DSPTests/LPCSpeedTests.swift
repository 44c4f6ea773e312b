import Foundation
import Testing
@testable import DSP

@Suite("register-held IIR recursions equal the array-state loop")
struct DSPLPCSpeedTests {
    /// The 10- and 6-coefficient designs (the glottal chain's elliptics) take the register
    /// paths; values bit for bit, including signed zeros, infinities and NaN in the input.
    @Test("FilterD.apply with 10 and 6 coefficients equals the array-state loop bit for bit", arguments: [10, 6])
    func registerIIR(n: Int) {
        var x = (0..<2000).map { sin(Double($0) * 0.21) * (1 + 0.5 * cos(Double($0) * 0.013)) }
        x[0] = -0.0; x[1] = 0; x[700] = 1e-310
        let b = (0..<n).map { 0.2 * cos(Double($0) * 0.9 + 0.1) }
        let a = [1.5] + (1..<n).map { 0.25 * pow(-0.6, Double($0)) }
        for zi in [nil, (0..<(n - 1)).map { -0.02 * Double($0 + 1) }] {
            let got = FilterD.apply(b: b, a: a, x, zi: zi)
            let want = DSPOverheadTests.plainIIR(b: b, a: a, x, zi: zi)
            #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "n \(n), zi \(zi != nil)")
        }
        // Zeros only (the sign of each zero kept), then a non-finite sample from the middle on.
        let zeros = [Double](repeating: -0.0, count: 50)
        #expect(FilterD.apply(b: b, a: a, zeros).map(\.bitPattern) == DSPOverheadTests.plainIIR(b: b, a: a, zeros, zi: nil).map(\.bitPattern))
        var bad = Array(x[0..<100]); bad[40] = .infinity; bad[60] = .nan
        let got = FilterD.apply(b: b, a: a, bad), want = DSPOverheadTests.plainIIR(b: b, a: a, bad, zi: nil)
        #expect(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        #expect(Array(got[0..<40]) == Array(want[0..<40]))
    }
}
