import Foundation
import Testing
@testable import Acoustics

@Suite("Rd by mean squared phase")
struct RdMSPTests {
    @Test("the LF model's roots by bracketed Newton equal plain bisection within 16 ulp (where f rounds to noise) over the Rd search range",
          arguments: [60.0, 110, 220, 420])
    func lfRootsMatchBisection(f0: Double) throws {
        var checked = 0
        for i in 0...60 {
            let rd = 0.3 + 2.4 * Double(i) / 60
            let (te, tp, ta) = RdMSP.rd2tetpta(rd)
            let fast = RdMSP.lfModel(t0: 1 / f0, te: te, tp: tp, ta: ta)
            let plain = RdMSP.lfModel(t0: 1 / f0, te: te, tp: tp, ta: ta, plainBisection: true)
            #expect((fast == nil) == (plain == nil), "rd \(rd)")
            guard let fast, let plain else { continue }
            #expect(abs(fast.e - plain.e) <= 16 * plain.e.ulp, "rd \(rd): e \(fast.e) vs \(plain.e)")
            #expect(abs(fast.a - plain.a) <= 16 * plain.a.ulp, "rd \(rd): a \(fast.a) vs \(plain.a)")
            checked += 1
        }
        #expect(checked > 50)
    }
}
