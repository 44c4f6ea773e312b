import Foundation
import Testing
@testable import DSP

/// x[n] = sin(0.05 n) + 0.5 cos(0.31 n + 1) + 0.1 (n mod 7)/7 (scripts/reference/dsp_fixtures.py)
func testSignal(_ n: Int) -> [Float] {
    (0..<n).map { k in
        let d = Double(k)
        return Float(sin(0.05 * d) + 0.5 * cos(0.31 * d + 1) + 0.1 * Double(k % 7) / 7)
    }
}

func naiveDFT(_ re: [Float], _ im: [Float]) -> ([Double], [Double]) {
    let n = re.count
    var outR = [Double](repeating: 0, count: n), outI = outR
    for k in 0..<n {
        var sr = 0.0, si = 0.0
        for j in 0..<n {
            let a = -2 * Double.pi * Double((j * k) % n) / Double(n)
            sr += Double(re[j]) * cos(a) - Double(im[j]) * sin(a)
            si += Double(re[j]) * sin(a) + Double(im[j]) * cos(a)
        }
        outR[k] = sr; outI[k] = si
    }
    return (outR, outI)
}

@Suite("FFT")
struct FFTTests {
    @Test("complex FFT equals the naive DFT for every length 1…70 and a few awkward ones",
          arguments: Array(1...70) + [97, 128, 243, 250, 1009, 1598])
    func complexMatchesDFT(n: Int) {
        var g = SystemRandomNumberGenerator()
        let re = (0..<n).map { _ in Float.random(in: -1...1, using: &g) }
        let im = (0..<n).map { _ in Float.random(in: -1...1, using: &g) }
        var r = re, i = im
        FFT(count: n).forward(re: &r, im: &i)
        let (er, ei) = naiveDFT(re, im)
        let tol = 1e-4 * Double(n).squareRoot() * 4
        for k in 0..<n {
            #expect(abs(Double(r[k]) - er[k]) < tol && abs(Double(i[k]) - ei[k]) < tol, "n=\(n) k=\(k)")
        }
        // Round trip.
        FFT(count: n).inverse(re: &r, im: &i)
        for k in 0..<n { #expect(abs(r[k] - re[k]) < 1e-4 && abs(i[k] - im[k]) < 1e-4) }
    }

    @Test("real FFT matches numpy.fft.fft at lengths 16000, 4096, 1598 and 1009")
    func realMatchesNumpy() {
        // (bin, re, im) printed by scripts/reference/dsp_fixtures.py
        let cases: [(Int, [(Int, Double, Double)])] = [
            (16000, [(0, 712.508887, 0), (1, 26.796383, -0.137504), (80, 45.665942, -18.324904),
                     (493, -5.532410, 7.327088), (2500, 0.148766, 0.349528), (8000, -0.039002, 0)]),
            (4096, [(0, 212.704640, 0), (3, 37.474071, 1.055839), (200, 11.785415, 38.982521), (2048, 0.426208, 0)]),
            (1598, [(0, 91.631516, 0), (13, -537.383300, -443.568486), (799, 0.377178, 0)]),
            (1009, [(0, 41.425822, 0), (5, -1.621798, -3.797040), (504, -0.100192, 0.000700)]),
        ]
        for (n, bins) in cases {
            let (re, im) = RealFFT(count: n).forward(testSignal(n))
            #expect(re.count == n / 2 + 1)
            for (b, r, i) in bins {
                let tol = 2e-6 * Double(n) + 1e-3
                #expect(abs(Double(re[b]) - r) < tol && abs(Double(im[b]) - i) < tol, "n=\(n) bin=\(b): \(re[b]) \(im[b])")
            }
        }
    }

    @Test("a cosine at bin 440 of a 16000-point FFT has all its energy there")
    func analyticCosine() {
        let x = (0..<16000).map { Float(cos(2 * Double.pi * 440 * Double($0) / 16000)) }
        let m = RealFFT(count: 16000).magnitude(x)
        #expect(abs(m[440] - 8000) < 0.5)
        #expect(m.enumerated().filter { $0.offset != 440 }.allSatisfy { $0.element < 0.05 })
    }
}

@Suite("LPC, filters, windows, resampling")
struct KernelTests {
    @Test("LPC matches scipy's Toeplitz solution on an AR(2) process")
    func lpcMatchesScipy() {
        let e: [Float] = (0..<401).map { Float(Double(($0 * 7919) % 101) / 101.0 - 0.5) }
        let x = Filter.apply(b: [1], a: [1, -0.9, 0.5], e)
        let a = LPC.coefficients(x, order: 4)
        let ref: [Float] = [1.000000, -0.291987, 0.291374, 0.328235, -0.090329]
        for (u, v) in zip(a, ref) { #expect(abs(u - v) < 1e-3, "\(a)") }
        #expect(LPC.coefficients([Float](repeating: 0, count: 50), order: 4) == [1, 0, 0, 0, 0])
    }

    @Test("IIR filter matches scipy.signal.lfilter for butter(2, 0.2)")
    func filterMatchesScipy() {
        let b: [Float] = [0.0674552738890719, 0.1349105477781438, 0.0674552738890719]
        let a: [Float] = [1.0, -1.1429805025399011, 0.41280159809618877]
        let y = Filter.apply(b: b, a: a, testSignal(50))
        #expect(abs(y[10] - (-0.05740286857274813)) < 1e-5)
        #expect(abs(y[25] - 0.8569346659602493) < 1e-5)
        #expect(abs(y[49] - 0.3025874930057301) < 1e-5)
        let z = Filter.filtfilt(b: b, a: a, [Float](repeating: 1, count: 40))
        #expect(z[10..<30].allSatisfy { abs($0 - 1) < 1e-2 })
        #expect(Filter.preEmphasis([1, 1, 1], coefficient: 0.97) == [1, 0.029999971, 0.029999971])
    }

    @Test("windows have Octave's coefficients")
    func windows() {
        #expect(Window.hanning(5) == [0, 0.5, 1, 0.5, 0])
        let b = Window.blackman(5)
        #expect(abs(b[1] - 0.34) < 1e-6 && abs(b[2] - 1) < 1e-6 && abs(b[0]) < 1e-6)
        #expect(abs(Window.hamming(3)[0] - 0.08) < 1e-6)
    }

    @Test("resampling 8 kHz to 16 kHz keeps a 1 kHz tone and its level")
    func resampleTone() {
        let x = (0..<8000).map { Float(sin(2 * Double.pi * 1000 * Double($0) / 8000)) }
        let y = Resample.resample(x, from: 8000, to: 16000)
        #expect(y.count == 16000)
        for i in stride(from: 1000, to: 15000, by: 373) {
            let want = Float(sin(2 * Double.pi * 1000 * Double(i) / 16000))
            #expect(abs(y[i] - want) < 0.01)
        }
    }
}

@Test("FIR outputs from an offset equal the tail of the full FIR")
func firFromOffset() {
    let b: [Float] = (0..<31).map { Float($0 % 7) - 3 }
    let x: [Float] = (0..<200).map { Float(sin(Double($0) * 0.37)) }
    let full = x.withUnsafeBufferPointer { Filter.fir(b, $0) }
    for start in [0, 5, 30, 31, 150, 199, 200] {
        let part = x.withUnsafeBufferPointer { Filter.fir(b, $0, from: start) }
        #expect(part == Array(full[start...]))
    }
}

/// Output i of filter(b, 1, [x; zeros]), summed over every tap in tap order: the scalar
/// reference of `Filter.fir`'s vector passes.
func tapOrderFIR(_ b: [Float], _ x: [Float], _ i: Int) -> Float {
    func at(_ k: Int) -> Float { k >= 0 && k < x.count ? x[k] : 0 }
    var s = b[0] * at(i)
    for j in 1..<b.count { s += b[j] * at(i - j) }
    return s
}

@Test("FIR outputs over x continued by zeros equal the plain tap-order sum, bit for bit")
func firOutputsPastTheInput() {
    for (nb, n) in [(301, 160), (301, 420), (19, 400), (3, 5), (64, 64), (1, 9)] {
        let b: [Float] = (0..<nb).map { Float(sin(Double($0) * 1.3 + 0.2)) }
        let x: [Float] = (0..<n).map { Float(sin(Double($0) * 0.37) + 0.1 * cos(Double($0) * 2.9)) }
        for outputs in [0..<n, 150..<(n + 150), 0..<(n + nb + 40), (n - 1)..<(n + 3), 7..<8] where outputs.lowerBound >= 0 {
            let y = x.withUnsafeBufferPointer { Filter.fir(b, $0, outputs: outputs) }
            #expect(y.count == outputs.count)
            let want = outputs.map { tapOrderFIR(b, x, $0) }
            // Equal as numbers (a zero may differ in sign only).
            #expect(zip(y, want).allSatisfy { $0 == $1 }, "nb \(nb) n \(n) outputs \(outputs)")
        }
    }
}

@Test("the zero-padded first stage gives the same transform as the full one", arguments: [8000, 4000, 2048, 1024, 16, 4, 6])
func prunedFirstStage(n: Int) {
    let plan = FFT(count: n)
    for nonzero in [1, n / 8, n / 4, n / 2, n] where nonzero >= 1 {
        var re = [Float](repeating: 0, count: n), im = re
        for i in 0..<nonzero { re[i] = Float(sin(Double(i) * 0.71)); im[i] = Float(cos(Double(i) * 0.29)) }
        var r2 = re, i2 = im
        plan.forward(re: &re, im: &im)
        plan.forward(re: &r2, im: &i2, nonzero: nonzero)
        #expect(re == r2 && im == i2, "n \(n), nonzero \(nonzero)")
    }
}

@Test("autocorrelation equals the one-lag-at-a-time Double sum bit for bit, short inputs and high orders included")
func autocorrelationMatchesPlainSums() {
    for (n, order) in [(400, 12), (400, 18), (320, 20), (160, 1), (50, 0), (30, 23), (300, 24), (257, 30), (5, 12), (1, 3)] {
        let x: [Float] = (0..<n).map { Float(sin(Double($0) * 0.61) + 0.3 * cos(Double($0) * 2.3)) }
        let got = x.withUnsafeBufferPointer { LPC.autocorrelation($0, order: order) }
        var want = [Double](repeating: 0, count: order + 1)
        for lag in 0...order where lag < n {
            var t: Double = 0
            for i in 0..<(n - lag) { t += Double(x[i]) * Double(x[i + lag]) }
            want[lag] = t
        }
        #expect(got == want, "n \(n) order \(order)")
    }
}
