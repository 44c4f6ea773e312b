import Foundation
import Testing
@testable import Acoustics
import DSP

/// A voiced-like test signal: glottal-pulse-like harmonic series at `f0` with a 1/h
/// spectral tilt and a slow vibrato-free envelope, plus a little noise.
func harmonicSignal(f0: Float, seconds: Float, rate: Float = 16000, amplitude: Float = 0.3) -> [Float] {
    let n = Int(seconds * rate)
    var seed: UInt32 = 12345
    let harmonics = Int(rate / 2 / f0) - 1
    return (0..<n).map { i in
        seed = seed &* 1664525 &+ 1013904223
        let noise = Float(seed >> 8) / Float(1 << 24) * 2 - 1
        let t = Float(i) / rate
        var s: Float = 0
        for h in 1...harmonics { s += sin(2 * .pi * f0 * Float(h) * t + Float(h) * 0.3) / Float(h) }
        return amplitude * s / 3 + 0.001 * noise
    }
}

func checkShape(_ frames: [AcousticFrame], samples: Int) {
    #expect(frames.count == AcousticExtractor.frameCount(sampleCount: samples))
    for (k, f) in frames.enumerated() {
        #expect(f.values.count == 74)
        #expect(f.values.allSatisfy { $0.isFinite })
        #expect(abs(f.time - Float(79 + 160 * k) / 16000) < 1e-5)
    }
}

func medianVoicedF0(_ frames: [AcousticFrame]) -> Float {
    Stats.median(frames.filter { $0[.vuv] == 1 }.map { $0[.f0] })
}

/// `x` pushed into a streaming extractor in chunks of `sizes` (cycled, starting at
/// `sizes[first]`), pulling after every push: the frames a live stream would get.
func streamed(_ x: [Float], sizes: [Int], first: Int = 0,
              configuration: AcousticExtractor.Configuration = .init()) -> [AcousticFrame] {
    var e = AcousticExtractor(configuration: configuration)
    var out: [AcousticFrame] = []
    var i = 0, step = first
    while i < x.count {
        let n = min(sizes[step % sizes.count], x.count - i)
        e.push(Array(x[i..<(i + n)]))
        out += e.pull()
        i += n; step += 1
    }
    e.finish()
    return out + e.pull()
}

@Suite("Bad input keeps output finite and of the right length")
struct RobustnessTests {
    @Test("two seconds of digital silence")
    func silence() {
        let x = [Float](repeating: 0, count: 32000)
        let f = AcousticExtractor.extract(x)
        checkShape(f, samples: x.count)
        #expect(f.allSatisfy { $0[.vuv] == 0 })
    }

    // COVAREP's LPC residual (Hanning-windowed LPC, no DC removal) is not DC-robust and
    // Sentio follows it: a large offset leaves the output finite but mostly unvoiced.
    @Test("a harmonic 120 Hz signal gives F0 120 Hz; a large DC offset stays finite")
    func dcOffset() {
        let x = harmonicSignal(f0: 120, seconds: 1.5)
        let clean = AcousticExtractor.extract(x)
        checkShape(clean, samples: x.count)
        #expect(abs(medianVoicedF0(clean) - 120) <= 2)
        let shifted = AcousticExtractor.extract(x.map { $0 + 0.4 })
        checkShape(shifted, samples: x.count)
    }

    @Test("full-scale clipping keeps F0")
    func clipping() {
        let x = harmonicSignal(f0: 200, seconds: 1.5).map { min(1, max(-1, $0 * 20)) }
        let f = AcousticExtractor.extract(x)
        checkShape(f, samples: x.count)
        #expect(abs(medianVoicedF0(f) - 200) <= 3)
    }

    @Test("white noise is mostly unvoiced")
    func whiteNoise() {
        var g = SystemRandomNumberGenerator()
        let x = (0..<24000).map { _ in Float.random(in: -0.5...0.5, using: &g) }
        let f = AcousticExtractor.extract(x)
        checkShape(f, samples: x.count)
        let voiced = f.filter { $0[.vuv] == 1 }.count
        #expect(Float(voiced) / Float(f.count) < 0.3)
    }

    @Test("a 30 ms clip gives three zero-F0 frames")
    func shortClip() {
        let x = harmonicSignal(f0: 150, seconds: 0.03)
        let f = AcousticExtractor.extract(x)
        checkShape(f, samples: x.count)
        #expect(f.count == 3)
        #expect(f.allSatisfy { $0[.f0] == 0 })
        #expect(AcousticExtractor.extract([]).isEmpty)
        #expect(AcousticExtractor.extract([0.1]).isEmpty)
    }

    @Test("NaN and infinite samples are treated as zeros")
    func nonFinite() {
        var x = harmonicSignal(f0: 150, seconds: 1.2)
        for i in stride(from: 100, to: x.count, by: 997) { x[i] = .nan }
        for i in stride(from: 300, to: x.count, by: 1999) { x[i] = .infinity; x[i + 1] = -.infinity }
        let f = AcousticExtractor.extract(x)
        checkShape(f, samples: x.count)
        #expect(abs(medianVoicedF0(f) - 150) <= 3)
    }

    // Accuracy on real 8 kHz speech upsampled to 16 kHz is checked against COVAREP on
    // the asterisk prompts (CovarepComparisonTests); here the Swift resampler's path.
    @Test("8 kHz input upsampled to 16 kHz stays finite, right length, voiced")
    func upsampled8k() {
        let x8 = harmonicSignal(f0: 150, seconds: 1.5, rate: 8000)
        let x = Resample.resample(x8, from: 8000, to: 16000)
        #expect(x.count == 2 * x8.count)
        let f = AcousticExtractor.extract(x)
        checkShape(f, samples: x.count)
        #expect(f.filter { $0[.vuv] == 1 }.count > f.count / 2)
    }

    @Test("extracting 8 kHz audio through the sample-rate API resamples it to 16 kHz frames")
    func sampleRateAPI() throws {
        let x8 = harmonicSignal(f0: 150, seconds: 1.2, rate: 8000)
        let f = try AcousticExtractor.extract(x8, sampleRate: 8000)
        checkShape(f, samples: 2 * x8.count)
        #expect(throws: AcousticsError.self) { try AcousticExtractor.extract(x8, sampleRate: 0) }
    }

    @Test("a long stream keeps memory flat: internal buffers stay bounded")
    func longStreamBounded() {
        // Short statistics histories so that they saturate within the test (defaults: 30 s
        // of SRH statistics, 30 glottal blocks = 60 s); memory is flat once they are full.
        var cfg = AcousticExtractor.Configuration()
        cfg.statsHistoryFrames = 300
        cfg.glottalHistoryBlocks = 2
        var e = AcousticExtractor(configuration: cfg)
        let chunk = harmonicSignal(f0: 130, seconds: 0.5)   // reused: 0.5 s per push
        var pulled = 0
        var maxEarly = 0, maxLate = 0
        let pushes = 60                                     // 30 s: past the look-ahead and histories
        for p in 0..<pushes {
            e.push(chunk)
            pulled += e.pull().count
            if p < pushes / 3 { continue }                  // histories filling up
            if p < 2 * pushes / 3 { maxEarly = max(maxEarly, e.bufferedSampleCount) } else { maxLate = max(maxLate, e.bufferedSampleCount) }
        }
        // Memory is set by the look-ahead (and the small per-frame statistics history),
        // not by the stream length: the second half holds no more than the first.
        #expect(maxLate <= maxEarly + 4000)
        // (The glottal chain's stream residual holds its window's 2 margins, 32000 samples;
        // SRH's residual keeps each frame's 19 autocorrelation lags, 2 Floats each, from the
        // glottal window's end to the stream's end for that residual, ≈ 28 000 more; HMPD keeps
        // the phase rows of the ≈ 62 frames two glottal blocks share, 513 Doubles each,
        // ≈ 64 000 more.)
        #expect(maxLate < 335_000)
        e.finish()
        pulled += e.pull().count
        #expect(pulled == AcousticExtractor.frameCount(sampleCount: pushes * chunk.count))
    }

    @Test("streaming in uneven chunks gives the same frames as batch")
    func streamingEqualsBatch() throws {
        let x: [Float]
        if CovarepComparisonTests.mosiPresent { x = try decode16k(Paths.mosiWav) } else { x = harmonicSignal(f0: 140, seconds: 2) }
        let batch = AcousticExtractor.extract(x)
        let out = streamed(x, sizes: [1, 37, 160, 999, 4097, 80, 12000], first: 1)
        #expect(out.count == batch.count)
        let mismatches = zip(out, batch).filter { $0 != $1 }.count
        #expect(mismatches == 0)
        #expect(AcousticExtractor().lookAheadMilliseconds < 3700)
    }

    @Test("at the end of a stream the frames still waiting are analysed as one glottal block")
    func tailBlock() throws {
        // The MOSI utterance (3.33 s) ends before its first 2 s block is ready, so both of
        // its blocks wait for finish(): analysed as one, they are a single 4 s block's frames
        // (as two blocks, NAQ moved by up to 0.05 and MDQ by 0.08).
        let x = CovarepComparisonTests.mosiPresent ? try decode16k(Paths.mosiWav) : harmonicSignal(f0: 140, seconds: 3.3)
        var single = AcousticExtractor.Configuration()
        single.glottalBlockFrames = 400
        let whole = AcousticExtractor.extract(x, configuration: single)
        #expect(AcousticExtractor.extract(x) == whole)
        #expect(streamed(x, sizes: [997, 160, 4001]) == whole)
    }

    @Test("an extractor gives the same frames whatever earlier extractors left in the shared tables")
    func sharedTablesKeepFrames() throws {
        let x = CovarepComparisonTests.mosiPresent ? try decode16k(Paths.mosiWav) : harmonicSignal(f0: 140, seconds: 3.3)
        func clear() { AcousticExtractor.sharedTables.withLock { $0 = ([:], [:]) } }
        clear()
        let cold = AcousticExtractor.extract(x)
        // Other voices fill the tables with other harmonic counts and window lengths first.
        clear()
        for f0 in [95, 180, 260] as [Float] { _ = AcousticExtractor.extract(harmonicSignal(f0: f0, seconds: 1)) }
        #expect(AcousticExtractor.sharedTables.withLock { $0.rd.count >= 3 && $0.windows.count >= 3 })
        #expect(AcousticExtractor.extract(x) == cold)
    }

    @Test("odd lengths around every internal boundary give finite frames of the right count",
          arguments: [0, 1, 79, 80, 81, 239, 240, 481, 1598, 1599, 1600, 1759, 2001, 4097, 11_679, 16_000,
                      32_079, 32_080, 35_000, 48_079, 48_080, 48_239, 64_159])
    func boundaries(n: Int) {
        let x = harmonicSignal(f0: 140, seconds: Float(n) / 16000 + 0.001).prefix(n)
        let f = AcousticExtractor.extract(Array(x))
        checkShape(f, samples: n)
    }

    @Test("a frame is released once the stated look-ahead has been pushed")
    func lookAheadHonoured() {
        let x = harmonicSignal(f0: 180, seconds: 4)
        var e = AcousticExtractor()
        let la = Int((e.lookAheadMilliseconds * 16).rounded(.up))
        var released = 0, pushed = 0
        while pushed < x.count {
            let n = min(160, x.count - pushed)
            e.push(Array(x[pushed..<(pushed + n)]))
            pushed += n
            released += e.pull().count
            // Every frame whose centre + look-ahead lies inside the pushed samples is out.
            let due = max(0, (pushed - 1 - la - 79) / 160 + 1)
            #expect(released >= min(due, AcousticExtractor.frameCount(sampleCount: pushed)), "pushed \(pushed)")
        }
    }

    @Test("streaming equals batch over 16 s of real speech (many glottal blocks, histories in use)",
          .enabled(if: CovarepComparisonTests.allPresent))
    func streamingEqualsBatchLong() throws {
        var x: [Float] = []
        let parts = try CovarepComparisonTests.inputs.map { try decode16k($0.audio) }
        while x.count < 16 * 16000 { for p in parts { x += p } }
        var cfg = AcousticExtractor.Configuration()
        cfg.glottalHistoryBlocks = 4
        let batch = AcousticExtractor.extract(x, configuration: cfg)
        let out = streamed(x, sizes: [2731], configuration: cfg)
        #expect(out.count == batch.count)
        #expect(zip(out, batch).filter { $0 != $1 }.count == 0)
        if let first = zip(out, batch).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            let cols = (0..<74).filter { first.element.0.values[$0] != first.element.1.values[$0] }.map { AcousticFrame.columnNames[$0] }
            print("first mismatch at frame \(first.offset) of \(batch.count): \(cols.prefix(12))")
        }
        // Glottal and HMPD columns are populated across the whole stream.
        let late = batch.suffix(from: batch.count / 2).filter { $0[.vuv] == 1 }
        #expect(late.filter { $0[.naq] != 0 }.count > late.count / 2)
        #expect(late.filter { $0.values[AcousticFrame.Column.hmpdd0.rawValue] != 0 }.count > late.count / 2)
    }

    @Test("CSV and JSONL rows have the COVAREP header and 75 fields")
    func formatting() {
        let f = AcousticExtractor.extract(harmonicSignal(f0: 120, seconds: 0.5))
        let csv = AcousticFormat.csv.render(f).split(separator: "\n")
        #expect(csv[0].hasPrefix("time,F0,VUV,NAQ,QOQ,H1H2,PSP,MDQ,peakSlope,Rd,Rd_conf,creak,MCEP_0,"))
        #expect(csv[0].hasSuffix("HMPDD_11,HMPDD_12"))
        #expect(csv.count == f.count + 1)
        #expect(csv.dropFirst().allSatisfy { $0.split(separator: ",").count == 75 })
        let jl = AcousticFormat.jsonl.render(f).split(separator: "\n")
        #expect(jl.count == f.count)
        let obj = try? JSONSerialization.jsonObject(with: Data(jl[10].utf8)) as? [String: Double]
        #expect(obj?.count == 75)
        #expect(obj?["HMPDD_12"] != nil)
    }
}
