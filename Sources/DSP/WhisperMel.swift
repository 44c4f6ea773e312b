// Whisper's log-mel front end, as faster-whisper's FeatureExtractor computes it: 16 kHz,
// 400-point periodic Hann window, 160-sample hop, reflect-padded centred frames, power
// spectrum, 80 Slaney-normalised mel filters (librosa `mel(sr=16000, n_fft=400, n_mels=80)`),
// log10 clamped at 1e-10, floored at (max − 8) over the whole input, then (x + 4) / 4.
import Foundation

public struct WhisperMel: Sendable {
    public static let sampleRate = 16_000
    public static let fftLength = 400
    public static let hop = 160
    public let melCount: Int
    /// Filter bank, [melCount × (fftLength/2 + 1)] row-major.
    public let filters: [Float]
    private let window: [Float]
    private let fft: RealFFT

    public init(melCount: Int = 80) {
        self.melCount = melCount
        filters = WhisperMel.melFilters(melCount: melCount)
        // Periodic Hann: numpy `hanning(n + 1)[:-1]`.
        let n = WhisperMel.fftLength
        window = (0..<n).map { k in Float(0.5 - 0.5 * cos(2.0 * Double.pi * Double(k) / Double(n))) }
        fft = RealFFT(count: n)
    }

    /// Number of frames `features(of:)` returns for `sampleCount` samples (the trailing
    /// 160 zero samples faster-whisper appends included, the last STFT frame dropped).
    public static func frameCount(sampleCount: Int) -> Int { (sampleCount + hop) / hop }

    /// Log-mel features of `samples` (16 kHz mono), [melCount × frames] row-major (mel-major,
    /// like Whisper's [80, 3000] input). `padding` zero samples are appended first, as
    /// faster-whisper does (160 by default).
    public func features(of samples: [Float], padding: Int = WhisperMel.hop) -> (values: [Float], frames: Int) {
        // Mutated in place: the only reference, so a long input's mel is not copied.
        var mel = powerMel(of: samples, padding: padding)
        var top = -Float.infinity
        for i in 0..<mel.values.count {
            let v = log10f(max(mel.values[i], 1e-10))
            mel.values[i] = v
            if v > top { top = v }
        }
        let floor = top - 8
        for i in 0..<mel.values.count { mel.values[i] = (max(mel.values[i], floor) + 4) / 4 }
        return mel
    }

    /// Mel-filtered power spectrum (before the log), [melCount × frames].
    public func powerMel(of samples: [Float], padding: Int = WhisperMel.hop) -> (values: [Float], frames: Int) {
        let n = WhisperMel.fftLength, half = n / 2, hop = WhisperMel.hop
        let length = samples.count + padding
        // STFT frames 1 + length/hop over the reflect-padded signal; Whisper drops the last one.
        let frames = length / hop
        let bins = half + 1
        var out = [Float](repeating: 0, count: melCount * frames)
        if frames == 0 { return (out, 0) }
        // Signal with `padding` zeros appended; reflect padding of `half` on both sides.
        @inline(__always) func sample(_ i: Int) -> Float { i < samples.count ? samples[i] : 0 }
        @inline(__always) func padded(_ j: Int) -> Float {
            var i = j - half
            if length > 1 {
                let period = 2 * (length - 1)
                if i < 0 || i >= length {
                    i = ((i % period) + period) % period
                    if i >= length { i = period - i }
                }
            } else { i = 0 }
            return sample(i)
        }
        var frame = [Float](repeating: 0, count: n)
        var spectrum = [Float](repeating: 0, count: bins)
        for f in 0..<frames {
            let start = f * hop
            for k in 0..<n { frame[k] = padded(start + k) * window[k] }
            let (re, im) = fft.forward(frame)
            for k in 0..<bins { spectrum[k] = re[k] * re[k] + im[k] * im[k] }
            for m in 0..<melCount {
                var s: Float = 0
                let row = m * bins
                for k in 0..<bins { s += filters[row + k] * spectrum[k] }
                out[m * frames + f] = s
            }
        }
        return (out, frames)
    }

    /// Slaney-style mel filters exactly as librosa 0.x / faster-whisper build them (Float64
    /// arithmetic, Float32 result), [melCount × (fftLength/2 + 1)].
    public static func melFilters(melCount: Int, sampleRate: Int = sampleRate, fftLength: Int = fftLength) -> [Float] {
        let bins = fftLength / 2 + 1
        let fftFreqs = (0..<bins).map { Double($0) * Double(sampleRate) / Double(fftLength) }
        let fSp = 200.0 / 3
        let minLogHz = 1000.0, minLogMel = minLogHz / fSp, logStep = log(6.4) / 27.0
        func hzToMel(_ f: Double) -> Double { f >= minLogHz ? minLogMel + log(f / minLogHz) / logStep : f / fSp }
        func melToHz(_ m: Double) -> Double { m >= minLogMel ? minLogHz * exp(logStep * (m - minLogMel)) : fSp * m }
        let maxMel = hzToMel(Double(sampleRate) / 2)
        let points = melCount + 2
        let freqs = (0..<points).map { i in melToHz(maxMel * Double(i) / Double(points - 1)) }
        var weights = [Float](repeating: 0, count: melCount * bins)
        for m in 0..<melCount {
            let lowerDiff = freqs[m + 1] - freqs[m], upperDiff = freqs[m + 2] - freqs[m + 1]
            let enorm = 2.0 / (freqs[m + 2] - freqs[m])
            for k in 0..<bins {
                let lower = (fftFreqs[k] - freqs[m]) / lowerDiff
                let upper = (freqs[m + 2] - fftFreqs[k]) / upperDiff
                weights[m * bins + k] = Float(max(0, min(lower, upper)) * enorm)
            }
        }
        return weights
    }
}
