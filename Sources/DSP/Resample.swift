// Rational resampling by a Kaiser-windowed sinc (polyphase evaluation), for bringing
// 8, 22.05, 44.1 or 48 kHz audio to the 16 kHz the acoustic features need.
import Foundation

public enum Resample {
    /// Resamples `x` from `from` Hz to `to` Hz. Output length = ceil(count·to/from).
    /// `halfTaps` zero crossings each side; cutoff at 0.95 × the lower Nyquist.
    public static func resample(_ x: [Float], from: Int, to: Int, halfTaps: Int = 16) -> [Float] {
        precondition(from > 0 && to > 0, "sample rates must be positive")
        if from == to { return x }
        let g = gcd(from, to)
        let up = to / g, down = from / g
        let outCount = (x.count * up + down - 1) / down
        let cutoff = 0.95 * min(1.0, Double(up) / Double(down))   // relative to input Nyquist·up
        let beta = 8.0
        // Filter evaluated per output sample at fractional input position.
        let width = Double(halfTaps) / cutoff                       // in input samples
        var y = [Float](repeating: 0, count: outCount)
        let i0Norm = besselI0(beta)
        for n in 0..<outCount {
            let t = Double(n) * Double(down) / Double(up)          // input position
            let lo = Int((t - width).rounded(.up)), hi = Int((t + width).rounded(.down))
            var acc: Double = 0
            var k = max(lo, 0)
            while k <= min(hi, x.count - 1) {
                let d = (Double(k) - t)
                let u = d / width
                let w = besselI0(beta * (1 - u * u).squareRoot()) / i0Norm
                let arg = Double.pi * d * cutoff
                let s = abs(arg) < 1e-9 ? 1.0 : sin(arg) / arg
                acc += Double(x[k]) * cutoff * s * w
                k += 1
            }
            y[n] = Float(acc)
        }
        return y
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        let q = x * x / 4
        while term > 1e-12 * sum { term *= q / (k * k); sum += term; k += 1 }
        return sum
    }
}
