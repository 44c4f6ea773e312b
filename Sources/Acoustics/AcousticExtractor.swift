// COVAREP-compatible 74-column acoustic features at 100 frames/s from 16 kHz mono audio,
// streaming (push samples, pull finished frames) and batch (the same engine run over a
// whole buffer, so both give identical frames).
import Foundation
import DSP
import Synchronization

/// Streaming extractor. Push 16 kHz mono Float samples as they arrive; pull frames once
/// their look-ahead is available; call `finish()` at the end of the stream.
///
/// Look-ahead: a frame at time t is released once the samples up to
/// t + `lookAheadSeconds` have been pushed (or the stream finished).
///
/// COVAREP computes three statistics over the whole file (the F0 median that narrows the
/// SRH search range, the spread of SRH values that picks the voicing threshold, the F0
/// median of SEDREAMS). Here they are taken over a sliding window of
/// `statsHistoryFrames` frames back and `statsLookAheadFrames` frames ahead of each SRH
/// frame; for audio shorter than that window they equal COVAREP's whole-file values.
public struct AcousticExtractor: Sendable {
    public struct Configuration: Sendable {
        /// Frames (10 ms) of past kept for the F0 range and voicing-threshold statistics.
        public var statsHistoryFrames: Int = 3000
        /// Frames (10 ms) of future waited for before an SRH frame is final.
        public var statsLookAheadFrames: Int = 50
        /// Batch only: place MCEP frames as COVAREP_feature_extraction.m does, at
        /// round(linspace(1, n, M)) instead of their analysis times (this stretches MCEP by
        /// up to ±50 ms at the ends of a file; it needs the file length, so streams cannot).
        public var covarepMCEPTiming = false
        /// Glottal columns (NAQ, QOQ, H1H2, PSP, MDQ) are computed on blocks of this many
        /// output frames, each analysed with `glottalMarginSamples` of context on both sides;
        /// the per-file statistics of COVAREP (polarity, F0 median, SEDREAMS GCI ratio) are
        /// those of the block's analysis window. When the stream finishes, the frames still
        /// waiting (at most the look-ahead) form one last block.
        public var glottalBlockFrames = 200
        public var glottalMarginSamples = 16000
        /// Earlier blocks whose polarity moments, GCI ratios and F0 values are pooled with
        /// the current block's (COVAREP pools them over the whole file).
        public var glottalHistoryBlocks = 30
        /// MCEP: run COVAREP's true-envelope iteration on all 2049 bins of the frame
        /// spectrum. By default it runs on every 2nd–8th bin, where the spectrum of the
        /// 3-period window is still oversampled ≥ 8/3 times (`TrueEnvelope.decimation`;
        /// about 20 % less CPU overall; MCEP moves by ~0.002 on average,
        /// docs/ACCURACY-acoustics.md).
        public var fullGridEnvelope = false
        /// HMPD: reuse the phase rows of the frames two blocks share (off only in tests, to
        /// compare against forming every row in every block).
        var reusesHMPDRows = true
        public init() {}
    }

    public static let sampleRate = 16000
    public static let hop = 160
    /// SRH frames on each side of a glottal block that its HMPD analysis reads (HMPD's
    /// zero-phase time filters reach 24).
    static let hmpdReachFrames = 30

    public let configuration: Configuration

    // Input.
    private var samples = SampleBuffer()
    private var total = 0
    private var finished = false

    // SRH stage.
    /// The FFT plans and windows of the SRH, MCEP and true-envelope stages are immutable:
    /// one set per process instead of one per extractor (each batch call builds an extractor).
    private static let srhPlan = SRHAnalyzer()
    private static let mcepFFTPlan = RealFFT(count: 4096)
    private static let decimatingEnvelope = TrueEnvelope(decimates: true)
    private static let fullGridEnvelope = TrueEnvelope(decimates: false)
    private let srh = AcousticExtractor.srhPlan
    private var residual = ResidualOLA(order: 12, sharedOrder: Glottal.StreamResidual.order)
    private var nextSRH = 0                          // next SRH frame j to analyse
    private var curves: [[Float]?] = []              // curves of frames [curveBase, nextSRH)
    private var curveBase = 0
    private var iter1: [(f0: Float, value: Float)] = []   // first-pass picks, frames [iter1Base, nextSRH) not yet in srhStats
    private var iter1Base = 0
    private var srhStats = SRHWindowStatistics()     // statistics of the picks finalizeSRH reads

    // Finalised SRH frames: F0, raw VUV, MCEP.
    private var nextFinal = 0
    private var finals: [SRHFrame] = []              // frames [finalBase, nextFinal)
    private var finalBase = 0
    private var keepAllFinals = false

    // Glottal blocks.
    private var nextGlottalBlock = 0
    private var glottal: [Int: [Float]] = [:]        // feature k → NAQ, QOQ, H1H2, PSP, MDQ
    private var glottalHistory: [Glottal.History] = []   // last `glottalHistoryBlocks` blocks
    private var voicedF0: [(j: Int, f0: Float)] = []     // voiced SRH F0 in (50, 500) Hz, recent frames
    /// Order-18 LP residual on COVAREP's frame grid, advanced block by block (glottal chain, creak).
    private var glottalResidual = Glottal.StreamResidual()
    private var polarityStream = Glottal.PolarityStream()

    // Output.
    private var nextFeature = 0
    private var ready: [AcousticFrame] = []

    /// Rd criterion constants by harmonic count (F0 in 50…500 Hz bounds the count to
    /// about 150 entries), starting from the process's `sharedTables`.
    private var rdContexts: [Int: RdMSP.CostContext]

    /// Rd criterion constants and normalised MCEP windows formed by any extractor of the
    /// process, for the next ones: each costs O(L²) operations or a cosine per sample, and a
    /// batch run over many utterances (an extractor each) formed them again for every one.
    /// Bounded by F0's range as the extractor's own copies are (≈ 3 MB at most).
    static let sharedTables = Mutex<(rd: [Int: RdMSP.CostContext], windows: [Int: [Float]])>(([:], [:]))

    /// HMPD phase rows of the last block's final frames that the next block's window reaches
    /// again (about 62 of its frames), with the polarity they were formed with: a frame's row
    /// depends only on its sinusoids, F0 and that polarity, so with the same polarity the
    /// next block reads them instead of forming them again.
    private var hmpdRows: (polarity: Float, first: Int, rows: [[Double]]) = (1, 0, [])

    private var peakSlope = PeakSlopeStage()
    private let envelope: TrueEnvelope
    private let mcepFFT = AcousticExtractor.mcepFFTPlan
    /// Normalised Blackman windows of the MCEP frames by length (one per F0 value in
    /// 50…500 Hz at most, so bounded), starting from the process's `sharedTables`.
    private var mcepWindows: [Int: [Float]]

    struct SRHFrame: Sendable {
        var f0: Float
        var vuv: Float
        var mcep: [Float]
        /// COVAREP sins of the frame (for HMPD) and the F0 it was analysed with.
        var sinF: [Double] = [], sinA: [Double] = [], sinP: [Double] = []
        var analysisF0: Double = 0
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        envelope = configuration.fullGridEnvelope ? AcousticExtractor.fullGridEnvelope : AcousticExtractor.decimatingEnvelope
        (rdContexts, mcepWindows) = AcousticExtractor.sharedTables.withLock { ($0.rd, $0.windows) }
    }

    /// Look-ahead in milliseconds: how far past a frame's centre the samples must reach
    /// before the frame is released.
    public var lookAheadMilliseconds: Double {
        // SRH path: SRH frame k−4 of feature k is centred 721 samples later, needs 799 more
        // of residual, the 401-sample LPC segment after it, and the statistics look-ahead.
        let la = configuration.statsLookAheadFrames * 160
        let srhPath = 721 + 799 + 401 + 80 + la
        // Glottal path: the first frame of a block waits for the block, its margin, and the
        // SRH decisions at the end of the margin.
        let glottalPath = configuration.glottalBlockFrames * 160 + configuration.glottalMarginSamples + 160 + srhPath
        // HMPD of a block reads SRH frames up to `hmpdReachFrames` past its last frame.
        let hmpdPath = (configuration.glottalBlockFrames + AcousticExtractor.hmpdReachFrames) * 160 + srhPath
        return Double(max(srhPath, glottalPath, hmpdPath)) / 16.0
    }

    /// Number of samples currently held in internal buffers (bounded by the look-ahead
    /// and the statistics history, independent of the stream's length).
    public var bufferedSampleCount: Int {
        samples.data.count + residual.buffer.data.count
            + curves.count * (SRHAnalyzer.f0Max - SRHAnalyzer.f0Min + 1)
            + iter1.count * 2 + srhStats.storedCount * 2 + ready.count * 75
            + finals.reduce(0) { $0 + 28 + 3 * $1.sinF.count }
            + glottal.count * 46 + voicedF0.count * 2
            + glottalHistory.reduce(0) { $0 + 9 + 2 * $1.ratios.count }
            + peakSlope.slopes.data.count + glottalResidual.count + residual.shared.count * 2
            + hmpdRows.rows.reduce(0) { $0 + 2 * $1.count }
    }

    /// Pushes 16 kHz mono samples. NaN and ±Inf become 0.
    public mutating func push(_ x: [Float]) {
        precondition(!finished, "push after finish")
        samples.append(x.map { $0.isFinite ? $0 : 0 })
        total += x.count
        process()
    }

    /// Declares the end of the stream; the remaining frames become available.
    public mutating func finish() {
        finished = true
        process()
    }

    /// Frames finished since the last pull, in time order.
    public mutating func pull() -> [AcousticFrame] {
        defer { ready.removeAll(keepingCapacity: true) }
        return ready
    }

    /// Batch extraction: identical to pushing everything, finishing and pulling.
    public static func extract(_ x: [Float], configuration: Configuration = Configuration()) -> [AcousticFrame] {
        var e = AcousticExtractor(configuration: configuration)
        e.keepAllFinals = configuration.covarepMCEPTiming
        e.push(x)
        e.finish()
        var frames = e.pull()
        if configuration.covarepMCEPTiming { e.remapMCEP(&frames) }
        return frames
    }

    /// Batch extraction from audio at another sample rate: resampled to 16 kHz first
    /// (Kaiser-windowed sinc, DSP.Resample), then as `extract(_:)`.
    public static func extract(_ x: [Float], sampleRate: Int, configuration: Configuration = Configuration()) throws -> [AcousticFrame] {
        guard sampleRate > 0 else {
            throw AcousticsError(input: "audio buffer", problem: "sample rate \(sampleRate) Hz is not positive")
        }
        let y = sampleRate == AcousticExtractor.sampleRate ? x : Resample.resample(x.map { $0.isFinite ? $0 : 0 }, from: sampleRate, to: AcousticExtractor.sampleRate)
        return extract(y, configuration: configuration)
    }

    /// Number of frames COVAREP produces for `sampleCount` samples (1-based samples 80:160:n).
    public static func frameCount(sampleCount n: Int) -> Int { n >= 80 ? (n - 80) / 160 + 1 : 0 }

    // MARK: - Engine

    /// SRH frame j is centred at 0-based sample 799 + 160·j and exists iff 160·j ≤ n − 1599.
    private func srhExists(_ j: Int) -> Bool { 160 * j <= total - 1599 }
    private var srhCount: Int? { finished ? (total >= 1599 ? (total - 1599) / 160 + 1 : 0) : nil }

    private mutating func process() {
        residual.advance(samples, total: total)
        peakSlope.advance(samples, total: total, finished: finished)
        let resFinal = finished ? Int.max : residual.finalLimit
        // 1. SRH curves.
        while srhExists(nextSRH) {
            let c = 799 + 160 * nextSRH
            if c + 799 > resFinal { break }
            let curve = residual.buffer.withSlice(c - 799, SRHAnalyzer.frameLength) { srh.curve($0) }
            curves.append(curve)
            iter1.append(SRHAnalyzer.pick(curve, lo: SRHAnalyzer.f0Min, hi: SRHAnalyzer.f0Max))
            nextSRH += 1
        }
        // 2. Finalise SRH frames whose statistics window is complete.
        let la = configuration.statsLookAheadFrames
        while nextFinal < nextSRH && (nextFinal + la < nextSRH || finished) {
            finalizeSRH()
        }
        // 3. Glottal blocks.
        while glottalBlockReady(nextGlottalBlock) {
            let k1 = glottalRange(nextGlottalBlock).k1
            runGlottalBlock(nextGlottalBlock)
            // Past the block's last frame (a tail block spans several block lengths).
            nextGlottalBlock = (k1 + configuration.glottalBlockFrames - 1) / configuration.glottalBlockFrames
        }
        // 4. Emit feature frames.
        emit()
        trim()
    }

    /// Frames k0..<k1 of glottal block `b` and its analysis window a0..<a1 (samples).
    /// Once the stream has finished, the frames still waiting form one tail block: all
    /// their samples are there, so splitting them would only analyse the margins between
    /// the pieces twice, and one window is closer to COVAREP's whole-file statistics. The
    /// tail is bounded by the look-ahead (about two block lengths), and batch and stream
    /// reach `finish()` with the same blocks left (readiness depends on the samples only).
    private func glottalRange(_ b: Int) -> (a0: Int, a1: Int, k0: Int, k1: Int) {
        let f = configuration.glottalBlockFrames, m = configuration.glottalMarginSamples
        let k0 = b * f
        var k1 = (b + 1) * f
        if finished && b == nextGlottalBlock { k1 = max(k1, AcousticExtractor.frameCount(sampleCount: total)) }
        return (max(0, 160 * k0 + 79 - m), min(total, 160 * k1 + 79 + m), k0, k1)
    }

    private func glottalBlockReady(_ b: Int) -> Bool {
        let r = glottalRange(b)
        if finished { return r.k0 < AcousticExtractor.frameCount(sampleCount: total) }
        let end = 160 * r.k1 + 79 + configuration.glottalMarginSamples
        if total < end { return false }
        // SRH frames up to the end of the analysis window must be final (1-based 800 + 160j ≥ end).
        let jNeeded = max(0, (end - 800) / 160 + 1, r.k1 - 4 + AcousticExtractor.hmpdReachFrames)
        return nextFinal > jNeeded
    }

    /// COVAREP's VUV_int at 1-based sample number p (linear interpolation of the SRH
    /// decisions placed at 800 + 160j, NaN → 0).
    private func vuvInterpolated(_ p: Int) -> Float {
        let lastJ = nextFinal - 1
        let pos = Float(p - 800) / 160
        if pos < 0 || pos > Float(lastJ) { return 0 }
        let j0 = Int(pos.rounded(.down))
        let t = pos - Float(j0)
        let a = finals[j0 - finalBase].vuv
        let b = j0 + 1 <= lastJ ? finals[j0 + 1 - finalBase].vuv : a
        return a + t * (b - a)
    }

    private mutating func runGlottalBlock(_ b: Int) {
        let r = glottalRange(b)
        // F0 median over voiced SRH frames (50 < F0 < 500) from the history to the end of
        // the analysis window.
        // Up to the SRH frame that the block waited for (the same bound in batch and stream).
        let jLimit = max(0, (160 * r.k1 + 79 + configuration.glottalMarginSamples - 800) / 160 + 1)
        // History: the glottal history span before the block (trimmed here, not when frames
        // are finalised, so that batch and stream see the same frames).
        let jOldest = r.k0 - 5 - configuration.glottalHistoryBlocks * configuration.glottalBlockFrames
        while let first = voicedF0.first, first.j < jOldest { voicedF0.removeFirst() }
        let f0s = voicedF0.filter { $0.j <= jLimit }.map(\.f0)
        // Layout of `values`: NAQ, QOQ, H1H2, PSP, MDQ, polarity, HMPDM_0–24, HMPDD_0–12, Rd, Rd_conf.
        var values: [[Float]] = Array(repeating: [0, 0, 0, 0, 0, 1] + [Float](repeating: 0, count: 40), count: max(0, r.k1 - r.k0))
        var polarity: Float = 1
        // The residual of every frame that ends inside the window (the same frames in batch
        // and stream: the window's end decides them, not what has been pushed).
        glottalResidual.advance(samples, to: r.a1) { [residual] in residual.sharedLags($0) }
        residual.dropShared(before: glottalResidual.nextFrame)
        defer { glottalResidual.drop(before: glottalRange(b + 1).a0) }
        // Polarity's residuals lag the window's end (its filtfilt edge) until the stream ends.
        let lag = finished && r.a1 == total ? 0 : Glottal.PolarityStream.settle
        let moments = polarityStream.advance(samples, plain: glottalResidual, from: r.a0, to: r.a1, lag: lag)
        if !f0s.isEmpty && r.a1 > r.a0 {
            let x = samples.slice(r.a0, r.a1 - r.a0)
            var pooled = Glottal.History()
            for h in glottalHistory { pooled.hp = pooled.hp + h.hp; pooled.plain = pooled.plain + h.plain; pooled.ratios += h.ratios; pooled.resMax = max(pooled.resMax, h.resMax) }
            let ownStart = max(0, 160 * r.k0 + 79 - r.a0), ownEnd = max(ownStart, min(r.a1, 160 * r.k1 + 79) - r.a0)
            let (g, mine) = Glottal.analyze(x, plainRes: glottalResidual.slice(r.a0, x.count), moments: moments, a0: r.a0,
                                            own: ownStart..<ownEnd, f0med: median(f0s), history: pooled,
                                            vuvAt: { self.vuvInterpolated($0) })
            polarity = g.polarity
            glottalHistory.append(mine)
            if glottalHistory.count > configuration.glottalHistoryBlocks { glottalHistory.removeFirst() }
            let series = [g.naq, g.qoq, g.h1h2, g.psp, g.mdq]
            for (c, ser) in series.enumerated() where ser.count >= 1 {
                var seg = 0
                for k in r.k0..<r.k1 {
                    let fp = Double(80 + 160 * k)
                    guard fp >= ser[0].0 && fp <= ser[ser.count - 1].0 else { continue }
                    if ser.count == 1 { values[k - r.k0][c] = ser[0].1; continue }
                    while seg < ser.count - 2 && ser[seg + 1].0 < fp { seg += 1 }
                    let t = Float((fp - ser[seg].0) / (ser[seg + 1].0 - ser[seg].0))
                    let v = ser[seg].1 + t * (ser[seg + 1].1 - ser[seg].1)
                    values[k - r.k0][c] = v.isFinite ? v : 0
                }
            }
        }
        for i in 0..<values.count { values[i][5] = polarity }
        // Creak (CreakDetector) on the block ± its own shorter margin, with the block's F0 median.
        if !f0s.isEmpty {
            let c0 = max(r.a0, 160 * r.k0 + 79 - CreakDetector.marginSamples)
            let c1 = min(r.a1, 160 * r.k1 + 79 + CreakDetector.marginSamples)
            let creak = CreakDetector.column(samples.slice(c0, max(0, c1 - c0)), residual: glottalResidual.slice(c0, max(0, c1 - c0)),
                                             offset: c0, frames: r.k0..<r.k1,
                                             annFrameCount: total / 160, f0mean: median(f0s))
            for i in 0..<values.count { values[i].append(creak[i]) }
        }
        // HMPD over the frames the block needs plus 30 frames each side (its time filters
        // reach 24), at least 73 frames (Octave's filtfilt limit), reflecting at the ends.
        // (SRH frames, so not bounded by the glottal window: with margins under ~5000
        // samples that would cut the filters' reach and skip a short last block.)
        let reach = AcousticExtractor.hmpdReachFrames
        let jLo0 = max(finalBase, 0)
        let jHi = min(nextFinal - 1, r.k1 - 4 + reach)
        var jLo = max(jLo0, r.k0 - 5 - reach)
        if jHi - jLo + 1 < 73 { jLo = max(jLo0, jHi - 72) }
        if jHi - jLo + 1 > 72 {
            let kept = hmpdRows
            let pe = (jLo...jHi).map { j -> [Double] in
                if configuration.reusesHMPDRows && kept.polarity == polarity && j >= kept.first && j - kept.first < kept.rows.count { return kept.rows[j - kept.first] }
                let fr = finals[j - finalBase]
                return HMPD.phaseDistortion(sins: (fr.sinF, fr.sinA, fr.sinP), f0: fr.analysisF0, polarity: Double(polarity))
            }
            // The next block's window starts at its k0 − 5 − reach.
            let nextLo = max(jLo, glottalRange(b + 1).k0 - 5 - reach)
            hmpdRows = (polarity, nextLo, nextLo <= jHi ? Array(pe[(nextLo - jLo)...]) : [])
            // Rows read below: k − 5 and k − 4 for k in the block.
            if let (pdm, pdd) = HMPD.features(pe, needed: (r.k0 - 5 - jLo)..<(r.k1 - 4 - jLo)) {
                for k in r.k0..<r.k1 {
                    let ja = k - 5, jb = k - 4
                    guard ja >= jLo, jb <= jHi else { continue }
                    let fa = ja - jLo, fb = jb - jLo
                    for c in 0..<25 {
                        let a = pdm[fa][c], b = pdm[fb][c]
                        let b2 = a + Float(RdMSP.wrap(Double(b - a)))
                        values[k - r.k0][6 + c] = Float(RdMSP.wrap(Double(a + (79.0 / 80.0) * (b2 - a) / 2)))
                    }
                    for c in 0..<13 {
                        let a = pdd[fa][c], b = pdd[fb][c]
                        values[k - r.k0][31 + c] = a + (79.0 / 80.0) * (b - a) / 2
                    }
                }
            }
        }
        // Rd, Rd_conf of frames k0−5 … k1−4 with the block's polarity, half way between
        // frames k−5 and k−4 (as F0).
        var rd: [Int: (rd: Float, conf: Float)] = [:]
        let rdLo = max(0, finalBase, r.k0 - 5), rdHi = min(nextFinal - 1, r.k1 - 4)
        if rdLo <= rdHi {
            let known = rdContexts.count
            for j in rdLo...rdHi {
                let fr = finals[j - finalBase]
                rd[j] = RdMSP.estimate(sins: (fr.sinF, fr.sinA, fr.sinP), f0: fr.analysisF0, polarity: Double(polarity),
                                       contexts: &rdContexts)
            }
            if rdContexts.count > known {
                let mine = rdContexts
                AcousticExtractor.sharedTables.withLock { $0.rd.merge(mine) { old, _ in old } }
            }
        }
        for k in r.k0..<r.k1 {
            guard let a = rd[k - 5], let b = rd[k - 4] else { continue }
            values[k - r.k0][44] = 0.5 * (a.rd + b.rd)
            values[k - r.k0][45] = 0.5 * (a.conf + b.conf)
        }
        for k in r.k0..<r.k1 { glottal[k] = values[k - r.k0] }
    }

    private mutating func finalizeSRH() {
        let j = nextFinal
        let lo = max(0, j - configuration.statsHistoryFrames)
        let hi = min(nextSRH - 1, j + configuration.statsLookAheadFrames)
        // Window [lo, hi] of first-pass picks: F0 median of those above 0.1 and SRH spread.
        srhStats.drop(before: lo)
        while srhStats.end <= hi {
            let p = iter1[srhStats.end - iter1Base]
            srhStats.append(f0: p.f0, value: p.value)
        }
        var f0Min = SRHAnalyzer.f0Min, f0Max = SRHAnalyzer.f0Max
        if let med = srhStats.voicedF0Median {
            let a = Int((0.5 * med).rounded(.toNearestOrAwayFromZero))
            let b = Int((2 * med).rounded(.toNearestOrAwayFromZero))
            if a > f0Min { f0Min = a }
            if b < f0Max { f0Max = b }
        }
        let curve = curves[j - curveBase]
        let pick = f0Min <= f0Max ? SRHAnalyzer.pick(curve, lo: f0Min, hi: f0Max) : (f0: Float(1), value: Float(0))
        // Voicing threshold from the spread of SRH values in the window.
        let threshold: Float = srhStats.spreadIsWide ? 0.085 : 0.07
        let vuv: Float = pick.value > threshold ? 1 : 0
        let (mcep, sins, af0) = computeMCEP(frame: j, f0: pick.f0)
        finals.append(SRHFrame(f0: pick.f0, vuv: vuv, mcep: mcep,
                               sinF: sins.f, sinA: sins.amp, sinP: sins.ph, analysisF0: af0))
        if vuv == 1 && pick.f0 > 50 && pick.f0 < 500 { voicedF0.append((j, pick.f0)) }
        nextFinal += 1
    }

    /// sin_analysis frame (3 periods, Blackman, normalised by its sum, 4096-point DFT)
    /// centred at 0-based sample 800 + 160·j, then true envelope of order round(fs/2/f0)
    /// and its mel-warped cepstrum of order 24.
    private mutating func computeMCEP(frame j: Int, f0 rawF0: Float)
        -> (mcep: [Float], sins: (f: [Double], amp: [Double], ph: [Double]), f0: Double) {
        // COVAREP's F0 is ≥ 50 Hz except in the degenerate case F0 = 1 (no positive SRH);
        // there its 48001-sample window is replaced by the 50 Hz one.
        let f0 = max(rawF0, 50)
        let c = 800 + 160 * j
        let winlen = Int((3 * 16000 / f0 / 2).rounded(.toNearestOrAwayFromZero)) * 2 + 1
        let half = (winlen - 1) / 2
        let w: [Float]
        if let cached = mcepWindows[winlen] {
            w = cached
        } else {
            var b = Window.blackman(winlen)
            var sum: Float = 0
            for v in b { sum += v }
            for i in 0..<winlen { b[i] /= sum }
            w = b
            mcepWindows[winlen] = w
            AcousticExtractor.sharedTables.withLock { $0.windows[winlen] = w }
        }
        var seg = samples.slice(c - half, winlen)
        for i in 0..<winlen { seg[i] *= w[i] }
        let (re, im) = mcepFFT.forward(seg)
        let order = Int((0.5 * 16000 / rawF0).rounded(.toNearestOrAwayFromZero))
        // |S| as hi·√(1 + (lo/hi)²), without squaring the components (Float squares
        // underflow on the empty band of upsampled 8 kHz audio, where MATLAB's doubles
        // still hold ~1e−12 magnitudes); the logs on SIMD lanes.
        @inline(__always) func magnitude(_ k: Int) -> Float {
            let a = abs(re[k]), b = abs(im[k])
            let hi = max(a, b), lo = min(a, b)
            let r = hi > 0 ? lo / hi : 0
            return hi * (1 + r * r).squareRoot()
        }
        // The envelope iterates on every D-th bin only (TrueEnvelope.gridStep): log|S| there.
        let d = envelope.gridStep(order: order)
        var gridLogMag = [Float](repeating: 0, count: (re.count - 1) / d + 1)
        for i in 0..<gridLogMag.count { gridLogMag[i] = magnitude(i * d) }
        gridLogMag = VectorMath.map(gridLogMag, VectorMath.log)
        if gridLogMag.contains(-.infinity) {
            // A bin that cancels to exactly 0 in Float (the Nyquist bin of upsampled 8 kHz
            // audio) is ~1e−10 in MATLAB's doubles; take its neighbour's level instead of −∞
            // (the lower neighbour on the full grid, as already replaced).
            var logMag = VectorMath.map((0..<re.count).map(magnitude), VectorMath.log)
            for k in 0..<logMag.count where logMag[k] == -.infinity {
                let nb = k > 0 ? logMag[k - 1] : (logMag.count > 1 ? logMag[1] : 0)
                logMag[k] = nb.isFinite ? nb : log(Float.leastNormalMagnitude)
            }
            for i in 0..<gridLogMag.count { gridLogMag[i] = logMag[i * d] }
        }
        let out = envelope.melCepstrum(gridLogMag: gridLogMag, step: d, order: order)
        // Rd by mean squared phase on the same frame spectrum (rd_msp.m).
        // COVAREP's sinusoids of the frame, kept for Rd and HMPD (which need the polarity).
        let sins = RdMSP.sinusoids(re: re, im: im, winlen: winlen, f0: Double(f0))
        return (out, sins, Double(f0))
    }

    /// MCEP_int(:,m) = interp1(round(linspace(1,n,M)), MCEP(:,m), 80:160:n).
    private func remapMCEP(_ frames: inout [AcousticFrame]) {
        let m = finals.count
        guard m >= 2 else { return }
        let n = Double(total)
        let pos = (0..<m).map { (1 + Double($0) * (n - 1) / Double(m - 1)).rounded(.toNearestOrAwayFromZero) }
        var seg = 0
        for k in 0..<frames.count {
            let s = Double(80 + 160 * k)
            var vals = [Float](repeating: 0, count: 25)
            if s >= pos[0] && s <= pos[m - 1] {
                while seg < m - 2 && pos[seg + 1] < s { seg += 1 }
                let t = Float((s - pos[seg]) / (pos[seg + 1] - pos[seg]))
                let a = finals[seg].mcep, b = finals[seg + 1].mcep
                for i in 0..<25 { vals[i] = a[i] + t * (b[i] - a[i]) }
            }
            for i in 0..<25 { frames[k].values[11 + i] = vals[i].isFinite ? vals[i] : 0 }
        }
    }

    private mutating func emit() {
        let total = self.total
        let featureCount = AcousticExtractor.frameCount(sampleCount: total)
        while true {
            let k = nextFeature
            // Feature k: 1-based sample 80 + 160k; SRH frame j: 1-based 800 + 160j.
            // F0/VUV interpolate frames k−5 and k−4 (half way).
            if finished {
                if k >= featureCount { break }
            } else {
                if k / configuration.glottalBlockFrames >= nextGlottalBlock { break }
                // Need frames up to k−4 final, or proof that k−4 will never exist… only at finish.
                if k - 4 >= nextFinal { break }
                if 79 + 160 * k > total - 1 { break }
            }
            var v = [Float](repeating: 0, count: AcousticFrame.columnCount)
            let j0 = k - 5, j1 = k - 4
            if j0 >= 0 && j1 < nextFinal {
                let a = finals[j0 - finalBase], b = finals[j1 - finalBase]
                v[0] = 0.5 * (a.f0 + b.f0)
                v[1] = 0.5 * (a.vuv + b.vuv) >= 0.5 ? 1 : 0
            }
            // peakSlope frame m at 0-based 320 + 160m (COVAREP: (round((start+finish)/2)−1)/fs),
            // feature k half way between frames k−2 and k−1.
            if k >= 2 {
                if k - 1 < peakSlope.nextFrame {
                    v[7] = 0.5 * (peakSlope.slopes[k - 2] + peakSlope.slopes[k - 1])
                } else if !finished { break }
            }
            if let gv = glottal.removeValue(forKey: k) {
                v[2] = gv[0]; v[3] = gv[1]; v[4] = gv[2]; v[5] = gv[3]; v[6] = gv[4]
                if gv.count >= 46 {
                    for c in 0..<38 { v[36 + c] = gv[6 + c] }
                    v[8] = gv[44]; v[9] = gv[45]
                }
                if gv.count >= 47 { v[10] = gv[46] }
            }
            // MCEP at its own frame times (0-based sample 800 + 160j) → feature at 79 + 160k.
            let pos = Float(79 + 160 * k - 800) / 160
            let m0 = Int(pos.rounded(.down)), t = pos - Float(m0)
            if m0 >= 0 && m0 + 1 < nextFinal {
                let a = finals[m0 - finalBase].mcep, b = finals[m0 + 1 - finalBase].mcep
                for i in 0..<25 { v[11 + i] = a[i] + t * (b[i] - a[i]) }
            }
            for i in 0..<v.count where !v[i].isFinite { v[i] = 0 }
            ready.append(AcousticFrame(time: Float(79 + 160 * k) / 16000, values: v))
            nextFeature += 1
        }
    }

    private mutating func trim() {
        // SRH frames older than the next feature's first need (k−5) and the stats history.
        let nextGlottalStart = glottalRange(nextGlottalBlock).a0
        // HMPD of the next block reads back to its first frame − 5 − hmpdReachFrames, or to
        // its last SRH frame − 72 for a short block at the end of the stream.
        let hmpdStart = configuration.glottalBlockFrames * nextGlottalBlock - 80
        let keepFinal = keepAllFinals ? 0 : max(0, min(nextFeature - 6, (nextGlottalStart - 800) / 160 - 2, hmpdStart))
        if keepFinal > finalBase { finals.removeFirst(min(keepFinal - finalBase, finals.count)); finalBase = keepFinal }
        let keepCurve = nextFinal
        if keepCurve > curveBase { curves.removeFirst(min(keepCurve - curveBase, curves.count)); curveBase = keepCurve }
        let keepIter = srhStats.end   // the statistics window keeps its own copy of older picks
        if keepIter > iter1Base { iter1.removeFirst(min(keepIter - iter1Base, iter1.count)); iter1Base = keepIter }
        // Samples: next residual segment start, next MCEP window (≤ 480 before its centre).
        let needSamples = min(residual.nextSegment * residual.shift, 800 + 160 * nextFinal - 480,
                              peakSlope.oldestSampleNeeded, nextGlottalStart)
        peakSlope.slopes.drop(before: nextFeature - 3)
        samples.drop(before: needSamples)
        residual.buffer.drop(before: 799 + 160 * nextSRH - 799)
    }
}

/// Median (the mean of the two middle values for an even count; NaN when empty). By
/// selection, O(n): the SRH range of every frame takes the median of up to 3000 F0 values,
/// and sorting them was ~1 % of the extractor. The same values as sorting.
func median(_ x: [Float]) -> Float {
    let n = x.count
    if n == 0 { return .nan }
    if x.contains(where: \.isNaN) {
        let s = x.sorted()
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }
    var a = x
    let k = n / 2
    selectKth(&a, k)
    if n % 2 == 1 { return a[k] }
    // The (k−1)-th smallest is the largest of the k values left of a[k].
    var below = a[0]
    for i in 1..<k where a[i] > below { below = a[i] }
    return 0.5 * (below + a[k])
}

/// Rearranges `a` so that a[k] is its k-th smallest value (0-based), everything before it
/// ≤ a[k] and everything after ≥ a[k] (Hoare partitioning around a median-of-three pivot).
func selectKth(_ a: inout [Float], _ k: Int) {
    var lo = 0, hi = a.count - 1
    while hi > lo {
        let mid = lo + (hi - lo) / 2
        if a[mid] < a[lo] { a.swapAt(mid, lo) }
        if a[hi] < a[lo] { a.swapAt(hi, lo) }
        if a[hi] < a[mid] { a.swapAt(hi, mid) }
        let pivot = a[mid]
        var i = lo, j = hi
        while i <= j {
            while a[i] < pivot { i += 1 }
            while pivot < a[j] { j -= 1 }
            if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
        }
        if k <= j { hi = j } else if k >= i { lo = i } else { return }
    }
}

func standardDeviation(_ x: [Float]) -> Float {
    let n = x.count
    if n < 2 { return 0 }
    var m: Float = 0
    for v in x { m += v }
    m /= Float(n)
    var s: Float = 0
    for v in x { s += (v - m) * (v - m) }
    return (s / Float(n - 1)).squareRoot()
}
