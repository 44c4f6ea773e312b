import ArgumentParser
import Foundation
import Tensor
import Text

/// `sentio bench encoder`: BERT encoder forward latency/throughput (batch 1 and 32) and one
/// training step (forward + backward + AdamW), on sentences read from a file; and an LSTM step.
struct BenchEncoder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "Benchmark the text encoder: forward at batch 1 and 32, and one training step.",
        discussion: """
        Also times forward + backward of an LSTM (batch 32, ≤ 500 steps of 74 features, hidden 32).
        Prints one JSON object with p50/p95 milliseconds and throughput. scripts/bench/encoder.py
        runs PyTorch on the same sentences with the same thread count and prints the ratios.

        Example:
          swift build -c release
          .build/release/sentio bench encoder --sentences sentences.txt --threads 1
        """
    )

    @Option(help: "Model directory (default: $SENTIO_TEXT_MODEL or \(Embed.defaultModel)).")
    var model: String?

    @Option(help: "Text file with one sentence per line (the first 32 are used).")
    var sentences: String

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    @Option(help: "Maximum tokens per sentence.")
    var maxLength: Int = 50

    @Option(help: "Timed repetitions of each measurement.")
    var iterations: Int = 10

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if iterations < 1 { throw ValidationError("--iterations must be at least 1") }
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))]
    }

    func run() throws {
        OpenBLASKernels.preferAVX512()
        BLAS.setThreadCount(threads)
        let dir = Embed.modelDirectory(model)
        let encoder = try BertEncoder(directory: dir)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: dir.appendingPathComponent("vocab.txt"))
        let lines = try String(contentsOfFile: sentences, encoding: .utf8).split(separator: "\n").map(String.init)
        let texts = Array(lines.prefix(32))
        guard texts.count == 32 else { throw ValidationError("\(sentences) has \(texts.count) sentences; 32 needed") }
        let singles = texts.map { tokenizer.encodeBatch([$0], maxLength: maxLength) }
        let batch = tokenizer.encodeBatch(texts, maxLength: maxLength)

        // Forward, batch 1: every sentence once per iteration.
        for s in singles.prefix(4) { _ = try encoder.hiddenStates(s) }
        var b1: [Double] = []
        for _ in 0..<iterations {
            for s in singles {
                let t0 = Self.now(); _ = try encoder.hiddenStates(s); b1.append(Self.now() - t0)
            }
        }
        // Forward, batch 32.
        _ = try encoder.hiddenStates(batch)
        var b32: [Double] = []
        for _ in 0..<iterations { let t0 = Self.now(); _ = try encoder.hiddenStates(batch); b32.append(Self.now() - t0) }
        // Training step, batch 32: mean pooling, squared-norm loss, backward, AdamW.
        try encoder.check(batch)
        let opt = Adam.adamW(groups: [ParameterGroup(encoder.parameters, learningRate: 1e-5, weightDecay: 0.01)])
        var train: [Double] = []
        for i in 0...min(iterations, 5) {
            let t0 = Self.now()
            let tape = Tape()
            var rng = SeededRNG(seed: UInt64(i))
            let pooled = BertEncoder.pool(encoder(batch, tape: tape, rng: &rng), mask: batch.mask, .mean)
            let loss = pooled.squared().mean()
            opt.zeroGrad()
            tape.backward(loss)
            opt.update()
            if i > 0 { train.append(Self.now() - t0) }
        }
        // LSTM (the audio/vision branch): batch 32, up to 500 steps of 74 features, hidden 32,
        // lengths spread over 100...500; forward + backward of the last states.
        var lrng = SeededRNG(seed: 3)
        let lstm = LSTM("bench", inputSize: 74, hiddenSize: 32, rng: &lrng)
        let lx = Tensor.randomNormal([32, 500, 74], using: &lrng)
        let lengths = (0..<32).map { 100 + ($0 * 397) % 401 }
        var lstmTimes: [Double] = []
        for i in 0...3 {
            let t0 = Self.now()
            let tape = Tape()
            let out = lstm(tape.input(lx), lengths: lengths, tape: tape).last
            tape.backward(out.sum())
            if i > 0 { lstmTimes.append(Self.now() - t0) }
        }
        // sgemm: OpenBLAS peak on a large product vs the encoder's own shapes.
        func gflops(m: Int, n: Int, k: Int, reps: Int) -> Double {
            var rng = SeededRNG(seed: 1)
            let a = Var(Tensor.randomNormal([m, k], using: &rng)), b = Var(Tensor.randomNormal([n, k], using: &rng))
            _ = linear(a, weight: b, bias: nil)
            let t0 = Self.now()
            for _ in 0..<reps { _ = linear(a, weight: b, bias: nil) }
            return 2 * Double(m * n * k) * Double(reps) / (Self.now() - t0) / 1e9
        }
        let H = encoder.config.hiddenSize, I = encoder.config.intermediateSize
        let rows = batch.batch * batch.length
        let peak = gflops(m: 1024, n: 1024, k: 1024, reps: 5)
        let qkv = gflops(m: rows, n: H, k: H, reps: 50)
        let ffn = gflops(m: rows, n: I, k: H, reps: 20)
        // FLOPs of one batch-32 forward (matrix products only) → effective rate.
        let L = Double(batch.length), B = Double(batch.batch), h = Double(H), inter = Double(I)
        let layerFlops = 2 * B * L * (4 * h * h + 2 * h * inter) + 2 * 2 * B * L * L * h
        let forwardFlops = layerFlops * Double(encoder.config.numHiddenLayers)
        let p50b32 = Self.percentile(b32, 0.5)
        func ms(_ x: Double) -> String { String(format: "%.3f", x * 1000) }
        print("""
        {"implementation":"sentio","threads":\(threads),"sentences":32,"max_length":\(maxLength),"batch32_length":\(batch.length),\
        "forward_b1_p50_ms":\(ms(Self.percentile(b1, 0.5))),"forward_b1_p95_ms":\(ms(Self.percentile(b1, 0.95))),\
        "forward_b1_sentences_per_s":\(String(format: "%.1f", Double(b1.count) / b1.reduce(0, +))),\
        "forward_b32_p50_ms":\(ms(p50b32)),"forward_b32_p95_ms":\(ms(Self.percentile(b32, 0.95))),\
        "forward_b32_sentences_per_s":\(String(format: "%.1f", 32 / p50b32)),\
        "train_step_b32_p50_ms":\(ms(Self.percentile(train, 0.5))),\
        "lstm_b32_t500_train_p50_ms":\(ms(Self.percentile(lstmTimes, 0.5))),\
        "sgemm_peak_gflops":\(String(format: "%.1f", peak)),"sgemm_qkv_shape_gflops":\(String(format: "%.1f", qkv)),\
        "sgemm_ffn_shape_gflops":\(String(format: "%.1f", ffn)),"forward_b32_effective_gflops":\(String(format: "%.1f", forwardFlops / p50b32 / 1e9))}
        """)
    }
}
