// Window functions with the exact definitions of MATLAB/Octave, so that ports of
// MATLAB code see the same coefficients.
import Foundation

public enum Window {
    /// Octave's `hanning(n)`: symmetric, 0.5 − 0.5·cos(2πk/(n−1)), k = 0..n−1 (zero ends).
    /// (MATLAB's `hanning` omits the zero end points; COVAREP's reference here is Octave.)
    public static func hanning(_ n: Int) -> [Float] {
        if n <= 0 { return [] }
        if n == 1 { return [1] }
        return (0..<n).map { k in Float(0.5 - 0.5 * cos(2.0 * Double.pi * Double(k) / Double(n - 1))) }
    }

    /// MATLAB's `hann(n)` / `hann(n,'symmetric')`: 0.5 − 0.5·cos(2πk/(n−1)).
    public static func hann(_ n: Int) -> [Float] { hanning(n) }

    /// Symmetric `hamming(n)`: 0.54 − 0.46·cos(2πk/(n−1)).
    public static func hamming(_ n: Int) -> [Float] {
        if n <= 0 { return [] }
        if n == 1 { return [1] }
        return (0..<n).map { k in Float(0.54 - 0.46 * cos(2.0 * Double.pi * Double(k) / Double(n - 1))) }
    }

    /// Symmetric `blackman(n)`: 0.42 − 0.5·cos(2πk/(n−1)) + 0.08·cos(4πk/(n−1)).
    public static func blackman(_ n: Int) -> [Float] {
        if n <= 0 { return [] }
        if n == 1 { return [1] }
        return (0..<n).map { k in
            let a = 2.0 * Double.pi * Double(k) / Double(n - 1)
            return Float(0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a))
        }
    }
}
