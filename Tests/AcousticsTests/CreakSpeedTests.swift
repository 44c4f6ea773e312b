import Foundation
import Testing
import DSP
@testable import Acoustics

/// The ninth pass's creak form against the form it replaces.
@Suite("Res-P formed only for the windows a block's reads reach")
struct CreakSpeedTests {
    @Test("Res-P restricted to the read samples interpolates bit for bit as the full contour, and skips windows")
    func resPeakReading() throws {
        let creaky = try decode16k(Paths.fixtures.appendingPathComponent("creaky_synthetic.wav"))
        let e = GlottalKernelTests.noise(40000, seed: 5)
        var spiky = (0..<40000).map { i in 0.3 * sin(Float(i) * 0.06) * (i % 9000 < 6000 ? 1 : 0.01) + 0.01 * e[i] }
        for i in stride(from: 100, to: spiky.count, by: 173) { spiky[i] = i % 2 == 0 ? 2 : -2 }
        for (k, x) in [creaky, spiky].enumerated() {
            let n = x.count
            let res = Glottal.lpcResidual(x, order: 18)
            for f0 in [Float(70), 120] {
                let full = CreakDetector.resPeak(x, res: res, f0mean: f0)
                #expect(full.filter { $0.v > 0 }.count > full.count / 4, "input \(k): prominences to compare")
                // A block's frames with margins on both sides, ranges at either end, one sample,
                // a range on a window centre, everything.
                let t0 = Int(full[3].t)
                let m = n / 4
                for r in [m...(n - m), 1...3000, (n - 3000)...n, 12345...12345, t0...(t0 + 700), 1...n] {
                    let part = CreakDetector.resPeak(x, res: res, f0mean: f0, reading: r)
                    #expect(part.map(\.t) == full.map(\.t))
                    let ps = Array(stride(from: r.lowerBound, through: r.upperBound, by: 7)) + [r.upperBound]
                    let got = ps.map { CreakDetector.interpSorted(part, at: $0).bitPattern }
                    let want = ps.map { CreakDetector.interpSorted(full, at: $0).bitPattern }
                    #expect(got == want, "input \(k), f0 \(f0), reading \(r)")
                    if r == m...(n - m) {
                        // Windows outside the reads are left out (their prominence stays 0).
                        #expect(part.filter { $0.v > 0 }.count < full.filter { $0.v > 0 }.count)
                    }
                }
            }
        }
    }
}
