import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Model
import Tensor
import Text

/// `sentio bench model`: per-utterance inference latency of the full Self-MM model (text
/// encoder + pooling + audio/visual LSTMs + fusion and heads), one utterance at a time.
struct BenchModel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Latency of the full model on one utterance (text tokens + seconds of audio/visual features).",
        discussion: """
        Random weights of the MOSEI-sized network (text 384 from the encoder, audio 74-d at 100 Hz,
        visual 35-d at 30 fps); the text is a sentence of --tokens WordPiece tokens. --members K
        times an ensemble of K such networks (one encoder pass, outputs averaged), as a checkpoint
        written by `sentio train --ensemble` is run. --checkpoint DIR runs a trained checkpoint instead
        (its members, modalities and pooling; e.g. the shipped text-only ensemble).

        Example:
          .build/release/sentio bench model --threads 1 --seconds 10 --tokens 50
        """
    )

    @Option(help: "OpenBLAS threads.") var threads: Int = 1
    @Option(help: "Seconds of audio (100 frames/s) and video (30 frames/s) features.") var seconds: Double = 10
    @Option(help: "Text tokens including [CLS] and [SEP].") var tokens: Int = 50
    @Option(help: "Timed iterations.") var iterations: Int = 20
    @Option(help: "Text encoder directory (default: $SENTIO_TEXT_MODEL or \(Embed.defaultModel)).") var model: String?
    @Option(help: "A trained checkpoint to run instead of random weights (its pooling and modalities are used).") var checkpoint: String?
    @Option(help: "Ensemble members (networks whose outputs are averaged; the encoder runs once).") var members: Int = 1
    @Option(help: "Text pooling (\(Pooling.names); the shipped model's is layer-mean).") var pooling: String = Pooling.layerMean.rawValue

    func validate() throws {
        guard members >= 1 else { throw ValidationError("--members must be ≥ 1") }
        guard Pooling(rawValue: pooling) != nil else { throw ValidationError("--pooling must be one of \(Pooling.names), not '\(pooling)'") }
    }

    func run() throws {
        OpenBLASKernels.preferAVX512()
        BLAS.setThreadCount(threads)
        let dir = Embed.modelDirectory(model)
        let encoder = try BertEncoder(directory: dir)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: dir.appendingPathComponent("vocab.txt"))
        let trained = try checkpoint.map { try Checkpoint.loadEnsemble(URL(fileURLWithPath: $0)) }
        let pool = Pooling(rawValue: trained?.1.encoder?.pooling ?? pooling) ?? .layerMean
        let text = Array(repeating: "good", count: max(tokens - 2, 1)).joined(separator: " ")
        let batch = tokenizer.encodeBatch([text], maxLength: tokens)
        var cfg = NetworkConfig()
        cfg.textDim = encoder.config.hiddenSize
        let net = trained?.0 ?? SelfMMEnsemble((0..<members).map { SelfMM(config: cfg, seed: UInt64($0) + 1) })
        let modalities = net.config.modalities
        var rng = SeededRNG(seed: 2)
        let ta = max(Int(seconds * 100), 1), tv = max(Int(seconds * 30), 1)
        let audio = Tensor.randomNormal([1, ta, 74], using: &rng), visual = Tensor.randomNormal([1, tv, 35], using: &rng)
        // Wall time, and this thread's CPU time: on a shared machine the latter is what the
        // code costs (with one BLAS thread the whole forward runs on the calling thread).
        func clocks() -> (Double, Double) {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return (Date().timeIntervalSinceReferenceDate, Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9)
        }
        func once() throws -> [Double] {
            let c0 = clocks()
            let f = try encoder.embed(batch, pooling: pool)
            let c1 = clocks()
            let out = net(ModelInput(text: f, audio: modalities.contains(.audio) ? audio : nil, audioLengths: [ta],
                                     visual: modalities.contains(.visual) ? visual : nil, visualLengths: [tv]))
            precondition(out.m.count == 1)
            let c2 = clocks()
            return [c1.0 - c0.0, c2.0 - c1.0, c2.0 - c0.0, c1.1 - c0.1, c2.1 - c1.1, c2.1 - c0.1]
        }
        _ = try once()
        var runs: [[Double]] = []
        for _ in 0..<iterations { runs.append(try once()) }
        func median(_ i: Int) -> Double { let s = runs.map { $0[i] }.sorted(); return s[s.count / 2] * 1000 }
        print(String(format: "threads %d, \(checkpoint ?? "random weights"), \(net.members.count) member(s), \(modalities.map(\.rawValue).joined(separator: "+")), \(pool.rawValue) pooling, %d tokens, %.0f s (audio %d × 74, video %d × 35), median of %d: encoder %.2f ms, LSTMs+fusion+heads %.2f ms, total %.2f ms wall; CPU time of the calling thread %.2f / %.2f / %.2f ms",
                     threads, batch.length, seconds, ta, tv, iterations, median(0), median(1), median(2), median(3), median(4), median(5)))
    }
}
