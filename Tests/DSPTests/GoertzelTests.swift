import Foundation
import Testing
@testable import DSP

struct GoertzelTests {
    /// |Σ x_i e^{−2πi k i/n}| in Double, twiddles from the exact angle (the definition).
    static func directMagnitude(_ x: [Float], length n: Int, bin k: Int) -> Double {
        var re = 0.0, im = 0.0
        for i in 0..<min(x.count, n) {
            let a = -2 * Double.pi * Double((k * i) % n) / Double(n)
            re += Double(x[i]) * cos(a); im += Double(x[i]) * sin(a)
        }
        return (re * re + im * im).squareRoot()
    }

    @Test("Goertzel magnitudes equal the direct DFT to Float rounding, near bin 0, for long frames and for frames truncated to n",
          arguments: [(241, 16000), (961, 16000), (80, 2048), (1, 2048), (2100, 2048), (7, 8)])
    func againstDirect(length: Int, n: Int) {
        let x = RealFFTTests.frame(length, seed: length)
        // Bins 0, 1 and a spread up to Nyquist; 43 of them: groups of 8 with a partial last one.
        let bins = (0..<43).map { j in j < 2 ? j : (j * 37 * n / 1000) % (n / 2 + 1) } + [n + 3, -1]
        let dft = Goertzel(length: n)
        let got = dft.magnitudes(x, bins: bins)
        let scale = x.prefix(n).reduce(0) { $0 + Double(abs($1)) }
        for (j, k) in bins.enumerated() {
            let ref = GoertzelTests.directMagnitude(x, length: n, bin: ((k % n) + n) % n)
            #expect(abs(Double(got[j]) - ref) <= 2e-7 * scale + 1e-6 * ref, "length \(length) n \(n) bin \(k): \(got[j]) vs \(ref)")
        }
        #expect(dft.magnitudes(x, bins: []).isEmpty)
    }

    @Test("a NaN sample gives NaN at every bin and an infinite one no finite bin, as the FFT's; zeros give exact zeros")
    func nonFinite() {
        let dft = Goertzel(length: 2048)
        var x = RealFFTTests.frame(80, seed: 1)
        x[17] = .nan
        #expect(dft.magnitudes(x, bins: [0, 1, 5, 700]).allSatisfy { $0.isNaN })
        x[17] = .infinity
        #expect(dft.magnitudes(x, bins: [0, 1, 5, 700]).allSatisfy { !$0.isFinite })
        #expect(dft.magnitudes([Float](repeating: 0, count: 50), bins: [0, 3, 1024]) == [0, 0, 0])
    }
}
