import Foundation
import Testing
@testable import Tensor

@Suite("Vectorised exp and erf")
struct FastMathTests {
    @Test("Fast exp is within 3e-7 relative of libm on [-87, 88]")
    func expAccuracy() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let ref = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(FastMath.exp(x)) - ref) / ref)
            x += 0.0137
        }
        print("fast exp worst relative error \(worst)")
        #expect(worst < 3e-7)
        #expect(FastMath.exp(-200) < 1e-37 && FastMath.exp(-200) >= 0)
    }

    @Test("Fast erf is within 6e-7 absolute of libm")
    func erfAccuracy() {
        var worst = 0.0
        var x: Float = -6
        while x < 6 {
            worst = max(worst, abs(Double(FastMath.erf(x)) - Foundation.erf(Double(x))))
            x += 0.001
        }
        print("fast erf worst absolute error \(worst)")
        #expect(worst < 6e-7)
    }
}
