import ArgumentParser
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
        visual 35-d at 30 fps); the text is a sentence of --tokens WordPiece tokens.

        Example:
          .build/release/sentio bench model --threads 1 --seconds 10 --tokens 50
        """
    )

    @Option(help: "OpenBLAS threads.") var threads: Int = 1
    @Option(help: "Seconds of audio (100 frames/s) and video (30 frames/s) features.") var seconds: Double = 10
    @Option(help: "Text tokens including [CLS] and [SEP].") var tokens: Int = 50
    @Option(help: "Timed iterations.") var iterations: Int = 20
    @Option(help: "Text encoder directory (default: $SENTIO_TEXT_MODEL or \(Embed.defaultModel)).") var model: String?

    func run() throws {
        OpenBLASKernels.preferAVX512()
        BLAS.setThreadCount(threads)
        let dir = Embed.modelDirectory(model)
        let encoder = try BertEncoder(directory: dir)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: dir.appendingPathComponent("vocab.txt"))
        let text = Array(repeating: "good", count: max(tokens - 2, 1)).joined(separator: " ")
        let batch = tokenizer.encodeBatch([text], maxLength: tokens)
        var cfg = NetworkConfig()
        cfg.textDim = encoder.config.hiddenSize
        let net = SelfMM(config: cfg, seed: 1)
        var rng = SeededRNG(seed: 2)
        let ta = max(Int(seconds * 100), 1), tv = max(Int(seconds * 30), 1)
        let audio = Tensor.randomNormal([1, ta, 74], using: &rng), visual = Tensor.randomNormal([1, tv, 35], using: &rng)
        func once() throws -> (Double, Double, Double) {
            let t0 = Date()
            let f = try encoder.embed(batch, pooling: .mean)
            let t1 = Date()
            var r = SeededRNG(seed: 0)
            let out = net(ModelInput(text: f, audio: audio, audioLengths: [ta], visual: visual, visualLengths: [tv]), tape: nil, training: false, rng: &r)
            precondition(out.m.value.count == 1)
            let t2 = Date()
            return (t1.timeIntervalSince(t0), t2.timeIntervalSince(t1), t2.timeIntervalSince(t0))
        }
        _ = try once()
        var runs: [(Double, Double, Double)] = []
        for _ in 0..<iterations { runs.append(try once()) }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] * 1000 }
        print(String(format: "threads %d, %d tokens, %.0f s (audio %d × 74, video %d × 35): encoder %.2f ms, LSTMs+fusion+heads %.2f ms, total %.2f ms (median of %d)",
                     threads, batch.length, seconds, ta, tv, median(runs.map(\.0)), median(runs.map(\.1)), median(runs.map(\.2)), iterations))
    }
}
