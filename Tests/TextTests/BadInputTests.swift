import Foundation
import Testing
import Tensor
@testable import Text

/// A tiny BERT (random weights) written as safetensors in memory, for error paths and
/// gradient checks that do not need the real model.
enum TinyBert {
    static let configJSON = #"""
    {"model_type": "bert", "vocab_size": 12, "hidden_size": 4, "num_hidden_layers": 2,
     "num_attention_heads": 2, "intermediate_size": 6, "max_position_embeddings": 8,
     "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
    """#

    static func tensors(seed: UInt64 = 3, prefix: String = "") -> [String: Tensor] {
        var rng = SeededRNG(seed: seed)
        var t: [String: Tensor] = [:]
        func add(_ name: String, _ shape: [Int], std: Float = 0.5) { t[prefix + name] = .randomNormal(shape, std: std, using: &rng) }
        add("embeddings.word_embeddings.weight", [12, 4])
        add("embeddings.position_embeddings.weight", [8, 4])
        add("embeddings.token_type_embeddings.weight", [2, 4])
        add("embeddings.LayerNorm.weight", [4]); add("embeddings.LayerNorm.bias", [4])
        for l in 0..<2 {
            let p = "encoder.layer.\(l)."
            for n in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                add(p + n + ".weight", [4, 4]); add(p + n + ".bias", [4])
            }
            add(p + "attention.output.LayerNorm.weight", [4]); add(p + "attention.output.LayerNorm.bias", [4])
            add(p + "intermediate.dense.weight", [6, 4]); add(p + "intermediate.dense.bias", [6])
            add(p + "output.dense.weight", [4, 6]); add(p + "output.dense.bias", [4])
            add(p + "output.LayerNorm.weight", [4]); add(p + "output.LayerNorm.bias", [4])
        }
        // LayerNorm scales near 1, as in trained models (keeps gradients well above Float32 noise).
        for (k, v) in t where k.hasSuffix("LayerNorm.weight") { t[k] = Tensor(shape: v.shape, data: v.data.map { 1 + 0.2 * $0 }) }
        return t
    }

    static func encoder(_ tensors: [String: Tensor] = tensors()) throws -> BertEncoder {
        try BertEncoder(config: try BertConfig.decode(Data(configJSON.utf8)),
                        weights: try SafetensorsFile(data: try SafetensorsFile.encode(tensors), path: "tiny.safetensors"))
    }
}

@Suite("Bad input")
struct BadInputTests {
    @Test("Empty, whitespace-only and control-only text encode to [CLS] [SEP]",
          .enabled(if: Paths.haveModel, "needs scripts/setup's all-MiniLM-L6-v2 model"))
    func emptyText() throws {
        let tok = try #require(Shared.tokenizer)
        for text in ["", " ", "\t\n\r  \u{3000}", "\u{0}\u{1}\u{7}\u{1B}\u{7F}", "\u{200B}\u{FEFF}\u{FFFD}"] {
            let e = tok.encode(text)
            #expect(e.ids == [101, 102], "\(text.unicodeScalars.map(\.value))")
            #expect(!e.truncated)
        }
        // The encoder accepts them and gives finite vectors.
        if let enc = EncoderTests.encoder {
            let v = try enc.embed(tok.encodeBatch(["", "   "], maxLength: 16), pooling: .mean)
            #expect(v.shape == [2, 384] && v.data.allSatisfy(\.isFinite))
        }
    }

    @Test("A 10 000-word input is truncated to the maximum length and says so",
          .enabled(if: Paths.haveModel, "needs scripts/setup's all-MiniLM-L6-v2 model"))
    func longInput() throws {
        let tok = try #require(Shared.tokenizer)
        let text = Array(repeating: "wonderful", count: 10_000).joined(separator: " ")
        let e = tok.encode(text, maxLength: 256)
        #expect(e.ids.count == 256)
        #expect(e.ids.first == 101 && e.ids.last == 102)
        #expect(e.truncated)
        #expect(e.untruncatedCount == 10_002)
        let short = tok.encode("wonderful", maxLength: 256)
        #expect(!short.truncated && short.ids.count == 3)
        let batch = tok.encodeBatch([text, "ok"], maxLength: 128)
        #expect(batch.length == 128 && batch.truncated == [true, false])
        // Through the encoder: 256 tokens (sentence_bert_config.json's max_seq_length), flagged.
        let te = try TextEncoder(directory: Paths.model)
        #expect(te.maxLength == 256)
        let r = try te.embed([text, "ok"], pooling: .mean)
        #expect(r.vectors.shape == [2, 384])
        #expect(r.tokenCounts == [256, 3] && r.untruncatedCounts == [10_002, 3] && r.truncated == [true, false])
        #expect(r.vectors.data.allSatisfy { $0.isFinite })
    }

    @Test("A config that is not BERT-family is a typed error naming the file and model type")
    func notBert() throws {
        let gpt2 = #"{"model_type": "gpt2", "vocab_size": 50257, "n_embd": 768}"#
        #expect(throws: TextError.notBertFamily(file: "gpt2/config.json", modelType: "gpt2")) {
            try BertConfig.decode(Data(gpt2.utf8), source: "gpt2/config.json")
        }
        let relu = TinyBert.configJSON.replacingOccurrences(of: "\"gelu\"", with: "\"relu\"")
        #expect(throws: TextError.self) { try BertConfig.decode(Data(relu.utf8)) }
        #expect(throws: TextError.invalidConfig(file: "config.json", reason: "not a JSON object")) { try BertConfig.decode(Data("[1]".utf8)) }
        let heads = TinyBert.configJSON.replacingOccurrences(of: "\"num_attention_heads\": 2", with: "\"num_attention_heads\": 3")
        #expect(throws: TextError.self) { try BertConfig.decode(Data(heads.utf8)) }
        let e = TextError.notBertFamily(file: "gpt2/config.json", modelType: "gpt2")
        #expect(e.description.contains("gpt2/config.json") && e.description.contains("'gpt2'"))
    }

    @Test("A checkpoint with a wrong shape, a wrong dtype, a missing tensor or truncated data names the tensor")
    func badCheckpoint() throws {
        var t = TinyBert.tensors()
        t["encoder.layer.1.intermediate.dense.weight"] = .zeros([5, 4])
        #expect(throws: SafetensorsError.wrongShape(file: "tiny.safetensors", tensor: "encoder.layer.1.intermediate.dense.weight", expected: [6, 4], found: [5, 4])) {
            try TinyBert.encoder(t)
        }
        t = TinyBert.tensors()
        t.removeValue(forKey: "embeddings.LayerNorm.bias")
        #expect(throws: SafetensorsError.missingTensor(file: "tiny.safetensors", tensor: "embeddings.LayerNorm.bias")) { try TinyBert.encoder(t) }
        // Wrong dtype: relabel one F32 tensor as I32 in the header.
        var data = try SafetensorsFile.encode(TinyBert.tensors())
        let text = String(decoding: data, as: UTF8.self)
        let needle = #""embeddings.word_embeddings.weight":{"dtype":"F32""#
        #expect(text.contains(needle))
        data = Data(text.replacingOccurrences(of: needle, with: needle.replacingOccurrences(of: "F32", with: "I32")).utf8)
        let st = try SafetensorsFile(data: data, path: "dtype.safetensors")
        #expect(throws: SafetensorsError.unsupportedDtype(file: "dtype.safetensors", tensor: "embeddings.word_embeddings.weight", dtype: "I32")) {
            try BertEncoder(config: try BertConfig.decode(Data(TinyBert.configJSON.utf8)), weights: st)
        }
        let full = try SafetensorsFile.encode(TinyBert.tensors())
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(data: full.prefix(full.count - 4), path: "cut.safetensors") }
        do {
            _ = try SafetensorsFile(data: full.prefix(full.count - 4), path: "cut.safetensors")
        } catch let e as SafetensorsError {
            guard case let .truncated(_, tensor, _, _) = e else { Issue.record("expected truncated, got \(e)"); return }
            #expect(!tensor.isEmpty && e.description.contains(tensor))
        }
    }

    @Test("A batch longer than the position table or with ids outside the vocabulary is a typed error")
    func batchDoesNotFit() throws {
        let enc = try TinyBert.encoder()
        let long = TokenBatch(ids: Array(repeating: 1, count: 9), mask: Array(repeating: 1, count: 9), batch: 1, length: 9)
        #expect(throws: TextError.self) { try enc.hiddenStates(long) }
        let badID = TokenBatch(ids: [1, 12, 2], mask: [1, 1, 1], batch: 1, length: 3)
        #expect(throws: TextError.self) { try enc.embed(badID, pooling: .cls) }
        do { _ = try enc.hiddenStates(badID) } catch { #expect("\(error)".contains("token id 12")) }
        #expect(try enc.hiddenStates(TokenBatch(ids: [1, 11, 2], mask: [1, 1, 1], batch: 1, length: 3)).shape == [1, 3, 4])
    }

    @Test("A missing model directory or vocabulary is a typed error naming the path")
    func missingFiles() {
        let dir = URL(fileURLWithPath: "/nonexistent/model")
        #expect(throws: TextError.self) { try BertEncoder(directory: dir) }
        #expect(throws: TextError.self) { try WordPieceTokenizer(vocabularyFile: dir.appendingPathComponent("vocab.txt")) }
        #expect(throws: TextError.missingSpecialToken(token: "[CLS]", file: "<vocabulary>")) { try WordPieceTokenizer(vocabulary: ["a", "b"]) }
    }
}

@Suite("Encoder training path")
struct EncoderGradientTests {
    /// The whole encoder composed (each op is checked at ≤ 1e-3 in TensorTests). Per-element
    /// finite differences of a 2-layer Float32 encoder hit Float32's noise floor (~1e-5 absolute
    /// on derivatives), so each parameter tensor is checked along three random ±1 directions d:
    /// Richardson-extrapolated central differences of Σ w⊙pooled (summed in Float64) against
    /// g·d. Tolerance 5e-3 here: the smallest directional derivatives (attention key weights,
    /// ~5e-3) leave only that margin above the noise floor.
    @Test("A tiny BERT's gradients (every weight tensor, [CLS] and mean pooling, padded batch) pass finite differences")
    func tinyBertGradients() throws {
        let enc = try TinyBert.encoder()
        let batch = TokenBatch(ids: [1, 5, 7, 2, 1, 9, 2, 0], mask: [1, 1, 1, 1, 1, 1, 1, 0], batch: 2, length: 4)
        var wr = SeededRNG(seed: 5)
        let w = Tensor.randomUniform([2, 8], low: -1, high: 1, using: &wr)
        func pooled(_ tape: Tape?) -> Var {
            var r = SeededRNG(seed: 0)
            let h = enc(batch, tape: tape, rng: &r)
            return concat([BertEncoder.pool(h, mask: batch.mask, .cls), BertEncoder.pool(h, mask: batch.mask, .mean)], axis: 1)
        }
        func loss(_ tape: Tape?) -> Var { (pooled(tape) * Var(w)).sum() }
        /// The same loss summed in Float64 from the Float32 outputs.
        func loss64() -> Double {
            let y = pooled(nil).value
            return (0..<y.count).reduce(0.0) { $0 + Double(y.data[$1]) * Double(w.data[$1]) }
        }
        for p in enc.parameters { p.zeroGrad() }
        let tape = Tape()
        tape.backward(loss(tape))
        var rng = SeededRNG(seed: 11)
        var worst: Float = 0
        let eps: Float = 4e-2
        for p in enc.parameters {
            let g = p.grad ?? .zeros(p.value.shape)
            let saved = p.value
            for _ in 0..<3 {
                let d = (0..<saved.count).map { _ in rng.nextFloat() < 0.5 ? Float(-1) : 1 }
                var analytic = 0.0
                for j in 0..<d.count { analytic += Double(g.data[j]) * Double(d[j]) }
                func central(_ e: Float) -> Double {
                    var plus = saved, minus = saved
                    for j in 0..<d.count { plus.data[j] += e * d[j]; minus.data[j] -= e * d[j] }
                    p.value = plus
                    let lp = loss64()
                    p.value = minus
                    let lm = loss64()
                    p.value = saved
                    return (lp - lm) / Double(2 * e)
                }
                // Richardson extrapolation cancels the ε² term of the central difference.
                let numeric = (4 * central(eps / 2) - central(eps)) / 3
                let scale = max(abs(analytic), abs(numeric))
                let rel = Float(scale < 1e-3 ? abs(analytic - numeric) : abs(analytic - numeric) / scale)
                worst = max(worst, rel)
                #expect(rel <= 5e-3, "\(p.name): analytic \(analytic), numeric \(numeric), relative error \(rel)")
            }
        }
        print("gradcheck tiny BERT encoder (all \(enc.parameters.count) tensors, 3 directions each): \(worst)")
    }

    @Test("A saved encoder is a checkpoint that loads back to the same outputs")
    func checkpoint() throws {
        let enc = try TinyBert.encoder()
        let batch = TokenBatch(ids: [1, 5, 7, 2, 1, 9, 2, 0], mask: [1, 1, 1, 1, 1, 1, 1, 0], batch: 2, length: 4)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-bert-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try enc.save(to: url)
        let again = try BertEncoder(config: enc.config, weights: try SafetensorsFile(contentsOf: url))
        #expect(try again.hiddenStates(batch) == (try enc.hiddenStates(batch)))
        // Checkpoints with the "bert." prefix (bert-base-uncased's layout) load too.
        let prefixed = try TinyBert.encoder(TinyBert.tensors(prefix: "bert."))
        #expect(try prefixed.hiddenStates(batch) == (try enc.hiddenStates(batch)))
    }

    @Test("AdamW steps with hidden and attention dropout lower the tiny BERT's loss")
    func trainingStep() throws {
        let enc = try TinyBert.encoder()
        let batch = TokenBatch(ids: [1, 5, 7, 2, 1, 9, 2, 0], mask: [1, 1, 1, 1, 1, 1, 1, 0], batch: 2, length: 4)
        let opt = Adam.adamW(groups: [ParameterGroup(enc.parameters, learningRate: 1e-2, weightDecay: 0.01)])
        var losses: [Float] = []
        for _ in 0..<5 {
            let tape = Tape()
            var r = SeededRNG(seed: 0)
            let hidden = enc(batch, tape: tape, dropout: 0.1, attentionDropout: 0.1, rng: &r)
            let loss = BertEncoder.pool(hidden, mask: batch.mask, .mean).squared().sum()
            losses.append(loss.value.scalar)
            opt.zeroGrad()
            tape.backward(loss)
            clipGradientNorm(enc.parameters, maxNorm: 1)
            opt.update()
        }
        #expect(losses.last! < losses.first!)
    }
}
