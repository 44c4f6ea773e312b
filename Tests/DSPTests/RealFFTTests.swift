import Foundation
import Testing
@testable import DSP

struct RealFFTTests {
    /// |forward(x, bins:)| as its callers formed it.
    static func plainMagnitudes(_ fft: RealFFT, _ x: [Float], bins: Int) -> [Float] {
        let (re, im) = fft.forward(x, bins: bins)
        return (0..<re.count).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
    }

    static func sameBits(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }

    /// A pulse-like windowed frame (H1H2's and PSP's frames are windowed glottal pulses).
    static func frame(_ n: Int, seed: Int) -> [Float] {
        (0..<n).map { i in
            let w = 0.54 - 0.46 * cos(2 * Float.pi * Float(i) / Float(max(1, n - 1)))
            return ((i % 97 < 6 ? -20 : 1) * sin(Float(i) * 0.05) + 0.1 * sin(Float(i * 7 + seed) * 1.37)) * 32768 * w
        }
    }

    @Test("magnitudes through transform(_:into:) equal forward(_:bins:)'s bit for bit, one work reused over frames of growing and shrinking length",
          arguments: [16000, 2048, 1000, 12, 8, 134])
    func sparseStagesMagnitudes(count: Int) {
        let fft = RealFFT(count: count), h = count / 2
        var work = RealFFT.Work(fft)
        // nz = (length + 1)/2 on both sides of the stages' m (16000: 2000, 500, 125, 25, 5),
        // frames longer than count (truncated) and empty.
        for (j, n) in [1, 2, 3, 8, 50, 51, 249, 250, 251, 252, 1000, 481, 4000, 4001, 999, 17, 0, 12000, 16001, 640, 3].enumerated() {
            let x = RealFFTTests.frame(n, seed: j)
            fft.transform(x, into: &work)
            for bins in [0, 1, 2, 9, 17, 1300, h - 1, h, h + 1, h + 5] {
                let got = fft.magnitudes(bins: bins, work: work)
                #expect(RealFFTTests.sameBits(got, RealFFTTests.plainMagnitudes(fft, x, bins: bins)),
                        "count \(count), frame \(j), length \(n), bins \(bins)")
            }
        }
    }

    @Test("transform(_:into:) keeps forward's magnitudes for zeros, signed zeros, subnormals and non-finite samples")
    func sparseStagesEdges() {
        let fft = RealFFT(count: 16000)
        var work = RealFFT.Work(fft)
        let frames: [[Float]] = [
            [Float](repeating: 0, count: 300), [Float](repeating: -0.0, count: 41), [-0.0, 0, -0.0, 1, -0.0],
            [Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude] + RealFFTTests.frame(200, seed: 9),
            RealFFTTests.frame(120, seed: 2) + [.infinity] + RealFFTTests.frame(30, seed: 3),
            [.nan] + RealFFTTests.frame(60, seed: 4), [],
        ]
        for (j, x) in frames.enumerated() {
            fft.transform(x, into: &work)
            for bins in [1, 700, 8001] {
                #expect(RealFFTTests.sameBits(fft.magnitudes(bins: bins, work: work), RealFFTTests.plainMagnitudes(fft, x, bins: bins)),
                        "frame \(j), bins \(bins)")
            }
        }
    }

    @Test("the FFT with every one-input stage sparse, on caller work arrays, equals the full transform (zeros may differ in sign)",
          arguments: [8000, 1024, 500, 6, 67])
    func sparseStagesComplex(count n: Int) {
        let plan = FFT(count: n)
        var yr = [Float](repeating: .nan, count: n), yi = yr
        for nonzero in [0, 1, 2, 5, n / 100, n / 16, n / 4, n / 2, n] {
            var re = (0..<n).map { Float(sin(Double($0) * 0.71)) }, im = (0..<n).map { Float(cos(Double($0) * 0.29)) }
            // The entries from `nonzero` on are stale (read as zero).
            var zr = re, zi = im
            for i in nonzero..<n { zr[i] = 0; zi[i] = 0 }
            plan.forward(re: &zr, im: &zi)
            let inX = plan.forward(re: &re, im: &im, nonzero: nonzero, work: &yr, &yi)
            let (gr, gi) = inX ? (re, im) : (yr, yi)
            #expect(gr == zr && gi == zi, "n \(n), nonzero \(nonzero)")
        }
    }
}
