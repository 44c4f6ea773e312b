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

    @Test("the LF model's roots by Newton steps from the Rd table equal the bracketed roots within 1e-12 relative, between grid points and at the ends",
          arguments: [50.0, 60, 110, 220, 420, 500])
    func lfRootsFromTable(f0: Double) throws {
        var checked = 0
        // 0.3 … 2.5 in steps of 0.0023: every grid interval, off the grid points.
        for i in 0...956 {
            let rd = min(2.5, 0.3 + 0.0023 * Double(i))
            let (te, tp, ta) = RdMSP.rd2tetpta(rd)
            let tabled = RdMSP.lfModel(rd: rd, t0: 1 / f0)
            let plain = RdMSP.lfModel(t0: 1 / f0, te: te, tp: tp, ta: ta)
            #expect((tabled == nil) == (plain == nil), "rd \(rd)")
            guard let tabled, let plain else { continue }
            for (name, x, y) in [("e", tabled.e, plain.e), ("a", tabled.a, plain.a), ("E0", tabled.E0, plain.E0)] {
                #expect(abs(x - y) <= 1e-12 * abs(y), "f0 \(f0) rd \(rd): \(name) \(x) vs \(y)")
            }
            #expect(tabled.Te == plain.Te && tabled.wg == plain.wg && tabled.s == plain.s && tabled.c == plain.c)
            checked += 1
        }
        #expect(checked > 950)
    }

    @Test("the fast Rd criterion (tabled LF roots, one denominator) equals the exact one within 1e-10, and Rd and its confidence follow")
    func fastCriterion() {
        for (f0, L) in [(100.0, 80), (210.0, 38), (480.0, 17), (55.0, 146), (333.0, 24)] {
            let M = (0..<L).map { k -> ComplexD in
                let t = Double(k), scale = 1 / Double(k + 1)
                return ComplexD(cos(t * 0.7 + 0.3 * t * t / Double(L)) * scale, sin(t * 1.3) * scale)
            }
            let ctx = RdMSP.CostContext(L: L)
            for i in 0...44 {
                let rd = 0.3 + 0.05 * Double(i) + 0.0017
                let tabled = RdMSP.cost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx, form: .fast)
                let plain = RdMSP.cost(rd: rd, f0: f0, M: M, fs: 16000, ctx: ctx, form: .exact)
                #expect(abs(tabled - plain) <= 1e-10 * max(1, abs(plain)), "f0 \(f0) L \(L) rd \(rd): \(tabled) vs \(plain)")
            }
            // The whole estimate: fminbnd on the two criteria (a sinusoid set with these
            // amplitudes and phases).
            let sins = (f: (0..<L).map { f0 * Double($0) }, amp: M.map(\.abs), ph: M.map { -$0.angle })
            for polarity in [1.0, -1.0] {
                let tabled = RdMSP.estimate(sins: sins, f0: f0, polarity: polarity, form: .fast)
                let plain = RdMSP.estimate(sins: sins, f0: f0, polarity: polarity, form: .exact)
                #expect(abs(tabled.rd - plain.rd) <= 1e-4 && abs(tabled.conf - plain.conf) <= 1e-5,
                        "f0 \(f0) polarity \(polarity): \(tabled) vs \(plain)")
            }
        }
    }

    @Test("log|N| and the angle of N over one denominator equal the quotients M/G within 1e-12 (harmonic counts 9 to 160, every SIMD4 remainder)")
    func fusedLogAbs() throws {
        for (f0, L) in [(480.0, 9), (470.0, 10), (420.0, 11), (400.0, 12), (210.0, 38), (100.0, 80), (50.0, 160)] {
            let M = (0..<L).map { k -> ComplexD in
                let t = Double(k), scale = 1 / Double(k + 1)
                return ComplexD(cos(t * 0.9 + 0.2) * scale, sin(t * 0.6) * scale)
            }
            for rd in [0.3, 0.45, 1.01, 1.9, 2.5] {
                let (te, tp, ta) = RdMSP.rd2tetpta(rd)
                let model = try #require(RdMSP.lfModel(t0: 1 / f0, te: te, tp: tp, ta: ta))
                var fast = RdMSP.CostScratch(), exact = RdMSP.CostScratch()
                fast.N = [ComplexD](repeating: ComplexD(0), count: L); fast.logAbs = [Double](repeating: 0, count: L)
                exact.N = fast.N; exact.logAbs = fast.logAbs
                RdMSP.fusedLogAbs(model, f0: f0, fs: 16000, M: M, scratch: &fast)
                RdMSP.quotientLogAbs(model, f0: f0, fs: 16000, M: M, scratch: &exact)
                for m in 0..<L {
                    #expect(abs(fast.logAbs[m] - exact.logAbs[m]) <= 1e-12 * max(1, abs(exact.logAbs[m])),
                            "f0 \(f0) L \(L) rd \(rd) bin \(m): \(fast.logAbs[m]) vs \(exact.logAbs[m])")
                }
                for k in 0...8 {
                    let d = RdMSP.wrap(fast.N[k].angle - exact.N[k].angle)
                    #expect(abs(d) <= 1e-12, "f0 \(f0) L \(L) rd \(rd) angle \(k): \(d)")
                }
            }
        }
    }
}
